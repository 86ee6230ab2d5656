// Newton root finding (n = 100) with the implicit gradient, against the primal solve alone, in one
// run (float64, one OpenBLAS thread; CPU time is the robust measure on this shared machine):
//   primal  newton_root with theta constant: the iterations only (each: the Jacobian by reverse
//           mode, one LU, the line search's evaluations of F)
//   tg      newton_root with theta = (b, s) needing gradients, then the gradients of <g, x*>:
//           the same iterations, plus the implicit VJP (one Jacobian at x*, one LU, J^T lambda =
//           g, one VJP of F in theta)
//   primal_fwdjac  the primal solve with the Jacobian by forward mode (the other choice)
// F(x; b, s) = A x + s x^3 - b, A = random + n I (well conditioned), x0 = 0.
// The target: tg / primal <= 1.3.
#include <cmath>
#include <tensorgrad/tensorgrad.hpp>

#include "bench_common.hpp"

extern "C" void openblas_set_num_threads(int);

namespace {

namespace ts = tg::solvers;

struct Problem {
    int n = 100;
    tg::Var<double> A;
    tg::Tensor<double> b, g;
    Problem() {
        const auto a = tgbench::random_floats(std::size_t(n) * n, -1, 1, 1);
        const auto bb = tgbench::random_floats(std::size_t(n), -1, 1, 2);
        const auto gg = tgbench::random_floats(std::size_t(n), -1, 1, 3);
        std::vector<double> av(a.begin(), a.end());
        for (int i = 0; i < n; ++i) av[std::size_t(i) * n + i] += n;
        A = tg::Var<double>(tg::Tensor<double>::from_vector(av, {n, n}));
        std::vector<double> bv(bb.begin(), bb.end());
        for (auto& v : bv) v *= 50;  // the cubic term matters: |x| ~ 0.5
        b = tg::Tensor<double>::from_vector(bv, {n});
        g = tg::Tensor<double>::from_vector(std::vector<double>(gg.begin(), gg.end()), {n});
    }
    ts::NonlinearFn<double> F() const {
        const tg::Var<double> a = A;
        return [a](const tg::Var<double>& x, const std::vector<tg::Var<double>>& th) {
            return tg::matmul(a, x) + th[1] * x * x * x - th[0];
        };
    }
};
const Problem& problem() {
    static const Problem p;
    return p;
}

ts::NewtonOptions options(ts::JacobianMode m = ts::JacobianMode::automatic) {
    ts::NewtonOptions o;
    o.atol = 1e-10;
    o.jacobian = m;
    return o;
}

void BM_primal(benchmark::State& st) {
    const Problem& p = problem();
    const auto F = p.F();
    const tg::Var<double> b(p.b), s(tg::Tensor<double>::scalar(10.0));
    for (auto _ : st) {
        const auto r = ts::newton_root<double>(F, tg::zeros<double>({p.n}), {b, s}, options());
        benchmark::DoNotOptimize(r.x.value().data());
    }
}

void BM_primal_fwdjac(benchmark::State& st) {
    const Problem& p = problem();
    const auto F = p.F();
    const tg::Var<double> b(p.b), s(tg::Tensor<double>::scalar(10.0));
    for (auto _ : st) {
        const auto r = ts::newton_root<double>(F, tg::zeros<double>({p.n}), {b, s},
                                               options(ts::JacobianMode::forward));
        benchmark::DoNotOptimize(r.x.value().data());
    }
}

void BM_tg(benchmark::State& st) {
    const Problem& p = problem();
    const auto F = p.F();
    const tg::Var<double> b(p.b, true), s(tg::Tensor<double>::scalar(10.0), true);
    for (auto _ : st) {
        const auto r = ts::newton_root<double>(F, tg::zeros<double>({p.n}), {b, s}, options());
        const auto gs = tg::gradients(r.x, {b, s}, p.g);
        benchmark::DoNotOptimize(gs[0].value().data());
    }
}

BENCHMARK(BM_primal)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_primal_fwdjac)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_tg)->UseRealTime()->Unit(benchmark::kMicrosecond);

// The implicit gradient in b equals J^{-T} g (J = A + 3 s diag(x^2) at the root, by hand) and the
// solve converged quadratically.
bool check() {
    const Problem& p = problem();
    const tg::Var<double> b(p.b, true), s(tg::Tensor<double>::scalar(10.0), true);
    const auto r = ts::newton_root<double>(p.F(), tg::zeros<double>({p.n}), {b, s}, options());
    const auto gb = tg::gradients(r.x, {b}, p.g)[0].value();
    tg::Tensor<double> J = p.A.value().clone();
    for (int i = 0; i < p.n; ++i)
        J.data()[i * p.n + i] += 30.0 * r.x.value().data()[i] * r.x.value().data()[i];
    const tg::Tensor<double> want = tg::solve(J.transpose().contiguous(), p.g);
    double err = 0;
    for (int i = 0; i < p.n; ++i) err = std::max(err, std::abs(gb.data()[i] - want.data()[i]));
    std::printf("check: %s; the gradient in b equals J^-T g to %.2g: %s\n", r.report.str().c_str(), err,
                err < 1e-12 ? "OK" : "FAILED");
    return err < 1e-12 && r.report.converged;
}

}  // namespace

int main(int argc, char** argv) {
    openblas_set_num_threads(1);
    const auto run = tgbench::run(argc, argv, check);
    if (!run) return 1;
    using tgbench::fmt;
    auto us = [](std::optional<double> v) {
        return fmt(v ? std::optional<double>(*v / 1e3) : std::nullopt, "%.1f");
    };
    auto ratio = [](std::optional<double> x, std::optional<double> y) {
        return fmt(x && y ? std::optional<double>(*x / *y) : std::nullopt, "%.2f");
    };
    const auto& r = run->rep;
    std::printf("\n== bench_newton summary: n = 100, float64, 1 thread, median us (CPU; wall in brackets) ==\n");
    std::printf("load average: %s before, %s after\n", run->load_before.c_str(), tgbench::loadavg().c_str());
    std::printf("  primal (reverse-mode J) %9s [%9s]\n", us(r.ns("BM_primal", true)).c_str(),
                us(r.ns("BM_primal")).c_str());
    std::printf("  primal (forward-mode J) %9s [%9s]\n", us(r.ns("BM_primal_fwdjac", true)).c_str(),
                us(r.ns("BM_primal_fwdjac")).c_str());
    std::printf("  solve + implicit grad   %9s [%9s]   ratio to primal %s [%s] (target <= 1.3)\n",
                us(r.ns("BM_tg", true)).c_str(), us(r.ns("BM_tg")).c_str(),
                ratio(r.ns("BM_tg", true), r.ns("BM_primal", true)).c_str(),
                ratio(r.ns("BM_tg"), r.ns("BM_primal")).c_str());
    if (!run->ok) std::printf("WARNING: the correctness check FAILED\n");
    return run->ok ? 0 : 1;
}
