// Where does a second thread start to pay for an elementwise kernel? This justifies (or not)
// tg::detail::parallel_chunks' threshold (32768 elements) and grain (16384).
// Kernels (float, preallocated output, xsimd through xt::noalias on 1-D adaptors, exactly as the
// flat path of tg::detail::map): "axpy" z = a*b + c (memory/cache bound) and "exp" z = exp(a)*b + c.
// Modes, second benchmark argument:
//   0 serial          one call over [0, n)                          (1 thread)
//   1 two halves      tbb::parallel_for, 2 chunks of n/2            (2 threads, best case)
//   2 grain 16K       tbb::parallel_for, grain 16384, no threshold  (2 threads)
//   3 library         tg::detail::parallel_chunks with its defaults (serial below 32768)
// The benchmark loop keeps TBB's workers hot; in a real program with serial work between ops a
// worker may have gone to sleep, so the measured fork/join cost is a lower bound.
#include <tbb/blocked_range.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include <cmath>
#include <limits>

#include "../tensor/detail/elementwise.hpp"
#include "../tensorgrad.hpp"
#include "bench_common.hpp"

namespace {

constexpr std::int64_t kMax = 4 << 20;

struct Data {
    tg::Tensor<float> a, b, c, out;
    Data() {
        a = tg::Tensor<float>::from_vector(tgbench::random_floats(kMax, -1.f, 1.f, 21), {kMax});
        b = tg::Tensor<float>::from_vector(tgbench::random_floats(kMax, -1.f, 1.f, 22), {kMax});
        c = tg::Tensor<float>::from_vector(tgbench::random_floats(kMax, -1.f, 1.f, 23), {kMax});
        out = tg::zeros<float>({kMax});
    }
};
Data& data() {
    static Data d;
    return d;
}

struct Axpy {
    static auto f(const auto& a, const auto& b, const auto& c) { return a * b + c; }
};
struct ExpChain {
    static auto f(const auto& a, const auto& b, const auto& c) { return xt::exp(a) * b + c; }
};

template <class K>
void chunk(Data& d, std::int64_t lo, std::int64_t hi) {
    using tg::detail::adapt1;
    auto o = adapt1(d.out.data() + lo, hi - lo);
    xt::noalias(o) = K::f(adapt1(d.a.data() + lo, hi - lo), adapt1(d.b.data() + lo, hi - lo),
                          adapt1(d.c.data() + lo, hi - lo));
}

template <class K>
void BM_par(benchmark::State& st) {
    const std::int64_t n = st.range(0);
    const int mode = static_cast<int>(st.range(1));
    tbb::global_control gc(tbb::global_control::max_allowed_parallelism, mode == 0 ? 1 : 2);
    Data& d = data();
    auto f = [&](std::int64_t lo, std::int64_t hi) { chunk<K>(d, lo, hi); };
    for (auto _ : st) {
        switch (mode) {
            case 0: f(0, n); break;
            case 1:
                tbb::parallel_for(tbb::blocked_range<std::int64_t>(0, n, (n + 1) / 2),
                                  [&](const tbb::blocked_range<std::int64_t>& r) { f(r.begin(), r.end()); },
                                  tbb::simple_partitioner());
                break;
            case 2: tg::detail::parallel_chunks(n, f, 0, tg::detail::parallel_grain); break;
            default: tg::detail::parallel_chunks(n, f); break;
        }
        benchmark::ClobberMemory();
    }
    st.SetBytesProcessed(st.iterations() * n * 4 * static_cast<std::int64_t>(sizeof(float)));
}

void sizes(benchmark::internal::Benchmark* b) {
    for (std::int64_t n = 4096; n <= kMax; n *= 2)
        for (int mode = 0; mode < 4; ++mode) b->Args({n, mode});
    b->UseRealTime()->MinTime(0.05);
}
BENCHMARK(BM_par<Axpy>)->Name("axpy")->Apply(sizes);
BENCHMARK(BM_par<ExpChain>)->Name("exp")->Apply(sizes);

bool check() {
    Data& d = data();
    tg::detail::parallel_chunks(kMax, [&](std::int64_t lo, std::int64_t hi) { chunk<Axpy>(d, lo, hi); }, 0, 16384);
    double worst = 0;
    for (std::int64_t i = 0; i < kMax; ++i)
        worst = std::max(worst, std::abs(double(d.out.data()[i]) - (double(d.a.data()[i]) * d.b.data()[i] + d.c.data()[i])));
    std::printf("check: max |chunked a*b+c - double reference| = %.3g: %s\n", worst, worst < 1e-6 ? "OK" : "FAILED");
    return worst < 1e-6;
}

}  // namespace

int main(int argc, char** argv) {
    const auto run = tgbench::run(argc, argv, check);
    if (!run) return 1;
    const std::string& load0 = run->load_before;
    const bool ok = run->ok;
    const tgbench::MedianReporter& rep = run->rep;

    std::printf("\n== bench_parallel summary: median ns per call; speedup = serial / 2-thread time ==\n");
    std::printf("wall time; load average: %s before, %s after\n", load0.c_str(), tgbench::loadavg().c_str());
    std::printf("library: threshold %lld, grain %lld\n", static_cast<long long>(tg::detail::parallel_threshold),
                static_cast<long long>(tg::detail::parallel_grain));
    for (const char* k : {"axpy", "exp"}) {
        std::printf("-- %s --\n%9s %11s %11s %11s %11s %9s %9s %9s\n", k, "n", "serial", "2 halves", "grain16K",
                    "library", "x halves", "x grain", "x lib");
        std::int64_t first_win = -1;
        bool won_since = false;
        for (std::int64_t n = 4096; n <= kMax; n *= 2) {
            std::optional<double> t[4];
            for (int m = 0; m < 4; ++m)
                t[m] = rep.ns(std::string(k) + "/" + std::to_string(n) + "/" + std::to_string(m));
            auto sp = [&](int m) -> std::optional<double> {
                return t[0] && t[m] ? std::optional<double>(*t[0] / *t[m]) : std::nullopt;
            };
            std::printf("%9lld %11s %11s %11s %11s %9s %9s %9s\n", static_cast<long long>(n),
                        tgbench::fmt(t[0], "%.0f").c_str(), tgbench::fmt(t[1], "%.0f").c_str(),
                        tgbench::fmt(t[2], "%.0f").c_str(), tgbench::fmt(t[3], "%.0f").c_str(),
                        tgbench::fmt(sp(1), "%.2f").c_str(), tgbench::fmt(sp(2), "%.2f").c_str(),
                        tgbench::fmt(sp(3), "%.2f").c_str());
            const bool win = sp(1) && *sp(1) > 1.0;
            if (win && !won_since) first_win = n, won_since = true;
            if (!win) won_since = false, first_win = -1;
        }
        if (first_win > 0)
            std::printf("%s: 2 threads (two halves) beat 1 thread from n = %lld on\n", k,
                        static_cast<long long>(first_win));
        else
            std::printf("%s: 2 threads never win consistently up to n = %lld\n", k, static_cast<long long>(kMax));
    }
    if (!ok) std::printf("WARNING: the correctness check FAILED\n");
    return ok ? 0 : 1;
}
