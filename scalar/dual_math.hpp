#pragma once
// The <cmath> functions on tg::Dual, each with its derivative written at its side:
//   f(v + d e) = f(v) + f'(v) d e.
// Choices where the derivative does not exist (docs/forward_mode.md, "Edge cases"):
//   abs/fabs at 0 -> 0 (the subgradient of least norm); floor, ceil, round, trunc -> 0;
//   min/max ties -> the first argument; fmin/fmax with one NaN -> the other argument, as std;
//   hypot and atan2 at the origin -> 0; sqrt, cbrt, log, asin, acos, ... at the edge of their
//   domain -> the IEEE value (+-inf) for a moving input, 0 for a direction in which the input does
//   not move (NOTE [zero tangents] in dual.hpp); pow(0, p) -> d/dbase = 0 for p >= 1 or p == 0,
//   d/dexponent = 0 (the limit of y log(base)); digamma, lgamma, tgamma at their poles -> NaN.
#include <limits>
#include <numbers>

#include "dual.hpp"
#include "dual_partials.hpp"
#include "polygamma.hpp"

namespace tg {

namespace detail {
template <class T>
constexpr dual_base_t<T> c(double v) {
    return static_cast<dual_base_t<T>>(v);
}
}  // namespace detail

// A Dual function of two Duals also takes a scalar on either side (promoted to a constant Dual).
#define TG_DUAL_PROMOTE2(fn)                                                           \
    template <class T, int N, class U>                                                 \
    requires detail::scalar_for<U, T> Dual<T, N> fn(const Dual<T, N>& a, const U& b) { \
        return fn(a, Dual<T, N>(detail::lift<T>(b)));                                  \
    }                                                                                  \
    template <class T, int N, class U>                                                 \
    requires detail::scalar_for<U, T> Dual<T, N> fn(const U& a, const Dual<T, N>& b) { \
        return fn(Dual<T, N>(detail::lift<T>(a)), b);                                  \
    }

// ---- exponentials and logarithms --------------------------------------------------------------

// y = e^x  dy = y dx
template <class T, int N>
Dual<T, N> exp(const Dual<T, N>& x) {
    using std::exp;
    const T y = exp(x.v);
    return detail::chain(x, y, y);
}
// y = 2^x  dy = y ln2 dx
template <class T, int N>
Dual<T, N> exp2(const Dual<T, N>& x) {
    using std::exp2;
    const T y = exp2(x.v);
    return detail::chain(x, y, y * detail::c<T>(std::numbers::ln2));
}
// y = e^x - 1  dy = e^x dx (not y + 1, which is 0 at x = -50 instead of 1.9e-22)
template <class T, int N>
Dual<T, N> expm1(const Dual<T, N>& x) {
    using std::exp;
    using std::expm1;
    return detail::chain(x, expm1(x.v), exp(x.v));
}
// y = ln x  dy = dx / x
template <class T, int N>
Dual<T, N> log(const Dual<T, N>& x) {
    using std::log;
    return detail::chain(x, log(x.v), 1 / x.v);
}
template <class T, int N>
Dual<T, N> log2(const Dual<T, N>& x) {
    using std::log2;
    return detail::chain(x, log2(x.v), 1 / (x.v * detail::c<T>(std::numbers::ln2)));
}
template <class T, int N>
Dual<T, N> log10(const Dual<T, N>& x) {
    using std::log10;
    return detail::chain(x, log10(x.v), 1 / (x.v * detail::c<T>(std::numbers::ln10)));
}
// y = ln(1 + x)  dy = dx / (1 + x)
template <class T, int N>
Dual<T, N> log1p(const Dual<T, N>& x) {
    using std::log1p;
    return detail::chain(x, log1p(x.v), 1 / (1 + x.v));
}

// ---- powers and roots -------------------------------------------------------------------------

// y = sqrt x  dy = dx / (2 y): +inf at 0 for a moving input
template <class T, int N>
Dual<T, N> sqrt(const Dual<T, N>& x) {
    using std::sqrt;
    const T y = sqrt(x.v);
    return detail::chain(x, y, detail::c<T>(0.5) / y);
}
// y = x^(1/3)  dy = dx / (3 y^2)
template <class T, int N>
Dual<T, N> cbrt(const Dual<T, N>& x) {
    using std::cbrt;
    const T y = cbrt(x.v);
    return detail::chain(x, y, 1 / (3 * y * y));
}
// y = a^p (p constant)  dy = p a^(p-1) da; 0 when p == 0 (y is constant), so pow(0, 0) moves by 0
template <class T, int N, class U>
requires detail::scalar_for<U, T> Dual<T, N> pow(const Dual<T, N>& a, const U& p) {
    using std::pow;
    if (p == 2) return a * a;
    const auto q = detail::lift<T>(p);
    if (q == 0) return Dual<T, N>(pow(a.v, q));
    return detail::chain(a, pow(a.v, q), q * pow(a.v, q - 1));
}
// y = c^b (c constant)  dy = y ln(c) db; 0 when c == 0 (the limit of y ln c as c -> 0+)
template <class T, int N, class U>
requires detail::scalar_for<U, T> Dual<T, N> pow(const U& c, const Dual<T, N>& b) {
    using std::log;
    using std::pow;
    const auto base = detail::lift<T>(c);
    const T y = pow(base, b.v);
    return detail::chain(b, y, base == 0 ? T(0) : y * log(base));
}
// y = a^b  dy = b a^(b-1) da + y ln(a) db, with both edge rules above. d/da at b = 0 is
// b * a^(b-1) with a zero b winning over an infinite power (pow(0, 0)), not a constant 0: that
// would drop b's own tangent, and with it the mixed second derivative 1/a.
template <class T, int N>
Dual<T, N> pow(const Dual<T, N>& a, const Dual<T, N>& b) {
    using std::log;
    using std::pow;
    const T y = pow(a.v, b.v);
    const T ka = detail::mul0(b.v, pow(a.v, b.v - 1));
    const T kb = a.v == 0 ? T(0) : y * log(a.v);
    return detail::chain2(a, b, y, ka, kb);
}
// h = sqrt(x^2 + y^2) without overflow  dh = (x dx + y dy) / h; 0 at the origin
template <class T, int N>
Dual<T, N> hypot(const Dual<T, N>& x, const Dual<T, N>& y) {
    using std::hypot;
    const T h = hypot(x.v, y.v);
    if (h == 0) return Dual<T, N>(h);
    return detail::chain2(x, y, h, detail::hypot_ratio(x.v, y.v, h), detail::hypot_ratio(y.v, x.v, h));
}
TG_DUAL_PROMOTE2(hypot)
template <class T, int N>
Dual<T, N> hypot(const Dual<T, N>& x, const Dual<T, N>& y, const Dual<T, N>& z) {
    using std::hypot;
    const T h = hypot(x.v, y.v, z.v);
    if (h == 0) return Dual<T, N>(h);
    return {h, detail::scaled(x, detail::hypot_ratio(x.v, y.v, z.v, h)) +
                   detail::scaled(y, detail::hypot_ratio(y.v, x.v, z.v, h)) +
                   detail::scaled(z, detail::hypot_ratio(z.v, x.v, y.v, h))};
}

// ---- trigonometric ----------------------------------------------------------------------------

template <class T, int N>
Dual<T, N> sin(const Dual<T, N>& x) {
    using std::cos;
    using std::sin;
    return detail::chain(x, sin(x.v), cos(x.v));
}
template <class T, int N>
Dual<T, N> cos(const Dual<T, N>& x) {
    using std::cos;
    using std::sin;
    return detail::chain(x, cos(x.v), -sin(x.v));
}
// y = tan x  dy = (1 + y^2) dx
template <class T, int N>
Dual<T, N> tan(const Dual<T, N>& x) {
    using std::tan;
    const T y = tan(x.v);
    return detail::chain(x, y, 1 + y * y);
}
// y = asin x  dy = dx / sqrt(1 - x^2): +inf at +-1 (detail::one_minus_sq)
template <class T, int N>
Dual<T, N> asin(const Dual<T, N>& x) {
    using std::asin;
    using std::sqrt;
    return detail::chain(x, asin(x.v), 1 / sqrt(detail::one_minus_sq(x.v)));
}
template <class T, int N>
Dual<T, N> acos(const Dual<T, N>& x) {
    using std::acos;
    using std::sqrt;
    return detail::chain(x, acos(x.v), -1 / sqrt(detail::one_minus_sq(x.v)));
}
template <class T, int N>
Dual<T, N> atan(const Dual<T, N>& x) {
    using std::atan;
    return detail::chain(x, atan(x.v), 1 / (1 + x.v * x.v));
}
// t = atan2(y, x)  dt = (x dy - y dx) / r^2 with r = hypot(x, y) (no overflow); 0 at the origin
template <class T, int N>
Dual<T, N> atan2(const Dual<T, N>& y, const Dual<T, N>& x) {
    using std::atan2;
    using std::hypot;
    const T t = atan2(y.v, x.v), r = hypot(y.v, x.v);
    if (r == 0) return Dual<T, N>(t);
    return detail::chain2(y, x, t, detail::atan2_partial(y.v, x.v, r, true),
                          detail::atan2_partial(y.v, x.v, r, false));
}
TG_DUAL_PROMOTE2(atan2)

// ---- hyperbolic -------------------------------------------------------------------------------

template <class T, int N>
Dual<T, N> sinh(const Dual<T, N>& x) {
    using std::cosh;
    using std::sinh;
    return detail::chain(x, sinh(x.v), cosh(x.v));
}
template <class T, int N>
Dual<T, N> cosh(const Dual<T, N>& x) {
    using std::cosh;
    using std::sinh;
    return detail::chain(x, cosh(x.v), sinh(x.v));
}
// y = tanh x  dy = dx / cosh^2 x (not 1 - y^2, which cancels for large |x|)
template <class T, int N>
Dual<T, N> tanh(const Dual<T, N>& x) {
    using std::tanh;
    return detail::chain(x, tanh(x.v), detail::sech2(x.v));
}
template <class T, int N>
Dual<T, N> asinh(const Dual<T, N>& x) {
    using std::asinh;
    using std::hypot;
    return detail::chain(x, asinh(x.v), 1 / hypot(x.v, 1));
}
// y = acosh x  dy = dx / (sqrt(x - 1) sqrt(x + 1)): (x - 1)(x + 1) would overflow beyond 1e154
template <class T, int N>
Dual<T, N> acosh(const Dual<T, N>& x) {
    using std::acosh;
    using std::sqrt;
    return detail::chain(x, acosh(x.v), 1 / (sqrt(x.v - 1) * sqrt(x.v + 1)));
}
// y = atanh x  dy = dx / (1 - x^2)
template <class T, int N>
Dual<T, N> atanh(const Dual<T, N>& x) {
    using std::atanh;
    return detail::chain(x, atanh(x.v), 1 / detail::one_minus_sq(x.v));
}

// ---- error and gamma functions ----------------------------------------------------------------

// y = erf x  dy = 2/sqrt(pi) e^(-x^2) dx
template <class T, int N>
Dual<T, N> erf(const Dual<T, N>& x) {
    using std::erf;
    using std::exp;
    return detail::chain(x, erf(x.v), detail::c<T>(std::numbers::inv_sqrtpi * 2) * exp(-(x.v * x.v)));
}
template <class T, int N>
Dual<T, N> erfc(const Dual<T, N>& x) {
    using std::erfc;
    using std::exp;
    return detail::chain(x, erfc(x.v), detail::c<T>(-std::numbers::inv_sqrtpi * 2) * exp(-(x.v * x.v)));
}
// psi^(n)(x)  d = psi^(n+1)(x) dx; digamma = polygamma(0, .)
template <class T, int N>
Dual<T, N> polygamma(int n, const Dual<T, N>& x) {
    return detail::chain(x, polygamma(n, x.v), polygamma(n + 1, x.v));
}
template <class T, int N>
Dual<T, N> digamma(const Dual<T, N>& x) {
    return polygamma(0, x);
}
// y = ln|Gamma(x)|  dy = psi(x) dx
template <class T, int N>
Dual<T, N> lgamma(const Dual<T, N>& x) {
    using std::lgamma;
    return detail::chain(x, lgamma(x.v), digamma(x.v));
}
// y = Gamma(x)  dy = y psi(x) dx
template <class T, int N>
Dual<T, N> tgamma(const Dual<T, N>& x) {
    using std::tgamma;
    const T y = tgamma(x.v);
    return detail::chain(x, y, y * digamma(x.v));
}

// ---- kinks, steps and selections --------------------------------------------------------------

// |x|  d = sign(x) dx, 0 at x = 0
template <class T, int N>
constexpr Dual<T, N> abs(const Dual<T, N>& x) {
    if (x.v > 0) return x;
    if (x.v < 0) return -x;
    using std::abs;
    return Dual<T, N>(T(abs(value_of(x))));  // +-0 or NaN: constant
}
template <class T, int N>
constexpr Dual<T, N> fabs(const Dual<T, N>& x) {
    return abs(x);
}

// Steps: the value rounded, zero tangents (the derivative almost everywhere).
#define TG_DUAL_STEP(fn)                 \
    template <class T, int N>            \
    Dual<T, N> fn(const Dual<T, N>& x) { \
        using std::fn;                   \
        return Dual<T, N>(fn(x.v));      \
    }
TG_DUAL_STEP(floor)
TG_DUAL_STEP(ceil)
TG_DUAL_STEP(round)
TG_DUAL_STEP(trunc)
#undef TG_DUAL_STEP

// Ties and NaN follow std: max(a, b) = a < b ? b : a, min(a, b) = b < a ? b : a (ties -> a);
// fmax/fmin return the other argument when one value is NaN.
template <class T, int N>
constexpr Dual<T, N> max(const Dual<T, N>& a, const Dual<T, N>& b) {
    return a < b ? b : a;
}
template <class T, int N>
constexpr Dual<T, N> min(const Dual<T, N>& a, const Dual<T, N>& b) {
    return b < a ? b : a;
}
template <class T, int N>
constexpr Dual<T, N> fmax(const Dual<T, N>& a, const Dual<T, N>& b) {
    return isnan(a) || a < b ? b : a;
}
template <class T, int N>
constexpr Dual<T, N> fmin(const Dual<T, N>& a, const Dual<T, N>& b) {
    return isnan(a) || b < a ? b : a;
}
TG_DUAL_PROMOTE2(max)
TG_DUAL_PROMOTE2(min)
TG_DUAL_PROMOTE2(fmax)
TG_DUAL_PROMOTE2(fmin)

// r = fmod(a, b) = a - q b, q the integer fmod used  dr = da - q db. q is recovered from r as
// round((a - r) / b), exact below 2^52: trunc(a / b) rounds a / b first and can differ by one
// (fmod(1, 0.1) = 0.0999..., q = 9, but 1 / 0.1 rounds to 10).
template <class T, int N>
Dual<T, N> fmod(const Dual<T, N>& a, const Dual<T, N>& b) {
    using std::fmod;
    using std::round;
    const T r = fmod(a.v, b.v);
    const auto q = round((value_of(a) - value_of(r)) / value_of(b));
    return {r, a.d - b.d * T(q)};
}
TG_DUAL_PROMOTE2(fmod)
#undef TG_DUAL_PROMOTE2

}  // namespace tg
