// The Hessian of the n-dimensional Rosenbrock function by nested dual numbers, checked against
// its closed form.
//
//     f(x) = sum_{i<n-1} 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2
//
//     H[i][i]   = 1200 x[i]^2 - 400 x[i+1] + 2   (if i < n-1)   + 200 (if i > 0)
//     H[i][i+1] = H[i+1][i] = -400 x[i]                        (tridiagonal)
//
// tg::hessian runs f on Dual<Dual<double, 4>, 4>: each pass carries 4 row directions (outer) and
// 4 column directions (inner), and only the blocks on or above the diagonal are evaluated.
// The same template f is also differentiated once (tg::gradient_fwd) and run on plain doubles.
// Seeded; returns non-zero if a Hessian differs from the closed form by more than 1e-12 (relative).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

namespace {
template <class V>
auto rosenbrock(const V& x) {
    using S = std::decay_t<decltype(x[0])>;
    S s = 0;
    for (std::size_t i = 0; i + 1 < x.size(); ++i) {
        const S a = x[i + 1] - x[i] * x[i], b = 1 - x[i];
        s += 100 * a * a + b * b;
    }
    return s;
}

std::vector<double> closed_form_hessian(const std::vector<double>& x) {
    const std::size_t n = x.size();
    std::vector<double> H(n * n, 0.0);
    for (std::size_t i = 0; i + 1 < n; ++i) {
        H[i * n + i] += 1200 * x[i] * x[i] - 400 * x[i + 1] + 2;
        H[(i + 1) * n + i + 1] += 200;
        H[i * n + i + 1] = H[(i + 1) * n + i] = -400 * x[i];
    }
    return H;
}

// max |a - b| / max(1, |b|) over all entries
double max_error(const tg::Tensor<double>& a, const std::vector<double>& b) {
    double err = 0;
    for (std::size_t k = 0; k < b.size(); ++k)
        err = std::max(err, std::abs(a.data()[k] - b[k]) / std::max(1.0, std::abs(b[k])));
    return err;
}
}  // namespace

int main() {
    std::mt19937_64 rng(20240613);
    std::uniform_real_distribution<double> uniform(-2.0, 2.0);
    auto f = [](const auto& x) { return rosenbrock(x); };
    int failures = 0;

    std::printf("Hessian of Rosenbrock at a random point, nested Duals vs closed form\n");
    std::printf("%6s %8s %12s %14s %10s\n", "n", "passes", "f(x)", "max rel error", "ms");
    for (std::size_t n : {2, 5, 10, 33, 100}) {
        std::vector<double> x(n);
        for (double& xi : x) xi = uniform(rng);
        const auto t0 = std::chrono::steady_clock::now();
        const tg::Tensor<double> H = tg::hessian(f, x);
        const double ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        const std::size_t blocks = (n + 3) / 4;
        const double err = max_error(H, closed_form_hessian(x));
        std::printf("%6zu %8zu %12.4f %14.2e %10.3f\n", n, blocks * (blocks + 1) / 2, rosenbrock(x), err, ms);
        if (!(err <= 1e-12)) {
            std::printf("  Hessian DIFFERS from the closed form at n = %zu\n", n);
            ++failures;
        }
    }

    std::printf("\nAt the minimum x = (1, ..., 1), n = 6: gradient 0 and the tridiagonal Hessian\n");
    const std::vector<double> ones(6, 1.0);
    const std::vector<double> g = tg::gradient_fwd(f, ones);
    const tg::Tensor<double> H = tg::hessian(f, ones);
    for (tg::index_t i = 0; i < 6; ++i) {
        std::printf("  ");
        for (tg::index_t j = 0; j < 6; ++j) std::printf("%7.0f", H.at({i, j}));
        std::printf("   | g[%ld] = %g\n", static_cast<long>(i), g[i]);
    }
    const bool at_min = std::all_of(g.begin(), g.end(), [](double v) { return v == 0; }) &&
                        max_error(H, closed_form_hessian(ones)) == 0 && H.at({0, 0}) == 802 &&
                        H.at({1, 1}) == 1002;
    if (!at_min) {
        std::printf("  gradient or Hessian at the minimum is WRONG\n");
        ++failures;
    }

    std::printf("%s\n", failures == 0 ? "rosenbrock_hessian: every Hessian matches the closed form"
                                      : "rosenbrock_hessian: FAILED");
    return failures == 0 ? 0 : 1;
}
