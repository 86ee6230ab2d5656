#pragma once
// Derivative formulas of dual_math.hpp that a nested Dual differentiates again, written so that
// their own derivatives are accurate too (tests/test_scalar_reference.cpp checks both orders), and
// the chain rule they are built with. Also used by rev_math.hpp for plain numbers.
#include <cmath>
#include <type_traits>

#include "dual.hpp"

namespace tg {
namespace detail {
// The Dual with value y whose tangents are x's times k = dy/dx.
template <class T, int N>
constexpr Dual<T, N> chain(const Dual<T, N>& x, const std::type_identity_t<T>& y,
                           const std::type_identity_t<T>& k) {
    return {y, scaled(x, k)};
}
// Two-argument chain rule: tangents dx * kx + dy * ky.
template <class T, int N>
constexpr Dual<T, N> chain2(const Dual<T, N>& x, const Dual<T, N>& y, const std::type_identity_t<T>& v,
                            const std::type_identity_t<T>& kx, const std::type_identity_t<T>& ky) {
    return {v, scaled(x, kx) + scaled(y, ky)};
}
// 1 - x^2: as 1 - x * x for |x| < 1/2, whose derivative -2x is exact, and as (1 - x)(1 + x) near
// +-1, where 1 - x is exact. (1 - x)(1 + x) alone differentiates to (1 - x) - (1 + x), which cancels
// for small x: asin'' lost half its digits at 1e-8 and atanh'' was 0 at 1e-300.
template <class T>
constexpr T one_minus_sq(const T& x) {
    using std::abs;
    if (abs(value_of(x)) < 0.5) return 1 - x * x;
    return (1 - x) * (1 + x);
}
// x / h with h = hypot(x, y), as a function of its own: differentiated by a nested Dual as
// d(x/h) = (y^2 dx - x y dy) / h^3, not as (dx - (x/h) dh) / h, which cancels to 1 - (x/h)^2 at
// extreme aspect ratios (hypot'' at (1, 1e-20) was 0 instead of 1e-40). Three arguments: y^2 + z^2.
template <class T>
T hypot_ratio(const T& x, const T& y, const T& h) {
    if constexpr (!is_dual_v<T>) {
        return x / h;
    } else {
        using U = typename T::value_type;
        const U ux = x.v / h.v, uy = y.v / h.v;
        return chain2(x, y, hypot_ratio(x.v, y.v, h.v), uy * uy / h.v, -(ux * uy) / h.v);
    }
}
template <class T>
T hypot_ratio(const T& x, const T& y, const T& z, const T& h) {
    if constexpr (!is_dual_v<T>) {
        return x / h;
    } else {
        using U = typename T::value_type;
        const U ux = x.v / h.v, uy = y.v / h.v, uz = z.v / h.v;
        return {hypot_ratio(x.v, y.v, z.v, h.v), scaled(x, (uy * uy + uz * uz) / h.v) +
                                                     scaled(y, -(ux * uy) / h.v) + scaled(z, -(ux * uz) / h.v)};
    }
}
// The partials of atan2(y, x): x / r^2 (in y) and -y / r^2 (in x), r = hypot(y, x), as functions
// of their own, whose own partials (y^2 - x^2) / r^4 = ((y - x) / r)((y + x) / r) / r^2 and
// +-2xy / r^4 a nested Dual then uses: exact 0 at y = x, where differentiating x / r / r cancels.
template <class T>
T atan2_partial(const T& y, const T& x, const T& r, bool in_y) {
    if constexpr (!is_dual_v<T>) {
        return in_y ? x / r / r : -(y / r) / r;
    } else {
        using U = typename T::value_type;
        const U d = (y.v - x.v) / r.v * ((y.v + x.v) / r.v) / r.v / r.v;
        const U m = 2 * (x.v / r.v) * (y.v / r.v) / r.v / r.v;
        const U v = atan2_partial(y.v, x.v, r.v, in_y);
        return in_y ? chain2(y, x, v, -m, d) : chain2(y, x, v, d, m);
    }
}
// 1 / cosh^2 x, the derivative of tanh: as 4 e / (1 + e)^2 with e = exp(-2|x|) for |x| >= 1, where
// cosh^2 overflows beyond |x| = 355 while the result is still a (subnormal) number, and its
// derivative through cosh^2 = inf became inf * 0 = NaN at -360.
template <class T>
T sech2(const T& x) {
    using std::abs;
    using std::cosh;
    using std::exp;
    if (abs(value_of(x)) < 1) {
        const T c = cosh(x);
        return 1 / (c * c);
    }
    const T e = exp(-2 * abs(x));
    return 4 * e / ((1 + e) * (1 + e));
}
}  // namespace detail
}  // namespace tg
