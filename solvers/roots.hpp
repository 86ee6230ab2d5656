#pragma once
// Scalar root finders, generic over the scalar type, differentiable by the implicit function
// theorem at every order (roots_implicit.hpp has the math):
//
//   using std::sin;
//   auto f = [&](const auto& E) { return E - e * sin(E) - M; };     // e, M: double, Dual or Rev
//   auto r = tg::solvers::brent(f, 0.0, 7.0);                          // r.root: the type f returns
//   auto q = tg::solvers::newton([](const auto& E, const auto& e, const auto& M) { ... }, M0,
//                                tg::solvers::params(e, M));           // theta passed to f
//
// The iterations run on plain numbers (float or double: the type under the AD type); the root then
// gets dx = -f_theta dtheta / f_x (and the higher orders for nested Duals, one tape record for
// tg::Rev), so a bisection or Brent root has the same derivatives as a Newton root, never the zero
// derivative of its iterations. f must be a generic lambda or template (Newton and the derivative
// call it with tg::Dual arguments). Captured tg::Revs work but cost a reverse sweep of the tape
// (which rewrites the thread's adjoints) per Newton step and once for the derivative; passing them
// with params() costs one Dual evaluation and one record.
//
// Every finder returns {root, report}; the report lists the iterates, so the convergence order can
// be read off. Failures throw, never return a silent non-converged root:
//   DomainError:    no sign change on the bracket (with f(a), f(b)), a NaN or infinite bracket or
//                   start, nonsense tolerances (negative, NaN, max_iter < 1);
//   NumericalError: Newton at a zero derivative or a NaN (with x and f), the iteration limit (with
//                   the bracket or the last step and |f|), f_x = 0 at the root for the derivative.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "roots_implicit.hpp"

