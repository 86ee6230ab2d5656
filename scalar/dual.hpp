#pragma once
// tg::Dual<T, N>: forward-mode dual numbers for generic scalar code.
//
//   x = v + sum_k d_k e_k  with  e_j e_k = 0   =>   f(x) = f(v) + f'(v) sum_k d_k e_k
//
// N tangent directions travel together. For float/double and N > 1 they sit in GCC/Clang vector
// registers (dual_tangents.hpp), so N directional derivatives cost about one pass: measured the
// same speed as an xsimd batch, without xsimd's ~1.2 s per translation unit (docs/forward_mode.md). T may
// itself be a Dual: Dual<Dual<double>> carries exact second derivatives; its tangents are then an array of
// the inner Dual.
//
// The <cmath> functions (dual_math.hpp) live in namespace tg and are found by ADL, so a templated
// user function calls them unqualified (`using std::sin; sin(x)` works for double and Dual alike).
#include <cmath>
#include <compare>
#include <limits>
#include <ostream>
#include <type_traits>

#include "dual_tangents.hpp"

namespace tg {

template <class T, int N = 1>
class Dual;

template <class T>
struct is_dual : std::false_type {};
template <class T, int N>
struct is_dual<Dual<T, N>> : std::true_type {};
template <class T>
inline constexpr bool is_dual_v = is_dual<T>::value;

namespace detail {
template <class T>
struct dual_base {
    using type = T;
};
template <class T, int N>
struct dual_base<Dual<T, N>> {
    using type = typename dual_base<T>::type;
};
}  // namespace detail

/// The plain floating-point type at the bottom of a (nested) Dual: double for Dual<Dual<double>>.
template <class T>
using dual_base_t = typename detail::dual_base<T>::type;

/// The primal value at the bottom of a (nested) Dual; a plain number is returned as it is.
template <class S>
constexpr dual_base_t<S> value_of(const S& x) {
    if constexpr (is_dual_v<S>) return value_of(x.v);
    else return x;
}

namespace detail {
// The scalars a Dual<T, N> mixes with: any arithmetic type, and T itself when T is a Dual.
template <class U, class T>
concept scalar_for = std::disjunction_v<std::is_arithmetic<U>, std::conjunction<is_dual<T>, std::is_same<U, T>>>;

template <class T, class U>
constexpr auto lift(const U& s) {
    if constexpr (std::is_arithmetic_v<U>) return static_cast<dual_base_t<T>>(s);
    else return s;
}

// NOTE [zero tangents]: a tangent component that is exactly zero stays zero when it is scaled by
// an infinite or NaN derivative (sqrt, log, asin, pow at the edge of their domain): a direction in
// which the input does not move cannot move the output. Other components follow IEEE (1 * inf =
// inf). The check costs one isfinite per call on the fast path.
template <class T>
constexpr bool all_finite(const T& k) {
    if constexpr (!is_dual_v<T>) {
        return std::isfinite(k);
    } else {
        if (!all_finite(k.v)) return false;
        for (int i = 0; i < T::directions; ++i)
            if (!all_finite(k.tangent(i))) return false;
        return true;
    }
}

template <class T, int N>
constexpr tangent_t<T, N> scale0(const Dual<T, N>& x, const T& k);

// a * k where a zero factor wins over an infinite or NaN one, at every nesting level.
template <class T>
constexpr T mul0(const T& a, const T& k) {
    if constexpr (!is_dual_v<T>) return (a == 0 || k == 0) ? T(0) : a * k;
    else return T(mul0(a.v, k.v), scale0(a, k.v) + scale0(k, a.v));
}

template <class T, int N>
constexpr tangent_t<T, N> scale0(const Dual<T, N>& x, const T& k) {
    tangent_t<T, N> out{};
    if constexpr (N == 1) out = mul0(x.d, k);
    else
        for (int i = 0; i < N; ++i) set_lane(out, i, mul0(T(x.d[i]), k));
    return out;
}

/// x's tangents scaled by k (the chain rule), following NOTE [zero tangents].
template <class T, int N>
constexpr tangent_t<T, N> scaled(const Dual<T, N>& x, const T& k) {
    if (all_finite(k)) return x.d * k;
    return scale0(x, k);
}
}  // namespace detail

/// A value and N tangents (directional derivatives). See the top of this file.
template <class T, int N>
class Dual {
    static_assert(N >= 1, "tg::Dual<T, N>: N must be at least 1");
    static_assert(std::is_floating_point_v<T> || is_dual_v<T>,
                  "tg::Dual<T, N>: T must be a floating-point type or a Dual");

public:
    using value_type = T;
    using tangent_type = detail::tangent_t<T, N>;
    static constexpr int directions = N;

