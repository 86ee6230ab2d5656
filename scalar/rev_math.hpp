#pragma once
// The operations on tg::Rev: arithmetic with any mix of Revs and numbers (a number is a
// constant), the <cmath> functions, each with its local partials at its side, comparisons,
// classification, std::numeric_limits and stream output. A temporary Rev argument may be fused
// (NOTE [rev fusion] in rev.hpp).
// The choices where the derivative does not exist are those of tg::Dual (dual_math.hpp):
//   abs/fabs at 0 -> 0; floor, ceil, round, trunc -> 0 (constants, not recorded);
//   min/max ties -> the first argument; fmin/fmax with one NaN -> the other argument, as std;
//   hypot and atan2 at the origin -> 0; sqrt, log, asin, ... at the edge of their domain -> the
//   IEEE value (+-inf), but a zero adjoint is never multiplied by it (NOTE [zero adjoints] in
//   rev.cpp); pow(0, p) -> d/dbase = 0 for p == 0, d/dexponent = 0 (the limit of y log(base));
//   digamma, lgamma, tgamma at their poles -> NaN.
// Domain-checked versions that throw tg::DomainError naming the function and the value instead:
// tg::checked::log etc. (checked.hpp; they check value_of(x), which is defined for Rev).
#include <cmath>
#include <limits>
#include <numbers>
#include <ostream>

#include "checked.hpp"
#include "dual_partials.hpp"  // detail::one_minus_sq
#include "polygamma.hpp"
#include "rev.hpp"

