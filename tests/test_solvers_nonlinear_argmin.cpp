// argmin (solvers/argmin.hpp): L-BFGS on Rosenbrock with the minimizer's derivative in closed
// form, gradient descent against L-BFGS, the implicit gradient (Hessian solve) against central
// differences of the whole solve and against the root of the optimality condition, the
// matrix-free (CG on Hessian-vector products) path, forward mode, float32 and the errors.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

#include "solver_test_util.hpp"

#include "../solvers/argmin.hpp"
#include "../solvers/newton.hpp"

namespace ts = tg::solvers;
using solver_test::component;
using solver_test::max_abs_diff;
using solver_test::message_of;
using tg::Shape;
using tg::Tensor;
using tg::Var;

namespace {

// Rosenbrock (a - x0)^2 + b (x1 - x0^2)^2, theta = [a, b]: minimum at (a, a^2) for b > 0.
Var<double> rosenbrock(const Var<double>& x, const std::vector<Var<double>>& th) {
    const Var<double> a = component(th[0], 0), b = component(th[0], 1);
    const Var<double> x0 = component(x, 0), x1 = component(x, 1);
    const Var<double> d = a - x0, e = x1 - x0 * x0;
    return d * d + b * e * e;
}

const tg::index_t n = 5;

Tensor<double> matrix_A() {
    Tensor<double> A(Shape{n, n});
    for (tg::index_t i = 0; i < n; ++i)
        for (tg::index_t j = 0; j < n; ++j) A.data()[i * n + j] = i == j ? 4.0 : 1.0 / (2.0 + double(i + j));
    return A;
}

// 0.5 x^T A x + s/4 sum(x^4) - b^T x: strictly convex; its gradient A x + s x^3 - b.
Var<double> quartic(const Var<double>& x, const std::vector<Var<double>>& th) {
    const Var<double> A(matrix_A());
    const Var<double> half(Tensor<double>::scalar(0.5)), quarter(Tensor<double>::scalar(0.25));
    return half * tg::sum(x * tg::matmul(A, x)) + quarter * th[1] * tg::sum(x * x * x * x) - tg::sum(th[0] * x);
}

const Tensor<double> b5{1.0, -2.0, 0.5, 3.0, -1.0};

ts::ArgminOptions opts(ts::Optimizer m) {
    ts::ArgminOptions o;
    o.optimizer = m;
    o.gtol = 1e-11;
    o.max_iter = 5000;
    return o;
}

}  // namespace

TEST_CASE("argmin: L-BFGS on Rosenbrock, the minimizer (a, a^2) and its derivative (1, 2a)") {
    const Var<double> th(Tensor<double>{1.5, 100.0}, true);
    const auto r = ts::argmin<double>(rosenbrock, Tensor<double>{-1.2, 1.0}, {th}, opts(ts::Optimizer::lbfgs));
    CHECK(r.report.converged);
    CHECK(r.report.method == "lbfgs(10)");
    CHECK(r.report.iterations < 150);
    CHECK(r.x.value().at({0}) == doctest::Approx(1.5).epsilon(1e-10));
    CHECK(r.x.value().at({1}) == doctest::Approx(2.25).epsilon(1e-10));
    // the report: gradient norms and values, L decreasing at every accepted step
    const auto& v = r.report.values;
    REQUIRE(v.size() == std::size_t(r.report.iterations + 1));
    for (std::size_t k = 0; k + 1 < v.size(); ++k) CHECK(v[k + 1] < v[k]);
    CHECK(r.report.residuals.back() <= 1e-11);
    tg::sum(r.x).backward();  // d(x0 + x1)/da = 1 + 2a, d/db = 0
    CHECK(th.grad().at({0}) == doctest::Approx(4.0).epsilon(1e-8));
    CHECK(std::abs(th.grad().at({1})) < 1e-10);
}

TEST_CASE("argmin: gradient descent and L-BFGS reach the root of the optimality condition, L-BFGS in fewer steps") {
    const Var<double> b(b5, true), s(Tensor<double>::scalar(0.8), true);
    ts::ArgminOptions og = opts(ts::Optimizer::gradient_descent);
    og.gtol = 1e-9;
    const auto gd = ts::argmin<double>(quartic, tg::zeros<double>({n}), {b, s}, og);
    const auto lb = ts::argmin<double>(quartic, tg::zeros<double>({n}), {b, s}, opts(ts::Optimizer::lbfgs));
    CHECK(gd.report.converged);
    CHECK(gd.report.method == "gradient_descent");
    CHECK(lb.report.iterations < gd.report.iterations);
    // the same point as Newton on grad L = A x + s x^3 - b = 0
    const Var<double> A(matrix_A());
    const ts::NonlinearFn<double> F = [A](const Var<double>& x, const std::vector<Var<double>>& th) {
        return tg::matmul(A, x) + th[1] * x * x * x - th[0];
    };
    ts::NewtonOptions no;
    no.atol = 1e-14;
    const Var<double> b2(b5, true), s2(Tensor<double>::scalar(0.8), true);
    const auto nr = ts::newton_root<double>(F, tg::zeros<double>({n}), {b2, s2}, no);
    CHECK(max_abs_diff(lb.x.value(), nr.x.value()) < 1e-10);
    CHECK(max_abs_diff(gd.x.value(), nr.x.value()) < 1e-9);
    tg::sum(lb.x).backward({.keep_graph = true});
    tg::sum(nr.x).backward();
    CHECK(max_abs_diff(b.grad(), b2.grad()) < 1e-9);
    CHECK(s.grad().item() == doctest::Approx(s2.grad().item()).epsilon(1e-8));
}

