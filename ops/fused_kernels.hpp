#pragma once
// The bridge between an elementwise op's declaration and its xsimd kernels. An op may write its
// forward value (`fx`) and its fused plain-sweep VJP (`kernel`) as xtensor expressions in its own
// struct; ops/fused_kernels.cpp is the only TU that instantiates them (through detail::map), so
// the TUs that include the op headers never parse xtensor. The Unary base calls the two functions
// below with the op's position in ops::OpList, and the .cpp finds the op's kernel in a table built
// from that list: adding an op adds no line here or there.
#include <cstddef>
#include <tuple>
#include <type_traits>

#include "../autodiff/attrs.hpp"
#include "../tensor/tensor.hpp"
#include "op_list.hpp"

namespace tg::ops {

/// Which saved tensors an op's fused VJP kernel reads (each one is a pass over memory):
/// `kernel<T>(g, x, attrs)`, `kernel<T>(g, y, attrs)` or `kernel<T>(g, x, y, attrs)`.
enum class Reads { x, y, x_and_y };

template <class Op, class... Ops>
constexpr std::size_t index_of(std::tuple<Ops...>*) {
    std::size_t i = 0;
    (void)((std::is_same_v<Op, Ops> ? true : (++i, false)) || ...);
    return i;
}
/// The op's position in ops::OpList (its key in the kernel tables).
template <class Op>
inline constexpr std::size_t op_index = index_of<Op>(static_cast<OpList*>(nullptr));

/// y = Op::fx(x) for the op at `op` in OpList (one xsimd pass).
template <class T>
Tensor<T> unary_forward(std::size_t op, const Tensor<T>& x, const Attrs& a);
/// g * f'(x) by the op's fused kernel; where the op is `singular` (an infinite derivative at the
/// edge of its domain), an exact zero g gives 0 (NOTE [zero cotangents] in elementwise_unary.hpp).
template <class T>
Tensor<T> unary_fused_vjp(std::size_t op, const Tensor<T>& g, const Tensor<T>& x, const Tensor<T>& y,
                          const Attrs& a);

}  // namespace tg::ops
