// z = exp(a) * b + c over 10^7 floats, against memcpy of the same number of bytes in the same run.
//
// Lines (each for 1 and 2 TBB threads, via tbb::global_control):
//   BM_memcpy      2 x memcpy of 40 MB: 80 MB read + 80 MB written = 160 MB
//   BM_fused_into  the fused xsimd kernel into a preallocated output (what tg::detail::map runs,
//                  without its allocation): 3 x 40 MB read + 40 MB written = 160 MB
//   BM_fused_map   tg::detail::map<float>(...): the same kernel plus a fresh 40 MB output
//   BM_eager       tg::add(tg::mul(tg::exp(a), b), c): 3 kernels, 2 temporaries + the output;
//                  8 x 40 MB moved (exp 1R+1W, mul 2R+1W, add 2R+1W)
// The allocating lines run twice: /0 with glibc's default policy, /1 with mallopt(M_MMAP_THRESHOLD
// and M_TRIM_THRESHOLD = 1 GiB), which keeps freed blocks in the heap. Under glibc's default a
// 40 MB block is above the largest dynamic mmap threshold (32 MB), so a fresh result is a fresh
// mmap that page-faults 40 MB (NOTES-deps section 1); tensorgrad's per-thread cache of large
// buffers (tensor/storage.cpp) is meant to make the two lines equal.
// Byte accounting counts what the program reads and writes; it leaves out the write-allocate
// read of the destination lines, which a normal store pays and glibc's memcpy (non-temporal
// stores above ~3/4 of the L3 size) does not, so the memcpy reference is the stricter one.
#include <malloc.h>

#include <cmath>
#include <cstring>
#include <vector>

#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include "../tensor/detail/elementwise.hpp"
#include "../tensorgrad.hpp"
#include "bench_common.hpp"

namespace {

constexpr std::int64_t N = 10'000'000;
constexpr double MB40 = N * sizeof(float);

struct Data {
    tg::Tensor<float> a, b, c, out;
    std::vector<float> src1, src2, dst1, dst2;
    Data() {
        a = tg::Tensor<float>::from_vector(tgbench::random_floats(N, -1.f, 1.f, 1), {N});
        b = tg::Tensor<float>::from_vector(tgbench::random_floats(N, -1.f, 1.f, 2), {N});
        c = tg::Tensor<float>::from_vector(tgbench::random_floats(N, -1.f, 1.f, 3), {N});
        out = tg::zeros<float>({N});
        src1 = tgbench::random_floats(N, 0.f, 1.f, 4);
        src2 = tgbench::random_floats(N, 0.f, 1.f, 5);
        dst1.assign(N, 0.f);
        dst2.assign(N, 0.f);
    }
};
Data& data() {
    static Data d;
    return d;
}

const auto chain = [](const auto& a, const auto& b, const auto& c) { return xt::exp(a) * b + c; };

// The flat path of tg::detail::map, writing into an existing output.
void fused_into(float* out, const float* a, const float* b, const float* c, std::int64_t n) {
    tg::detail::parallel_chunks(n, [&](std::int64_t lo, std::int64_t hi) {
        auto o = tg::detail::adapt1(out + lo, hi - lo);
        xt::noalias(o) = chain(tg::detail::adapt1(a + lo, hi - lo), tg::detail::adapt1(b + lo, hi - lo),
                               tg::detail::adapt1(c + lo, hi - lo));
    });
}

void set_malloc_policy(bool retain) {
    const int v = retain ? (1 << 30) : 128 * 1024;  // 128 KiB: glibc's static defaults
    mallopt(M_MMAP_THRESHOLD, v);
    mallopt(M_TRIM_THRESHOLD, v);
}

void BM_memcpy(benchmark::State& st) {
    const int threads = static_cast<int>(st.range(0));
    tbb::global_control gc(tbb::global_control::max_allowed_parallelism, threads);
    Data& d = data();
    for (auto _ : st) {
        if (threads == 1) {
            std::memcpy(d.dst1.data(), d.src1.data(), N * sizeof(float));
            std::memcpy(d.dst2.data(), d.src2.data(), N * sizeof(float));
        } else {
            tbb::parallel_for(0, threads, [&](int t) {
                const std::int64_t lo = N * t / threads, hi = N * (t + 1) / threads;
                std::memcpy(d.dst1.data() + lo, d.src1.data() + lo, (hi - lo) * sizeof(float));
                std::memcpy(d.dst2.data() + lo, d.src2.data() + lo, (hi - lo) * sizeof(float));
            });
        }
        benchmark::ClobberMemory();
    }
    st.SetBytesProcessed(st.iterations() * static_cast<std::int64_t>(4 * MB40));
}

void BM_fused_into(benchmark::State& st) {
    tbb::global_control gc(tbb::global_control::max_allowed_parallelism, static_cast<int>(st.range(0)));
    Data& d = data();
    for (auto _ : st) {
        fused_into(d.out.data(), d.a.data(), d.b.data(), d.c.data(), N);
        benchmark::ClobberMemory();
    }
    st.SetBytesProcessed(st.iterations() * static_cast<std::int64_t>(4 * MB40));
}

void BM_fused_map(benchmark::State& st) {
    tbb::global_control gc(tbb::global_control::max_allowed_parallelism, static_cast<int>(st.range(0)));
    set_malloc_policy(st.range(1) != 0);
    Data& d = data();
    for (auto _ : st) {
        tg::Tensor<float> z = tg::detail::map<float>("bench", chain, d.a, d.b, d.c);
        benchmark::DoNotOptimize(z.data());
        benchmark::ClobberMemory();
    }
    st.SetBytesProcessed(st.iterations() * static_cast<std::int64_t>(4 * MB40));
    set_malloc_policy(false);
}

void BM_eager(benchmark::State& st) {
    tbb::global_control gc(tbb::global_control::max_allowed_parallelism, static_cast<int>(st.range(0)));
    set_malloc_policy(st.range(1) != 0);
    Data& d = data();
    for (auto _ : st) {
        tg::Tensor<float> z = tg::add(tg::mul(tg::exp(d.a), d.b), d.c);
        benchmark::DoNotOptimize(z.data());
        benchmark::ClobberMemory();
    }
    st.SetBytesProcessed(st.iterations() * static_cast<std::int64_t>(8 * MB40));
    set_malloc_policy(false);
}

BENCHMARK(BM_memcpy)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond)->MinTime(0.3);
BENCHMARK(BM_fused_into)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond)->MinTime(0.3);
BENCHMARK(BM_fused_map)->ArgsProduct({{1, 2}, {0, 1}})->UseRealTime()->Unit(benchmark::kMillisecond)->MinTime(0.3);
BENCHMARK(BM_eager)->ArgsProduct({{1, 2}, {0, 1}})->UseRealTime()->Unit(benchmark::kMillisecond)->MinTime(0.3);