namespace tg::solvers {

/// Stopping rules. A finder stops when f(x) == 0, |f(x)| <= ftol, or the bracket (bisection,
/// Brent) or the step (Newton, secant) is at most xtol + rtol |x|; rtol = 0 means 4 eps of the
/// base type. Bisection and Brent also stop when the bracket cannot shrink in floating point.
struct RootOptions {
    double xtol = 0;
    double rtol = 0;
    double ftol = 0;
    int max_iter = 200;
};

/// What a finder did: converged is always true for a returned result (failures throw).
struct RootReport {
    std::string method;
    bool converged = false;
    int iterations = 0;
    int evaluations = 0;            ///< calls of f (and f_x for Newton) on plain numbers
    std::vector<double> iterates;   ///< x_k: x_0, x_1, ..., the root last
    std::vector<double> residuals;  ///< |f(x_k)|
    double residual = 0;            ///< |f(root)|
    double lower = std::numeric_limits<double>::quiet_NaN();  ///< final bracket (bisection, Brent)
    double upper = std::numeric_limits<double>::quiet_NaN();
};

template <class S>
struct RootResult {
    S root;  ///< the root, carrying the implicit derivatives of the parameters of f
    RootReport report;
};

namespace detail {

template <class T>
T rtol_of(const RootOptions& o) {
    return o.rtol > 0 ? T(o.rtol) : 4 * std::numeric_limits<T>::epsilon();
}

inline void check_options(const char* method, const RootOptions& o) {
    const auto bad = [](double v) { return !(v >= 0) || std::isinf(v); };
    if (bad(o.xtol) || bad(o.rtol) || bad(o.ftol) || o.max_iter < 1)
        throw DomainError(std::string(method) +
                          ": tolerances must be finite and >= 0 and max_iter >= 1: xtol = " + num(o.xtol) +
                          ", rtol = " + num(o.rtol) + ", ftol = " + num(o.ftol) +
                          ", max_iter = " + std::to_string(o.max_iter));
}

template <class T>
void check_point(const char* method, const char* what, T x) {
    if (!std::isfinite(x)) throw DomainError(std::string(method) + ": " + what + " is " + num(double(x)));
}

template <class T>
void check_bracket(const char* method, T a, T b, T fa, T fb) {
    check_point(method, "the bracket end a", a);
    check_point(method, "the bracket end b", b);
    if (std::isnan(fa) || std::isnan(fb) || (fa != 0 && fb != 0 && std::signbit(fa) == std::signbit(fb)))
        throw DomainError(std::string(method) + ": no sign change on the bracket [" + num(a) + ", " + num(b) +
                          "]: f(a) = " + num(fa) + ", f(b) = " + num(fb));
}

// (a + b) / 2 without overflow: b - a overflows for a bracket wider than the largest number.
template <class T>
T midpoint(T a, T b) {
    return std::isfinite(b - a) ? a + (b - a) / 2 : a / 2 + b / 2;
}

template <class T>
void record(RootReport& r, T x, T fx) {
    r.iterates.push_back(double(x));
    r.residuals.push_back(std::abs(double(fx)));
}

template <class P, class T = typename P::T>
RootResult<typename P::result_type> finish(const P& p, const char* method, RootReport rep, T x, T fx) {
    rep.method = method;
    rep.converged = true;
    rep.residual = std::abs(double(fx));
    if (rep.iterates.empty() || rep.iterates.back() != double(x)) record(rep, x, fx);
    return {p.attach(x, method), std::move(rep)};
}

[[noreturn]] inline void bracket_limit(const char* method, const RootReport& r, double lo, double hi,
                                       double fx) {
    throw NumericalError(std::string(method) + ": no convergence in " + std::to_string(r.iterations) +
                         " iterations: bracket [" + num(lo) + ", " + num(hi) + "], |f| = " + num(std::abs(fx)));
}

template <class P, class T = typename P::T>
auto bisect_impl(const P& p, T a, T b, const RootOptions& o) {
    const char* m = "bisect";
    check_options(m, o);
    RootReport rep;
    T fa = p.value(a), fb = p.value(b);
    rep.evaluations = 2;
    check_bracket(m, a, b, fa, fb);
    if (fa == 0) return finish(p, m, rep, a, fa);
    if (fb == 0) return finish(p, m, rep, b, fb);
    const T rtol = rtol_of<T>(o);
    while (true) {
        const T mid = midpoint(a, b);
        if (mid == a || mid == b) {  // adjacent numbers: take the smaller |f|
            return std::abs(fa) <= std::abs(fb) ? finish(p, m, rep, a, fa) : finish(p, m, rep, b, fb);
        }
        if (rep.iterations == o.max_iter) bracket_limit(m, rep, a, b, std::min(std::abs(fa), std::abs(fb)));
        ++rep.iterations;
        const T fm = p.value(mid);
        ++rep.evaluations;
        if (std::isnan(fm)) throw NumericalError(std::string(m) + ": f(" + num(mid) + ") is NaN");
        record(rep, mid, fm);
        if (fm == 0 || std::abs(fm) <= o.ftol) return finish(p, m, rep, mid, fm);
        (std::signbit(fm) == std::signbit(fa) ? a : b) = mid;
        (std::signbit(fm) == std::signbit(fa) ? fa : fb) = fm;
        rep.lower = double(std::min(a, b)), rep.upper = double(std::max(a, b));
        if (std::abs(b - a) <= T(o.xtol) + rtol * std::abs(mid)) return finish(p, m, rep, mid, fm);
    }
}

// Brent's method (Brent 1973, "zeroin"): b is the best estimate, c the other end of a bracket
// [b, c] with a sign change, a the previous b. A step interpolates (inverse quadratic through a, b,
// c, or secant through a, b) when that lands well inside the bracket and shrinks faster than
// bisection did two steps before; otherwise it bisects. So it converges superlinearly on smooth f
// and never worse than about twice as slowly as bisection.
template <class P, class T = typename P::T>
auto brent_impl(const P& p, T a, T b, const RootOptions& o) {
    const char* m = "brent";
    check_options(m, o);
    RootReport rep;
    T fa = p.value(a), fb = p.value(b);
    rep.evaluations = 2;
    check_bracket(m, a, b, fa, fb);
    if (fa == 0) return finish(p, m, rep, a, fa);
    const T rtol = rtol_of<T>(o);
    if (!std::isfinite(b - a)) {  // wider than the largest number: one bisection step first
        const T m0 = midpoint(a, b), fm = p.value(m0);
        ++rep.evaluations;
        if (std::isnan(fm)) throw NumericalError(std::string(m) + ": f(" + num(m0) + ") is NaN");
        if (fm == 0) return finish(p, m, rep, m0, fm);
        ((fm > 0) == (fa > 0) ? a : b) = m0;
        ((fm > 0) == (fa > 0) ? fa : fb) = fm;
    }
    T c = a, fc = fa, d = b - a, e = d;
    record(rep, b, fb);
    while (true) {
        if ((fb > 0 && fc > 0) || (fb < 0 && fc < 0)) c = a, fc = fa, d = e = b - a;  // keep [b, c] a bracket
        if (std::abs(fc) < std::abs(fb)) {                                            // b the best of b, c
            a = b, b = c, c = a;
            fa = fb, fb = fc, fc = fa;
        }
        rep.lower = double(std::min(b, c)), rep.upper = double(std::max(b, c));
        const T tol = (T(o.xtol) + rtol * std::abs(b)) / 2;
        const T half = (c - b) / 2;
        if (fb == 0 || std::abs(fb) <= o.ftol || std::abs(half) <= tol || b + half == b || b + half == c)
            return finish(p, m, rep, b, fb);
        if (rep.iterations == o.max_iter) bracket_limit(m, rep, rep.lower, rep.upper, fb);
        ++rep.iterations;
        if (std::abs(e) >= tol && std::abs(fa) > std::abs(fb)) {
            T pp, q;
            const T s = fb / fa;
            if (a == c) {  // secant
                pp = 2 * half * s, q = 1 - s;
            } else {  // inverse quadratic interpolation
                const T qa = fa / fc, r = fb / fc;
                pp = s * (2 * half * qa * (qa - r) - (b - a) * (r - 1));
                q = (qa - 1) * (r - 1) * (s - 1);
            }
            if (pp > 0) q = -q;
            else pp = -pp;
            if (2 * pp < std::min(3 * half * q - std::abs(tol * q), std::abs(e * q))) e = d, d = pp / q;
            else d = half, e = half;
        } else {
            d = half, e = half;
        }
        a = b, fa = fb;
        b += std::abs(d) > tol ? d
                               : (half > 0 ? std::max(tol, std::numeric_limits<T>::denorm_min())
                                           : -std::max(tol, std::numeric_limits<T>::denorm_min()));
        fb = p.value(b);
        ++rep.evaluations;
        if (std::isnan(fb)) throw NumericalError(std::string(m) + ": f(" + num(b) + ") is NaN");
        record(rep, b, fb);
    }
}

template <class T>
[[noreturn]] void step_limit(const char* method, const RootReport& r, T x, T step, T fx) {
    throw NumericalError(std::string(method) + ": no convergence in " + std::to_string(r.iterations) +
                         " iterations: last x = " + num(x) + ", last step = " + num(step) +
                         ", |f| = " + num(std::abs(fx)));
}

// Newton: x <- x - f(x) / f'(x), f' by forward mode. Quadratic near a simple root.
template <class P, class T = typename P::T>
auto newton_impl(const P& p, T x, const RootOptions& o) {
    const char* m = "newton";
    check_options(m, o);
    check_point(m, "the start x0", x);
    RootReport rep;
    const T rtol = rtol_of<T>(o);
    T step = 0;
    while (true) {
        const auto [fx, dfx] = p.value_dx(x);
        ++rep.evaluations;
        if (std::isnan(fx) || std::isnan(dfx))
            throw NumericalError(std::string(m) + ": f or f' is NaN at x = " + num(x) + ": f = " + num(fx) +
                                 ", f' = " + num(dfx));
        record(rep, x, fx);
        if (fx == 0 || std::abs(fx) <= o.ftol) return finish(p, m, rep, x, fx);
        if (rep.iterations > 0 && std::abs(step) <= T(o.xtol) + rtol * std::abs(x))
            return finish(p, m, rep, x, fx);
        if (dfx == 0)
            throw NumericalError(std::string(m) + ": zero derivative at x = " + num(x) + ", f(x) = " + num(fx));
        if (rep.iterations == o.max_iter) step_limit(m, rep, x, step, fx);
        ++rep.iterations;
        step = fx / dfx;
        x -= step;
        if (!std::isfinite(x))
            throw NumericalError(std::string(m) + ": the step left the finite numbers: x = " + num(x) +
                                 " after f = " + num(fx) + ", f' = " + num(dfx));
    }
}

// Secant: Newton with f' replaced by the slope through the last two iterates (order 1.618).
template <class P, class T = typename P::T>
auto secant_impl(const P& p, T x0, T x1, const RootOptions& o) {
    const char* m = "secant";
    check_options(m, o);
    check_point(m, "the start x0", x0);
    check_point(m, "the start x1", x1);
    RootReport rep;
    const T rtol = rtol_of<T>(o);
    T f0 = p.value(x0), f1 = p.value(x1);
    rep.evaluations = 2;
    record(rep, x0, f0);
    while (true) {
        if (std::isnan(f1)) throw NumericalError(std::string(m) + ": f(" + num(x1) + ") is NaN");
        record(rep, x1, f1);
        if (f1 == 0 || std::abs(f1) <= o.ftol) return finish(p, m, rep, x1, f1);
        if (rep.iterations > 0 && std::abs(x1 - x0) <= T(o.xtol) + rtol * std::abs(x1))
            return finish(p, m, rep, x1, f1);
        if (f1 == f0)
            throw NumericalError(std::string(m) + ": zero slope: f(" + num(x0) + ") = f(" + num(x1) +
                                 ") = " + num(f1));
        if (rep.iterations == o.max_iter) step_limit(m, rep, x1, x1 - x0, f1);
        ++rep.iterations;
        const T x2 = x1 - f1 * (x1 - x0) / (f1 - f0);
        if (!std::isfinite(x2))
            throw NumericalError(std::string(m) + ": the step left the finite numbers from x = " + num(x1) +
                                 ", f = " + num(f1));
        x0 = x1, f0 = f1, x1 = x2;
        f1 = p.value(x1);
        ++rep.evaluations;
    }
}

// What f returns for a plain x (x's type if it is floating point, else double).
template <class F, class X>
using captured_t = std::remove_cvref_t<decltype(std::declval<F&>()(
    std::declval<std::conditional_t<std::is_floating_point_v<X>, X, double>>()))>;

template <class F, class X, class... P>
using passed_t = std::conditional_t<std::is_void_v<typename ad_of<P...>::type>, std::common_type_t<X, P...>,
                                    typename ad_of<P...>::type>;

template <class F, class X>
auto captured(F& f) {
    using R = captured_t<F, X>;
    static_assert(std::is_floating_point_v<R> || ad_scalar_v<R>,
                  "tg::solvers: f(x) must return a floating-point number, a tg::Dual or a tg::Rev");
    return Captured<F, R>{f};
}
template <class F, class X, class... P>
auto passed(F& f, const Params<P...>& th) {
    using R = passed_t<F, X, P...>;
    static_assert(std::is_floating_point_v<R> || ad_scalar_v<R>,
                  "tg::solvers: the parameters must be floating-point numbers, tg::Duals or tg::Revs");
    return Passed<F, R, P...>{f, th.values};
}
template <class X>
concept real = std::is_arithmetic_v<X>;
}  // namespace detail

/// A root of f in the bracket [a, b] (f(a), f(b) of opposite signs) by bisection: one bit per step.
/// f(x) returns a number or an AD scalar (its captured parameters); the root has f's type and
/// carries dx = -f_theta dtheta / f_x. @throws DomainError (no sign change, with f(a) and f(b);
/// bad bracket or tolerances), NumericalError (NaN, iteration limit with the bracket, f_x = 0).
template <class F, detail::real X>
auto bisect(F&& f, X a, X b, const RootOptions& o = {}) {
    const auto p = detail::captured<F, X>(f);
    using T = typename decltype(p)::T;
    return detail::bisect_impl(p, T(a), T(b), o);
}
/// bisect for f(x, theta...) with theta = params(...): iterations on plain numbers.
template <class F, detail::real X, class... P>
auto bisect(F&& f, X a, X b, const Params<P...>& theta, const RootOptions& o = {}) {
    const auto p = detail::passed<F, X>(f, theta);
    using T = typename decltype(p)::T;
    return detail::bisect_impl(p, T(a), T(b), o);
}

/// A root of f in the bracket [a, b] by Brent's method (superlinear, never much slower than
/// bisection). Same contract and errors as bisect.
template <class F, detail::real X>
auto brent(F&& f, X a, X b, const RootOptions& o = {}) {
    const auto p = detail::captured<F, X>(f);
    using T = typename decltype(p)::T;
    return detail::brent_impl(p, T(a), T(b), o);
}
template <class F, detail::real X, class... P>
auto brent(F&& f, X a, X b, const Params<P...>& theta, const RootOptions& o = {}) {
    const auto p = detail::passed<F, X>(f, theta);
    using T = typename decltype(p)::T;
    return detail::brent_impl(p, T(a), T(b), o);
}

/// A root of f by Newton's method from x0, f' by forward mode (f must accept tg::Dual).
/// @throws NumericalError (zero derivative or NaN, with x and f; iteration limit with the last step
/// and |f|; f_x = 0 at the root), DomainError (x0 not finite, bad tolerances).
template <class F, detail::real X>
auto newton(F&& f, X x0, const RootOptions& o = {}) {
    const auto p = detail::captured<F, X>(f);
    using T = typename decltype(p)::T;
    return detail::newton_impl(p, T(x0), o);
}
template <class F, detail::real X, class... P>
auto newton(F&& f, X x0, const Params<P...>& theta, const RootOptions& o = {}) {
    const auto p = detail::passed<F, X>(f, theta);
    using T = typename decltype(p)::T;
    return detail::newton_impl(p, T(x0), o);
}

/// A root of f by the secant method from x0, x1. @throws as newton (a zero slope f(x0) = f(x1)).
template <class F, detail::real X>
auto secant(F&& f, X x0, X x1, const RootOptions& o = {}) {
    const auto p = detail::captured<F, X>(f);
    using T = typename decltype(p)::T;
    return detail::secant_impl(p, T(x0), T(x1), o);
}
template <class F, detail::real X, class... P>
auto secant(F&& f, X x0, X x1, const Params<P...>& theta, const RootOptions& o = {}) {
    const auto p = detail::passed<F, X>(f, theta);
    using T = typename decltype(p)::T;
    return detail::secant_impl(p, T(x0), T(x1), o);
}

}  // namespace tg::solvers
