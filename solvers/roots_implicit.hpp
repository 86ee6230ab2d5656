#pragma once
// The implicit derivative of a scalar root, at every order, for the root finders of roots.hpp.
//
// x(theta) is defined by f(x(theta), theta) = 0. The finders iterate on plain numbers (the primal
// values); the derivative is attached afterwards from the condition, never from the iterations:
//
//   first order (implicit function theorem):   dx = -(f_theta . dtheta) / f_x
//   second order (differentiate once more):    d2x = -(f_xx dx dx + 2 f_xtheta dx dtheta
//                                                      + f_thetatheta dtheta dtheta) / f_x
//
// For a (nested) tg::Dual S both come from Newton's method run in the algebra of S, started from
// the primal root x* with zero tangents, with the primal part of the residual dropped:
//
//   x <- x - [f(x)]' / f_x(x)      ([.]': the residual with its bottom primal value set to 0)
//
// f and f_x are evaluated in S (f_x by one more Dual level, Dual<S, 1>), so every tangent of
// theta enters. The primal value stays x* exactly. Each step doubles the number of correct orders
// (the error of Newton is quadratic in that of its start, and a product of two tangent terms of
// order k is of order 2k), so with x* exact after step s all orders below 2^s are exact; we run
// one step per nesting level, which is more than that (even a constant f_x, the chord method,
// which gains one order per step, would do: mutants/solvers_roots.mut). Dropping the primal
// residual makes step 1 exactly -f_theta dtheta / f_x at x*, the implicit function theorem, not a
// Newton correction.
//
// For tg::Rev (first order only) the derivative is one record on its tape:
//   x = x* + sum_i c_i (theta_i - value(theta_i)),  c_i = -f_theta_i / f_x   (value exactly x*),
// with the partials from one Dual<T, 1 + k> evaluation when theta is passed to f (params()), or,
// when f captures Revs, x = x* + (f(x*) - value(f(x*))) * (-1 / f_x), f_x from a reverse sweep of
// a recording of f on a fresh variable (that sweep rewrites the thread's adjoints: see roots.hpp).
#include <charconv>
#include <cmath>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "../scalar/dual.hpp"
#include "../scalar/rev.hpp"
#include "../tensor/error.hpp"

