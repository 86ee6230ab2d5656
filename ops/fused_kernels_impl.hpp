#pragma once
// The definitions behind ops/fused_kernels.hpp, included only by the fused-kernel TUs
// (fused_kernels_<family>_<type>.cpp: one family and one element type each, so they compile in
// parallel and an edit to one family's op header recompiles only that family's two). A TU includes
// its family's op headers before this one and instantiates TG_FUSED_KERNELS(type, family list).
//
// Compile time: unlike detail::map, which instantiates every combination of contiguous, single-
// value and row-broadcast inputs (2^K + 2 assignments per formula), a unary op's inputs all have
// the output's shape: x and y are made contiguous (they are, except for views), and only the
// cotangent g may be a single value broadcast (what a sum's VJP hands on). So each formula is
// instantiated three times: g contiguous, g single, and the tiny path (one element at a time).
#include <array>
#include <string>
#include <utility>

#include "../tensor/detail/elementwise.hpp"
#include "fused_kernels.hpp"

namespace tg::ops::detail_fused {

using tg::detail::adapt1;

// out = f(g, inputs...) over the flat arrays; g may be one value broadcast (g_single).
template <class T, bool HasG, class F, std::size_t K, std::size_t... I>
Tensor<T> run_flat(const char* op, F f, const Tensor<T>* g, const std::array<Tensor<T>, K>& in,
                   const Shape& shape, std::index_sequence<I...>) {
    Tensor<T> out = Tensor<T>::empty(shape, op);
    const std::int64_t n = out.numel();
    if (n == 0) return out;
    const bool g_single = g && n != 1 && (g->numel() == 1 || tg::detail::single_value(*g));
    const Tensor<T> gc = !g || g_single ? Tensor<T>() : g->contiguous();
    const T* gp = !g ? nullptr : g_single ? std::as_const(*g).data() : std::as_const(gc).data();
    const std::array<const T*, K> p{std::as_const(in[I]).data()...};
    T* o = out.data();
    if (n <= tg::detail::tiny_size) {  // one element at a time: adaptors cost more than the math
        for (std::int64_t i = 0; i < n; ++i) {
            if constexpr (HasG)
                o[i] = static_cast<T>(f(xt::xscalar<T>(gp[g_single ? 0 : i]), xt::xscalar<T>(p[I][i])...)());
            else o[i] = static_cast<T>(f(xt::xscalar<T>(p[I][i])...)());
        }
        return out;
    }
    tg::detail::parallel_chunks(n, [&](std::int64_t b, std::int64_t e) {
        auto oc = adapt1(o + b, e - b);
        if constexpr (!HasG) xt::noalias(oc) = f(adapt1(const_cast<T*>(p[I]) + b, e - b)...);
        else if (g_single)
            xt::noalias(oc) = f(xt::xscalar<T>(gp[0]), adapt1(const_cast<T*>(p[I]) + b, e - b)...);
        else
            xt::noalias(oc) = f(adapt1(const_cast<T*>(gp) + b, e - b),
                                adapt1(const_cast<T*>(p[I]) + b, e - b)...);
    });
    return out;
}

template <class T, bool HasG, class F, class... In>
Tensor<T> flat(const char* op, F f, const Tensor<T>* g, const In&... in) {
    const std::array<const Tensor<T>*, sizeof...(In)> args{&in...};
    for (const Tensor<T>* a : args) a->require_defined(op);
    if (g) g->require_defined(op);
    const Shape& shape = args[0]->shape();
    if (g && !(g->shape() == shape))
        throw ShapeError(std::string(op) + ": cotangent of shape " + g->shape().str() +
                         " for an output of shape " + shape.str());
    return run_flat<T, HasG>(op, f, g, std::array<Tensor<T>, sizeof...(In)>{in.contiguous()...}, shape,
                             std::make_index_sequence<sizeof...(In)>{});
}

template <class D, class T>
Tensor<T> run_forward(const Tensor<T>& x, const Attrs& a) {
    return flat<T, false>(
        D::name, [&a](const auto& x_) { return D::template fx<T>(x_, a); }, nullptr, x);
}

// The kernel's expression is a temporary: moved into the result (xtensor keeps lvalues by reference).
template <class D, class T, class G, class E>
auto guarded(const G& g, E&& expr) {
    if constexpr (is_singular<D>()) return xt::where(xt::equal(g, T(0)), T(0), std::forward<E>(expr));
    else return std::forward<E>(expr);
}

template <class D, class T>
Tensor<T> run_vjp(const Tensor<T>& g, const Tensor<T>& x, const Tensor<T>& y, const Attrs& a) {
    if constexpr (D::kernel_reads == Reads::x) {
        return flat<T, true>(
            D::name,
            [&a](const auto& g_, const auto& x_) {
                return guarded<D, T>(g_, D::template kernel<T>(g_, x_, a));
            },
            &g, x);
    } else if constexpr (D::kernel_reads == Reads::y) {
        return flat<T, true>(
            D::name,
            [&a](const auto& g_, const auto& y_) {
                return guarded<D, T>(g_, D::template kernel<T>(g_, y_, a));
            },
            &g, y);
    } else {
        return flat<T, true>(
            D::name,
            [&a](const auto& g_, const auto& x_, const auto& y_) {
                return guarded<D, T>(g_, D::template kernel<T>(g_, x_, y_, a));
            },
            &g, x, y);
    }
}

template <class T>
using ForwardFn = Tensor<T> (*)(const Tensor<T>&, const Attrs&);
template <class T>
using VjpFn = Tensor<T> (*)(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&, const Attrs&);

template <class D, class T>
constexpr ForwardFn<T> forward_entry() {
    using X = decltype(adapt1(static_cast<const T*>(nullptr), 0));
    if constexpr (requires(const X& x, const Attrs& a) { D::template fx<T>(x, a); })
        return &run_forward<D, T>;
    else return nullptr;
}
template <class D, class T>
constexpr VjpFn<T> vjp_entry() {
    if constexpr (requires { D::kernel_reads; }) return &run_vjp<D, T>;
    else return nullptr;
}

// The entries ask `requires` questions of each op, which an incomplete type answers "no" without
// an error: a kernel TU missing one of its family's headers would build a table with null entries.
template <class Op>
concept complete_op = requires {
    sizeof(Op);
};

template <class T, class... Ops>
constexpr std::array<ForwardFn<T>, sizeof...(Ops)> forward_table(std::tuple<Ops...>*) {
    static_assert((complete_op<Ops> && ...), "a fused-kernel TU must include its family's op header first");
    return {forward_entry<Ops, T>()...};
}
template <class T, class... Ops>
constexpr std::array<VjpFn<T>, sizeof...(Ops)> vjp_table(std::tuple<Ops...>*) {
    static_assert((complete_op<Ops> && ...), "a fused-kernel TU must include its family's op header first");
    return {vjp_entry<Ops, T>()...};
}

template <class Fn>
Fn entry(Fn fn, const char* what, std::size_t op) {
    if (!fn)  // only an op listed in the wrong family, or a forward asked of an op without `fx`
        throw Error(std::string(what) + ": no fused kernel at index " + std::to_string(op) + " of its family");
    return fn;
}

}  // namespace tg::ops::detail_fused

namespace tg::ops {

template <class T, class List>
Tensor<T> unary_forward(std::size_t op, const Tensor<T>& x, const Attrs& a) {
    static constexpr auto table = detail_fused::forward_table<T>(static_cast<List*>(nullptr));
    return detail_fused::entry(table.at(op), "unary_forward", op)(x, a);
}

template <class T, class List>
Tensor<T> unary_fused_vjp(std::size_t op, const Tensor<T>& g, const Tensor<T>& x, const Tensor<T>& y,
                          const Attrs& a) {
    static constexpr auto table = detail_fused::vjp_table<T>(static_cast<List*>(nullptr));
    return detail_fused::entry(table.at(op), "unary_fused_vjp", op)(g, x, y, a);
}

}  // namespace tg::ops

// The explicit instantiations of one kernel TU.
#define TG_FUSED_KERNELS(T, List)                                                                \
    namespace tg::ops {                                                                          \
    template Tensor<T> unary_forward<T, List>(std::size_t, const Tensor<T>&, const Attrs&);      \
    template Tensor<T> unary_fused_vjp<T, List>(std::size_t, const Tensor<T>&, const Tensor<T>&, \
                                                const Tensor<T>&, const Attrs&);                 \
    }
