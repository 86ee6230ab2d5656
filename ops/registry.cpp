#include "registry.hpp"

#include <cmath>
#include <numeric>
#include <utility>

#include "../tensor/math.hpp"
#include "../tensor/random.hpp"
#include "all_ops.hpp"

namespace tg {

namespace {

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
        fn = k == 0 ? &mutant_vjp<Op, double, Mutation::drop, 0> : &mutant_vjp<Op, double, Mutation::drop, 1>;
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

double draw(Domain d, Generator& g, index_t i) {
    const double u = g.next_double();
    switch (d) {
        case Domain::any: return -2 + 4 * u;
        case Domain::positive: return 0.5 + 1.5 * u;
        case Domain::nonzero: return (u < 0.5 ? -1 : 1) * (0.2 + 1.8 * g.next_double());
        case Domain::open_unit: return -0.9 + 1.8 * u;
        case Domain::distinct: return 0.25 * static_cast<double>(i) + 0.05 * u;
        case Domain::kink: {  // cycles through both sides, near the kink and far, by element index
            static constexpr double at[] = {1e-3, -1e-3, 0.1, -0.1, 1.2, -1.2};
            return at[i % 6] * (1 + 0.5 * u);
        }
        // shape_index family: groups of a reduction with no, one and two exact zeros
        case Domain::some_zeros: return (i % 7 == 2 || i % 7 == 5) ? 0.0 : (u < 0.5 ? -1 : 1) * (0.5 + 1.5 * g.next_double());
        // elementwise family
        case Domain::wide: return -8 + 16 * u;
        case Domain::wide_positive: return 0.1 + 11.9 * u;
    }
    return u;
}

}  // namespace

const std::vector<OpInfo>& op_registry() {
    static const std::vector<OpInfo> r = make_registry(static_cast<ops::OpList*>(nullptr));
    return r;
}

std::vector<Tensor<double>> sample_inputs(const Sample& s, std::uint64_t seed) {
    Generator g(seed);
    std::vector<Tensor<double>> out;
    for (const auto& in : s.inputs) {
        Shape storage = in.shape;
        if (in.transposed) std::swap(storage[storage.size() - 1], storage[storage.size() - 2]);
        Tensor<double> t = Tensor<double>::empty(storage);
        std::vector<index_t> order(static_cast<std::size_t>(t.numel()));
        std::iota(order.begin(), order.end(), 0);
        if (in.domain == Domain::distinct || in.domain == Domain::kink)  // shuffled: no ties / sides mixed
            for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[g.next_u64() % i]);
        double* p = t.data();
        for (index_t i = 0; i < t.numel(); ++i) p[i] = draw(in.domain, g, order[static_cast<std::size_t>(i)]);
        out.push_back(in.transposed ? t.transpose() : t);
    }
    return out;
}

}  // namespace tg
