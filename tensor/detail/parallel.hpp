#pragma once
// One helper for data parallelism: serial below a measured threshold, TBB above it.
// XTENSOR_USE_TBB is not used: it has no useful threshold (NOTES-deps section 2).
#include <cstdint>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

namespace tg::detail {

// Measured in bench/bench_parallel.cpp (docs/performance.md): below ~32K elements the fork/join
// costs more than a memory-bound elementwise kernel saves on 2 cores.
inline constexpr std::int64_t parallel_threshold = 32768;
inline constexpr std::int64_t parallel_grain = 16384;

/// Calls f(begin, end) over [0, n): once when n is small, in TBB chunks otherwise.
template <class F>
void parallel_chunks(std::int64_t n, F&& f, std::int64_t threshold = parallel_threshold,
                     std::int64_t grain = parallel_grain) {
    if (n < threshold) {
        if (n > 0) f(std::int64_t{0}, n);
        return;
    }
    tbb::parallel_for(tbb::blocked_range<std::int64_t>(0, n, grain),
                      [&](const tbb::blocked_range<std::int64_t>& r) { f(r.begin(), r.end()); });
}

}  // namespace tg::detail
