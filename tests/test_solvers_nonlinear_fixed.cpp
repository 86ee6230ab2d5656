// Fixed points (solvers/fixed_point.hpp): plain iteration and Anderson acceleration on a
// contractive map z = B tanh(z) + b, the implicit gradient against central differences of the
// whole solve and against unrolled differentiation through the plain iterations, forward mode,
// float32, and the errors.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

#include "solver_test_util.hpp"

#include "../solvers/fixed_point.hpp"

namespace ts = tg::solvers;
using solver_test::max_abs_diff;
using solver_test::message_of;
using tg::Shape;
using tg::Tensor;
using tg::Var;

namespace {

const tg::index_t n = 6;

// B symmetric with spectral norm 0.95: a slowly contracting map near 0, where tanh' ~ 1 (plain
// iteration gains ~0.02 digits a step).
Tensor<double> matrix_B(double norm = 0.95) {
    Tensor<double> S(Shape{n, n});
    for (tg::index_t i = 0; i < n; ++i)
        for (tg::index_t j = 0; j < n; ++j)
            S.data()[i * n + j] = std::sin(1.0 + i + 2.0 * j) + std::sin(1.0 + j + 2.0 * i) +
                                  (i == j ? 1.5 : 0.0);
    const double s = tg::svdvals(S).at({0});
    for (tg::index_t i = 0; i < n * n; ++i) S.data()[i] *= norm / s;
    return S;
}

const Tensor<double> bvec{0.05, -0.1, 0.025, 0.2, -0.075, 0.1};

template <class T>
Var<T> layer(const Var<T>& z, const std::vector<Var<T>>& th) {
    return tg::matmul(th[0], tg::tanh(z)) + th[1];
}

ts::FixedPointOptions opts(ts::FixedPointMethod m) {
    ts::FixedPointOptions o;
    o.method = m;
    o.atol = 1e-13;
    o.rtol = 0;
    return o;
}

}  // namespace

TEST_CASE("fixed_point: Anderson needs far fewer iterations than plain iteration, same answer") {
    const Var<double> B(matrix_B()), b(bvec);
    const auto plain = ts::fixed_point<double>(layer<double>, tg::zeros<double>({n}), {B, b},
                                               opts(ts::FixedPointMethod::plain));
    const auto anderson = ts::fixed_point<double>(layer<double>, tg::zeros<double>({n}), {B, b},
                                                  opts(ts::FixedPointMethod::anderson));
    CHECK(plain.report.converged);
    CHECK(anderson.report.converged);
    CHECK(plain.report.method == "plain");
    CHECK(anderson.report.method == "anderson(5)");
    CHECK(max_abs_diff(plain.x.value(), anderson.x.value()) < 1e-12);
    // the fixed point satisfies z = B tanh(z) + b
    CHECK(max_abs_diff(layer<double>(anderson.x, {B, b}).value(), anderson.x.value()) < 1e-12);
    CHECK(anderson.report.iterations * 10 < plain.report.iterations);
    CHECK(plain.report.iterations > 200);
    CHECK(anderson.report.residuals.size() == std::size_t(anderson.report.iterations + 1));
    CHECK(anderson.report.evaluations == anderson.report.iterations + 1);
    // plain iteration contracts at most by ||B|| max tanh' <= 0.95 a step
    const auto& r = plain.report.residuals;
    bool contracts = true;
    for (std::size_t k = 0; k + 1 < r.size(); ++k) contracts &= r[k + 1] <= 0.95 * r[k] * (1 + 1e-9) + 1e-15;
    CHECK(contracts);
}

TEST_CASE("fixed_point: gradient and forward mode against central differences of the whole solve") {
    const Tensor<double> w{1.0, -0.5, 2.0, 0.3, 0.0, 1.2};
    for (auto m : {ts::FixedPointMethod::plain, ts::FixedPointMethod::anderson}) {
        const auto f = [&](const std::vector<Var<double>>& th) {
            return tg::sum(ts::fixed_point<double>(layer<double>, tg::zeros<double>({n}), th, opts(m)).x *
                           Var<double>(w));
        };
        CHECK(tg::gradcheck(f, {matrix_B(), bvec}, {.tol = 1e-7, .forward = true}).ok);
    }
}

TEST_CASE("fixed_point: the implicit gradient equals unrolled differentiation through plain iterations") {
    const Var<double> B(matrix_B(), true), b(bvec, true);
    tg::sum(ts::fixed_point<double>(layer<double>, tg::zeros<double>({n}), {B, b}).x).backward();
    const Var<double> Bu(matrix_B(), true), bu(bvec, true);
    Var<double> z(tg::zeros<double>({n}));
    for (int k = 0; k < 900; ++k) z = layer<double>(z, {Bu, bu});  // 0.95^900 ~ 1e-20
    tg::sum(z).backward();
    CHECK(max_abs_diff(B.grad(), Bu.grad()) < 1e-11);
    CHECK(max_abs_diff(b.grad(), bu.grad()) < 1e-11);
}

