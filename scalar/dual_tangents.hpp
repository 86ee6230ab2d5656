#pragma once
// The storage of a tg::Dual's N tangents (dual.hpp):
//   N == 1:                  a plain T;
//   T float/double, N > 1:   GCC/Clang vector extensions: one vector of N lanes rounded up to a
//                            power of two, or several registers when N lanes do not fit one;
//   otherwise (nested Duals, or -DTG_DUAL_NO_VECTOR_EXTENSIONS): a std::array with loops.
// Each supports + - (binary and unary), * and / by a T, reading lane i with [i], and set_lane.
#include <array>
#include <bit>
#include <type_traits>

namespace tg {
namespace detail {
#if defined(__GNUC__) && !defined(TG_DUAL_NO_VECTOR_EXTENSIONS)
template <class T, int N>
inline constexpr bool simd_tangents = N > 1 &&
                                      std::disjunction_v<std::is_same<T, float>, std::is_same<T, double>>;
#else
template <class T, int N>
inline constexpr bool simd_tangents = false;
#endif
// The vector register width tangents use: 32 bytes with AVX (also with AVX-512: on this machine
// kind two 256-bit registers beat one 512-bit one, as GCC's own -mprefer-vector-width=256 assumes),
// 16 bytes otherwise; -DTG_DUAL_SIMD_BYTES=64 overrides. More directions take several registers;
// a wider vector type than the target has would be lowered badly and change the ABI.
#if defined(TG_DUAL_SIMD_BYTES)
inline constexpr unsigned simd_bytes = TG_DUAL_SIMD_BYTES;
#elif defined(__AVX__)
inline constexpr unsigned simd_bytes = 32;
#else
inline constexpr unsigned simd_bytes = 16;
#endif

// N tangents that are not SIMD lanes (nested Duals, or a compiler without vector extensions).
template <class T, int N>
struct Lanes {
    std::array<T, N> a{};
    constexpr T& operator[](int i) { return a[i]; }
    constexpr const T& operator[](int i) const { return a[i]; }
    friend constexpr Lanes operator+(Lanes x, const Lanes& y) {
        for (int i = 0; i < N; ++i) x.a[i] = x.a[i] + y.a[i];
        return x;
    }
    friend constexpr Lanes operator-(Lanes x, const Lanes& y) {
        for (int i = 0; i < N; ++i) x.a[i] = x.a[i] - y.a[i];
        return x;
    }
    friend constexpr Lanes operator-(Lanes x) {
        for (int i = 0; i < N; ++i) x.a[i] = -x.a[i];
        return x;
    }
    friend constexpr Lanes operator*(Lanes x, const T& s) {
        for (int i = 0; i < N; ++i) x.a[i] = x.a[i] * s;
        return x;
    }
    friend constexpr Lanes operator/(Lanes x, const T& s) {
        for (int i = 0; i < N; ++i) x.a[i] = x.a[i] / s;
        return x;
    }
};

template <class T, int N, bool Simd = simd_tangents<T, N>>
struct TangentStorage {
    using type = Lanes<T, N>;
};
template <class T>
struct TangentStorage<T, 1, false> {
    using type = T;
};
template <class T, unsigned L>
struct Vector {
    static constexpr unsigned bytes = sizeof(T) * L;
    typedef T type __attribute__((vector_size(bytes)));
};

// More directions than one register holds: K registers of vector type V.
template <class V, class T, int K>
struct Chunks {
    static constexpr int L = sizeof(V) / sizeof(T);
    std::array<V, K> c{};
    constexpr T operator[](int i) const { return c[i / L][i % L]; }
    constexpr void set(int i, const T& t) { c[i / L][i % L] = t; }
    friend constexpr Chunks operator+(Chunks x, const Chunks& y) {
        for (int k = 0; k < K; ++k) x.c[k] += y.c[k];
        return x;
    }
    friend constexpr Chunks operator-(Chunks x, const Chunks& y) {
        for (int k = 0; k < K; ++k) x.c[k] -= y.c[k];
        return x;
    }
    friend constexpr Chunks operator-(Chunks x) {
        for (int k = 0; k < K; ++k) x.c[k] = -x.c[k];
        return x;
    }
    friend constexpr Chunks operator*(Chunks x, T s) {
        for (int k = 0; k < K; ++k) x.c[k] *= s;
        return x;
    }
    friend constexpr Chunks operator/(Chunks x, T s) {
        for (int k = 0; k < K; ++k) x.c[k] /= s;
        return x;
    }
};

// SIMD tangents: one vector of N lanes rounded up to a power of two (padding lanes start at zero
// and are never read), or K full registers.
template <class T, int N>
struct TangentStorage<T, N, true> {
    static constexpr unsigned per_register = simd_bytes / sizeof(T), lanes = std::bit_ceil(unsigned(N));
    using type = std::conditional_t<
        (lanes <= per_register), typename Vector<T, lanes>::type,
        Chunks<typename Vector<T, per_register>::type, T, int((N + per_register - 1) / per_register)>>;
};

template <class V, class T>
constexpr void set_lane(V& d, int i, const T& t) {
    if constexpr (requires { d.set(i, t); }) d.set(i, t);
    else d[i] = t;
}
template <class T, int N>
using tangent_t = typename TangentStorage<T, N>::type;
}  // namespace detail

}  // namespace tg
