// Choosing a ridge penalty by implicit differentiation through a linear solve.
//
//     w(t)  = argmin |X w - y|^2 + e^t |w|^2  =  solve(X^T X + e^t I, X^T y)
//     L(t)  = mean((X_val w(t) - y_val)^2)          (validation loss)
//
// dL/dt goes through the solve: its backward solves the transposed system once (the implicit
// function theorem on (X^T X + e^t I) w = X^T y), never unrolling anything; d2L/dt2 comes from
// differentiating that backward again (tg::hessian). Newton's method on t with both is compared with
// a grid search over t. Seeded; returns non-zero if Newton does not find a minimum at least as good
// as the best grid point, or if dL/dt disagrees with a central difference.
#include <cmath>
#include <cstdio>

#include <tensorgrad/tensorgrad.hpp>


using tg::Tensor;
using tg::Var;

namespace {

constexpr tg::index_t n_train = 30, n_val = 200, d = 20;

struct Data {
    Tensor<double> X, y, Xv, yv;
};

Data make_data() {
    tg::Generator g(7);
    const Tensor<double> w_true = tg::normal<double>({d, 1}, 0.0, 0.5, g);
    auto draw = [&](tg::index_t n, Tensor<double>& X, Tensor<double>& y) {
        X = tg::normal<double>({n, d}, 0.0, 1.0, g);
        y = tg::add(tg::matmul(X, w_true), tg::normal<double>({n, 1}, 0.0, 1.0, g));
    };
    Data D;
    draw(n_train, D.X, D.y);
    draw(n_val, D.Xv, D.yv);
    return D;
}

Var<double> val_loss(const Data& D, const Var<double>& t) {
    const Tensor<double> XtX = tg::matmul(D.X.transpose(), D.X), Xty = tg::matmul(D.X.transpose(), D.y);
    const Var<double> A = Var<double>(XtX) + tg::exp(t) * tg::eye<double>(d);
    const Var<double> w = tg::solve(A, Var<double>(Xty));
    const Var<double> r = tg::matmul(Var<double>(D.Xv), w) - D.yv;
    return tg::mean(r * r);
}

double value(const Data& D, double t) { return val_loss(D, Var<double>(t)).value().item(); }

}  // namespace

int main() {
    const Data D = make_data();
    auto f = [&](const Var<double>& t) { return val_loss(D, t); };

    // Grid search: 241 solves over t in [-6, 6].
    double best_t = 0, best = INFINITY;
    for (int i = 0; i <= 240; ++i) {
        const double t = -6 + 0.05 * i, v = value(D, t);
        if (v < best) best = v, best_t = t;
    }
    std::printf("grid search (241 solves): t = %.3f (lambda = %.4g), validation loss %.6f\n", best_t,
                std::exp(best_t), best);

    // Newton on t from t = 0, gradient and curvature through the solve.
    double t = 0;
    bool ok = true;
    for (int it = 0; it < 30; ++it) {
        const Tensor<double> T = Tensor<double>::scalar(t);
        const double g = tg::grad(f, T).item(), h = tg::hessian(f, T).item();
        if (it == 0) {  // check the implicit gradient against a central difference of the whole solve
            const double fd = (value(D, t + 1e-5) - value(D, t - 1e-5)) / 2e-5;
            std::printf("dL/dt at t = 0: %.10f through the solve, %.10f by central differences\n", g, fd);
            ok = ok && std::abs(g - fd) <= 1e-6 * std::max(1.0, std::abs(fd));
        }
        // A Newton step where the curvature is positive, else a gradient step; at most 1 in t.
        const double step = h > 0 ? -g / h : -g;
        t += std::max(-1.0, std::min(1.0, step));
        std::printf("  newton %2d: t = %8.5f  L = %.8f  dL/dt = %+.3e  d2L/dt2 = %+.3e\n", it, t, value(D, t),
                    g, h);
        if (std::abs(g) < 1e-10) break;
    }
    const double L = value(D, t);
    std::printf("newton: t = %.5f (lambda = %.4g), validation loss %.8f (grid: %.8f)\n", t, std::exp(t), L,
                best);
    ok = ok && L <= best + 1e-12 && std::abs(t - best_t) <= 0.05;
    std::printf("%s\n", ok ? "OK: Newton through the solve reaches the grid's minimum, to more digits"
                           : "FAILED: Newton and the grid disagree");
    return ok ? 0 : 1;
}
