// Vector Newton and Newton-Krylov (solvers/newton.hpp) and the implicit rules of their answer
// (solvers/implicit_root.hpp): values against closed forms, the report (quadratic convergence
// visible in the residual history), gradients against central differences of the whole solve and
// against unrolled differentiation through the iterations, forward mode, a Hessian through the
// root finder, the matrix-free paths, float32 and every error with its numbers.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

#include "solver_test_util.hpp"

#include "../solvers/newton.hpp"

namespace ts = tg::solvers;
using solver_test::component;
using solver_test::max_abs_diff;
using solver_test::message_of;
using tg::Shape;
using tg::Tensor;
using tg::Var;

namespace {

// The circle |x|^2 = a0 met by the line x0 = a1 x1: x1 = sqrt(a0 / (1 + a1^2)), x0 = a1 x1.
template <class T>
Var<T> circle_line(const Var<T>& x, const std::vector<Var<T>>& th) {
    const Var<T> a0 = component(th[0], 0), a1 = component(th[0], 1);
    const Var<T> f0 = tg::sum(x * x) - a0;
    const Var<T> f1 = component(x, 0) - a1 * component(x, 1);
    return tg::stack(std::vector<Var<T>>{f0, f1}, 0);
}

// A x + s x^3 - b = 0 with A symmetric positive definite (J = A + 3 s diag(x^2) is too, s > 0).
template <class T>
Tensor<T> matrix_A(tg::index_t n) {
    Tensor<T> A(Shape{n, n});
    for (tg::index_t i = 0; i < n; ++i)
        for (tg::index_t j = 0; j < n; ++j)
            A.data()[i * n + j] = T(i == j ? 4.0 : 1.0 / (1.0 + double(i + j)) - (i + 1 == j ? 0.5 : 0.0));
    return A;
}

template <class T>
ts::NonlinearFn<T> cubic_system(tg::index_t n) {
    const Var<T> A(matrix_A<T>(n));
    return [A](const Var<T>& x, const std::vector<Var<T>>& th) {
        return tg::matmul(A, x) + th[1] * x * x * x - th[0];
    };
}

const Tensor<double> b5{1.0, -2.0, 0.5, 3.0, -1.0};

ts::NewtonOptions tight() {
    ts::NewtonOptions o;
    o.atol = 1e-14;
    o.rtol = 0;
    return o;
}

}  // namespace

TEST_CASE("newton: the circle and the line, closed form, quadratic convergence in the report") {
    const Var<double> a(Tensor<double>{4.0, 1.0}, true);
    const auto r = ts::newton_root<double>(circle_line<double>, Tensor<double>{3.0, 0.5}, {a}, tight());
    CHECK(r.report.converged);
    CHECK(r.report.method == "newton");
    CHECK(r.x.value().at({0}) == doctest::Approx(std::sqrt(2.0)).epsilon(1e-14));
    CHECK(r.x.value().at({1}) == doctest::Approx(std::sqrt(2.0)).epsilon(1e-14));
    const auto& res = r.report.residuals;
    REQUIRE(res.size() == std::size_t(r.report.iterations + 1));
    CHECK(r.report.steps.size() == std::size_t(r.report.iterations));
    CHECK(r.report.residual == res.back());
    CHECK(r.report.residual <= r.report.target);
    // Quadratic: once |F| < 1e-2, each residual is at most a constant times the square of the last.
    int quadratic_steps = 0;
    for (std::size_t k = 0; k + 1 < res.size(); ++k)
        if (res[k] < 1e-2 && res[k + 1] > 1e-13) {  // above the rounding floor
            CHECK(res[k + 1] <= 5 * res[k] * res[k]);
            ++quadratic_steps;
        }
    CHECK(quadratic_steps >= 1);
    CHECK(r.report.str().find("newton: converged after") == 0);
    // dx/da by the closed form: x1 = sqrt(a0 / (1 + a1^2)), x0 = a1 x1.
    tg::sum(r.x).backward();
    const double a0 = 4, a1 = 1, x1 = std::sqrt(a0 / (1 + a1 * a1));
    const double dx1_da0 = 0.5 / std::sqrt(a0 * (1 + a1 * a1));
    const double dx1_da1 = -a1 * x1 / (1 + a1 * a1);
    CHECK(a.grad().at({0}) == doctest::Approx(dx1_da0 * (1 + a1)).epsilon(1e-12));
    CHECK(a.grad().at({1}) == doctest::Approx(x1 + (1 + a1) * dx1_da1).epsilon(1e-12));
}