// The fused kernel, map and the eager path against a plain double-precision loop.
bool check() {
    Data& d = data();
    tg::Tensor<float> m = tg::detail::map<float>("bench", chain, d.a, d.b, d.c);
    tg::Tensor<float> e = tg::add(tg::mul(tg::exp(d.a), d.b), d.c);
    fused_into(d.out.data(), d.a.data(), d.b.data(), d.c.data(), N);
    double worst = 0;
    for (std::int64_t i = 0; i < N; ++i) {
        const double ref = std::exp(double(d.a.data()[i])) * d.b.data()[i] + d.c.data()[i];
        const double tol = 1e-6 + 1e-6 * std::abs(ref);
        for (float v : {m.data()[i], e.data()[i], d.out.data()[i]}) worst = std::max(worst, std::abs(v - ref) / tol);
    }
    std::printf("check: max |tg - double reference| / (1e-6 + 1e-6 |ref|) = %.3f over %lld elements: %s\n", worst,
                static_cast<long long>(N), worst <= 1.0 ? "OK" : "FAILED");
    d.out.fill(0.f);
    return worst <= 1.0;
}

}  // namespace

int main(int argc, char** argv) {
    const auto run = tgbench::run(argc, argv, check);
    if (!run) return 1;
    const std::string& load0 = run->load_before;
    const bool ok = run->ok;
    const tgbench::MedianReporter& rep = run->rep;

    using tgbench::fmt;
    std::printf("\n== bench_elementwise summary: z = exp(a)*b + c, n = 1e7 floats, median time ==\n");
    std::printf("1 thread: CPU time of the benchmark thread; 2 threads: wall time. load average: %s before, %s after\n",
                load0.c_str(), tgbench::loadavg().c_str());
    std::printf("bytes: fused 160 MB (3 x 40 MB read + 40 MB written); memcpy reference 2 x 40 MB copied = 160 MB;"
                " eager 320 MB\n");
    for (int t : {1, 2}) {
        const std::string T = std::to_string(t);
        const bool cpu = t == 1;
        auto mem = rep.ns("BM_memcpy/" + T, cpu), into = rep.ns("BM_fused_into/" + T, cpu);
        auto gbs = [](std::optional<double> ns, double bytes) -> std::optional<double> {
            if (!ns) return std::nullopt;
            return bytes / *ns;  // bytes per ns = GB/s
        };
        auto ratio = [](std::optional<double> x, std::optional<double> y) -> std::optional<double> {
            if (!x || !y) return std::nullopt;
            return *x / *y;
        };
        std::printf("-- %d thread%s --\n", t, t > 1 ? "s" : "");
        auto line = [&](const std::string& label, std::optional<double> ns, double bytes, const std::string& tail) {
            std::printf("  %-40s %8s ms %7s GB/s   %s\n", label.c_str(), fmt(ratio(ns, 1e6), "%.2f").c_str(),
                        fmt(gbs(ns, bytes), "%.1f").c_str(), tail.c_str());
        };
        line("memcpy 2 x 40 MB", mem, 4 * MB40, "");
        line("fused, preallocated output", into, 4 * MB40, "bandwidth fused/memcpy = " + fmt(ratio(mem, into), "%.2f"));
        for (int r : {0, 1}) {
            const std::string pol = r ? "mallopt 1 GiB" : "default malloc";
            auto map = rep.ns("BM_fused_map/" + T + "/" + std::to_string(r), cpu);
            auto eag = rep.ns("BM_eager/" + T + "/" + std::to_string(r), cpu);
            line("fused map, new output (" + pol + ")", map, 4 * MB40,
                 "bandwidth fused/memcpy = " + fmt(ratio(mem, map), "%.2f"));
            line("eager 3 ops (" + pol + ")", eag, 8 * MB40, "time eager/fused map = " + fmt(ratio(eag, map), "%.2f"));
        }
    }
    if (!ok) std::printf("WARNING: the correctness check FAILED\n");
    return ok ? 0 : 1;
}
