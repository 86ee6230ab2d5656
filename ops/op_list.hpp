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
// shape_index family: index_ops.hpp, reduce_more.hpp
struct Concat; struct IndexSelect; struct IndexAdd; struct Gather; struct ScatterAdd;
struct Variance; struct StdDev; struct Prod; struct Cumsum; struct Cumprod; struct Amax; struct Amin; struct Norm2;

using OpList = std::tuple<Neg, Square, Sqrt, Exp, Log, Abs, Sin, Cos, Tanh, Sigmoid, Relu, PowScalar,
                          Add, Sub, Mul, Div, Pow, Sum, Mean, MaxAxis, Reshape, Copy, Permute, BroadcastTo,
                          SumTo, Slice, SliceTranspose, MatMul,
                          // shape_index family
                          Concat, IndexSelect, IndexAdd, Gather, ScatterAdd, Variance, StdDev, Prod, Cumsum,
                          Cumprod, Amax, Amin, Norm2>;
}  // namespace tg::ops

namespace tg {
template <class Op, class List = ops::OpList>
struct is_registered;
template <class Op, class... Ops>
struct is_registered<Op, std::tuple<Ops...>> : std::bool_constant<(std::is_same_v<Op, Ops> || ...)> {};
template <class Op>
inline constexpr bool is_registered_v = is_registered<Op>::value;
}  // namespace tg