TEST_CASE("newton: gradient and forward mode against central differences of the whole solve") {
    const auto F = cubic_system<double>(5);
    const Tensor<double> w{0.3, -1.0, 2.0, 0.7, 1.5};
    const auto f = [&](const std::vector<Var<double>>& th) {
        const auto r = ts::newton_root<double>(F, tg::zeros<double>({5}), th, tight());
        return tg::sum(r.x * Var<double>(w));
    };
    const auto rep = tg::gradcheck(f, {b5, Tensor<double>::scalar(0.8)}, {.tol = 1e-7, .forward = true});
    CHECK(rep.ok);
    // The vector output too (every element of x*), forward mode along a direction.
    const auto g = [&](const std::vector<Var<double>>& th) {
        return ts::newton_root<double>(F, tg::zeros<double>({5}), th, tight()).x;
    };
    CHECK(tg::gradcheck(g, {b5, Tensor<double>::scalar(0.8)}, {.tol = 1e-7, .forward = true}).ok);
}

TEST_CASE("newton: the implicit gradient equals unrolled differentiation through the iterations") {
    const tg::index_t n = 5;
    const auto F = cubic_system<double>(n);
    const Var<double> b(b5, true), s(Tensor<double>::scalar(0.8), true);
    tg::sum(ts::newton_root<double>(F, tg::zeros<double>({n}), {b, s}, tight()).x).backward();
    // Newton written out in Var arithmetic, J = A + 3 s diag(x^2) by hand, 12 iterations.
    const Var<double> bu(b5, true), su(Tensor<double>::scalar(0.8), true), A(matrix_A<double>(n));
    const Var<double> I(tg::eye<double>(n));
    Var<double> x(tg::zeros<double>({n}));
    for (int k = 0; k < 12; ++k) {
        const Var<double> J = A + I * (Var<double>(Tensor<double>::scalar(3.0)) * su * x * x);
        x = x - tg::solve(J, F(x, {bu, su}));
    }
    tg::sum(x).backward();
    CHECK(max_abs_diff(b.grad(), bu.grad()) < 1e-12);
    CHECK(s.grad().item() == doctest::Approx(su.grad().item()).epsilon(1e-12));
}

TEST_CASE("newton: tg::jvp through the solve equals J_theta dtheta by differences") {
    const auto F = cubic_system<double>(5);
    const Tensor<double> db{0.5, 0.1, -0.2, 0.0, 1.0}, ds = Tensor<double>::scalar(-0.3);
    const auto solve = [&](const std::vector<Var<double>>& th) {
        return ts::newton_root<double>(F, tg::zeros<double>({5}), th, tight()).x;
    };
    const Tensor<double> s0 = Tensor<double>::scalar(0.8);
    const auto [x, dx] = tg::jvp<double>(solve, {b5, s0}, {db, ds});
    const double h = 1e-6;
    auto shifted = [&](double t) {
        Tensor<double> bb = b5.clone(), ss = Tensor<double>::scalar(0.8 + t * ds.item());
        for (int i = 0; i < 5; ++i) bb.data()[i] += t * db.data()[i];
        tg::NoGrad ng;
        return solve({Var<double>(bb), Var<double>(ss)}).value();
    };
    const Tensor<double> xp = shifted(h), xm = shifted(-h);
    for (int i = 0; i < 5; ++i)
        CHECK(dx.at({i}) == doctest::Approx((xp.at({i}) - xm.at({i})) / (2 * h)).epsilon(1e-7));
}

