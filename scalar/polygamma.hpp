#pragma once
// tg::digamma and tg::polygamma for real arguments: the derivatives of lgamma, needed by the
// derivatives of lgamma and tgamma at every order (dual_math.hpp lifts them to Duals).
//
//   psi^(n)(x) = d^(n+1)/dx^(n+1) ln Gamma(x)
//   x < 0:   reflection     psi^(n)(x) = (-1)^n psi^(n)(1 - x) - pi^(n+1) P_n(cot(pi x)),
//            where P_0(c) = c and P_(k+1)(c) = -(1 + c^2) P_k'(c) (so pi^(n+1) P_n = d^n/dx^n pi cot);
//   x small: recurrence     psi^(n)(x) = psi^(n)(x + 1) + (-1)^(n+1) n! / x^(n+1), up to x >= 10 + n;
//   x large: asymptotic     psi(x) ~ ln x - 1/(2x) - sum_k B_2k / (2k x^2k),
//            psi^(n)(x) ~ (-1)^(n+1) [(n-1)!/x^n + n!/(2 x^(n+1)) + sum_k B_2k (2k+n-1)!/(2k)! / x^(2k+n)].
// Poles (x = 0, -1, -2, ...) give NaN: the two one-sided limits differ. Computed in double.
#include <array>
#include <cmath>
#include <limits>
#include <numbers>
#include <type_traits>

namespace tg {
namespace detail {

inline double ipow(double x, int m) {
    double r = 1;
    for (int i = 0; i < m; ++i) r *= x;
    return r;
}

// P_n(c): the n-th derivative of cot as a polynomial in c = cot(y).
inline double cot_derivative_poly(int n, double c) {
    constexpr int max_n = 32;
    if (n > max_n) return std::numeric_limits<double>::quiet_NaN();
    std::array<double, max_n + 2> p{}, q{};
    p[1] = 1;                      // P_0 = c
    for (int k = 0; k < n; ++k) {  // P_k has degree k + 1
        q.fill(0);
        for (int j = 0; j <= k; ++j) q[j] = (j + 1) * p[j + 1];
        for (int j = 0; j <= k + 2; ++j) p[j] = -(q[j] + (j >= 2 ? q[j - 2] : 0.0));
    }
    double r = 0;
    for (int j = n + 1; j >= 0; --j) r = r * c + p[j];
    return r;
}

inline double polygamma_impl(int n, double x) {
    constexpr double nan = std::numeric_limits<double>::quiet_NaN();
    constexpr double pi = std::numbers::pi;
    if (n < 0 || std::isnan(x) || (x <= 0 && x == std::floor(x))) return nan;  // also x = -inf
    if (std::isinf(x)) return n == 0 ? x : 0.0;
    if (x < 0) {
        double r = x - std::floor(x);  // cot(pi x) has period 1; reduce exactly to |r| <= 1/2
        if (r > 0.5) r -= 1;
        const double c = std::cos(pi * r) / std::sin(pi * r);
        return (n % 2 ? -1.0 : 1.0) * polygamma_impl(n, 1 - x) -
               std::pow(pi, n + 1) * cot_derivative_poly(n, c);
    }
    static constexpr std::array<double, 8> b2k = {1.0 / 6,  -1.0 / 30,     1.0 / 42, -1.0 / 30,
                                                  5.0 / 66, -691.0 / 2730, 7.0 / 6,  -3617.0 / 510};
    double fact = 1;  // n!
    for (int i = 2; i <= n; ++i) fact *= i;
    const double sign = n % 2 ? 1.0 : -1.0;  // (-1)^(n+1)
    double acc = 0;
    for (; x < 10 + n; x += 1) acc += sign * fact / ipow(x, n + 1);
    const double inv = 1 / x, inv2 = inv * inv;
    if (n == 0) {
        double s = 0, p = inv2;
        for (int k = 1; k <= 8; ++k, p *= inv2) s += b2k[k - 1] / (2 * k) * p;
        return acc + std::log(x) - 0.5 * inv - s;
    }
    const double xn = ipow(inv, n);
    double s = fact / n * xn + 0.5 * fact * xn * inv, p = xn * inv2;
    for (int k = 1; k <= 8; ++k, p *= inv2) {
        double ratio = 1;  // (2k + n - 1)! / (2k)!
        for (int j = 1; j < n; ++j) ratio *= 2 * k + j;
        s += b2k[k - 1] * ratio * p;
    }
    return acc + sign * s;
}

}  // namespace detail

/// psi^(n)(x), the n-th derivative of digamma (n >= 0; polygamma(0, x) = digamma(x)).
/// NaN at the poles x = 0, -1, -2, ... and for n < 0. Computed in double precision.
template <class T>
requires std::is_floating_point_v<T> T polygamma(int n, T x) {
    return static_cast<T>(detail::polygamma_impl(n, static_cast<double>(x)));
}

/// psi(x) = d/dx ln Gamma(x), for every real x (reflection below 0); NaN at the poles.
template <class T>
requires std::is_floating_point_v<T> T digamma(T x) { return polygamma(0, x); }

}  // namespace tg
