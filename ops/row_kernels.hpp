#pragma once
// Row helpers shared by the .cpp kernels of the nn family (nn_kernels.cpp, layer_norm_kernels.cpp);
// include only from .cpp files.
#include <algorithm>
#include <cstdint>
#include <utility>

#include "../tensor/detail/parallel.hpp"
#include "../tensor/shape.hpp"

namespace tg::kernels::row_kernels {

// Runs f(r) for every row r in [0, rows), over TBB when rows * n is large.
template <class F>
inline void for_rows(index_t rows, index_t n, F&& f) {
    const std::int64_t len = std::max<index_t>(n, 1);
    tg::detail::parallel_chunks(
        rows,
        [&](std::int64_t b, std::int64_t e) {
            for (std::int64_t r = b; r < e; ++r) f(r);
        },
        std::max<std::int64_t>(2, tg::detail::parallel_threshold / len),
        std::max<std::int64_t>(1, tg::detail::parallel_grain / len));
}

// Sums in double over 16 independent lanes: vectorized without reassociation, exact enough for
// the two-pass variance of data offset by 1e4 in float.
template <class T, class F>
double lane_sum(index_t n, F f) {
    constexpr int L = 16;
    double acc[L] = {};
    index_t i = 0;
    for (; i + L <= n; i += L)
        for (int j = 0; j < L; ++j) acc[j] += f(i + j);
    double total = 0;
    for (int j = 0; j < L; ++j) total += acc[j];
    for (; i < n; ++i) total += f(i);
    return total;
}

}  // namespace tg::kernels::row_kernels
