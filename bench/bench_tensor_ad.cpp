// Reverse mode on tensors against the plain vectorised function (Eigen arrays), single-threaded,
// on the three workloads of the scalar benchmark written in tensor form:
//   normal:     sum of normal log-densities, n = 10,000, mu and sigma broadcast (0-d)
//   rosenbrock: extended Rosenbrock with slices, n = 10,000
//   matvec:     y = A x, A 100 x 100, loss sum(y^2), gradient in A and x
// and the two Hessian-vector product modes (forward-over-reverse, reverse-over-reverse) on
// Rosenbrock. Target: gradient <= 5x the plain function. Every gradient is checked against the
// hand-written one (1e-9 relative) before timing.
#include <Eigen/Dense>

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "../tensorgrad.hpp"
#include "bench_common.hpp"

namespace {

using tg::Tensor;
using tg::Var;
constexpr tg::index_t n = 10000, m = 100;

struct Data {
    Tensor<double> x = tg::normal<double>({n}), r = tg::uniform<double>({n}, -1.0, 1.0);
    Tensor<double> A = tg::normal<double>({m, m}), v = tg::normal<double>({m});
    double mu = 0.3, sigma = 1.7;
};
const Data& data() {
    static const Data d;
    return d;
}

Var<double> normal_lp(const Var<double>& x, const Var<double>& mu, const Var<double>& sigma) {
    const Var<double> z = (x - mu) / sigma;
    return tg::sum(-0.5 * tg::square(z) - tg::log(sigma)) - 0.5 * std::log(2 * M_PI) * double(n);
}
Var<double> rosenbrock(const Var<double>& x) {
    const Var<double> a = tg::slice(x, 0, 0, n - 1), b = tg::slice(x, 0, 1, n);
    return tg::sum(100.0 * tg::square(b - tg::square(a)) + tg::square(1.0 - a));
}
Var<double> matvec(const Var<double>& A, const Var<double>& x) { return tg::sum(tg::square(tg::matmul(A, x))); }

Eigen::Map<const Eigen::ArrayXd> eig(const Tensor<double>& t) { return {t.data(), t.numel()}; }
double plain_normal(const Data& d) {
    return (-0.5 * ((eig(d.x) - d.mu) / d.sigma).square()).sum() - n * std::log(d.sigma) - 0.5 * std::log(2 * M_PI) * n;
}
double plain_rosenbrock(const Tensor<double>& x) {
    const auto e = eig(x);
    return (100.0 * (e.tail(n - 1) - e.head(n - 1).square()).square() + (1.0 - e.head(n - 1)).square()).sum();
}
double plain_matvec(const Data& d) {
    Eigen::Map<const Eigen::Matrix<double, m, m, Eigen::RowMajor>> A(d.A.data());
    Eigen::Map<const Eigen::VectorXd> x(d.v.data(), m);
    return (A * x).squaredNorm();
}

void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "bench_tensor_ad: %s gradient differs from the hand-written one\n", what);
        std::exit(1);
    }
}

void verify() {
    const Data& d = data();
    {  // normal: d/dx = -z/sigma, d/dmu = sum z/sigma, d/dsigma = sum (z^2 - 1)/sigma
        Var<double> x(d.x, true), mu(Tensor<double>::scalar(d.mu), true), s(Tensor<double>::scalar(d.sigma), true);
        normal_lp(x, mu, s).backward();
        const Tensor<double> z = (d.x - d.mu) / d.sigma;
        check(tg::allclose(x.grad(), z / -d.sigma, 1e-9, 1e-12), "normal (x)");
        check(std::abs(mu.grad().item() - tg::sum_all(z) / d.sigma) < 1e-9 * n, "normal (mu)");
        check(std::abs(s.grad().item() - (tg::sum_all(z * z) - n) / d.sigma) < 1e-9 * n, "normal (sigma)");
    }
    {  // Rosenbrock
        Var<double> x(d.r, true);
        rosenbrock(x).backward();
        std::vector<double> g(n, 0.0);
        const double* p = d.r.data();
        for (tg::index_t i = 0; i + 1 < n; ++i) {
            const double t = p[i + 1] - p[i] * p[i];
            g[i] += -400 * p[i] * t - 2 * (1 - p[i]);
            g[i + 1] += 200 * t;
        }
        check(tg::allclose(x.grad(), Tensor<double>::from_vector(g), 1e-9, 1e-9), "rosenbrock");
    }
    {  // matvec: dA = 2 y x^T, dx = 2 A^T y
        Var<double> A(d.A, true), x(d.v, true);
        matvec(A, x).backward();
        const Tensor<double> y = tg::matmul(d.A, d.v);
        check(tg::allclose(A.grad(), tg::matmul(y.reshape({m, 1}), d.v.reshape({1, m})) * 2.0, 1e-9, 1e-9), "matvec (A)");
        check(tg::allclose(x.grad(), tg::matmul(d.A.transpose(), y) * 2.0, 1e-9, 1e-9), "matvec (x)");
    }
    {  // both hvp modes agree
        const Tensor<double> hv1 = tg::hvp(rosenbrock, d.r, d.x);
        const Tensor<double> hv2 = tg::hvp(rosenbrock, d.r, d.x, tg::HvpMode::reverse_over_reverse);
        check(tg::allclose(hv1, hv2, 1e-9, 1e-9), "hvp");
    }
}

