#pragma once
// The bridge between an elementwise op's declaration and its xsimd kernels. An op may write its
// forward value (`fx`) and its fused plain-sweep VJP (`kernel`) as xtensor expressions in its own
// struct; the fused-kernel TUs are the only ones that instantiate them, so the TUs that include the
// op headers never parse xtensor. The Unary base calls the two functions below with the op's family
// list (ops/op_list.hpp) and its position there; each family has its own kernel TUs, one per element
// type (ops/fused_kernels_<family>_<type>.cpp), which include that family's op headers alone and
// build the family's table: adding an op adds no line here or there, and editing one family's op
// header recompiles that family's kernels, not every family's.
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

template <class Op, class... Lists>
struct find_family {
    static_assert(sizeof...(Lists) > 0, "an op with a fused kernel must be in a family list of OpFamilies");
};
template <class Op, class List, class... Rest>
struct find_family<Op, List, Rest...> {
    using type = typename std::conditional_t<tg::is_registered<Op, List>::value, std::type_identity<List>,
                                             find_family<Op, Rest...>>::type;
};
template <class Op, class Families>
struct family_in;
template <class Op, class... Lists>
struct family_in<Op, std::tuple<Lists...>> : find_family<Op, Lists...> {};
/// The family list (ops/op_list.hpp, OpFamilies) an op belongs to.
template <class Op>
using family_of = typename family_in<Op, OpFamilies>::type;
/// The op's position in its family list (its key in that family's kernel tables).
template <class Op>
inline constexpr std::size_t op_index = ops::index_of<Op>(static_cast<family_of<Op>*>(nullptr));

/// The families that have fused-kernel TUs (ops/fused_kernels_<family>_<type>.cpp). A family
/// whose ops start declaring `fx` or `kernel` adds its two TUs and its line here.
template <class List>
inline constexpr bool has_fused_kernels = false;
template <>
inline constexpr bool has_fused_kernels<CoreOps> = true;
template <>
inline constexpr bool has_fused_kernels<ElementwiseOps> = true;

/// y = Op::fx(x) for the op at `op` in the family list `List` (one xsimd pass).
template <class T, class List>
Tensor<T> unary_forward(std::size_t op, const Tensor<T>& x, const Attrs& a);
/// g * f'(x) by the op's fused kernel; where the op is `singular` (an infinite derivative at the
/// edge of its domain), an exact zero g gives 0 (NOTE [zero cotangents] in elementwise_unary.hpp).
template <class T, class List>
Tensor<T> unary_fused_vjp(std::size_t op, const Tensor<T>& g, const Tensor<T>& x, const Tensor<T>& y,
                          const Attrs& a);

/// The two entry points for one op (what the Unary base and the kernel tests call).
template <class Op, class T>
Tensor<T> fused_forward(const Tensor<T>& x, const Attrs& a) {
    static_assert(has_fused_kernels<family_of<Op>>,
                  "this op's family has no fused-kernel TUs (has_fused_kernels)");
    return unary_forward<T, family_of<Op>>(op_index<Op>, x, a);
}
template <class Op, class T>
Tensor<T> fused_vjp(const Tensor<T>& g, const Tensor<T>& x, const Tensor<T>& y, const Attrs& a) {
    static_assert(has_fused_kernels<family_of<Op>>,
                  "this op's family has no fused-kernel TUs (has_fused_kernels)");
    return unary_fused_vjp<T, family_of<Op>>(op_index<Op>, g, x, y, a);
}

}  // namespace tg::ops