namespace tg {

namespace detail {
template <class A>
using rev_t = std::remove_cvref_t<A>;
template <class A>
concept rev_arg = is_rev_v<rev_t<A>>;
// Revs of one type, or a Rev and a number, in either order.
template <class A, class B>
concept rev_args = (rev_arg<A> && std::is_same_v<rev_t<A>, rev_t<B>>) ||
                   (rev_arg<A> && std::is_arithmetic_v<rev_t<B>>) ||
                   (std::is_arithmetic_v<rev_t<A>> && rev_arg<B>);
template <class A, class B>
using rev_common_t = std::conditional_t<rev_arg<A>, rev_t<A>, rev_t<B>>;
template <class A>
using rev_value_t = typename rev_t<A>::value_type;
// An argument an operation may consume: a non-const rvalue Rev (A deduced from A&&).
template <class A>
inline constexpr bool rev_consumable = rev_arg<A>&& std::is_same_v<A, rev_t<A>>;

// An argument as a Rev<T>: a Rev as it is, a number as a constant.
template <class T, class A>
TG_REV_INLINE decltype(auto) as_rev(const A& a) {
    if constexpr (is_rev_v<A>) return (a);
    else return Rev<T>(a);
}
// Record op(a) or op(a, b) with value v and partials, a and b as the caller received them.
template <class A, class T>
TG_REV_INLINE Rev<T> rev_apply1(const Rev<T>& a, T v, T d) {
    return RevCore<T>::template unary<rev_consumable<A>>(a, v, d);
}
// A number operand is known at compile time: the operation is a one-operand one.
template <class A, class B, class T>
TG_REV_INLINE Rev<T> rev_apply2(const Rev<T>& a, const Rev<T>& b, T v, T da, T db) {
    if constexpr (!rev_arg<A>) return RevCore<T>::template unary<rev_consumable<B>>(b, v, db);
    else if constexpr (!rev_arg<B>) return RevCore<T>::template unary<rev_consumable<A>>(a, v, da);
    else return RevCore<T>::template binary<rev_consumable<A>, rev_consumable<B>>(a, b, v, da, db);
}
template <class T>
constexpr T rc(double v) {
    return static_cast<T>(v);
}
}  // namespace detail

// ---- arithmetic -------------------------------------------------------------------------------

template <class A>
requires detail::rev_arg<A> TG_REV_INLINE detail::rev_t<A>
operator+(A&& a) { return std::forward<A>(a); }
template <class A>
requires detail::rev_arg<A> TG_REV_INLINE detail::rev_t<A>
operator-(A&& a) { return detail::rev_apply1<A>(a, -a.value(), detail::rev_value_t<A>(-1)); }

// y = a + b, a - b, a * b: partials (1, 1), (1, -1), (b, a); y = a / b: (1/b, -y/b)
#define TG_REV_ARITH(op, result, partial_a, partial_b)                          \
    template <class A, class B>                                                 \
    requires detail::rev_args<A, B> TG_REV_INLINE detail::rev_common_t<A, B>    \
    operator op(A&& a, B&& b) {                                                 \
        using T = typename detail::rev_common_t<A, B>::value_type;              \
        const auto &ra = detail::as_rev<T>(a), &rb = detail::as_rev<T>(b);      \
        const T x = ra.value(), z = rb.value();                                 \
        const T y = result;                                                     \
        return detail::rev_apply2<A, B>(ra, rb, y, T(partial_a), T(partial_b)); \
    }
TG_REV_ARITH(+, x + z, 1, 1)
TG_REV_ARITH(-, x - z, 1, -1)
TG_REV_ARITH(*, x* z, z, x)
TG_REV_ARITH(/, x / z, T(1) / z, -y / z)
#undef TG_REV_ARITH

// ---- <cmath> ----------------------------------------------------------------------------------

// y = fn(x) with partial dy/dx written with the plain values x and y.
#define TG_REV_UNARY(fn, partial)                            \
    template <class A>                                       \
    requires detail::rev_arg<A> detail::rev_t<A> fn(A&& a) { \
        using T = detail::rev_value_t<A>;                    \
        using std::fn;                                       \
        const T x = a.value();                               \
        const T y = fn(x);                                   \
        return detail::rev_apply1<A>(a, y, T(partial));      \
    }
// y = fn(a, b) with partials dy/da, dy/db written with the plain values x = a, z = b and y.
#define TG_REV_BINARY(fn, partial_a, partial_b, special)                          \
    template <class A, class B>                                                   \
    requires detail::rev_args<A, B> detail::rev_common_t<A, B> fn(A&& a, B&& b) { \
        using T = typename detail::rev_common_t<A, B>::value_type;                \
        using std::fn;                                                            \
        const auto &ra = detail::as_rev<T>(a), &rb = detail::as_rev<T>(b);        \
        const T x = ra.value(), z = rb.value();                                   \
        const T y = fn(x, z);                                                     \
        special;                                                                  \
        return detail::rev_apply2<A, B>(ra, rb, y, T(partial_a), T(partial_b));   \
    }

// ---- exponentials and logarithms --------------------------------------------------------------

TG_REV_UNARY(exp, y)                                                 // dy = y dx
TG_REV_UNARY(exp2, y* detail::rc<T>(std::numbers::ln2))              // dy = y ln2 dx
TG_REV_UNARY(expm1, std::exp(x))                                     // dy = e^x dx (not y + 1: 0 at -50)
TG_REV_UNARY(log, T(1) / x)                                          // dy = dx / x
TG_REV_UNARY(log2, T(1) / (x * detail::rc<T>(std::numbers::ln2)))    // dy = dx / (x ln2)
TG_REV_UNARY(log10, T(1) / (x * detail::rc<T>(std::numbers::ln10)))  // dy = dx / (x ln10)
TG_REV_UNARY(log1p, T(1) / (1 + x))                                  // dy = dx / (1 + x)

// ---- powers and roots -------------------------------------------------------------------------

TG_REV_UNARY(sqrt, T(0.5) / y)          // dy = dx / (2 y): +inf at 0
TG_REV_UNARY(cbrt, T(1) / (3 * y * y))  // dy = dx / (3 y^2)

// y = a^b  dy = b a^(b-1) da + y ln(a) db; d/da = 0 when b == 0 (y is constant), d/db = 0 when
// a == 0 (the limit of y ln a as a -> 0+). pow(a, 2) is a * a.
template <class A, class B>
requires detail::rev_args<A, B> detail::rev_common_t<A, B> pow(A&& a, B&& b) {
    using T = typename detail::rev_common_t<A, B>::value_type;
    using std::log;
    using std::pow;
    const auto &ra = detail::as_rev<T>(a), &rb = detail::as_rev<T>(b);
    const T x = ra.value(), p = rb.value();
    if constexpr (std::is_arithmetic_v<detail::rev_t<B>>) {
        if (p == 2) return detail::rev_apply1<A>(ra, x * x, 2 * x);
        if (p == 0) return Rev<T>(pow(x, p));
        return detail::rev_apply1<A>(ra, pow(x, p), p * pow(x, p - 1));
    } else {
        const T y = pow(x, p);
        return detail::rev_apply2<A, B>(ra, rb, y, p == 0 ? T(0) : p * pow(x, p - 1),
                                        x == 0 ? T(0) : y * log(x));
    }
}
// h = sqrt(x^2 + z^2) without overflow  dh = (x dx + z dz) / h; 0 at the origin (h = 0)
TG_REV_BINARY(hypot, h == 0 ? T(0) : x / h, h == 0 ? T(0) : z / h, const T h = y)
// Three operands: two records, t = (x dx + y dy) / h (its value is unused), then t + z dz / h.
template <class T>
Rev<T> hypot(const Rev<T>& a, const Rev<T>& b, const Rev<T>& c) {
    using std::hypot;
    const T h = hypot(a.value(), b.value(), c.value());
    if (h == 0) return Rev<T>(h);
    const Rev<T> t = detail::rev_apply2<Rev<T>&, Rev<T>&>(a, b, T(0), a.value() / h, b.value() / h);
    return detail::rev_apply2<Rev<T>, Rev<T>&>(t, c, h, T(1), c.value() / h);
}

// ---- trigonometric ----------------------------------------------------------------------------

TG_REV_UNARY(sin, std::cos(x))
TG_REV_UNARY(cos, -std::sin(x))
TG_REV_UNARY(tan, 1 + y * y)                                    // dy = (1 + y^2) dx
TG_REV_UNARY(asin, T(1) / std::sqrt(detail::one_minus_sq(x)))   // +inf at +-1
TG_REV_UNARY(acos, T(-1) / std::sqrt(detail::one_minus_sq(x)))  // -inf at +-1
TG_REV_UNARY(atan, T(1) / (1 + x * x))
// t = atan2(x, z)  dt = (z dx - x dz) / r^2, r = hypot(x, z) (no overflow); 0 at the origin
TG_REV_BINARY(atan2, r == 0 ? T(0) : z / r / r, r == 0 ? T(0) : -(x / r) / r, const T r = std::hypot(x, z))

// ---- hyperbolic -------------------------------------------------------------------------------

TG_REV_UNARY(sinh, std::cosh(x))
TG_REV_UNARY(cosh, std::sinh(x))
TG_REV_UNARY(tanh, detail::sech2(x))  // 1/cosh^2 (not 1 - y^2, which cancels for large |x|)
TG_REV_UNARY(asinh, T(1) / std::hypot(x, T(1)))
TG_REV_UNARY(acosh, T(1) / (std::sqrt(x - 1) * std::sqrt(x + 1)))  // +inf at 1; (x-1)(x+1) overflows
TG_REV_UNARY(atanh, T(1) / detail::one_minus_sq(x))                // +-inf at +-1

// ---- error and gamma functions ----------------------------------------------------------------

TG_REV_UNARY(erf, detail::rc<T>(std::numbers::inv_sqrtpi * 2) * std::exp(-(x * x)))  // 2/sqrt(pi) e^(-x^2)
TG_REV_UNARY(erfc, detail::rc<T>(-std::numbers::inv_sqrtpi * 2) * std::exp(-(x * x)))
TG_REV_UNARY(lgamma, tg::digamma(x))     // d ln|Gamma(x)| = psi(x) dx
TG_REV_UNARY(tgamma, y* tg::digamma(x))  // d Gamma(x) = Gamma(x) psi(x) dx

// psi^(n)(x)  d = psi^(n+1)(x) dx; digamma = polygamma(0, .)
template <class A>
requires detail::rev_arg<A> detail::rev_t<A> polygamma(int n, A&& a) {
    return detail::rev_apply1<A>(a, tg::polygamma(n, a.value()), tg::polygamma(n + 1, a.value()));
}
template <class A>
requires detail::rev_arg<A> detail::rev_t<A> digamma(A&& a) { return polygamma(0, std::forward<A>(a)); }

// ---- kinks, steps and selections (the result is an operand or a constant: nothing recorded) ---

// |x|  d = sign(x) dx, 0 at x = 0 (and NaN: a constant)
template <class T>
Rev<T> abs(const Rev<T>& a) {
    if (a.value() > 0) return a;
    if (a.value() < 0) return -a;
    using std::abs;
    return Rev<T>(abs(a.value()));
}
template <class T>
Rev<T> fabs(const Rev<T>& a) {
    return abs(a);
}

#define TG_REV_STEP(fn)               \
    template <class T>                \
    Rev<T> fn(const Rev<T>& a) {      \
        using std::fn;                \
        return Rev<T>(fn(a.value())); \
    }
TG_REV_STEP(floor)
TG_REV_STEP(ceil)
TG_REV_STEP(round)
TG_REV_STEP(trunc)
#undef TG_REV_STEP

// Ties and NaN follow std: max(a, b) = a < b ? b : a, min(a, b) = b < a ? b : a (ties -> a);
// fmax/fmin return the other argument when one value is NaN.
#define TG_REV_SELECT(fn, pick_b)                                                           \
    template <class A, class B>                                                             \
    requires detail::rev_args<A, B> detail::rev_common_t<A, B> fn(const A& a, const B& b) { \
        using T = typename detail::rev_common_t<A, B>::value_type;                          \
        const Rev<T>&x = detail::as_rev<T>(a), &y = detail::as_rev<T>(b);                   \
        return (pick_b) ? y : x;                                                            \
    }
TG_REV_SELECT(max, x < y)
TG_REV_SELECT(min, y < x)
TG_REV_SELECT(fmax, std::isnan(x.value()) || x < y)
TG_REV_SELECT(fmin, std::isnan(x.value()) || y < x)
#undef TG_REV_SELECT

// r = fmod(a, b) = a - q b  dr = da - q db, q = round((a - r) / b): the integer fmod used (exact
// below 2^52; trunc(a / b) rounds a / b first: fmod(1, 0.1) has q = 9, 1 / 0.1 rounds to 10)
TG_REV_BINARY(fmod, 1, -std::round((x - y) / z), (void)0)
#undef TG_REV_BINARY
#undef TG_REV_UNARY

// ---- comparisons: on values only (they steer control flow, they are not differentiated) -------

template <class T>
constexpr bool operator==(const Rev<T>& a, const Rev<T>& b) {
    return a.value() == b.value();
}
template <class T>
constexpr auto operator<=>(const Rev<T>& a, const Rev<T>& b) {
    return a.value() <=> b.value();
}
template <class T, class U>
requires std::is_arithmetic_v<U>
constexpr bool operator==(const Rev<T>& a, const U& s) { return a.value() == static_cast<T>(s); }
template <class T, class U>
requires std::is_arithmetic_v<U>
constexpr auto operator<=>(const Rev<T>& a, const U& s) { return a.value() <=> static_cast<T>(s); }

template <class T>
bool isnan(const Rev<T>& x) {
    return std::isnan(x.value());
}
template <class T>
bool isinf(const Rev<T>& x) {
    return std::isinf(x.value());
}
template <class T>
bool isfinite(const Rev<T>& x) {
    return std::isfinite(x.value());
}
template <class T>
bool signbit(const Rev<T>& x) {
    return std::signbit(x.value());
}

/// Prints `rev(value)` with the stream's number formatting.
template <class T>
std::ostream& operator<<(std::ostream& os, const Rev<T>& x) {
    return os << "rev(" << x.value() << ')';
}

}  // namespace tg

/// Limits of the value type, returned as constants.
template <class T>
class std::numeric_limits<tg::Rev<T>> : public std::numeric_limits<T> {
    using R = tg::Rev<T>;
    using L = std::numeric_limits<T>;

public:
    static constexpr R min() noexcept { return R(L::min()); }
    static constexpr R max() noexcept { return R(L::max()); }
    static constexpr R lowest() noexcept { return R(L::lowest()); }
    static constexpr R epsilon() noexcept { return R(L::epsilon()); }
    static constexpr R round_error() noexcept { return R(L::round_error()); }
    static constexpr R infinity() noexcept { return R(L::infinity()); }
    static constexpr R quiet_NaN() noexcept { return R(L::quiet_NaN()); }
    static constexpr R signaling_NaN() noexcept { return R(L::signaling_NaN()); }
    static constexpr R denorm_min() noexcept { return R(L::denorm_min()); }
};
