// The main demo: gradients of a small model, checked three ways.
//  1. reverse mode against the closed form of a least-squares gradient, 2 A^T (A x - b);
//  2. tg::gradcheck (finite differences) on a two-layer network, with its report;
//  3. a few steps of gradient descent that must reduce the loss.
#include <cmath>
#include <cstdio>

#include <tensorgrad/tensorgrad.hpp>

using tg::Tensor;
using tg::Var;

int main() {
    tg::manual_seed(7);
    int failures = 0;

    // 1. Least squares: L(x) = |A x - b|^2, dL/dx = 2 A^T (A x - b).
    const Tensor<double> A = tg::normal<double>({8, 3}), b = tg::normal<double>({8});
    Var<double> x(tg::zeros<double>({3}), true);
    Var<double> loss = tg::sum(tg::square(tg::matmul(Var<double>(A), x) - b));
    loss.backward();
    const Tensor<double> closed = tg::matmul(A.transpose(), tg::matmul(A, x.value()) - b) * 2.0;
    const bool same = tg::allclose(x.grad(), closed, 1e-12, 1e-12);
    std::printf("least squares: reverse mode %s the closed form 2 A^T (A x - b)\n", same ? "matches" : "DIFFERS FROM");
    failures += !same;

    // 2. A two-layer network's loss, every parameter checked against finite differences.
    auto net = [](const std::vector<Var<double>>& p) {
        const Var<double> in(tg::linspace<double>(-1.0, 1.0, 12).reshape({3, 4}));
        const Var<double> h = tg::tanh(tg::matmul(in, p[0]) + p[1]);
        return tg::mean(tg::square(tg::sigmoid(tg::matmul(h, p[2])) - 0.5));
    };
    const std::vector<Tensor<double>> params = {tg::normal<double>({4, 5}), tg::normal<double>({5}),
                                                tg::normal<double>({5, 2})};
    const tg::GradcheckReport report = tg::gradcheck(net, params, {.names = {"W1", "b1", "W2"}});
    std::printf("two-layer network: %s", report.str().c_str());
    failures += !report.ok;

    // 3. Gradient descent on the least-squares problem.
    double first = 0, last = 0;
    for (int step = 0; step < 50; ++step) {
        Var<double> l = tg::sum(tg::square(tg::matmul(Var<double>(A), x) - b));
        x.zero_grad();
        l.backward();
        x = Var<double>(x.value() - x.grad() * 0.02, true);
        if (step == 0) first = l.item();
        last = l.item();
        if (step % 10 == 0) std::printf("  step %2d  loss %.6f\n", step, l.item());
    }
    const bool descended = last < 0.7 * first;
    std::printf("gradient descent: loss %.6f -> %.6f (%s)\n", first, last, descended ? "decreased" : "DID NOT DECREASE");
    failures += !descended;

    std::printf("%s\n", failures == 0 ? "demo: all checks passed" : "demo: FAILED");
    return failures == 0 ? 0 : 1;
}
