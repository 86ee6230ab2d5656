// Gaussian-process regression: the kernel hyperparameters are fitted by the gradient of the log
// marginal likelihood, taken through a Cholesky factorization.
//
//     K(theta) = s^2 exp(-(x_i - x_j)^2 / (2 l^2)) + sn^2 I,   theta = (log s, log l, log sn)
//     L = cholesky(K),  alpha = cholesky_solve(L, y)
//     -log p(y | theta) = y^T alpha / 2 + sum_i log L_ii + n log(2 pi) / 2
//
// The gradient in theta flows through cholesky (its implicit rule: dK = dL L^T + L dL^T) and the
// two triangular solves; gradient descent with a backtracking line search fits theta.
// Seeded; returns non-zero if the gradient disagrees with central differences, if the fit does not
// lower the negative log likelihood, or if it does not end at a stationary point.
#include <cmath>
#include <cstdio>
#include <numbers>

#include <tensorgrad/tensorgrad.hpp>


using tg::Tensor;
using tg::Var;

namespace {

constexpr tg::index_t n = 40;

struct Data {
    Tensor<double> x, y, D2;  // inputs, targets (n x 1), squared distances
};

Data make_data() {
    tg::Generator g(3);
    Data d;
    d.x = tg::uniform<double>({n}, 0.0, 6.0, g);
    const Tensor<double> noise = tg::normal<double>({n}, 0.0, 0.1, g);
    d.y = Tensor<double>(tg::Shape{n, 1});
    d.D2 = Tensor<double>(tg::Shape{n, n});
    for (tg::index_t i = 0; i < n; ++i) {
        d.y.set({i, 0}, std::sin(2 * d.x.at({i})) + noise.at({i}));
        for (tg::index_t j = 0; j < n; ++j) d.D2.set({i, j}, std::pow(d.x.at({i}) - d.x.at({j}), 2));
    }
    return d;
}

Var<double> part(const Var<double>& theta, tg::index_t i) {
    return tg::reshape(tg::slice(theta, 0, i, i + 1), {});
}

// Negative log marginal likelihood.
Var<double> nlml(const Data& d, const Var<double>& theta) {
    const Var<double> s2 = tg::exp(part(theta, 0) * 2.0), l2 = tg::exp(part(theta, 1) * 2.0),
                      sn2 = tg::exp(part(theta, 2) * 2.0);
    const Var<double> K = s2 * tg::exp(Var<double>(d.D2) * -0.5 / l2) + sn2 * tg::eye<double>(n);
    const Var<double> L = tg::cholesky(K);
    const Var<double> alpha = tg::cholesky_solve(L, Var<double>(d.y));
    const Var<double> log_diag = tg::log(tg::sum(L * tg::eye<double>(n), {1}));  // log L_ii
    return tg::sum(alpha * d.y) * 0.5 + tg::sum(log_diag) + 0.5 * n * std::log(2 * std::numbers::pi);
}

}  // namespace

int main() {
    const Data d = make_data();
    auto f = [&](const Var<double>& th) { return nlml(d, th); };
    auto value = [&](const Tensor<double>& th) { return nlml(d, Var<double>(th)).value().item(); };

    Tensor<double> theta{0.0, 0.0, -1.0};  // s = 1, l = 1, sn = e^-1
    bool ok = true;
    {  // the gradient through cholesky against central differences
        const Tensor<double> g = tg::grad(f, theta);
        double worst = 0;
        for (tg::index_t i = 0; i < 3; ++i) {
            Tensor<double> up = theta.clone(), dn = theta.clone();
            up.set({i}, theta.at({i}) + 1e-6);
            dn.set({i}, theta.at({i}) - 1e-6);
            const double fd = (value(up) - value(dn)) / 2e-6;
            worst = std::max(worst, std::abs(g.at({i}) - fd) / std::max(1.0, std::abs(fd)));
        }
        std::printf("gradient through cholesky vs central differences: worst relative difference %.2e\n",
                    worst);
        ok = ok && worst < 1e-6;
    }
    const double start = value(theta);
    std::printf("start: s = %.4f  l = %.4f  sn = %.4f   -log p(y) = %.6f\n", std::exp(theta.at({0})),
                std::exp(theta.at({1})), std::exp(theta.at({2})), start);
    double gnorm = 0;
    for (int it = 0; it < 500; ++it) {
        auto [v, g] = tg::value_and_grad(f, theta);
        gnorm = std::sqrt(tg::sum_all(tg::mul(g, g)));
        if (gnorm < 1e-6) break;
        double step = 1;  // backtracking (Armijo)
        Tensor<double> next;
        for (int k = 0; k < 40; ++k, step /= 2) {
            next = tg::sub(theta, tg::mul(g, Tensor<double>::scalar(step)));
            if (value(next) <= v - 1e-4 * step * gnorm * gnorm) break;
        }
        theta = next;
        if (it % 25 == 0)
            std::printf("  step %3d: -log p(y) = %.8f  |grad| = %.3e\n", it, value(theta), gnorm);
    }
    const double end = value(theta);
    std::printf("fitted: s = %.4f  l = %.4f  sn = %.4f   -log p(y) = %.6f   |grad| = %.2e\n",
                std::exp(theta.at({0})), std::exp(theta.at({1})), std::exp(theta.at({2})), end, gnorm);
    std::printf("(the data: y = sin(2x) + noise of standard deviation 0.1)\n");
    ok = ok && end < start && gnorm < 1e-4;
    std::printf("%s\n", ok ? "OK: the likelihood went up and the fit ends at a stationary point" : "FAILED");
    return ok ? 0 : 1;
}
