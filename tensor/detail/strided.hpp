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

/// dst[i] (contiguous) = src at the i-th position of the strided layout.
template <class T>
void strided_copy(const T* src, const Shape& shape, const Strides& strides, T* dst) {
    for_each_row<T>(shape, strides, [&](index_t out, index_t in, index_t len, index_t step) {
        if (step == 1) {
            std::memcpy(dst + out, src + in, sizeof(T) * static_cast<std::size_t>(len));
        } else {
            for (index_t j = 0; j < len; ++j) dst[out + j] = src[in + j * step];
        }
    });
}

/// The strided layout's i-th position of dst = src[i] (contiguous).
template <class T>
void strided_scatter(const T* src, const Shape& shape, const Strides& strides, T* dst) {
    for_each_row<T>(shape, strides, [&](index_t in, index_t out, index_t len, index_t step) {
        for (index_t j = 0; j < len; ++j) dst[out + j * step] = src[in + j];
    });
}

}  // namespace tg::detail