namespace tg::solvers {

/// Parameters theta passed to f(x, theta...) explicitly (see roots.hpp): each a double, a float,
/// a tg::Dual or a tg::Rev (all the AD ones of one type).
template <class... P>
struct Params {
    std::tuple<P...> values;
};
/// Packs theta for the `f(x, theta...)` form of the root finders.
template <class... P>
Params<std::remove_cvref_t<P>...> params(const P&... p) {
    return {std::tuple<std::remove_cvref_t<P>...>(p...)};
}

namespace detail {

template <class S>
struct base_scalar {
    using type = dual_base_t<S>;
};
template <class T>
struct base_scalar<Rev<T>> {
    using type = T;
};
/// The plain floating-point type under S (double for Dual<Dual<double>>, float for Rev<float>).
template <class S>
using base_t = typename base_scalar<S>::type;

template <class S>
inline constexpr int dual_depth = 0;
template <class T, int N>
inline constexpr int dual_depth<Dual<T, N>> = 1 + dual_depth<T>;

template <class S>
inline constexpr bool ad_scalar_v = is_dual_v<S> || is_rev_v<S>;

template <class S>
auto primal(const S& x) {
    if constexpr (is_rev_v<S>) return x.value();
    else return value_of(x);
}

// The one AD type among the P (the first one; the others must match), else void.
template <class... P>
struct ad_of {
    using type = void;
};
template <class P0, class... P>
struct ad_of<P0, P...> {
    using rest = typename ad_of<P...>::type;
    using type = std::conditional_t<ad_scalar_v<P0>, P0, rest>;
    static_assert(!ad_scalar_v<P0> || std::is_void_v<rest> || std::is_same_v<P0, rest>,
                  "tg::solvers: the AD parameters passed with params() must all be of one type");
};

// The shortest text that reads back as v ("0.3", not "0.29999999999999999").
inline std::string num(double v) {
    char buf[32];
    const auto res = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, res.ptr);
}

[[noreturn]] inline void flat_root(const char* method, double x, double fx) {
    throw NumericalError(std::string(method) + ": f_x = " + num(fx) + " at the root x = " + num(x) +
                         ": the implicit derivative -f_theta / f_x does not exist (a multiple or flat root)");
}

// S with its bottom primal value replaced by 0 (its tangents, at every level, kept).
template <class S>
void drop_primal(S& y) {
    if constexpr (is_dual_v<S>) drop_primal(y.v);
    else y = S(0);
}

// The implicit derivative for a Dual S (see the top of this file). g: x -> f(x) with theta in it.
template <class S, class G>
S implicit_dual(G& g, base_t<S> root, const char* method) {
    using D = Dual<S, 1>;
    S x = S(root);
    for (int k = 0; k < dual_depth<S>; ++k) {
        const D y = D(g(D::variable(x)));
        const S fx = y.tangent(0);
        if (!(primal(fx) != 0) || !std::isfinite(primal(fx))) flat_root(method, root, double(primal(fx)));
        S r = y.v;
        drop_primal(r);
        x = x - r / fx;
    }
    return x;
}

// Revs captured by f: f_x from a sweep of a fresh recording, then one record from f(x*).
template <class S, class G>
S implicit_rev_captured(G& g, base_t<S> root, const char* method) {
    using T = base_t<S>;
    T fx;
    {
        const S xv = S::variable(root);
        const S yv = g(xv);
        RevTape<T>::backward(yv);
        fx = xv.adjoint();
    }
    if (!(fx != 0) || !std::isfinite(fx)) flat_root(method, root, fx);
    S y = g(S(root));
    const T r = y.value();
    return (std::move(y) - r) * (T(-1) / fx) + root;
}

// theta passed: partials at the primal values by one Dual<T, 1 + k>, then one Rev record.
template <class S, class F, class... P>
S implicit_rev_params(F& f, const std::tuple<P...>& th, base_t<S> root, const char* method) {
    using T = base_t<S>;
    constexpr int K = sizeof...(P);
    using D = Dual<T, 1 + K>;
    const D y = [&]<std::size_t... I>(std::index_sequence<I...>) {
        return D(f(D::variable(root, 0), D::variable(T(primal(std::get<I>(th))), int(I) + 1)...));
    }
    (std::index_sequence_for<P...>{});
    const T fx = y.tangent(0);
    if (!(fx != 0) || !std::isfinite(fx)) flat_root(method, root, fx);
    S x = S(root);
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        auto add = [&](const auto& p, int i) {
            if constexpr (is_rev_v<std::remove_cvref_t<decltype(p)>>)
                x = std::move(x) + (p - p.value()) * (-y.tangent(i) / fx);
        };
        (add(std::get<I>(th), int(I) + 1), ...);
    }
    (std::index_sequence_for<P...>{});
    return x;
}

// f(x) with theta captured: R is what f returns for a plain x (a number, a Dual or a Rev).
template <class F, class R>
struct Captured {
    using result_type = R;
    using T = base_t<R>;
    F& f;
    T value(T x) const { return T(primal(f(x))); }
    // f and f_x at x (Newton): one Dual level on top of R (a recording and a sweep for Rev).
    std::pair<T, T> value_dx(T x) const {
        if constexpr (is_rev_v<R>) {
            const R xv = R::variable(x);
            const R yv = f(xv);
            RevTape<T>::backward(yv);
            return {yv.value(), xv.adjoint()};
        } else {
            using D = Dual<R, 1>;
            const D y = D(f(D::variable(R(x))));
            return {T(primal(y.v)), T(primal(y.tangent(0)))};
        }
    }
    R attach(T root, const char* method) const {
        if constexpr (is_dual_v<R>) return implicit_dual<R>(f, root, method);
        else if constexpr (is_rev_v<R>) return implicit_rev_captured<R>(f, root, method);
        else return R(root);
    }
};

// f(x, theta...) with theta passed: the iterations call f on plain numbers only.
template <class F, class R, class... P>
struct Passed {
    using result_type = R;
    using T = base_t<R>;
    F& f;
    const std::tuple<P...>& th;
    T value(T x) const {
        return std::apply([&](const auto&... p) { return T(primal(f(x, T(primal(p))...))); }, th);
    }
    std::pair<T, T> value_dx(T x) const {
        using D = Dual<T, 1>;
        const D y = std::apply([&](const auto&... p) { return D(f(D::variable(x), T(primal(p))...)); }, th);
        return {y.v, y.tangent(0)};
    }
    R attach(T root, const char* method) const {
        if constexpr (is_dual_v<R>) {
            auto g = [&](const auto& x) {
                return std::apply([&](const auto&... p) { return f(x, p...); }, th);
            };
            return implicit_dual<R>(g, root, method);
        } else if constexpr (is_rev_v<R>) {
            return implicit_rev_params<R>(f, th, root, method);
        } else {
            return R(root);
        }
    }
};

}  // namespace detail
}  // namespace tg::solvers
