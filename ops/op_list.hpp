#pragma once
// The registry: every differentiable op, listed once, in its family's list. apply<Op> refuses an
// op missing here, and the registry-wide tests (one file per family) and `opcheck` iterate these
// lists, so a listed op is checked automatically.
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
// elementwise family: activations.hpp, elementwise_special.hpp, elementwise_select.hpp
struct LeakyRelu; struct Elu; struct Selu; struct Celu; struct Gelu; struct GeluTanh; struct Silu; struct Mish;
struct Softplus; struct Softsign; struct Hardtanh; struct Clamp; struct Hardsigmoid; struct Hardswish;
struct LogSigmoid; struct Log1p; struct Expm1; struct Log2; struct Exp2; struct Erf; struct Erfc;
struct Polygamma; struct Lgamma; struct Reciprocal; struct Rsqrt;
struct Where; struct Maximum; struct Minimum; struct Prelu; struct Atan2; struct Hypot;
// conv family: ops/conv.hpp, ops/pool.hpp
struct Conv2d; struct Conv2dBias; struct ConvTranspose2d; struct Conv2dWeight; struct MaxPool2d;
struct MaxPool2dGather; struct MaxPool2dScatter; struct AvgPool2d; struct AvgPool2dTranspose;
struct AdaptiveAvgPool2d; struct AdaptiveAvgPool2dTranspose;
// shape_index family: index_ops.hpp, reduce_more.hpp
struct Concat; struct IndexSelect; struct IndexAdd; struct Gather; struct ScatterAdd;
struct Variance; struct StdDev; struct Prod; struct Cumsum; struct Cumprod; struct Amax; struct Amin; struct Norm2;
// nn family: softmax.hpp, loss.hpp, norm.hpp, dropout.hpp, layer_norm.hpp
struct Softmax; struct LogSoftmax; struct LogSumExp; struct CrossEntropyIndex; struct BinaryCrossEntropyWithLogits;
struct Normalize; struct Dropout; struct LayerNorm;

// One list per family, joined below (a family adds its ops in its own list).
using CoreOps = std::tuple<Neg, Square, Sqrt, Exp, Log, Abs, Sin, Cos, Tanh, Sigmoid, Relu, PowScalar, Add, Sub,
                           Mul, Div, Pow, Sum, Mean, MaxAxis, Reshape, Copy, Permute, BroadcastTo, SumTo, Slice,
                           SliceTranspose, MatMul>;
using ElementwiseOps =
    std::tuple<LeakyRelu, Elu, Selu, Celu, Gelu, GeluTanh, Silu, Mish, Softplus, Softsign, Hardtanh, Clamp,
               Hardsigmoid, Hardswish, LogSigmoid, Log1p, Expm1, Log2, Exp2, Erf, Erfc, Polygamma, Lgamma,
               Reciprocal, Rsqrt, Where, Maximum, Minimum, Prelu, Atan2, Hypot>;
using ConvOps = std::tuple<Conv2d, Conv2dBias, ConvTranspose2d, Conv2dWeight, MaxPool2d, MaxPool2dGather,
                           MaxPool2dScatter, AvgPool2d, AvgPool2dTranspose, AdaptiveAvgPool2d,
                           AdaptiveAvgPool2dTranspose>;
using ShapeIndexOps = std::tuple<Concat, IndexSelect, IndexAdd, Gather, ScatterAdd, Variance, StdDev, Prod, Cumsum,
                                 Cumprod, Amax, Amin, Norm2>;
using NnOps = std::tuple<Softmax, LogSoftmax, LogSumExp, CrossEntropyIndex, BinaryCrossEntropyWithLogits, Normalize,
                         Dropout, LayerNorm>;

template <class... Lists>
struct join_lists;
template <class L>
struct join_lists<L> {
    using type = L;
};
template <class... A, class... B, class... Rest>
struct join_lists<std::tuple<A...>, std::tuple<B...>, Rest...> : join_lists<std::tuple<A..., B...>, Rest...> {};

/// The families, in registry order: each has its own registry and fused-kernel TUs, which include
/// only that family's op headers (ops/registry_<family>.cpp, ops/fused_kernels_<family>_<type>.cpp).
using OpFamilies = std::tuple<CoreOps, ElementwiseOps, ConvOps, ShapeIndexOps, NnOps>;
template <class Families>
struct join_families;
template <class... Lists>
struct join_families<std::tuple<Lists...>> : join_lists<Lists...> {};
using OpList = join_families<OpFamilies>::type;
}  // namespace tg::ops

namespace tg {
template <class Op, class List = ops::OpList>
struct is_registered;
template <class Op, class... Ops>
struct is_registered<Op, std::tuple<Ops...>> : std::bool_constant<(std::is_same_v<Op, Ops> || ...)> {};
/// An op checked by another registry of the same kind (solvers/solver_list.hpp: solver ops live
/// above ops/, so ops::OpList cannot name them). Specialized only by such a list, for its members.
template <class Op>
struct registered_elsewhere : std::false_type {};
template <class Op>
inline constexpr bool is_registered_v = is_registered<Op>::value || registered_elsewhere<Op>::value;
}  // namespace tg
