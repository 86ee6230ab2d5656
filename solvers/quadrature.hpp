#pragma once
// Quadrature, generic over the scalar type and differentiable in the integrand's parameters and in
// finite limits:
//
//   using std::exp;
//   auto f = [&](const auto& x) { return exp(-k * x * x); };        // k: double, Dual or Rev
//   auto I = tg::solvers::gauss_kronrod(f, 0.0, b).value;           // b: double, Dual or Rev
//
// Parameters theta captured by f: the rule is a weighted sum of f(x_i, theta), so its derivative
// in theta is the same rule applied to f_theta (differentiating under the integral sign), at every
// order. The nodes sit at the primal values of the limits; the limits' derivatives come from the
// Leibniz rule, d/db int_a^b f = f(b), d/da = -f(a), never from moving the nodes. At every order
// (nested Duals), with a = a0 + da, b = b0 + db (da, db: the tangent parts):
//
//   int_a^b f = int_{a0}^{b0} f  +  db int_0^1 f(b0 + s db) ds  -  da int_0^1 f(a0 + s da) ds,
//
// where the inner integrals are polynomials in s of degree < the nesting depth d (db^(d+1) = 0),
// integrated exactly by a d-point Gauss rule evaluated in the AD type. For one level that is
// f(b0) db - f(a0) da. The limits must be finite (DomainError otherwise).
//
// The rules (quadrature_rules.cpp): Gauss-Legendre with n points, exact for degree 2n - 1, nodes and
// weights computed by Newton on the Legendre recurrence; the Gauss-Kronrod pair G7-K15, exact for
// degree 13 and 22, its error estimate |K15 - G7| per interval, subdivided adaptively (the interval
// with the largest estimate is halved) until the sum of the estimates is within tolerance.
// Monte Carlo with importance sampling is in quadrature_mc.hpp.
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "roots_implicit.hpp"  // base_t, primal, dual_depth, ad_of, num

