// tg::matmul and tg::matmul_into (float) against a direct cblas_sgemm, n = 256, 512, 1024, in the
// same run, OpenBLAS on 1 thread. Target: tg within 10 % of cblas at 512 and 1024.
//   BM_cblas        cblas_sgemm(RowMajor, NoTrans, NoTrans) into a preallocated C
//   BM_matmul_into  tg::matmul_into(a, b, c): shape checks + the same gemm, no allocation
//   BM_matmul       c = tg::matmul(a, b): allocates the n x n result
// This TU includes <cblas.h> but no xtensor-blas, so the enum clash of NOTES-deps section 5
// does not arise.
#include <cblas.h>

#include <cmath>
#include <map>
#include <memory>

#include "../tensorgrad.hpp"
#include "bench_common.hpp"

extern "C" void openblas_set_num_threads(int);

namespace {

struct Problem {
    tg::Tensor<float> a, b, c;
};
Problem& problem(std::int64_t n) {
    static std::map<std::int64_t, std::unique_ptr<Problem>> cache;
    auto& p = cache[n];
    if (!p) {
        p = std::make_unique<Problem>();
        p->a = tg::Tensor<float>::from_vector(tgbench::random_floats(n * n, -1.f, 1.f, 11), {n, n});
        p->b = tg::Tensor<float>::from_vector(tgbench::random_floats(n * n, -1.f, 1.f, 12), {n, n});
        p->c = tg::zeros<float>({n, n});
    }
    return *p;
}

void sgemm(const tg::Tensor<float>& a, const tg::Tensor<float>& b, tg::Tensor<float>& c, std::int64_t n) {
    const blasint m = static_cast<blasint>(n);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, m, m, 1.0f, a.data(), m, b.data(), m, 0.0f, c.data(), m);
}

void flops(benchmark::State& st, std::int64_t n) {
    st.counters["GFLOP/s"] =
        benchmark::Counter(2.0 * double(n) * n * n * double(st.iterations()), benchmark::Counter::kIsRate,
                           benchmark::Counter::kIs1000);
}

void BM_cblas(benchmark::State& st) {
    const std::int64_t n = st.range(0);
    Problem& p = problem(n);
    for (auto _ : st) {
        sgemm(p.a, p.b, p.c, n);
        benchmark::ClobberMemory();
    }
    flops(st, n);
}

void BM_matmul_into(benchmark::State& st) {
    const std::int64_t n = st.range(0);
    Problem& p = problem(n);
    for (auto _ : st) {
        tg::matmul_into(p.a, p.b, p.c);
        benchmark::ClobberMemory();
    }
    flops(st, n);
}

void BM_matmul(benchmark::State& st) {
    const std::int64_t n = st.range(0);
    Problem& p = problem(n);
    for (auto _ : st) {
        tg::Tensor<float> c = tg::matmul(p.a, p.b);
        benchmark::DoNotOptimize(c.data());
        benchmark::ClobberMemory();
    }
    flops(st, n);
}

#define TG_SIZES ->Arg(256)->Arg(512)->Arg(1024)->Unit(benchmark::kMicrosecond)->MinTime(0.3)
BENCHMARK(BM_cblas) TG_SIZES;
BENCHMARK(BM_matmul_into) TG_SIZES;
BENCHMARK(BM_matmul) TG_SIZES;

// tg results against cblas (the same gemm call, so they should agree to rounding) and, at
// n = 256, against a double-precision triple loop.
bool check() {
    bool ok = true;
    for (std::int64_t n : {256, 512, 1024}) {
        Problem& p = problem(n);
        sgemm(p.a, p.b, p.c, n);
        tg::Tensor<float> m = tg::matmul(p.a, p.b);
        tg::Tensor<float> mi = tg::zeros<float>({n, n});
        tg::matmul_into(p.a, p.b, mi);
        double worst = 0;
        for (std::int64_t i = 0; i < n * n; ++i)
            worst = std::max({worst, std::abs(double(m.data()[i]) - p.c.data()[i]),
                              std::abs(double(mi.data()[i]) - p.c.data()[i])});
        // Entries are sums of n products of magnitude < 1: |c| ~ sqrt(n)/3.
        const double tol = 1e-5 * std::sqrt(double(n));
        std::printf("check n=%lld: max |tg - cblas| = %.3g (tol %.3g) %s\n", static_cast<long long>(n), worst, tol,
                    worst <= tol ? "OK" : "FAILED");
        ok = ok && worst <= tol;
        if (n == 256) {
            double wr = 0;
            for (std::int64_t i = 0; i < n; ++i)
                for (std::int64_t j = 0; j < n; ++j) {
                    double s = 0;
                    for (std::int64_t k = 0; k < n; ++k) s += double(p.a.data()[i * n + k]) * p.b.data()[k * n + j];
                    wr = std::max(wr, std::abs(s - m.data()[i * n + j]));
                }
            std::printf("check n=256: max |tg - double triple loop| = %.3g (tol %.3g) %s\n", wr, tol,
                        wr <= tol ? "OK" : "FAILED");
            ok = ok && wr <= tol;
        }
    }
    return ok;
}

}  // namespace

int main(int argc, char** argv) {
    openblas_set_num_threads(1);
    const auto run = tgbench::run(argc, argv, check);
    if (!run) return 1;
    const std::string& load0 = run->load_before;
    const bool ok = run->ok;
    const tgbench::MedianReporter& rep = run->rep;

    std::printf("\n== bench_matmul summary: float n x n @ n x n, OpenBLAS 1 thread, median CPU time ==\n");
    std::printf("load average: %s before, %s after\n", load0.c_str(), tgbench::loadavg().c_str());
    std::printf("%6s %12s %12s %12s %10s %16s %14s\n", "n", "cblas us", "into us", "matmul us", "GFLOP/s",
                "matmul/cblas", "into/cblas");
    for (int n : {256, 512, 1024}) {
        const std::string N = std::to_string(n);
        auto c = rep.ns("BM_cblas/" + N, true), i = rep.ns("BM_matmul_into/" + N, true), m = rep.ns("BM_matmul/" + N, true);
        auto us = [](std::optional<double> v) -> std::optional<double> {
            return v ? std::optional<double>(*v / 1e3) : std::nullopt;
        };
        auto r = [](std::optional<double> x, std::optional<double> y) -> std::optional<double> {
            return x && y ? std::optional<double>(*x / *y) : std::nullopt;
        };
        std::optional<double> gf = c ? std::optional<double>(2.0 * n * n * n / *c) : std::nullopt;
        const auto rm = r(m, c);
        const bool target = n >= 512;
        std::printf("%6d %12s %12s %12s %10s %16s %14s%s\n", n, tgbench::fmt(us(c), "%.1f").c_str(),
                    tgbench::fmt(us(i), "%.1f").c_str(), tgbench::fmt(us(m), "%.1f").c_str(),
                    tgbench::fmt(gf, "%.1f").c_str(), tgbench::fmt(rm, "%.3f").c_str(),
                    tgbench::fmt(r(i, c), "%.3f").c_str(),
                    target && rm ? (*rm <= 1.10 ? "  target <= 1.10 met" : "  target <= 1.10 MISSED") : "");
    }
    if (!ok) std::printf("WARNING: the correctness check FAILED\n");
    return ok ? 0 : 1;
}