TEST_CASE("newton: a Hessian through the root finder (second_order) against differences of the gradient") {
    const auto F = cubic_system<double>(4);
    ts::NewtonOptions o = tight();
    o.implicit.second_order = true;
    const Tensor<double> b0{1.0, -2.0, 0.5, 3.0};
    const Var<double> s(Tensor<double>::scalar(0.8));
    // loss(b) = sum(x*(b)^2): its gradient by the implicit rule, its Hessian through the solve.
    const auto loss = [&](const Var<double>& b) {
        const Var<double> x = ts::newton_root<double>(F, tg::zeros<double>({4}), {b, s}, o).x;
        return tg::sum(x * x);
    };
    const Tensor<double> H = tg::hessian(loss, b0);
    const double h = 1e-5;
    for (int j = 0; j < 4; ++j) {
        Tensor<double> bp = b0.clone(), bm = b0.clone();
        bp.data()[j] += h;
        bm.data()[j] -= h;
        const Tensor<double> gp = tg::grad<double>(loss, bp), gm = tg::grad<double>(loss, bm);
        for (int i = 0; i < 4; ++i)
            CHECK(H.at({i, j}) == doctest::Approx((gp.at({i}) - gm.at({i})) / (2 * h)).epsilon(1e-7));
    }
    // The value of the second-order path is x* itself (one Newton step from the root).
    const auto r1 = ts::newton_root<double>(F, tg::zeros<double>({4}), {Var<double>(b0, true), s}, o);
    const auto r0 = ts::newton_root<double>(F, tg::zeros<double>({4}), {Var<double>(b0, true), s}, tight());
    CHECK(max_abs_diff(r1.x.value(), r0.x.value()) < 1e-13);
}

TEST_CASE("newton: forward-mode Jacobian, Newton-Krylov and the matrix-free adjoint agree with the dense path") {
    const tg::index_t n = 5;
    const auto F = cubic_system<double>(n);
    const Tensor<double> w{1.0, 2.0, -1.0, 0.5, 0.25};
    auto grads = [&](ts::NewtonOptions o, bool krylov, ts::NonlinearReport* rep) {
        const Var<double> b(b5, true), s(Tensor<double>::scalar(0.8), true);
        const auto r = krylov ? ts::newton_krylov_root<double>(F, tg::zeros<double>({n}), {b, s}, o)
                              : ts::newton_root<double>(F, tg::zeros<double>({n}), {b, s}, o);
        if (rep) *rep = r.report;
        tg::sum(r.x * Var<double>(w)).backward();
        return std::pair{b.grad(), s.grad().item()};
    };
    const auto [gb, gs] = grads(tight(), false, nullptr);
    ts::NewtonOptions fwd = tight();
    fwd.jacobian = ts::JacobianMode::forward;
    ts::NonlinearReport rf, rk;
    const auto [gb1, gs1] = grads(fwd, false, &rf);
    CHECK(max_abs_diff(gb, gb1) < 1e-13);
    ts::NewtonOptions mf = tight();
    mf.implicit.adjoint = ts::AdjointMode::krylov;
    mf.implicit.rtol = 1e-13;
    const auto [gb2, gs2] = grads(mf, true, &rk);
    CHECK(rk.method == "newton-krylov");
    CHECK(rk.converged);
    CHECK(max_abs_diff(gb, gb2) < 1e-10);
    CHECK(gs == doctest::Approx(gs2).epsilon(1e-10));
    // Newton-Krylov converges superlinearly too: few more iterations than dense Newton.
    CHECK(rk.iterations <= rf.iterations + 3);
    // forward mode through the matrix-free node
    const auto solve = [&](const std::vector<Var<double>>& th) {
        return ts::newton_krylov_root<double>(F, tg::zeros<double>({n}), th, mf).x;
    };
    CHECK(tg::gradcheck(solve, {b5, Tensor<double>::scalar(0.8)}, {.tol = 1e-6, .forward = true}).ok);
}

TEST_CASE("newton: the dense adjoint factors J once and reuses it for every VJP and JVP") {
    const auto F = cubic_system<double>(5);
    const Var<double> b(b5, true), s(Tensor<double>::scalar(0.8), true);
    const auto r = ts::newton_root<double>(F, tg::zeros<double>({5}), {b, s}, tight());
    REQUIRE(r.implicit);
    CHECK(r.implicit->dense);
    CHECK(r.implicit->factorizations == 0);  // made on first use
    tg::sum(r.x).backward({.keep_graph = true});
    tg::sum(r.x * r.x).backward();
    CHECK(r.implicit->vjps == 2);
    CHECK(r.implicit->factorizations == 1);
    CHECK(r.implicit->krylov_iterations == 0);
    ts::NewtonOptions mf = tight();
    mf.implicit.dense_limit = 4;  // automatic: matrix-free above the limit
    const auto r2 = ts::newton_root<double>(F, tg::zeros<double>({5}), {b, s}, mf);
    tg::sum(r2.x).backward();
    CHECK(!r2.implicit->dense);
    CHECK(r2.implicit->factorizations == 0);
    CHECK(r2.implicit->krylov_iterations >= 1);
    CHECK(r2.implicit->krylov_iterations <= 5);  // GMRES on 5 unknowns
}

