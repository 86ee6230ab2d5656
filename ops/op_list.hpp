#pragma once
// The registry: every differentiable op, listed once. apply<Op> refuses an op missing here, and
// the registry-wide tests and `opcheck` iterate this list, so a listed op is checked automatically.
#include <tuple>
#include <type_traits>

namespace tg::ops {
// elementwise_unary.hpp
struct Neg; struct Square; struct Sqrt; struct Exp; struct Log; struct Abs; struct Sin; struct Cos;
struct Tanh; struct Sigmoid; struct Relu; struct PowScalar;
// elementwise_binary.hpp
struct Add; struct Sub; struct Mul; struct Div; struct Pow;
// reduce.hpp
struct Sum; struct Mean; struct MaxAxis;
// shape_ops.hpp
struct Reshape; struct Copy; struct Permute; struct BroadcastTo; struct SumTo; struct Slice; struct SliceTranspose;
// matmul.hpp
struct MatMul;
// nn family: softmax.hpp, loss.hpp, norm.hpp, dropout.hpp
struct Softmax; struct LogSoftmax; struct LogSumExp; struct CrossEntropyIndex; struct BinaryCrossEntropyWithLogits;
struct Normalize; struct Dropout;

using OpList = std::tuple<Neg, Square, Sqrt, Exp, Log, Abs, Sin, Cos, Tanh, Sigmoid, Relu, PowScalar,
                          Add, Sub, Mul, Div, Pow, Sum, Mean, MaxAxis, Reshape, Copy, Permute, BroadcastTo,
                          SumTo, Slice, SliceTranspose, MatMul,
                          // nn family
                          Softmax, LogSoftmax, LogSumExp, CrossEntropyIndex, BinaryCrossEntropyWithLogits,
                          Normalize, Dropout>;
}  // namespace tg::ops

namespace tg {
template <class Op, class List = ops::OpList>
struct is_registered;
template <class Op, class... Ops>
struct is_registered<Op, std::tuple<Ops...>> : std::bool_constant<(std::is_same_v<Op, Ops> || ...)> {};
template <class Op>
inline constexpr bool is_registered_v = is_registered<Op>::value;
}  // namespace tg
