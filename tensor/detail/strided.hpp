#pragma once
// Copies between a strided layout and a contiguous one; the innermost axis is a tight loop.
#include <cstring>

#include "../shape.hpp"

namespace tg::detail {

template <class T, class F>
void for_each_row(const Shape& shape, const Strides& strides, F&& f) {
    const int r = shape.size();
    const index_t n = shape.numel();
    if (n == 0) return;
    if (r == 0) {
        f(index_t{0}, index_t{0}, index_t{1}, index_t{1});
        return;
    }
    const index_t len = shape[r - 1], inner = strides[r - 1];
    Shape idx = Shape::filled(r, 0);
    index_t off = 0;
    for (index_t row = 0; row < n / len; ++row) {
        f(row * len, off, len, inner);
        for (int d = r - 2; d >= 0; --d) {
            off += strides[d];
            if (++idx[d] < shape[d]) break;
            off -= strides[d] * shape[d];
            idx[d] = 0;
        }
    }
}

// A contiguous run of n elements. Not memcpy for long runs: glibc 2.36 switches to `rep movsb`
// above about 2 KiB, and on this machine's CPU (AMD Zen 4) that path is 15x slower when the
// destination sits 8 bytes off a 64-byte boundary, as it does for every slice starting at an odd
// element (80 KB: 47 us against 3 us for a vectorised loop; docs/performance.md). The 64-byte
// blocks are fixed-size copies, which the compiler turns into vector moves, never a library call.
template <class T>
inline void copy_run(const T* src, T* dst, index_t n) {
    constexpr index_t block = 64 / sizeof(T);
    if (n < 4 * block) {
        std::memcpy(dst, src, sizeof(T) * static_cast<std::size_t>(n));
        return;
    }
    index_t i = 0;
    for (; i + block <= n; i += block) __builtin_memcpy(dst + i, src + i, 64);
    for (; i < n; ++i) dst[i] = src[i];
}

/// dst[i] (contiguous) = src at the i-th position of the strided layout.
template <class T>
void strided_copy(const T* src, const Shape& shape, const Strides& strides, T* dst) {
    for_each_row<T>(shape, strides, [&](index_t out, index_t in, index_t len, index_t step) {
        if (step == 1) {
            copy_run(src + in, dst + out, len);
        } else {
            for (index_t j = 0; j < len; ++j) dst[out + j] = src[in + j * step];
        }
    });
}

/// The strided layout's i-th position of dst = src[i] (contiguous).
template <class T>
void strided_scatter(const T* src, const Shape& shape, const Strides& strides, T* dst) {
    for_each_row<T>(shape, strides, [&](index_t in, index_t out, index_t len, index_t step) {
        if (step == 1) {
            copy_run(src + in, dst + out, len);
        } else {
            for (index_t j = 0; j < len; ++j) dst[out + j * step] = src[in + j];
        }
    });
}

}  // namespace tg::detail