TEST_CASE("fixed_point: damping, the matrix-free adjoint and float32") {
    const Var<double> B(matrix_B(), true), b(bvec, true);
    ts::FixedPointOptions o = opts(ts::FixedPointMethod::anderson);
    o.mixing = 0.5;
    o.memory = 3;
    o.implicit.adjoint = ts::AdjointMode::krylov;
    o.implicit.rtol = 1e-13;
    const auto r = ts::fixed_point<double>(layer<double>, tg::zeros<double>({n}), {B, b}, o);
    CHECK(r.report.method == "anderson(3)");
    CHECK(r.report.steps[0] == 0.5);
    tg::sum(r.x).backward();
    const Var<double> B2(matrix_B(), true), b2(bvec, true);
    tg::sum(ts::fixed_point<double>(layer<double>, tg::zeros<double>({n}), {B2, b2}).x).backward();
    CHECK(max_abs_diff(B.grad(), B2.grad()) < 1e-10);
    CHECK(max_abs_diff(b.grad(), b2.grad()) < 1e-10);
    // float32
    const Tensor<double> Bd = matrix_B();
    Tensor<float> Bf(Shape{n, n}), bf(Shape{n});
    for (tg::index_t i = 0; i < n * n; ++i) Bf.data()[i] = float(Bd.data()[i]);
    for (tg::index_t i = 0; i < n; ++i) bf.data()[i] = float(bvec.data()[i]);
    const Var<float> Bfv(Bf, true), bfv(bf, true);
    const auto rf = ts::fixed_point<float>(layer<float>, tg::zeros<float>({n}), {Bfv, bfv});
    CHECK(rf.report.converged);
    tg::sum(rf.x).backward();
    for (tg::index_t i = 0; i < n; ++i) {
        CHECK(double(rf.x.value().at({i})) == doctest::Approx(r.x.value().at({i})).epsilon(1e-5));
        CHECK(double(bfv.grad().at({i})) == doctest::Approx(b2.grad().at({i})).epsilon(1e-4));
    }
}

TEST_CASE("fixed_point: errors are typed and carry their numbers") {
    const Var<double> B(matrix_B()), b(bvec);
    ts::FixedPointOptions o = opts(ts::FixedPointMethod::plain);
    o.max_iter = 10;  // |g(x) - x| ~ 0.95^10 |b|
    try {
        ts::fixed_point<double>(layer<double>, tg::zeros<double>({n}), {B, b}, o);
        FAIL("no error");
    } catch (const tg::ConvergenceError& e) {
        CHECK(e.iterations() == 10);
        CHECK(e.residual() > 1e-2);
        CHECK(std::string(e.what()).find(
                  "fixed_point (plain): no convergence after 10 iterations: |g(x) - x| = ") == 0);
    }
    // g(x) = sqrt(x) - 1 from 0.5: x1 = -0.29..., where g is NaN (iteration 1, element 0)
    const ts::NonlinearFn<double> g = [](const Var<double>& x, const std::vector<Var<double>>&) {
        return tg::sqrt(x) - Var<double>(Tensor<double>{1.0});
    };
    try {
        ts::fixed_point<double>(g, Tensor<double>{0.5}, {});
        FAIL("no error");
    } catch (const tg::NonFiniteError& e) {
        CHECK(e.iteration() == 1);
        CHECK(e.index() == 0);
        CHECK(std::string(e.what()).find("fixed_point: the function returned nan at element 0 at iteration 1") ==
              0);
    }
    ts::FixedPointOptions bad;
    bad.mixing = 0;
    CHECK(message_of([&] {
              ts::fixed_point<double>(layer<double>, tg::zeros<double>({n}), {B, b}, bad);
          }) == "fixed_point: mixing must be in (0, 1], got 0");
    bad.mixing = 1;
    bad.memory = 0;
    CHECK(message_of([&] {
              ts::fixed_point<double>(layer<double>, tg::zeros<double>({n}), {B, b}, bad);
          }) == "fixed_point: memory must be at least 1, got 0");
    CHECK(message_of([&] {
              ts::fixed_point<double>(layer<double>, tg::zeros<double>({n + 1}), {B, b});
          }).find("matmul") != std::string::npos);
}

TEST_CASE("fixed_point: a Hessian through the fixed point (second_order) against differences of the gradient") {
    ts::FixedPointOptions o = opts(ts::FixedPointMethod::anderson);
    o.implicit.second_order = true;
    const Var<double> B(matrix_B(0.8));
    const auto loss = [&](const Var<double>& b) {
        const Var<double> z = ts::fixed_point<double>(layer<double>, tg::zeros<double>({n}), {B, b}, o).x;
        return tg::sum(z * z * z);
    };
    const Tensor<double> b0{0.5, -1.0, 0.25, 2.0, -0.75, 1.0};
    const Tensor<double> H = tg::hessian(loss, b0);
    const double h = 1e-5;
    for (tg::index_t j = 0; j < n; ++j) {
        Tensor<double> bp = b0.clone(), bm = b0.clone();
        bp.data()[j] += h;
        bm.data()[j] -= h;
        const Tensor<double> gp = tg::grad<double>(loss, bp), gm = tg::grad<double>(loss, bm);
        for (tg::index_t i = 0; i < n; ++i)
            CHECK(H.at({i, j}) == doctest::Approx((gp.at({i}) - gm.at({i})) / (2 * h)).epsilon(1e-6));
    }
}