TEST_CASE("newton: float32 agrees with float64, gradients too") {
    const auto Fd = cubic_system<double>(5);
    const auto Ff = cubic_system<float>(5);
    const Var<double> bd(b5, true), sd(Tensor<double>::scalar(0.8), true);
    const Var<float> bf(Tensor<float>{1.0f, -2.0f, 0.5f, 3.0f, -1.0f}, true),
        sf(Tensor<float>::scalar(0.8f), true);
    const auto rd = ts::newton_root<double>(Fd, tg::zeros<double>({5}), {bd, sd});
    const auto rf = ts::newton_root<float>(Ff, tg::zeros<float>({5}), {bf, sf});
    CHECK(rf.report.converged);
    CHECK(rf.report.target >= 10 * 1.19e-7);  // the tolerance is raised to what float can reach
    tg::sum(rd.x).backward();
    tg::sum(rf.x).backward();
    for (int i = 0; i < 5; ++i) {
        CHECK(double(rf.x.value().at({i})) == doctest::Approx(rd.x.value().at({i})).epsilon(1e-5));
        CHECK(double(bf.grad().at({i})) == doctest::Approx(bd.grad().at({i})).epsilon(1e-4));
    }
    CHECK(double(sf.grad().item()) == doctest::Approx(sd.grad().item()).epsilon(1e-4));
}

TEST_CASE("newton: shapes other than a vector, no parameters, a second thread") {
    // x of shape [2, 2]: x^3 + x = c elementwise, closed form per element by the scalar cubic.
    const Var<double> c(Tensor<double>{{2.0, 10.0}, {0.0, -2.0}}, true);
    const ts::NonlinearFn<double> F = [](const Var<double>& x, const std::vector<Var<double>>& th) {
        return x * x * x + x - th[0];
    };
    const auto r = ts::newton_root<double>(F, tg::zeros<double>({2, 2}), {c}, tight());
    CHECK(r.x.shape() == Shape{2, 2});
    CHECK(r.x.value().at({0, 0}) == doctest::Approx(1.0).epsilon(1e-14));
    CHECK(r.x.value().at({0, 1}) == doctest::Approx(2.0).epsilon(1e-14));
    CHECK(r.x.value().at({1, 1}) == doctest::Approx(-1.0).epsilon(1e-14));
    tg::sum(r.x).backward();
    CHECK(c.grad().at({0, 1}) == doctest::Approx(1.0 / 13.0).epsilon(1e-13));  // 1 / (3 x^2 + 1)
    // no theta: a constant answer
    const ts::NonlinearFn<double> G = [](const Var<double>& x, const std::vector<Var<double>>&) {
        return x * x - Var<double>(Tensor<double>{4.0, 9.0});
    };
    const auto r0 = ts::newton_root<double>(G, Tensor<double>{1.0, 1.0}, {});
    CHECK(!r0.x.requires_grad());
    CHECK(r0.x.value().at({1}) == doctest::Approx(3.0).epsilon(1e-12));
    // a second thread has its own tape
    double other = 0;
    std::thread t([&] {
        const Var<double> cc(Tensor<double>{{2.0, 10.0}, {0.0, -2.0}}, true);
        tg::sum(ts::newton_root<double>(F, tg::zeros<double>({2, 2}), {cc}, tight()).x).backward();
        other = cc.grad().at({0, 1});
    });
    t.join();
    CHECK(other == doctest::Approx(1.0 / 13.0).epsilon(1e-13));
}

