#pragma once
// tg::digamma and tg::polygamma for real arguments: the derivatives of lgamma, needed by the
// derivatives of lgamma and tgamma at every order (dual_math.hpp lifts them to Duals).
//
//   psi^(n)(x) = d^(n+1)/dx^(n+1) ln Gamma(x)
//   x < 0:   reflection     psi^(n)(x) = (-1)^n psi^(n)(1 - x) - pi^(n+1) P_n(cot(pi x)),
//            where P_0(c) = c and P_(k+1)(c) = -(1 + c^2) P_k'(c) (so pi^(n+1) P_n = d^n/dx^n pi cot);
//            cot has period 1, and r = x - nearbyint(x) is exact (|r| <= 1/2), unlike x - floor(x)
//            (inexact for x in (-1/2, 0): digamma(-1e-8) was wrong in the 9th digit);
//   psi, x in [1, 2]: the Taylor series at the positive root x0 = 1.4616...: psi(x) = sum_k c_k t^k,
//            t = x - x0 with x0 a double-double (so psi is accurate to a few ulps relative even at
//            the root, where the recurrence below cancels to an absolute error of eps);
//   psi, x in (0, 1) or (2, 10): psi(x) = psi(x_r) + sum 1/(x_r + k) (or - 1/x), x_r in [1, 2];
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

// psi^(k)(x0) / k!, k = 1..40, at the positive root x0 of psi (computed with mpmath:
// tests/data/make_scalar_reference.py --digamma-root). |t| <= 0.54 on [1, 2], and the terms fall
// like (|t| / 1.46)^k (the pole at 0), below 1e-19 at k = 40.
inline constexpr double digamma_root_hi = 1.4616321449683622, digamma_root_lo = 9.549995429965697e-17;
inline constexpr std::array<double, 40> digamma_root_series = {
    9.67672245447621170427e-1,  -4.42763168983592106093e-1, 2.58499760955651010624e-1,
    -1.63942705442406527504e-1, 1.07824050691262365757e-1,  -7.21995612564547109261e-2,
    4.88042881641431072251e-2,  -3.31611264748473592923e-2, 2.25976482322181046596e-2,
    -1.54247659049489591388e-2, 1.05387916166121753881e-2,  -7.20453438635686824097e-3,
    4.92678139572985344635e-3,  -3.36980165543932808279e-3, 2.30512632673492783694e-3,
    -1.57693677143019725927e-3, 1.07882520191629658069e-3,  -7.38070938996005129566e-4,
    5.04953265834602035177e-4,  -3.45468025106307699556e-4, 2.36356015640270527924e-4,
    -1.61706220919748034494e-4, 1.10633727687474109041e-4,  -7.56917958219506591924e-5,
    5.17857579522208086899e-5,  -3.54300709476596063157e-5, 2.42400661186013176527e-5,
    -1.65842422718541333752e-5, 1.13463845846638498067e-5,  -7.76281766846209442527e-6,
    5.31106092088986338732e-6,  -3.63365078980104566837e-6, 2.4860227331295379489e-6,
    -1.70085388543326065825e-6, 1.16366753635488427029e-6,  -7.96142543124197040035e-7,
    5.4469419306694452785e-7,   -3.7266161283438229589e-7,  2.54962655202155425666e-7,
    -1.74436951177277452181e-7,
};

// psi(x) for x in [1, 2]: x - hi is exact (Sterbenz), so t carries only the rounding of - lo.
inline double digamma_near_root(double x) {
    const double t = (x - digamma_root_hi) - digamma_root_lo;
    double s = 0;
    for (std::size_t k = digamma_root_series.size(); k-- > 0;) s = s * t + digamma_root_series[k];
    return s * t;
}

inline double polygamma_impl(int n, double x) {
    constexpr double nan = std::numeric_limits<double>::quiet_NaN();
    constexpr double pi = std::numbers::pi;
    if (n < 0 || std::isnan(x) || (x <= 0 && x == std::floor(x))) return nan;  // also x = -inf
    if (std::isinf(x)) return n == 0 ? x : 0.0;
    if (x < 0) {
        const double r = x - std::nearbyint(x);  // exact, |r| <= 1/2 (cot(pi x) has period 1)
        // cot(pi r); near |r| = 1/2 as tan(pi (1/2 - |r|)) (1/2 - |r| is exact there), which is 0 at
        // x = -0.5, -2.5, ... where cos(pi r) / sin(pi r) gives the rounding of pi (digamma(-0.5)
        // was 28 ulps off)
        const double h = 0.5 - std::abs(r);
        const double c = h < 0.25 ? std::copysign(std::tan(pi * h), r) : std::cos(pi * r) / std::sin(pi * r);
        return (n % 2 ? -1.0 : 1.0) * polygamma_impl(n, 1 - x) -
               std::pow(pi, n + 1) * cot_derivative_poly(n, c);
    }
    static constexpr std::array<double, 8> b2k = {1.0 / 6,  -1.0 / 30,     1.0 / 42, -1.0 / 30,
                                                  5.0 / 66, -691.0 / 2730, 7.0 / 6,  -3617.0 / 510};
    if (n == 0 && x < 10) {  // reduce to [1, 2]: every term of the sum is positive except -1/x
        if (x < 1) return polygamma_impl(0, x + 1) - 1 / x;
        double xr = x, acc = 0;
        int m = 0;
        while (xr > 2) xr -= 1, ++m;                           // exact: an integer off a number below 10
        for (int j = m - 1; j >= 0; --j) acc += 1 / (xr + j);  // the small terms first
        return acc + digamma_near_root(xr);
    }
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
