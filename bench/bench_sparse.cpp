// Sparse and Krylov bench (docs/performance.md, "Solvers: sparse and Krylov"). A plain program, no
// Google Benchmark: each figure is the median of several runs, and each ratio is against a
// reference measured in the same run.
//
//   1. Gradient through CG on a 2-D Poisson problem (nx x nx grid, default 320: 102,400 unknowns):
//      backward time over forward time (target <= 1.3), and peak memory of the implicit gradient
//      against unrolled differentiation through the same CG iterations (each in a child process,
//      peak RSS = VmHWM; unrolled at a few iteration counts, its per-iteration slope extrapolated
//      to the iterations the solve took).
//   2. SpMV throughput (bytes a CSR SpMV must move) against a streaming copy of the same size
//      (target >= 70 %).
//
//   bench_sparse [nx] [repeats] [nx of the SpMV grid, default 800]
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <tbb/parallel_for.h>

#include <tensorgrad/tensorgrad.hpp>

#include "../solvers/sparse_functions.hpp"

namespace ts = tg::solvers;
using tg::index_t;
using tg::Tensor;
using tg::Var;

namespace {

double now() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

long peak_rss_kb() {
    std::ifstream f("/proc/self/status");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
    return -1;
}

// Runs f in a child process; returns the child's peak RSS in kB (what f added is the difference
// from the baseline child that only builds the problem).
template <class F>
long peak_in_child(F f) {
    int fd[2];
    if (pipe(fd) != 0) return -1;
    const pid_t pid = fork();
    if (pid == 0) {
        close(fd[0]);
        f();
        const long kb = peak_rss_kb();
        if (write(fd[1], &kb, sizeof kb) != sizeof kb) _exit(1);
        _exit(0);
    }
    close(fd[1]);
    long kb = -1;
    if (read(fd[0], &kb, sizeof kb) != sizeof kb) kb = -1;
    close(fd[0]);
    waitpid(pid, nullptr, 0);
    return kb;
}

// CG written with Var ops, recorded step by step: what "unrolled differentiation" differentiates.
Var<double> unrolled_cg(const ts::SparsePattern& p, const Var<double>& v, const Var<double>& b, index_t iters) {
    Var<double> x(Tensor<double>(b.shape())), r = b, d = b;
    Var<double> rr = tg::sum(r * r);
    for (index_t k = 0; k < iters; ++k) {
        const Var<double> q = ts::spmv(p, v, d);
        const Var<double> alpha = rr / tg::sum(d * q);
        x = x + alpha * d;
        r = r - alpha * q;
        const Var<double> rr1 = tg::sum(r * r);
        d = r + (rr1 / rr) * d;
        rr = rr1;
    }
    return x;
}

}  // namespace