void BM_plain_normal(benchmark::State& st) {
    for (auto _ : st) benchmark::DoNotOptimize(plain_normal(data()));
}
void BM_grad_normal(benchmark::State& st) {
    const Data& d = data();
    for (auto _ : st) {
        Var<double> x(d.x, true), mu(Tensor<double>::scalar(d.mu), true), s(Tensor<double>::scalar(d.sigma), true);
        normal_lp(x, mu, s).backward();
        benchmark::DoNotOptimize(x.grad().data());
    }
}
void BM_plain_rosenbrock(benchmark::State& st) {
    for (auto _ : st) benchmark::DoNotOptimize(plain_rosenbrock(data().r));
}
void BM_grad_rosenbrock(benchmark::State& st) {
    for (auto _ : st) {
        Var<double> x(data().r, true);
        rosenbrock(x).backward();
        benchmark::DoNotOptimize(x.grad().data());
    }
}
void BM_plain_matvec(benchmark::State& st) {
    for (auto _ : st) benchmark::DoNotOptimize(plain_matvec(data()));
}
void BM_grad_matvec(benchmark::State& st) {
    for (auto _ : st) {
        Var<double> A(data().A, true), x(data().v, true);
        matvec(A, x).backward();
        benchmark::DoNotOptimize(A.grad().data());
    }
}
void BM_hvp_fwd_rev(benchmark::State& st) {
    for (auto _ : st) benchmark::DoNotOptimize(tg::hvp(rosenbrock, data().r, data().x).data());
}
void BM_hvp_rev_rev(benchmark::State& st) {
    for (auto _ : st)
        benchmark::DoNotOptimize(tg::hvp(rosenbrock, data().r, data().x, tg::HvpMode::reverse_over_reverse).data());
}
BENCHMARK(BM_plain_normal);
BENCHMARK(BM_grad_normal);
BENCHMARK(BM_plain_rosenbrock);
BENCHMARK(BM_grad_rosenbrock);
BENCHMARK(BM_plain_matvec);
BENCHMARK(BM_grad_matvec);
BENCHMARK(BM_hvp_fwd_rev);
BENCHMARK(BM_hvp_rev_rev);

}  // namespace

int main(int argc, char** argv) {
    verify();
    benchmark::Initialize(&argc, argv);
    tgbench::MedianReporter rep;
    benchmark::RunSpecifiedBenchmarks(&rep);
    auto ratio = [&](const char* a, const char* b) {
        const auto x = rep.ns(a, true), y = rep.ns(b, true);
        return x && y ? std::optional<double>(*x / *y) : std::nullopt;
    };
    std::printf("\ngradient / plain vectorised function (CPU time, medians; target <= 5x), load %s\n",
                tgbench::loadavg().c_str());
    std::printf("  normal log-density  %s\n", tgbench::fmt(ratio("BM_grad_normal", "BM_plain_normal"), "%.2fx").c_str());
    std::printf("  rosenbrock          %s\n", tgbench::fmt(ratio("BM_grad_rosenbrock", "BM_plain_rosenbrock"), "%.2fx").c_str());
    std::printf("  matvec              %s\n", tgbench::fmt(ratio("BM_grad_matvec", "BM_plain_matvec"), "%.2fx").c_str());
    std::printf("hvp forward-over-reverse / reverse-over-reverse: %s\n",
                tgbench::fmt(ratio("BM_hvp_fwd_rev", "BM_hvp_rev_rev"), "%.2f").c_str());
    benchmark::Shutdown();
}