TEST_CASE("newton: errors are typed and carry their numbers") {
    const Var<double> a(Tensor<double>{4.0, 1.0}, true);
    // the iteration limit: the residual reached
    ts::NewtonOptions two;
    two.max_iter = 2;
    try {
        ts::newton_root<double>(circle_line<double>, Tensor<double>{30.0, 0.5}, {a}, two);
        FAIL("no error");
    } catch (const tg::ConvergenceError& e) {
        CHECK(e.iterations() == 2);
        CHECK(e.residual() > 1e-3);
        CHECK(std::string(e.what()).find("newton_root: no convergence after 2 iterations: |F| = ") == 0);
    }
    two.return_unconverged = true;
    const auto ru = ts::newton_root<double>(circle_line<double>, Tensor<double>{30.0, 0.5}, {a}, two);
    CHECK(!ru.report.converged);
    CHECK(ru.report.iterations == 2);
    // a singular Jacobian: x^2 = a at x0 = 0 (J = 2 x = 0), iteration 1
    const ts::NonlinearFn<double> sq = [](const Var<double>& x, const std::vector<Var<double>>& th) {
        return x * x - th[0];
    };
    const Var<double> four(Tensor<double>{4.0}, true);
    try {
        ts::newton_root<double>(sq, Tensor<double>{0.0}, {four});
        FAIL("no error");
    } catch (const tg::SingularJacobianError& e) {
        CHECK(e.iteration() == 1);
        CHECK(std::string(e.what()).find("newton_root: singular Jacobian at iteration 1 (|F| = 4)") == 0);
    }
    // NaN in F at x0: the element and the iteration
    const ts::NonlinearFn<double> lg = [](const Var<double>& x, const std::vector<Var<double>>& th) {
        return tg::log(x) - th[0];
    };
    try {
        ts::newton_root<double>(lg, Tensor<double>{1.0, -1.0}, {four});
        FAIL("no error");
    } catch (const tg::NonFiniteError& e) {
        CHECK(e.iteration() == 0);
        CHECK(e.index() == 1);
        CHECK(std::string(e.what()).find("newton_root: the function returned nan at element 1 at iteration 0") ==
              0);
    }
    // NaN met during the line search is backtracked over: log(x) = 0 from x0 = 3 (full step to x < 0)
    const auto rl = ts::newton_root<double>(lg, Tensor<double>{3.0}, {Var<double>(Tensor<double>{0.0})});
    CHECK(rl.x.value().item() == doctest::Approx(1.0).epsilon(1e-12));
    CHECK(rl.report.steps[0] < 1);
    // no root: x^2 + 1 = 0 ends in a typed numerical error (line search, singular J or the limit)
    const ts::NonlinearFn<double> noroot = [](const Var<double>& x, const std::vector<Var<double>>&) {
        return x * x + Var<double>(Tensor<double>{1.0});
    };
    CHECK_THROWS_AS(ts::newton_root<double>(noroot, Tensor<double>{0.5}, {}), tg::NumericalError);
    // bad input
    CHECK(message_of([&] { ts::newton_root<double>(sq, Tensor<double>(Shape{0}), {four}); }) ==
          "newton_root: x0 is empty (shape [0])");
    CHECK(message_of([&] { ts::newton_root<double>(sq, Tensor<double>{NAN}, {four}); }) ==
          "newton_root: x0 contains nan at element 0");
    const ts::NonlinearFn<double> wrong = [](const Var<double>& x, const std::vector<Var<double>>&) {
        return tg::sum(x);
    };
    CHECK(message_of([&] {
              ts::newton_root<double>(wrong, Tensor<double>{1.0, 2.0}, {});
          }) == "newton_root: the function returned shape [] for x of shape [2] (must be x's)");
    CHECK_THROWS_AS(ts::newton_root<double>(sq, Tensor<double>{1.0}, {four, four, four, four, four}),
                    tg::ShapeError);
    // a singular Jacobian at the answer: the implicit derivative does not exist
    const ts::NonlinearFn<double> cube = [](const Var<double>& x, const std::vector<Var<double>>& th) {
        return x * x * x - th[0] * x * x * x;  // every x is a root when th = 1... and J = 0 at x = 0
    };
    const Var<double> one(Tensor<double>{0.0}, true);
    const auto rc = ts::newton_root<double>(cube, Tensor<double>{0.0}, {one});
    try {
        tg::sum(rc.x).backward();
        FAIL("no error");
    } catch (const tg::SingularJacobianError& e) {
        CHECK(e.iteration() == -1);
    }
}