TEST_CASE("argmin: gradient and forward mode against central differences, dense and matrix-free (CG on HVPs)") {
    const Tensor<double> w{0.3, -1.0, 2.0, 0.7, 1.5};
    for (auto mode : {ts::AdjointMode::dense, ts::AdjointMode::krylov}) {
        ts::ArgminOptions o = opts(ts::Optimizer::lbfgs);
        o.implicit.adjoint = mode;
        o.implicit.rtol = 1e-13;
        const auto f = [&](const std::vector<Var<double>>& th) {
            return tg::sum(ts::argmin<double>(quartic, tg::zeros<double>({n}), th, o).x * Var<double>(w));
        };
        CHECK(tg::gradcheck(f, {b5, Tensor<double>::scalar(0.8)}, {.tol = 1e-6, .forward = true}).ok);
    }
}

TEST_CASE("argmin: float32") {
    const auto quartic_f = [](const Var<float>& x, const std::vector<Var<float>>& th) {
        const Tensor<double> Ad = matrix_A();
        Tensor<float> Af(Shape{n, n});
        for (tg::index_t i = 0; i < n * n; ++i) Af.data()[i] = float(Ad.data()[i]);
        const Var<float> A(Af), half(Tensor<float>::scalar(0.5f)), quarter(Tensor<float>::scalar(0.25f));
        return half * tg::sum(x * tg::matmul(A, x)) + quarter * th[1] * tg::sum(x * x * x * x) -
               tg::sum(th[0] * x);
    };
    const Var<float> b(Tensor<float>{1.0f, -2.0f, 0.5f, 3.0f, -1.0f}, true),
        s(Tensor<float>::scalar(0.8f), true);
    ts::ArgminOptions o;
    o.gtol = 1e-5;
    const auto r = ts::argmin<float>(quartic_f, tg::zeros<float>({n}), {b, s}, o);
    CHECK(r.report.converged);
    tg::sum(r.x).backward();
    const Var<double> bd(b5, true), sd(Tensor<double>::scalar(0.8), true);
    const auto rd = ts::argmin<double>(quartic, tg::zeros<double>({n}), {bd, sd}, opts(ts::Optimizer::lbfgs));
    tg::sum(rd.x).backward();
    for (tg::index_t i = 0; i < n; ++i) {
        CHECK(double(r.x.value().at({i})) == doctest::Approx(rd.x.value().at({i})).epsilon(1e-4));
        CHECK(double(b.grad().at({i})) == doctest::Approx(bd.grad().at({i})).epsilon(1e-3));
    }
}

TEST_CASE("argmin: errors are typed and carry their numbers") {
    const Var<double> th(Tensor<double>{1.0, 100.0});
    ts::ArgminOptions o = opts(ts::Optimizer::gradient_descent);
    o.max_iter = 20;
    try {
        ts::argmin<double>(rosenbrock, Tensor<double>{-1.2, 1.0}, {th}, o);
        FAIL("no error");
    } catch (const tg::ConvergenceError& e) {
        CHECK(e.iterations() == 20);
        CHECK(e.residual() > 1e-3);
        CHECK(std::string(e.what()).find(
                  "argmin (gradient_descent): no convergence after 20 iterations: |grad L| = ") == 0);
    }
    const ts::NonlinearFn<double> lg = [](const Var<double>& x, const std::vector<Var<double>>&) {
        return tg::sum(tg::log(x));
    };
    CHECK_THROWS_AS(ts::argmin<double>(lg, Tensor<double>{1.0, -1.0}, {}), tg::NonFiniteError);
    const ts::NonlinearFn<double> vec = [](const Var<double>& x, const std::vector<Var<double>>&) {
        return x * x;
    };
    CHECK(message_of([&] {
              ts::argmin<double>(vec, Tensor<double>{1.0, 2.0}, {});
          }) ==
          "argmin: the function returned shape [2] for x of shape [2] (an objective must return one element)");
    ts::ArgminOptions m0;
    m0.memory = 0;
    CHECK(message_of([&] {
              ts::argmin<double>(rosenbrock, Tensor<double>{0.0, 0.0}, {th}, m0);
          }) == "argmin: memory must be at least 1, got 0");
    // unbounded below: L = -sum(x) never stops descending (the limit, with |grad L| = sqrt(2))
    const ts::NonlinearFn<double> down = [](const Var<double>& x, const std::vector<Var<double>>&) {
        return -tg::sum(x);
    };
    ts::ArgminOptions few;
    few.max_iter = 5;
    try {
        ts::argmin<double>(down, Tensor<double>{0.0, 0.0}, {}, few);
        FAIL("no error");
    } catch (const tg::ConvergenceError& e) {
        CHECK(e.residual() == doctest::Approx(std::sqrt(2.0)));
    }
}

TEST_CASE("argmin: a Hessian through the minimizer (second_order): d2(a + a^2)/da2 = 2 on Rosenbrock") {
    ts::ArgminOptions o = opts(ts::Optimizer::lbfgs);
    o.implicit.second_order = true;
    const auto loss = [&](const Var<double>& th) {
        return tg::sum(ts::argmin<double>(rosenbrock, Tensor<double>{-1.2, 1.0}, {th}, o).x);
    };
    const Tensor<double> H = tg::hessian(loss, Tensor<double>{1.5, 100.0});
    CHECK(H.at({0, 0}) == doctest::Approx(2.0).epsilon(1e-7));
    CHECK(std::abs(H.at({0, 1})) < 1e-8);
    CHECK(std::abs(H.at({1, 0})) < 1e-8);
    CHECK(std::abs(H.at({1, 1})) < 1e-8);
}