    T v{};             ///< the primal value
    tangent_type d{};  ///< the N tangents (a plain T when N == 1)

    constexpr Dual() = default;
    /// A constant: the value with zero tangents. Implicit, so `S y = 0;` works in generic code.
    template <class U>
    requires std::is_arithmetic_v<U>
    constexpr Dual(U value) : v(static_cast<dual_base_t<T>>(value)) {}
    constexpr Dual(const T& value) requires is_dual_v<T> : v(value) {}
    constexpr Dual(const T& value, const tangent_type& tangents) : v(value), d(tangents) {}

    /// The independent variable of direction k: `value` with tangent k equal to 1, the others 0.
    static constexpr Dual variable(const T& value, int k = 0) {
        Dual x(value, tangent_type{});
        x.set_tangent(k, T(1));
        return x;
    }

    constexpr const T& value() const { return v; }
    /// Tangent k (the derivative along direction k).
    constexpr T tangent(int k = 0) const {
        if constexpr (N == 1) return d;
        else return d[k];
    }
    constexpr void set_tangent(int k, const T& t) {
        if constexpr (N == 1) d = t;
        else detail::set_lane(d, k, t);
    }

    template <class U>
    constexpr Dual& operator+=(const U& o) {
        return *this = *this + o;
    }
    template <class U>
    constexpr Dual& operator-=(const U& o) {
        return *this = *this - o;
    }
    template <class U>
    constexpr Dual& operator*=(const U& o) {
        return *this = *this * o;
    }
    template <class U>
    constexpr Dual& operator/=(const U& o) {
        return *this = *this / o;
    }
};

// ---- arithmetic -------------------------------------------------------------------------------

template <class T, int N>
constexpr Dual<T, N> operator+(const Dual<T, N>& a) {
    return a;
}
template <class T, int N>
constexpr Dual<T, N> operator-(const Dual<T, N>& a) {
    return {-a.v, -a.d};
}

template <class T, int N>
constexpr Dual<T, N> operator+(const Dual<T, N>& a, const Dual<T, N>& b) {
    return {a.v + b.v, a.d + b.d};
}
template <class T, int N>
constexpr Dual<T, N> operator-(const Dual<T, N>& a, const Dual<T, N>& b) {
    return {a.v - b.v, a.d - b.d};
}
template <class T, int N>
constexpr Dual<T, N> operator*(const Dual<T, N>& a, const Dual<T, N>& b) {
    // x * x: one multiply per tangent lane instead of two and an add (exactly equal: 2v is exact).
    // The test folds at compile time wherever the operands are visibly one object.
    if constexpr (detail::simd_tangents<T, N>)
        if (&a == &b) return {a.v * a.v, a.d * (a.v + a.v)};
    return {a.v * b.v, a.d * b.v + b.d * a.v};
}
template <class T, int N>
constexpr Dual<T, N> operator/(const Dual<T, N>& a, const Dual<T, N>& b) {
    const T y = a.v / b.v;
    if constexpr (detail::simd_tangents<T, N>) return {y, (a.d - b.d * y) * (T(1) / b.v)};  // one division
    else return {y, (a.d - b.d * y) / b.v};
}

// With a scalar on either side: the scalar is a constant (zero tangent).
template <class T, int N, class U>
requires detail::scalar_for<U, T>
constexpr Dual<T, N> operator+(const Dual<T, N>& a, const U& s) { return {a.v + detail::lift<T>(s), a.d}; }
template <class T, int N, class U>
requires detail::scalar_for<U, T>
constexpr Dual<T, N> operator+(const U& s, const Dual<T, N>& a) { return {detail::lift<T>(s) + a.v, a.d}; }
template <class T, int N, class U>
requires detail::scalar_for<U, T>
constexpr Dual<T, N> operator-(const Dual<T, N>& a, const U& s) { return {a.v - detail::lift<T>(s), a.d}; }
template <class T, int N, class U>
requires detail::scalar_for<U, T>
constexpr Dual<T, N> operator-(const U& s, const Dual<T, N>& a) { return {detail::lift<T>(s) - a.v, -a.d}; }
template <class T, int N, class U>
requires detail::scalar_for<U, T>
constexpr Dual<T, N> operator*(const Dual<T, N>& a, const U& s) {
    const auto c = detail::lift<T>(s);
    return {a.v * c, a.d * c};
}
template <class T, int N, class U>
requires detail::scalar_for<U, T>
constexpr Dual<T, N> operator*(const U& s, const Dual<T, N>& a) { return a * s; }
template <class T, int N, class U>
requires detail::scalar_for<U, T>
constexpr Dual<T, N> operator/(const Dual<T, N>& a, const U& s) {
    const auto c = detail::lift<T>(s);
    if constexpr (detail::simd_tangents<T, N>) return {a.v / c, a.d * (1 / c)};
    else return {a.v / c, a.d / c};
}
// s / b  d = -(s / b^2) db, as -y / b times db while that factor is a normal number; where it
// underflows (atan'' at 1e100: 1e-200 / 1e200) but the product with a large tangent does not,
// as -(db y) / b (one more operation per lane, off the common path).
template <class T, int N, class U>
requires detail::scalar_for<U, T>
constexpr Dual<T, N> operator/(const U& s, const Dual<T, N>& b) {
    using std::abs;
    const T y = detail::lift<T>(s) / b.v;
    const T k = -y / b.v;
    if (abs(value_of(k)) >= std::numeric_limits<dual_base_t<T>>::min() || value_of(y) == 0) [[likely]]
        return {y, b.d * k};
    return {y, (b.d * -y) * (T(1) / b.v)};
}

// ---- comparisons: on values only (they steer control flow, they are not differentiated) -------

template <class T, int N>
constexpr bool operator==(const Dual<T, N>& a, const Dual<T, N>& b) {
    return a.v == b.v;
}
template <class T, int N>
constexpr auto operator<=>(const Dual<T, N>& a, const Dual<T, N>& b) {
    return a.v <=> b.v;
}
template <class T, int N, class U>
requires detail::scalar_for<U, T>
constexpr bool operator==(const Dual<T, N>& a, const U& s) { return a.v == detail::lift<T>(s); }
template <class T, int N, class U>
requires detail::scalar_for<U, T>
constexpr auto operator<=>(const Dual<T, N>& a, const U& s) { return a.v <=> detail::lift<T>(s); }

// ---- classification (on values) ---------------------------------------------------------------

template <class T, int N>
constexpr bool isnan(const Dual<T, N>& x) {
    return std::isnan(value_of(x));
}
template <class T, int N>
constexpr bool isinf(const Dual<T, N>& x) {
    return std::isinf(value_of(x));
}
template <class T, int N>
constexpr bool isfinite(const Dual<T, N>& x) {
    return std::isfinite(value_of(x));
}
template <class T, int N>
constexpr bool signbit(const Dual<T, N>& x) {
    return std::signbit(value_of(x));
}

/// Prints `dual(value; tangent_0, ..., tangent_N-1)`, nesting for nested Duals, with the stream's
/// number formatting.
template <class T, int N>
std::ostream& operator<<(std::ostream& os, const Dual<T, N>& x) {
    os << "dual(" << x.v << ';';
    for (int k = 0; k < N; ++k) os << (k ? ", " : " ") << x.tangent(k);
    return os << ')';
}

}  // namespace tg

/// Limits of the value type, returned as constants (zero tangents).
template <class T, int N>
class std::numeric_limits<tg::Dual<T, N>> : public std::numeric_limits<T> {
    using D = tg::Dual<T, N>;
    using L = std::numeric_limits<T>;

public:
    static constexpr D min() noexcept { return D(L::min()); }
    static constexpr D max() noexcept { return D(L::max()); }
    static constexpr D lowest() noexcept { return D(L::lowest()); }
    static constexpr D epsilon() noexcept { return D(L::epsilon()); }
    static constexpr D round_error() noexcept { return D(L::round_error()); }
    static constexpr D infinity() noexcept { return D(L::infinity()); }
    static constexpr D quiet_NaN() noexcept { return D(L::quiet_NaN()); }
    static constexpr D signaling_NaN() noexcept { return D(L::signaling_NaN()); }
    static constexpr D denorm_min() noexcept { return D(L::denorm_min()); }
};

#include "checked.hpp"    // IWYU pragma: export
#include "dual_math.hpp"  // IWYU pragma: export