TEST_CASE("newton_cubic op: values, gradcheck with forward mode, a Hessian through the op, shapes") {
    const Tensor<double> A{{1.2, 0.1, -0.2}, {0.0, 0.9, 0.3}, {0.1, -0.1, 1.1}}, b{0.5, -1.5, 2.0};
    const Var<double> Av(A, true), bv(b, true);
    const Var<double> x = ts::newton_cubic(Av, bv);
    // A x + x^3 = b at the answer
    const Tensor<double> xv = x.value();
    for (int i = 0; i < 3; ++i) {
        double r = -b.at({i}) + xv.at({i}) * xv.at({i}) * xv.at({i});
        for (int j = 0; j < 3; ++j) r += A.at({i, j}) * xv.at({j});
        CHECK(std::abs(r) < 1e-13);
    }
    // the op against the general solver's custom-function node
    const Var<double> Ac(A);
    const ts::NonlinearFn<double> F = [Ac](const Var<double>& z, const std::vector<Var<double>>& th) {
        return tg::matmul(Ac, z) + z * z * z - th[0];
    };
    const Var<double> b2(b, true);
    tg::sum(x).backward({.keep_graph = true});
    tg::sum(ts::newton_root<double>(F, tg::zeros<double>({3}), {b2}, tight()).x).backward();
    CHECK(max_abs_diff(bv.grad(), b2.grad()) < 1e-12);
    const auto f = [](const std::vector<Var<double>>& v) { return ts::newton_cubic(v[0], v[1]); };
    CHECK(tg::gradcheck(f, {A, b}, {.tol = 1e-7, .forward = true}).ok);
    // second order through the op's own Var rules: Hessian of sum(x^2) in b against differences
    const auto loss = [&](const Var<double>& bb) {
        const Var<double> z = ts::newton_cubic(Var<double>(A), bb);
        return tg::sum(z * z);
    };
    const Tensor<double> H = tg::hessian(loss, b);
    const double h = 1e-5;
    for (int j = 0; j < 3; ++j) {
        Tensor<double> bp = b.clone(), bm = b.clone();
        bp.data()[j] += h;
        bm.data()[j] -= h;
        const Tensor<double> gp = tg::grad<double>(loss, bp), gm = tg::grad<double>(loss, bm);
        for (int i = 0; i < 3; ++i)
            CHECK(H.at({i, j}) == doctest::Approx((gp.at({i}) - gm.at({i})) / (2 * h)).epsilon(1e-7));
    }
    CHECK(message_of([&] {
              ts::newton_cubic(Var<double>(A), Var<double>(Tensor<double>{1.0, 2.0}));
          }) == "newton_cubic: needs A of shape [n, n] and b of shape [n], got A [3,3] and b [2]");
    CHECK_THROWS_AS(ts::newton_cubic(Var<double>(A), Var<double>(Tensor<double>{1.0, NAN, 2.0})),
                    tg::NonFiniteError);
}

TEST_CASE("newton: hostile inputs: transposed views for x0 and theta, a NaN cotangent") {
    // x^3 + x = C elementwise, C a transposed view: the same answer as from its contiguous copy
    const Tensor<double> C0{{2.0, 0.0}, {10.0, -2.0}};
    const Tensor<double> Ct = C0.transpose();  // [[2, 10], [0, -2]], not contiguous
    REQUIRE(!Ct.is_contiguous());
    const ts::NonlinearFn<double> F = [](const Var<double>& x, const std::vector<Var<double>>& th) {
        return x * x * x + x - th[0];
    };
    const Var<double> c(Ct, true);
    const Tensor<double> x0 = tg::zeros<double>({2, 2}).transpose();
    const auto r = ts::newton_root<double>(F, x0, {c}, tight());
    CHECK(r.x.value().at({0, 1}) == doctest::Approx(2.0).epsilon(1e-14));
    CHECK(r.x.value().at({1, 0}) == doctest::Approx(0.0));
    tg::sum(r.x).backward();
    CHECK(c.grad().at({0, 1}) == doctest::Approx(1.0 / 13.0).epsilon(1e-13));
    // a NaN cotangent is refused by the adjoint solve, naming the solver
    const Var<double> c2(C0, true);
    const auto r2 = ts::newton_root<double>(F, tg::zeros<double>({2, 2}), {c2}, tight());
    const std::string m = message_of([&] { r2.x.backward(Tensor<double>{{1.0, NAN}, {0.0, 0.0}}); });
    CHECK(m.find("newton_root") != std::string::npos);
    CHECK(m.find("nan") != std::string::npos);
}
