#pragma once
// The parts of a registry entry made from an op type: its type-erased call (with the deliberate
// VJP mutants) and the OpInfo list of a tuple of ops. Shared by the op registry's family TUs
// (ops/registry_<family>.cpp) and the solver registry (solvers/solver_registry.cpp), which
// instantiate it for their lists.
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "registry.hpp"

namespace tg::detail_registry {

template <class Op, class T, Mutation M, int K>
void mutant_vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
    if constexpr (M == Mutation::detach_cotangent) {  // the rule sees its cotangent as a constant
        VjpArgs<T> b = a;
        b.gy = a.gy.detach();
        detail::vjp_thunk<Op, T>(b, c);
        return;
    }
    detail::vjp_thunk<Op, T>(a, c);
    for (int i = 0; i < Op::arity; ++i) {
        if (!c[i].defined()) continue;
        if constexpr (M == Mutation::scale) c[i] = c[i] * T(1 + 1e-4);
        if constexpr (M == Mutation::flip) c[i] = -c[i];
        if constexpr (M == Mutation::drop)
            if (i == K) c[i] = Var<T>();
        if constexpr (M == Mutation::detach) c[i] = c[i].detach();
    }
}

template <class Op, class T, std::size_t... I>
Var<T> call_with(detail::VjpFn<T> vjp, const Attrs& a, const std::vector<Var<T>>& x, std::index_sequence<I...>) {
    if (x.size() != sizeof...(I))
        throw ShapeError(std::string(Op::name) + ": expected " + std::to_string(sizeof...(I)) + " inputs");
    return detail::apply_unchecked<Op, T>(vjp, a, x[I]...);
}

template <class Op>
Var<double> call(const Attrs& a, const std::vector<Var<double>>& x, Mutation m, int k) {
    using Seq = std::make_index_sequence<Op::arity>;
    detail::VjpFn<double> fn = &detail::vjp_thunk<Op, double>;
    if (m == Mutation::scale) fn = &mutant_vjp<Op, double, Mutation::scale, 0>;
    if (m == Mutation::flip) fn = &mutant_vjp<Op, double, Mutation::flip, 0>;
    if (m == Mutation::detach) fn = &mutant_vjp<Op, double, Mutation::detach, 0>;
    if (m == Mutation::detach_cotangent) fn = &mutant_vjp<Op, double, Mutation::detach_cotangent, 0>;
    if (m == Mutation::drop)
        fn = k == 0   ? &mutant_vjp<Op, double, Mutation::drop, 0>
             : k == 1 ? &mutant_vjp<Op, double, Mutation::drop, 1>
             : k == 2 ? &mutant_vjp<Op, double, Mutation::drop, 2>
                      : &mutant_vjp<Op, double, Mutation::drop, 3>;
    return call_with<Op, double>(fn, a, x, Seq{});
}

template <class Op>
Var<float> call_f32(const Attrs& a, const std::vector<Var<float>>& x) {
    return call_with<Op, float>(&detail::vjp_thunk<Op, float>, a, x, std::make_index_sequence<Op::arity>{});
}

template <class... Ops>
std::vector<OpInfo> make_registry(std::tuple<Ops...>*) {
    return {OpInfo{Ops::name, Ops::arity, &Ops::samples, &call<Ops>, &call_f32<Ops>}...};
}

template <class List>
std::vector<OpInfo> family_entries() {
    return make_registry(static_cast<List*>(nullptr));
}

}  // namespace tg::detail_registry