namespace tg::solvers {

/// Nodes (ascending) and weights of a rule on [-1, 1].
struct QuadRule {
    std::vector<double> nodes, weights;
};
/// The n-point Gauss-Legendre rule, computed to about an ulp. @throws DomainError if n < 1 or > 10000.
QuadRule gauss_legendre_rule(int n);

/// The 15 Kronrod nodes (ascending; the odd positions are the 7 Gauss nodes), the K15 weights, and
/// the G7 weights at the same positions (0 at the 8 Kronrod-only nodes).
struct KronrodRule {
    std::array<double, 15> nodes, kronrod_weights, gauss_weights;
};
const KronrodRule& kronrod15();

struct QuadOptions {
    double abs_tol = 1e-12;    ///< stop when the error estimate <= max(abs_tol, rel_tol |I|)
    double rel_tol = 1e-10;    ///< rel_tol 0 and abs_tol 0 are refused (nothing could satisfy them)
    int max_intervals = 1000;  ///< subdivisions allowed before a NumericalError
};

struct QuadReport {
    std::string method;
    bool converged = false;
    int evaluations = 0;        ///< calls of f at plain nodes
    int intervals = 0;          ///< adaptive: the final partition's size
    double error = 0;           ///< adaptive: the error estimate (sum over the partition)
    double standard_error = 0;  ///< Monte Carlo
};

template <class S>
struct QuadResult {
    S value;
    QuadReport report;
};

namespace detail {

template <class F, class T>
using integrand_t = std::remove_cvref_t<decltype(std::declval<F&>()(std::declval<T>()))>;

// The result type: the AD type among f's result and the limits (all of one type), else a number.
template <class F, class A, class B>
struct quad_types {
    using T0 =
        std::conditional_t<ad_scalar_v<A>, base_t<A>,
                           std::conditional_t<ad_scalar_v<B>, base_t<B>, std::common_type_t<A, B, double>>>;
    using R = integrand_t<F, T0>;
    using ad = typename ad_of<R, A, B>::type;
    using S = std::conditional_t<std::is_void_v<ad>, R, ad>;
    using T = base_t<S>;
    static_assert(std::is_floating_point_v<R> || ad_scalar_v<R>,
                  "tg::solvers: f(x) must return a floating-point number, a tg::Dual or a tg::Rev");
};

template <class T>
void check_limits(const char* method, T a, T b) {
    if (!std::isfinite(a) || !std::isfinite(b))
        throw DomainError(std::string(method) + ": the limits must be finite: [" + num(double(a)) + ", " +
                          num(double(b)) + "] (use monte_carlo with a normal or exponential proposal)");
}

// The Leibniz terms of the limits' tangents (see the top of this file): + at b, - at a.
template <class S, class F, class A, class B>
S leibniz(F& f, const A& a, const B& b) {
    S out = S(0);
    using T = base_t<S>;
    constexpr int d = dual_depth < S >> 0 ? dual_depth<S> : 1;
    static const QuadRule s = gauss_legendre_rule(d);
    auto add = [&](const auto& lim, T sign) {
        using X = std::remove_cvref_t<decltype(lim)>;
        if constexpr (ad_scalar_v<X>) {
            const T x0 = T(primal(lim));
            const S dl = S(lim) - x0;  // the tangent part (value 0)
            S acc = S(0);
            for (int j = 0; j < d; ++j)
                acc = acc + T(s.weights[j] / 2) * S(f(x0 + T((s.nodes[j] + 1) / 2) * dl));
            out = out + sign * (dl * acc);
        }
    };
    add(b, T(1));
    add(a, T(-1));
    return out;
}

}  // namespace detail

/// int_a^b f(x) dx by the n-point Gauss-Legendre rule (n in [1, 10000]); differentiable in f's
/// captured parameters and in a, b (Leibniz rule). @throws DomainError (n, infinite limits).
template <class F, class A, class B>
auto gauss_legendre(F&& f, const A& a, const B& b, int n) {
    using Q = detail::quad_types<F, A, B>;
    using S = typename Q::S;
    using T = typename Q::T;
    const T a0 = T(detail::primal(a)), b0 = T(detail::primal(b));
    detail::check_limits("gauss_legendre", a0, b0);
    const QuadRule r = gauss_legendre_rule(n);
    const T c = a0 / 2 + b0 / 2, h = b0 / 2 - a0 / 2;  // halves first: no overflow for any finite limits
    S sum = S(0);
    for (int i = 0; i < n; ++i) sum = sum + T(r.weights[i]) * S(f(c + h * T(r.nodes[i])));
    QuadResult<S> out{sum * h + detail::leibniz<S>(f, a, b), {}};
    out.report = {"gauss_legendre", true, n, 1, 0, 0};
    return out;
}

/// int_a^b f(x) dx by adaptive Gauss-Kronrod G7-K15 (globally adaptive: the interval with the
/// largest estimate |K15 - G7| is halved) until the summed estimate <= max(abs_tol, rel_tol |I|).
/// Integrable endpoint singularities (1/sqrt(x)) are handled by subdivision (f is never evaluated
/// at the ends). Differentiable as gauss_legendre; the derivative integrals use the partition the
/// value chose. @throws DomainError (infinite limits, tolerances), NumericalError (max_intervals
/// reached, with the estimate and the error; f NaN or infinite at a node, e.g. a singularity at an
/// end that the subdivision reached before the tolerance: loosen it).
template <class F, class A, class B>
auto gauss_kronrod(F&& f, const A& a, const B& b, const QuadOptions& o = {}) {
    using Q = detail::quad_types<F, A, B>;
    using S = typename Q::S;
    using T = typename Q::T;
    const char* m = "gauss_kronrod";
    const T a0 = T(detail::primal(a)), b0 = T(detail::primal(b));
    detail::check_limits(m, a0, b0);
    if (!(o.abs_tol >= 0) || !(o.rel_tol >= 0) || (o.abs_tol == 0 && o.rel_tol == 0) || o.max_intervals < 1)
        throw DomainError(
            std::string(m) +
            ": tolerances must be >= 0, not both 0, max_intervals >= 1: abs_tol = " + detail::num(o.abs_tol) +
            ", rel_tol = " + detail::num(o.rel_tol) + ", max_intervals = " + std::to_string(o.max_intervals));
    const KronrodRule& k = kronrod15();
    QuadReport rep{m, false, 0, 0, 0, 0};
    struct Piece {
        T lo, hi;
        S value;
        double err;
    };
    auto piece = [&](T lo, T hi) {
        const T c = lo / 2 + hi / 2, h = hi / 2 - lo / 2;
        S K = S(0);
        T G = 0, Kp = 0;
        for (int i = 0; i < 15; ++i) {
            const S y = S(f(c + h * T(k.nodes[i])));
            const T yv = T(detail::primal(y));
            if (!std::isfinite(yv))  // a NaN, or a singularity the subdivision has reached
                throw NumericalError(std::string(m) + ": f(" + detail::num(double(c + h * T(k.nodes[i]))) +
                                     ") is " + detail::num(double(yv)) + " (interval [" +
                                     detail::num(double(lo)) + ", " + detail::num(double(hi)) + "], " +
                                     std::to_string(rep.intervals) + " intervals)");
            K = K + T(k.kronrod_weights[i]) * y;
            Kp += T(k.kronrod_weights[i]) * yv, G += T(k.gauss_weights[i]) * yv;
        }
        rep.evaluations += 15;
        return Piece{lo, hi, K * h, std::abs(double((Kp - G) * h))};
    };
    std::vector<Piece> parts{piece(a0, b0)};
    const auto by_err = [](const Piece& p, const Piece& q) { return p.err < q.err; };
    while (true) {
        double total = 0, err = 0;
        for (const Piece& p : parts) total += double(detail::primal(p.value)), err += p.err;
        rep.error = err, rep.intervals = int(parts.size());
        if (err <= std::max(o.abs_tol, o.rel_tol * std::abs(total)) || a0 == b0) break;
        std::pop_heap(parts.begin(), parts.end(), by_err);
        const Piece worst = parts.back();
        const T mid = worst.lo / 2 + worst.hi / 2;
        if (int(parts.size()) >= o.max_intervals || mid == worst.lo || mid == worst.hi)
            throw NumericalError(std::string(m) + ": no convergence with " + std::to_string(parts.size()) +
                                 " intervals: integral ~ " + detail::num(total) + ", error estimate " +
                                 detail::num(err) + " > tolerance " +
                                 detail::num(std::max(o.abs_tol, o.rel_tol * std::abs(total))) +
                                 " (worst interval [" + detail::num(double(worst.lo)) + ", " +
                                 detail::num(double(worst.hi)) + "])");
        parts.pop_back();
        parts.push_back(piece(worst.lo, mid));
        std::push_heap(parts.begin(), parts.end(), by_err);
        parts.push_back(piece(mid, worst.hi));
        std::push_heap(parts.begin(), parts.end(), by_err);
    }
    // sum the partition in order of position (a fixed order, whatever the heap did)
    std::sort(parts.begin(), parts.end(), [](const Piece& p, const Piece& q) { return p.lo < q.lo; });
    S sum = S(0);
    for (const Piece& p : parts) sum = sum + p.value;
    rep.converged = true;
    return QuadResult<S>{sum + detail::leibniz<S>(f, a, b), rep};
}

}  // namespace tg::solvers