int main(int argc, char** argv) {
    const index_t nx = argc > 1 ? std::atol(argv[1]) : 320;
    const int reps = argc > 2 ? std::atoi(argv[2]) : 5;
    const auto a = ts::laplacian_2d<double>(nx, nx);
    const index_t n = a.rows();
    std::printf(
        "bench_sparse: 2-D Poisson %ld x %ld = %ld unknowns, %ld stored entries; %d repeats (medians)\n",
        static_cast<long>(nx), static_cast<long>(nx), static_cast<long>(n), static_cast<long>(a.nnz()), reps);
    ts::KrylovOptions o;
    o.method = ts::KrylovMethod::cg;
    o.rtol = 1e-6;
    const Tensor<double> b0 = tg::linspace<double>(-1, 1, n), w = tg::linspace<double>(0, 2, n);

    // Peak memory first, each in a child forked from this still-clean process (so no freed but
    // resident memory of earlier runs hides a child's growth). Implicit (forward + backward)
    // against unrolled through k iterations: implicit (forward + backward) against unrolled through k
    // iterations.
    const long base = peak_in_child([&] {
        Var<double> v(a.values(), true), b(b0, true);
        (void)v;
        (void)b;
    });
    const long implicit = peak_in_child([&] {
        Var<double> v(a.values(), true), b(b0, true);
        const auto res = ts::krylov_solve(a.pattern(), v, b, o);
        tg::gradients(tg::sum(res.x * Var<double>(w)), {v, b}, Tensor<double>::scalar(1.0));
    });
    std::printf("peak RSS: baseline %.1f MB; implicit gradient of the converged solve +%.1f MB\n",
                base / 1024.0, (implicit - base) / 1024.0);
    std::vector<std::pair<index_t, long>> unrolled;
    for (index_t k : {index_t{25}, index_t{50}}) {
        const long kb = peak_in_child([&] {
            Var<double> v(a.values(), true), b(b0, true);
            const Var<double> x = unrolled_cg(a.pattern(), v, b, k);
            tg::gradients(tg::sum(x * Var<double>(w)), {v, b}, Tensor<double>::scalar(1.0));
        });
        unrolled.push_back({k, kb});
        std::printf("peak RSS: unrolled through %ld iterations +%.1f MB\n", static_cast<long>(k),
                    (kb - base) / 1024.0);
    }
    // 1. Forward (recorded solve) and backward (one adjoint solve + the value gradient).
    // Two losses: sum(x * w) with w unrelated to b (its adjoint right-hand side w needs its own
    // number of CG iterations), and the compliance b^T x = b^T A^-1 b (adjoint right-hand side b:
    // the same iterations as the forward, A being symmetric).
    index_t iters = 0;
    for (int which = 0; which < 2; ++which) {
        std::vector<double> tf, tb;
        index_t adj_iters = 0;
        for (int r = 0; r < reps; ++r) {
            Var<double> v(a.values(), true), b(b0, true);
            const double t0 = now();
            const auto res = ts::krylov_solve(a.pattern(), v, b, o);
            const Var<double> loss = tg::sum(res.x * Var<double>(which == 0 ? w : b0));
            const double t1 = now();
            const auto g = tg::gradients(loss, {v, b}, Tensor<double>::scalar(1.0));
            const double t2 = now();
            tf.push_back(t1 - t0);
            tb.push_back(t2 - t1);
            iters = res.report.iterations;
            adj_iters = ts::detail::last_report().iterations;  // the adjoint solve ran last on this thread
            if (g[0].numel() != a.nnz()) return 1;
        }
        const double f = median(tf), bw = median(tb);
        std::printf("gradient through CG (rtol 1e-6), loss %s: forward %.3f s (%ld iterations), backward %.3f s "
                    "(adjoint solve: %ld iterations); backward / forward %.2f (target <= 1.3), per CG iteration %.2f\n",
                    which == 0 ? "sum(x * w)" : "b^T x", f, static_cast<long>(iters), bw, static_cast<long>(adj_iters),
                    bw / f, (bw / double(std::max<index_t>(1, adj_iters))) / (f / double(std::max<index_t>(1, iters))));
    }

    const double slope = double(unrolled[1].second - unrolled[0].second) /
                         double(unrolled[1].first - unrolled[0].first);
    const double extrapolated = (unrolled[0].second - base) + slope * double(iters - unrolled[0].first);
    std::printf(
        "unrolled: %.2f MB per iteration (%.1f n-vectors of 8 bytes); through all %ld iterations about %.0f MB "
        "against %.1f MB implicit (x %.0f)\n",
        slope / 1024.0, slope * 1024.0 / (8.0 * double(n)), static_cast<long>(iters), extrapolated / 1024.0,
        (implicit - base) / 1024.0, extrapolated / std::max(1.0, double(implicit - base)));

    // 2. SpMV against a streaming copy. SpMV must read values and column indices (16 B per entry),
    // row offsets (8 B per row), x (8 B per row, at best once) and write y (8 B per row).
    // On a grid large enough that matrix, vectors and the copy's buffers leave the caches.
    const index_t sx = argc > 3 ? std::atol(argv[3]) : 800;
    const auto sa = ts::laplacian_2d<double>(sx, sx);
    const index_t sn = sa.rows();
    const Tensor<double> x = tg::linspace<double>(0, 1, sn);
    const Tensor<double> vals = sa.values();
    std::vector<double> ts_spmv, ts_copy, ts_pcopy;
    const double bytes = 16.0 * double(sa.nnz()) + 24.0 * double(sn);
    const std::size_t cn = static_cast<std::size_t>(bytes / 16);  // copy moves 2 x 8 B per element
    std::vector<double> src(cn, 1.0), dst(cn, 0.0);
    Tensor<double> y(tg::Shape{sn});
    for (int r = 0; r < 10 * reps; ++r) {
        double t0 = now();
        ts::spmv_raw(sa.pattern(), vals.data(), x.data(), y.data());
        ts_spmv.push_back(now() - t0);
        t0 = now();
        std::memcpy(dst.data(), src.data(), cn * sizeof(double));
        ts_copy.push_back(now() - t0);
        t0 = now();
        tbb::parallel_for(
            tbb::blocked_range<std::size_t>(0, cn, 1 << 16), [&](const tbb::blocked_range<std::size_t>& q) {
                std::memcpy(dst.data() + q.begin(), src.data() + q.begin(), q.size() * sizeof(double));
            });
        ts_pcopy.push_back(now() - t0);
    }
    const double gs = bytes / median(ts_spmv) / 1e9, gc = bytes / median(ts_copy) / 1e9,
                 gp = bytes / median(ts_pcopy) / 1e9, ceiling = std::max(gc, gp);
    std::printf("SpMV on a %ld x %ld grid (%ld entries, %.0f MB to move): %.2f GB/s (%.3f ms); streaming copy of the "
                "same bytes: %.2f GB/s serial, %.2f GB/s TBB; SpMV at %.0f %% of the ceiling (target >= 70 %%)\n",
                static_cast<long>(sx), static_cast<long>(sx), static_cast<long>(sa.nnz()), bytes / 1e6, gs,
                median(ts_spmv) * 1e3, gc, gp, 100 * gs / ceiling);
    return 0;
}
