// Attacks on the nonlinear solvers (solvers/newton.hpp, fixed_point.hpp, argmin.hpp) and their
// implicit rules (solvers/implicit_root.hpp), written by a reviewer: aliasing and repeated
// parameters, captured Vars, in-place writes after the solve, repeated backward, concurrent
// solves, non-finite inputs and options, degenerate shapes, non-contractive maps, unbounded
// objectives, second order on the matrix-free path and gradients of x of shape [2, 3] against
// central differences of the whole solve.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

#include "solver_test_util.hpp"

#include "../solvers/argmin.hpp"
#include "../solvers/fixed_point.hpp"
#include "../solvers/newton.hpp"

namespace ts = tg::solvers;
using solver_test::max_abs_diff;
using solver_test::message_of;
using tg::Shape;
using tg::Tensor;
using tg::Var;

namespace {

ts::NewtonOptions tight() {
    ts::NewtonOptions o;
    o.atol = 1e-14;
    o.rtol = 0;
    return o;
}

// x^3 + x = c elementwise (J = 3 x^2 + 1 > 0): x = 1 at c = 2, x = 2 at c = 10.
const ts::NonlinearFn<double> cubic = [](const Var<double>& x, const std::vector<Var<double>>& th) {
    return x * x * x + x - th[0];
};

// x of shape [2, 3] coupled down the columns: A x + s x^3 = B (A [2, 2], B [2, 3], s scalar).
const Tensor<double> A23{{3.0, 1.0}, {-0.5, 2.5}};
const Tensor<double> B23{{1.0, -2.0, 0.5}, {3.0, 0.25, -1.0}};
const ts::NonlinearFn<double> coupled = [](const Var<double>& x, const std::vector<Var<double>>& th) {
    return tg::matmul(Var<double>(A23), x) + th[1] * x * x * x - th[0];
};

}  // namespace

TEST_CASE("nonlinear attack: the same Var twice in theta, and a theta that does not require grad") {
    // x^3 + x = a + 2 a: dx/da = 3 / (3 x^2 + 1); at a = 10 / 3, x = 2 and dx/da = 3 / 13.
    const ts::NonlinearFn<double> F = [](const Var<double>& x, const std::vector<Var<double>>& th) {
        return x * x * x + x - th[0] - Var<double>(Tensor<double>::scalar(2.0)) * th[1];
    };
    const Var<double> a(Tensor<double>{10.0 / 3.0}, true);
    const auto r = ts::newton_root<double>(F, Tensor<double>{0.0}, {a, a}, tight());
    CHECK(r.x.value().item() == doctest::Approx(2.0).epsilon(1e-14));
    tg::sum(r.x).backward();
    CHECK(a.grad().item() == doctest::Approx(3.0 / 13.0).epsilon(1e-13));
    // forward mode: the one tangent enters through both slots
    const auto solve = [&](const std::vector<Var<double>>& th) {
        return ts::newton_root<double>(F, Tensor<double>{0.0}, {th[0], th[0]}, tight()).x;
    };
    const auto [x, dx] = tg::jvp<double>(solve, {Tensor<double>{10.0 / 3.0}}, {Tensor<double>{1.0}});
    CHECK(dx.item() == doctest::Approx(3.0 / 13.0).epsilon(1e-13));
    // a constant theta next to a differentiable one: only the latter gets a gradient
    const ts::NonlinearFn<double> G = [](const Var<double>& x, const std::vector<Var<double>>& th) {
        return x * x * x + th[1] * x - th[0];
    };
    const Var<double> c(Tensor<double>{10.0}), s(Tensor<double>{1.0}, true);
    const auto rs = ts::newton_root<double>(G, Tensor<double>{0.0}, {c, s}, tight());
    tg::sum(rs.x).backward();
    CHECK(!c.requires_grad());
    CHECK(s.grad().item() == doctest::Approx(-2.0 / 13.0).epsilon(1e-13));  // -x / (3 x^2 + s)
}

TEST_CASE("nonlinear attack: theta built from x0's own storage") {
    Tensor<double> x0{2.0, 10.0};
    const Var<double> c(x0, true);  // shares x0's buffer
    const auto r = ts::newton_root<double>(cubic, x0, {c}, tight());
    CHECK(x0.at({0}) == 2.0);  // the start was not written
    INFO(r.report.str());
    CHECK(r.x.value().at({0}) == doctest::Approx(1.0).epsilon(1e-14));
    CHECK(r.x.value().at({1}) == doctest::Approx(2.0).epsilon(1e-12));  // rtol: 10 eps |F(x0)| = 2e-12
    tg::sum(r.x).backward();
    CHECK(c.grad().at({0}) == doctest::Approx(0.25).epsilon(1e-13));
    CHECK(c.grad().at({1}) == doctest::Approx(1.0 / 13.0).epsilon(1e-13));
}

TEST_CASE("nonlinear attack: a Var captured by the function that requires grad is refused, not silently zero") {
    const Var<double> w(Tensor<double>{1.0}, true);
    const ts::NonlinearFn<double> F = [w](const Var<double>& x, const std::vector<Var<double>>& th) {
        return x * x * x + w * x - th[0];
    };
    const Var<double> c(Tensor<double>{10.0}, true);
    CHECK_THROWS_AS(ts::newton_root<double>(F, Tensor<double>{0.0}, {c}), tg::AutogradError);
    CHECK(message_of([&] {
              ts::newton_root<double>(F, Tensor<double>{0.0}, {c});
          }).find("newton_root: the function depends on a Var that requires grad and is not in theta") == 0);
    const ts::NonlinearFn<double> g = [w](const Var<double>& x, const std::vector<Var<double>>& th) {
        return 0.5 * tg::tanh(x) + w * th[0];
    };
    CHECK_THROWS_AS(ts::fixed_point<double>(g, Tensor<double>{0.0}, {c}), tg::AutogradError);
    const ts::NonlinearFn<double> L = [w](const Var<double>& x, const std::vector<Var<double>>& th) {
        return tg::sum((x - w) * (x - w) + th[0] * x);
    };
    CHECK_THROWS_AS(ts::argmin<double>(L, Tensor<double>{0.0}, {c}), tg::AutogradError);
    // a captured constant is fine, and so is a captured Var under NoGrad (nothing to differentiate)
    const Var<double> k(Tensor<double>{1.0});
    const ts::NonlinearFn<double> Fk = [k](const Var<double>& x, const std::vector<Var<double>>& th) {
        return x * x * x + k * x - th[0];
    };
    CHECK(ts::newton_root<double>(Fk, Tensor<double>{0.0}, {c}, tight()).x.value().item() ==
          doctest::Approx(2.0).epsilon(1e-14));
    tg::NoGrad ng;
    CHECK(ts::newton_root<double>(F, Tensor<double>{0.0}, {c}, tight()).x.value().item() ==
          doctest::Approx(2.0).epsilon(1e-14));
}

TEST_CASE("nonlinear attack: writes after the solve, into theta or into the answer, are refused by backward") {
    // into theta: the engine's version check refuses the sweep
    {
        const Var<double> c(Tensor<double>{10.0}, true);
        const auto r = ts::newton_root<double>(cubic, Tensor<double>{0.0}, {c}, tight());
        Tensor<double> cv = c.value();
        cv.data()[0] = 2.0;
        CHECK(message_of([&] {
                  tg::sum(r.x).backward();
              }).find("backward: input 0 of 'newton_root' (shape [1]) was written in place") == 0);
    }
    // into the answer's value, which the node's rules read as x*: refused too
    for (int which = 0; which < 3; ++which) {
        const Var<double> c(Tensor<double>{10.0}, true);
        const ts::NonlinearFn<double> g = [](const Var<double>& z, const std::vector<Var<double>>& th) {
            return 0.5 * tg::cos(z) + th[0];
        };
        const ts::NonlinearFn<double> L = [](const Var<double>& z, const std::vector<Var<double>>& th) {
            return tg::sum(z * z - th[0] * z);
        };
        const Var<double> x = which == 0 ? ts::newton_root<double>(cubic, Tensor<double>{0.0}, {c}, tight()).x
                              : which == 1 ? ts::fixed_point<double>(g, Tensor<double>{0.0}, {c}).x
                                           : ts::argmin<double>(L, Tensor<double>{0.0}, {c}).x;
        Tensor<double> xv = x.value();
        xv.data()[0] = 1.0;
        CHECK(message_of([&] { tg::sum(x).backward(); }).find("was written in place") != std::string::npos);
    }
}

TEST_CASE("nonlinear attack: backward twice") {
    const Var<double> c(Tensor<double>{10.0}, true);
    const auto r = ts::newton_root<double>(cubic, Tensor<double>{0.0}, {c}, tight());
    const Var<double> y = tg::sum(r.x);
    y.backward(Tensor<double>::scalar(1.0), {.keep_graph = true});
    y.backward();
    CHECK(c.grad().item() == doctest::Approx(2.0 / 13.0).epsilon(1e-13));
    CHECK_THROWS_AS(y.backward(), tg::Error);  // the graph is released
    CHECK(c.grad().item() == doctest::Approx(2.0 / 13.0).epsilon(1e-13));
}

TEST_CASE("nonlinear attack: two threads solving and differentiating at once agree with one thread") {
    struct Out {
        double x = 0, gx = 0, z = 0, gz = 0, m = 0, gm = 0;
    };
    auto work = [](double cval, int reps) {
        Out o;
        for (int k = 0; k < reps; ++k) {
            const Var<double> c(Tensor<double>{cval}, true);
            const auto r = ts::newton_root<double>(cubic, Tensor<double>{0.0}, {c}, tight());
            tg::sum(r.x).backward();
            o.x = r.x.value().item();
            o.gx = c.grad().item();
            const Var<double> cf(Tensor<double>{cval}, true);
            const ts::NonlinearFn<double> g = [](const Var<double>& z, const std::vector<Var<double>>& th) {
                return 0.5 * tg::cos(z) + th[0];
            };
            const auto rf = ts::fixed_point<double>(g, Tensor<double>{0.0}, {cf});
            tg::sum(rf.x).backward();
            o.z = rf.x.value().item();
            o.gz = cf.grad().item();
            const Var<double> ca(Tensor<double>{cval}, true);
            const ts::NonlinearFn<double> L = [](const Var<double>& z, const std::vector<Var<double>>& th) {
                return tg::sum(z * z * z * z + z * z - th[0] * z);
            };
            ts::ArgminOptions oa;
            oa.gtol = 1e-12;
            const auto ra = ts::argmin<double>(L, Tensor<double>{0.0}, {ca}, oa);
            tg::sum(ra.x).backward();
            o.m = ra.x.value().item();
            o.gm = ca.grad().item();
        }
        return o;
    };
    Out o1, o2;
    std::thread t1([&] { o1 = work(1.5, 15); });
    std::thread t2([&] { o2 = work(6.0, 15); });
    t1.join();
    t2.join();
    const Out s1 = work(1.5, 1), s2 = work(6.0, 1);
    for (const auto& [a, b] : {std::pair{o1, s1}, std::pair{o2, s2}}) {
        CHECK(a.x == b.x);
        CHECK(a.gx == b.gx);
        CHECK(a.z == b.z);
        CHECK(a.gz == b.gz);
        CHECK(a.m == b.m);
        CHECK(a.gm == b.gm);
        // closed forms of the derivatives at the answers
        CHECK(a.gx == doctest::Approx(1 / (3 * a.x * a.x + 1)).epsilon(1e-13));
        CHECK(a.gz == doctest::Approx(1 / (1 + 0.5 * std::sin(a.z))).epsilon(1e-12));
        CHECK(a.gm == doctest::Approx(1 / (12 * a.m * a.m + 2)).epsilon(1e-10));
    }
    // x^3 + x = 1.5 has no nice root; 4 m^3 + 2 m = 1.5 at m = 0.5 and = 6 at m = 1
    CHECK(o1.m == doctest::Approx(0.5).epsilon(1e-12));
    CHECK(o2.m == doctest::Approx(1.0).epsilon(1e-12));
    CHECK(o2.x * o2.x * o2.x + o2.x == doctest::Approx(6.0).epsilon(1e-14));
}

TEST_CASE("nonlinear attack: non-finite x0, theta and tolerances are refused with their numbers") {
    const Var<double> c(Tensor<double>{10.0}, true);
    CHECK(message_of([&] {
              ts::newton_root<double>(cubic, Tensor<double>{0.0, INFINITY}, {c});
          }) == "newton_root: x0 contains inf at element 1");
    const Var<double> cn(Tensor<double>{1.0, NAN}, true);
    try {
        ts::newton_root<double>(cubic, Tensor<double>{0.0, 0.0}, {cn});
        FAIL("no error");
    } catch (const tg::NonFiniteError& e) {
        CHECK(e.iteration() == 0);
        CHECK(e.index() == 1);
    }
    const ts::NonlinearFn<double> g = [](const Var<double>& z, const std::vector<Var<double>>& th) {
        return 0.5 * tg::cos(z) + th[0];
    };
    CHECK_THROWS_AS(ts::fixed_point<double>(g, Tensor<double>{0.0, 0.0}, {cn}), tg::NonFiniteError);
    const ts::NonlinearFn<double> L = [](const Var<double>& z, const std::vector<Var<double>>& th) {
        return tg::sum(z * z - th[0] * z);
    };
    CHECK_THROWS_AS(ts::argmin<double>(L, Tensor<double>{0.0, 0.0}, {cn}), tg::NonFiniteError);
    // a NaN tolerance would stop at x0 and differentiate a point that is not a root
    ts::NewtonOptions on;
    on.atol = NAN;
    CHECK(message_of([&] { ts::newton_root<double>(cubic, Tensor<double>{0.0}, {c}, on); }) ==
          "newton_root: atol must be a number, got nan");
    on = {};
    on.rtol = NAN;
    CHECK(message_of([&] { ts::newton_root<double>(cubic, Tensor<double>{0.0}, {c}, on); }) ==
          "newton_root: rtol must be a number, got nan");
    ts::FixedPointOptions of;
    of.atol = NAN;
    CHECK(message_of([&] { ts::fixed_point<double>(g, Tensor<double>{0.0}, {c}, of); }) ==
          "fixed_point: atol must be a number, got nan");
    ts::ArgminOptions oa;
    oa.gtol = NAN;
    CHECK(message_of([&] { ts::argmin<double>(L, Tensor<double>{0.0}, {c}, oa); }) ==
          "argmin: gtol must be a number, got nan");
    oa = {};
    oa.rtol = NAN;
    CHECK(message_of([&] { ts::argmin<double>(L, Tensor<double>{0.0}, {c}, oa); }) ==
          "argmin: rtol must be a number, got nan");
    // negative tolerances are raised to 10 eps: a real answer
    on = {};
    on.atol = -1;
    on.rtol = -1;
    CHECK(ts::newton_root<double>(cubic, Tensor<double>{0.0}, {c}, on).x.value().item() ==
          doctest::Approx(2.0).epsilon(1e-14));
}

TEST_CASE("nonlinear attack: maximum iterations 0") {
    const Var<double> c(Tensor<double>{10.0}, true);
    ts::NewtonOptions o;
    o.max_iter = 0;
    try {
        ts::newton_root<double>(cubic, Tensor<double>{0.0}, {c}, o);
        FAIL("no error");
    } catch (const tg::ConvergenceError& e) {
        CHECK(e.iterations() == 0);
        CHECK(e.residual() == 10.0);
    }
    // already at the root: no iteration needed
    const auto r = ts::newton_root<double>(cubic, Tensor<double>{2.0}, {c}, o);
    CHECK(r.report.converged);
    CHECK(r.report.iterations == 0);
    tg::sum(r.x).backward();
    CHECK(c.grad().item() == doctest::Approx(1.0 / 13.0).epsilon(1e-14));
    ts::FixedPointOptions of;
    of.max_iter = 0;
    const ts::NonlinearFn<double> g = [](const Var<double>& z, const std::vector<Var<double>>& th) {
        return 0.5 * tg::cos(z) + th[0];
    };
    CHECK_THROWS_AS(ts::fixed_point<double>(g, Tensor<double>{0.0}, {c}, of), tg::ConvergenceError);
    ts::ArgminOptions oa;
    oa.max_iter = 0;
    const ts::NonlinearFn<double> L = [](const Var<double>& z, const std::vector<Var<double>>& th) {
        return tg::sum(z * z - th[0] * z);
    };
    CHECK_THROWS_AS(ts::argmin<double>(L, Tensor<double>{0.0}, {c}, oa), tg::ConvergenceError);
}

TEST_CASE("nonlinear attack: x of shape [1] and [2, 3]: gradients and tangents against central differences") {
    const Var<double> c(Tensor<double>{2.0}, true);
    const auto r1 = ts::newton_root<double>(cubic, Tensor<double>{5.0}, {c}, tight());
    CHECK(r1.x.shape() == Shape{1});
    CHECK(r1.x.value().item() == doctest::Approx(1.0).epsilon(1e-14));
    const Tensor<double> s = Tensor<double>::scalar(0.7);
    for (bool krylov : {false, true}) {
        ts::NewtonOptions o = tight();
        o.krylov = krylov;
        o.implicit.adjoint = krylov ? ts::AdjointMode::krylov : ts::AdjointMode::dense;
        o.implicit.rtol = 1e-13;
        const auto f = [&](const std::vector<Var<double>>& th) {
            return ts::newton_root<double>(coupled, tg::zeros<double>({2, 3}), th, o).x;
        };
        const auto x = f({Var<double>(B23), Var<double>(s)}).value();
        CHECK(x.shape() == Shape{2, 3});
        // the residual at the answer, computed independently
        const auto res = coupled(Var<double>(x), {Var<double>(B23), Var<double>(s)}).value();
        for (double v : res.to_vector()) CHECK(std::abs(v) < 1e-13);
        const auto rep = tg::gradcheck(f, {B23, s}, {.tol = 1e-8, .forward = true});
        CHECK(rep.ok);
    }
    // the same system as a fixed point x = x - D^{-1} F(x) (D = 4: contractive near the answer)
    const ts::NonlinearFn<double> g = [](const Var<double>& x, const std::vector<Var<double>>& th) {
        return x - 0.25 * coupled(x, th);
    };
    ts::FixedPointOptions of;
    of.atol = 1e-14;
    of.rtol = 0;
    const auto ff = [&](const std::vector<Var<double>>& th) {
        return ts::fixed_point<double>(g, tg::zeros<double>({2, 3}), th, of).x;
    };
    CHECK(tg::gradcheck(ff, {B23, s}, {.tol = 1e-8, .forward = true}).ok);
    // and as argmin of 0.5 |x|^2-weighted energy: L = sum(0.25 s x^4 + 0.5 x^T M x - B x), M = [[3, .5], [.5,
    // 2]]
    const Tensor<double> M{{3.0, 0.5}, {0.5, 2.0}};
    const ts::NonlinearFn<double> L = [M](const Var<double>& x, const std::vector<Var<double>>& th) {
        return tg::sum(0.25 * th[1] * x * x * x * x + 0.5 * x * tg::matmul(Var<double>(M), x) - th[0] * x);
    };
    ts::ArgminOptions oa;
    oa.gtol = 1e-13;
    const auto fa = [&](const std::vector<Var<double>>& th) {
        return ts::argmin<double>(L, tg::zeros<double>({2, 3}), th, oa).x;
    };
    const auto xa = fa({Var<double>(B23), Var<double>(s)}).value();
    // grad L = s x^3 + M x - B = 0 at the answer
    const auto ga = (tg::matmul(Var<double>(M), Var<double>(xa)) +
                     Var<double>(s) * Var<double>(xa) * Var<double>(xa) * Var<double>(xa) - Var<double>(B23))
                        .value();
    for (double v : ga.to_vector()) CHECK(std::abs(v) < 1e-12);
    CHECK(tg::gradcheck(fa, {B23, s}, {.tol = 1e-7, .forward = true}).ok);
}

TEST_CASE("nonlinear attack: a non-contractive map and an unbounded objective end in typed errors") {
    const Var<double> c(Tensor<double>{1.0}, true);
    // g(x) = 2 x + c: plain iteration runs away (|g'| = 2), Anderson solves the linear map exactly
    const ts::NonlinearFn<double> lin = [](const Var<double>& x, const std::vector<Var<double>>& th) {
        return 2.0 * x + th[0];
    };
    ts::FixedPointOptions plain;
    plain.method = ts::FixedPointMethod::plain;
    plain.max_iter = 100;
    CHECK_THROWS_AS(ts::fixed_point<double>(lin, Tensor<double>{0.0}, {c}, plain), tg::ConvergenceError);
    const auto ra = ts::fixed_point<double>(lin, Tensor<double>{0.0}, {c});
    CHECK(ra.x.value().item() == doctest::Approx(-1.0).epsilon(1e-12));
    tg::sum(ra.x).backward();
    CHECK(c.grad().item() == doctest::Approx(-1.0).epsilon(1e-12));  // x = -c
    // g(x) = x^2 + c has no real fixed point for c = 1: Anderson cannot find one either
    const ts::NonlinearFn<double> sq = [](const Var<double>& x, const std::vector<Var<double>>& th) {
        return x * x + th[0];
    };
    ts::FixedPointOptions of;
    of.max_iter = 200;
    CHECK_THROWS_AS(ts::fixed_point<double>(sq, Tensor<double>{0.0}, {c}, of), tg::NumericalError);
    // argmin of an unbounded objective: typed, never a returned "minimizer"
    const ts::NonlinearFn<double> down = [](const Var<double>& x, const std::vector<Var<double>>& th) {
        return tg::sum(th[0] * x - x * x);
    };
    ts::ArgminOptions oa;
    oa.max_iter = 200;
    CHECK_THROWS_AS(ts::argmin<double>(down, Tensor<double>{0.7}, {c}, oa), tg::NumericalError);
    oa.optimizer = ts::Optimizer::gradient_descent;
    CHECK_THROWS_AS(ts::argmin<double>(down, Tensor<double>{0.7}, {c}, oa), tg::NumericalError);
    const ts::NonlinearFn<double> slope = [](const Var<double>& x, const std::vector<Var<double>>& th) {
        return tg::sum(th[0] * x);
    };
    CHECK_THROWS_AS(ts::argmin<double>(slope, Tensor<double>{0.5}, {c}, oa), tg::NumericalError);
}

TEST_CASE("nonlinear attack: second order with the matrix-free adjoint, and a Hessian without second_order") {
    // x^3 + x = c: x'(c) = 1 / (3 x^2 + 1), x''(c) = -6 x x'^3; at c = 10: x = 2, x'' = -12 / 13^3
    const double want = -12.0 / (13.0 * 13.0 * 13.0);
    for (auto mode : {ts::AdjointMode::dense, ts::AdjointMode::krylov}) {
        ts::NewtonOptions o = tight();
        o.implicit.adjoint = mode;
        o.implicit.second_order = true;
        const auto f = [&](const Var<double>& cc) {
            return tg::sum(ts::newton_root<double>(cubic, Tensor<double>{0.0}, {cc}, o).x);
        };
        const Tensor<double> H = tg::hessian<double>(f, Tensor<double>{10.0});
        CHECK(H.item() == doctest::Approx(want).epsilon(1e-10));
    }
    // the default first-order node under a second derivative: refused (it returned 0 silently)
    const auto f1 = [&](const Var<double>& cc) {
        return tg::sum(ts::newton_root<double>(cubic, Tensor<double>{0.0}, {cc}, tight()).x);
    };
    CHECK(message_of([&] { tg::hessian<double>(f1, Tensor<double>{10.0}); })
              .find("newton_root: a second derivative through the solve (create_graph, hessian, hvp) needs "
                    "implicit.second_order = true") == 0);
    for (auto mode : {tg::HvpMode::reverse_over_reverse, tg::HvpMode::forward_over_reverse})
        CHECK_THROWS_AS(tg::hvp<double>(f1, Tensor<double>{10.0}, Tensor<double>{1.0}, mode),
                        tg::AutogradError);
    // first order through the same function is untouched
    CHECK(tg::grad<double>(f1, Tensor<double>{10.0}).item() == doctest::Approx(1.0 / 13.0).epsilon(1e-13));
    // and so is every order with second_order, in both Hessian-vector modes
    ts::NewtonOptions o2 = tight();
    o2.implicit.second_order = true;
    const auto f2 = [&](const Var<double>& cc) {
        return tg::sum(ts::newton_root<double>(cubic, Tensor<double>{0.0}, {cc}, o2).x);
    };
    for (auto mode : {tg::HvpMode::reverse_over_reverse, tg::HvpMode::forward_over_reverse})
        CHECK(tg::hvp<double>(f2, Tensor<double>{10.0}, Tensor<double>{1.0}, mode).item() ==
              doctest::Approx(want).epsilon(1e-10));
}

TEST_CASE("nonlinear attack: float32 through each solver, x of shape [2, 3]") {
    const Tensor<float> Bf{{1.0f, -2.0f, 0.5f}, {3.0f, 0.25f, -1.0f}};
    const Var<float> b(Bf, true), s(Tensor<float>::scalar(0.7f), true);
    const ts::NonlinearFn<float> F = [](const Var<float>& x, const std::vector<Var<float>>& th) {
        const Tensor<float> A{{3.0f, 1.0f}, {-0.5f, 2.5f}};
        return tg::matmul(Var<float>(A), x) + th[1] * x * x * x - th[0];
    };
    const auto r = ts::newton_root<float>(F, tg::zeros<float>({2, 3}), {b, s});
    CHECK(r.report.converged);
    tg::sum(r.x).backward();
    // against the double solve
    const Var<double> bd(B23, true), sd(Tensor<double>::scalar(0.7), true);
    const auto rd = ts::newton_root<double>(coupled, tg::zeros<double>({2, 3}), {bd, sd}, tight());
    tg::sum(rd.x).backward();
    for (int i = 0; i < 6; ++i) {
        CHECK(double(r.x.value().data()[i]) == doctest::Approx(rd.x.value().data()[i]).epsilon(1e-5));
        CHECK(double(b.grad().data()[i]) == doctest::Approx(bd.grad().data()[i]).epsilon(1e-4));
    }
    CHECK(double(s.grad().item()) == doctest::Approx(sd.grad().item()).epsilon(1e-4));
}

TEST_CASE("nonlinear attack: a theta of shape [0], and a theta that is itself computed from a leaf") {
    const Var<double> w(Tensor<double>{5.0}, true), e(Tensor<double>(Shape{0}), true);
    const Var<double> c = 2.0 * w;  // not a leaf: the gradient must reach w through the product
    const ts::NonlinearFn<double> F = [](const Var<double>& x, const std::vector<Var<double>>& th) {
        return x * x * x + x - th[0] - tg::sum(th[1]);
    };
    const auto r = ts::newton_root<double>(F, Tensor<double>{0.0}, {c, e}, tight());
    CHECK(r.x.value().item() == doctest::Approx(2.0).epsilon(1e-14));
    tg::sum(r.x).backward();
    CHECK(w.grad().item() == doctest::Approx(2.0 / 13.0).epsilon(1e-13));
    CHECK(e.grad().shape() == Shape{0});
}

TEST_CASE("nonlinear attack: x of shape [2, 3] on every adjoint path, forward-mode Jacobians, a Hessian") {
    const Tensor<double> s = Tensor<double>::scalar(0.7);
    // the forward-mode Newton Jacobian gives the same answer and gradient as the reverse one
    const Var<double> b1(B23, true), b2(B23, true);
    ts::NewtonOptions of = tight();
    of.jacobian = ts::JacobianMode::forward;
    tg::sum(ts::newton_root<double>(coupled, tg::zeros<double>({2, 3}), {b1, Var<double>(s)}, tight()).x)
        .backward();
    tg::sum(ts::newton_root<double>(coupled, tg::zeros<double>({2, 3}), {b2, Var<double>(s)}, of).x).backward();
    CHECK(max_abs_diff(b1.grad(), b2.grad()) < 1e-14);
    // the fixed point and argmin with the matrix-free adjoint (GMRES on VJPs, CG on HVPs)
    const ts::NonlinearFn<double> g = [](const Var<double>& x, const std::vector<Var<double>>& th) {
        return x - 0.25 * coupled(x, th);
    };
    ts::FixedPointOptions ofp;
    ofp.atol = 1e-14;
    ofp.rtol = 0;
    ofp.implicit.adjoint = ts::AdjointMode::krylov;
    ofp.implicit.rtol = 1e-13;
    const auto ff = [&](const std::vector<Var<double>>& th) {
        return ts::fixed_point<double>(g, tg::zeros<double>({2, 3}), th, ofp).x;
    };
    CHECK(tg::gradcheck(ff, {B23, s}, {.tol = 1e-8, .forward = true}).ok);
    const Tensor<double> M{{3.0, 0.5}, {0.5, 2.0}};
    const ts::NonlinearFn<double> L = [M](const Var<double>& x, const std::vector<Var<double>>& th) {
        return tg::sum(0.25 * th[1] * x * x * x * x + 0.5 * x * tg::matmul(Var<double>(M), x) - th[0] * x);
    };
    ts::ArgminOptions oa;
    oa.gtol = 1e-13;
    oa.implicit.adjoint = ts::AdjointMode::krylov;
    oa.implicit.rtol = 1e-13;
    const auto fa = [&](const std::vector<Var<double>>& th) {
        return ts::argmin<double>(L, tg::zeros<double>({2, 3}), th, oa).x;
    };
    CHECK(tg::gradcheck(fa, {B23, s}, {.tol = 1e-7, .forward = true}).ok);
    // a Hessian through the [2, 3] root (second_order) in (B, s), against central differences of
    // the first-order gradient
    ts::NewtonOptions o2 = tight();
    o2.implicit.second_order = true;
    const Tensor<double> wts{{1.0, -0.5, 2.0}, {0.3, 1.5, -1.0}};
    const auto loss = [&](const Var<double>& bs, const ts::NewtonOptions& o) {
        const Var<double> B = tg::reshape(tg::slice(bs, 0, 0, 6), Shape{2, 3});
        const Var<double> sc = tg::reshape(tg::slice(bs, 0, 6, 7), Shape{});
        const Var<double> x = ts::newton_root<double>(coupled, tg::zeros<double>({2, 3}), {B, sc}, o).x;
        return tg::sum(x * x * Var<double>(wts));
    };
    Tensor<double> p0(Shape{7});
    for (int i = 0; i < 6; ++i) p0.data()[i] = B23.data()[i];
    p0.data()[6] = 0.7;
    const Tensor<double> H = tg::hessian<double>([&](const Var<double>& v) { return loss(v, o2); }, p0);
    const double h = 1e-5;
    double worst = 0;
    for (int j = 0; j < 7; ++j) {
        Tensor<double> pp = p0.clone(), pm = p0.clone();
        pp.data()[j] += h;
        pm.data()[j] -= h;
        const auto gp = tg::grad<double>([&](const Var<double>& v) { return loss(v, tight()); }, pp);
        const auto gm = tg::grad<double>([&](const Var<double>& v) { return loss(v, tight()); }, pm);
        for (int i = 0; i < 7; ++i)
            worst = std::max(worst, std::abs(H.at({i, j}) - (gp.data()[i] - gm.data()[i]) / (2 * h)));
    }
    CHECK(worst < 1e-7);
    CHECK(std::abs(H.at({1, 6}) - H.at({6, 1})) < 1e-12);  // symmetric
}

TEST_CASE(
    "nonlinear attack: a singular J at the answer on the matrix-free path is typed and named like the dense one") {
    // x^3 - c x^3 at c = 0: the root x = 0 has J = 0
    const ts::NonlinearFn<double> cube = [](const Var<double>& x, const std::vector<Var<double>>& th) {
        return x * x * x - th[0] * x * x * x;
    };
    ts::NewtonOptions o;
    o.implicit.adjoint = ts::AdjointMode::krylov;
    const Var<double> c(Tensor<double>{0.0, 0.0}, true);
    const auto r = ts::newton_root<double>(cube, Tensor<double>{0.0, 0.0}, {c}, o);
    try {
        tg::sum(r.x).backward();
        FAIL("no error");
    } catch (const tg::SingularJacobianError& e) {
        CHECK(e.iteration() == -1);
        CHECK(std::string(e.what()).find(
                  "newton_root: the implicit derivative (matrix-free) needs J = F_x at the "
                  "answer, which is singular (gmres(50): the operator is singular") == 0);
    }
    // argmin of a function flat in x1: the Hessian diag(2, 0) is singular, on both paths
    const ts::NonlinearFn<double> L = [](const Var<double>& x, const std::vector<Var<double>>& th) {
        const Var<double> d = x - th[0];
        return tg::sum(d * d * Var<double>(Tensor<double>{1.0, 0.0}));
    };
    for (auto mode : {ts::AdjointMode::dense, ts::AdjointMode::krylov}) {
        ts::ArgminOptions oa;
        oa.implicit.adjoint = mode;
        const Var<double> a(Tensor<double>{1.0, 2.0}, true);
        const auto ra = ts::argmin<double>(L, Tensor<double>{0.0, 0.0}, {a}, oa);
        CHECK(ra.x.value().at({0}) == doctest::Approx(1.0).epsilon(1e-8));
        try {
            tg::sum(ra.x).backward();
            FAIL("no error");
        } catch (const tg::SingularJacobianError& e) {
            CHECK(e.iteration() == -1);
            CHECK(std::string(e.what()).find("argmin: the implicit derivative") == 0);
        }
    }
    // a NaN cotangent on the matrix-free path names the solver too
    const Var<double> c2(Tensor<double>{2.0, 10.0}, true);
    const auto r2 = ts::newton_root<double>(cubic, Tensor<double>{0.0, 0.0}, {c2}, o);
    const std::string m = message_of([&] { r2.x.backward(Tensor<double>{1.0, NAN}); });
    CHECK(m.find("newton_root: the implicit derivative (matrix-free) got a non-finite input") == 0);
    CHECK(m.find("nan") != std::string::npos);
}

TEST_CASE("nonlinear attack: a captured Var carrying a tangent under tg::jvp is refused too") {
    const auto f = [](const std::vector<Var<double>>& v) {
        const Var<double> w = v[0];  // carries the tangent
        const ts::NonlinearFn<double> F = [w](const Var<double>& x, const std::vector<Var<double>>& th) {
            return x * x * x + w * x - th[0];
        };
        return ts::newton_root<double>(F, Tensor<double>{0.0}, {Var<double>(Tensor<double>{10.0})}).x;
    };
    CHECK_THROWS_AS(tg::jvp<double>(f, {Tensor<double>{1.0}}, {Tensor<double>{1.0}}), tg::AutogradError);
}

TEST_CASE("nonlinear attack: a solve inside the function of another solve (first order)") {
    // inner: y^3 + y = x; outer: x + y(x) = c. At c = 3: y = 1, x = 2; dx/dc = 1 / (1 + y'(x)),
    // y' = 1 / (3 y^2 + 1) = 1 / 4, so dx/dc = 0.8.
    const ts::NonlinearFn<double> outer = [](const Var<double>& x, const std::vector<Var<double>>& th) {
        const Var<double> y = ts::newton_root<double>(cubic, Tensor<double>{0.0}, {x}, tight()).x;
        return x + y - th[0];
    };
    for (bool krylov : {false, true}) {
        ts::NewtonOptions o = tight();
        o.krylov = krylov;
        const Var<double> c(Tensor<double>{3.0}, true);
        const auto r = ts::newton_root<double>(outer, Tensor<double>{0.0}, {c}, o);
        CHECK(r.x.value().item() == doctest::Approx(2.0).epsilon(1e-13));
        tg::sum(r.x).backward();
        CHECK(c.grad().item() == doctest::Approx(0.8).epsilon(1e-12));
        const auto [x, dx] = tg::jvp<double>(
            [&](const std::vector<Var<double>>& v) {
                return ts::newton_root<double>(outer, Tensor<double>{0.0}, v, o).x;
            },
            {Tensor<double>{3.0}}, {Tensor<double>{1.0}});
        CHECK(dx.item() == doctest::Approx(0.8).epsilon(1e-12));
    }
}

TEST_CASE("nonlinear attack: float32 Newton where F's rounding is above the default target") {
    // x^3 = c at c ~ 1e6 (x ~ 100): the rounding of x^3 in float32 is ulp(1e6) = 0.0625, above the
    // target 10 eps |F(x0)|; 4 of these 40 starts used to end in "the line search found no
    // decrease" at the answer. No decrease along a step below x's rounding now counts as converged.
    // (x is held to |F| <= 10 eps |F(x0)|, about 5e-7 relative here.)
    const ts::NonlinearFn<float> F = [](const Var<float>& x, const std::vector<Var<float>>& th) {
        return x * x * x - th[0];
    };
    int ok = 0;
    for (int k = 0; k < 40; ++k) {
        const double cv = double(1e6f + 37.3f * float(k));
        const Var<float> c(Tensor<float>{float(cv)}, true);
        const auto r = ts::newton_root<float>(F, Tensor<float>{90.0f + 0.77f * float(k)}, {c});
        tg::sum(r.x).backward();
        const double x = std::cbrt(cv);
        ok += r.report.converged && std::abs(r.x.value().item() - x) <= 5e-7 * x &&
              std::abs(c.grad().item() - 1 / (3 * x * x)) <= 1.5e-6 / (3 * x * x);
    }
    CHECK(ok == 40);
}

TEST_CASE("nonlinear attack: float32 argmin where |grad L| cannot reach the target at x's rounding") {
    // L = 3 (x - a)^2 + x, minimizer a - 1/6 ~ 10000.13: at the nearest floats (ulp 1e-3) |grad L|
    // stays ~2e-3 > 10 eps. L-BFGS used to run its 1000 iterations and throw ConvergenceError; it
    // now stops, converged, when its step is below 4 eps |x|.
    const ts::NonlinearFn<float> L = [](const Var<float>& x, const std::vector<Var<float>>& th) {
        return tg::sum(3.0f * (x - th[0]) * (x - th[0]) + x);
    };
    const Var<float> a(Tensor<float>{1e4f + 0.3f}, true);
    const auto r = ts::argmin<float>(L, Tensor<float>{0.0f}, {a});
    CHECK(r.report.converged);
    CHECK(r.report.iterations < 20);
    CHECK(double(r.x.value().item()) == doctest::Approx(double(1e4f + 0.3f) - 1.0 / 6.0).epsilon(2e-7));
    tg::sum(r.x).backward();
    CHECK(a.grad().item() == doctest::Approx(1.0).epsilon(1e-6));
    // the fixed point x = x / 3 + c at c ~ 5e6 stops at its relative target
    const ts::NonlinearFn<float> g = [](const Var<float>& x, const std::vector<Var<float>>& th) {
        return x / 3.0f + th[0];
    };
    const Var<float> c(Tensor<float>{5e6f + 0.25f}, true);
    const auto rf = ts::fixed_point<float>(g, Tensor<float>{1e7f + 3}, {c});
    CHECK(rf.report.converged);
    CHECK(double(rf.x.value().item()) == doctest::Approx(1.5 * double(5e6f + 0.25f)).epsilon(2e-7));
}

TEST_CASE("nonlinear attack: Anderson without regularization on a scalar map (collinear differences) holds") {
    const ts::NonlinearFn<double> g = [](const Var<double>& x, const std::vector<Var<double>>& th) {
        return tg::cos(x) + th[0];
    };
    for (double reg : {0.0, 1e-10}) {
        for (int m : {1, 2, 5}) {
            ts::FixedPointOptions o;
            o.regularization = reg;
            o.memory = m;
            o.atol = 1e-13;
            const Var<double> c(Tensor<double>{0.0}, true);
            const auto r = ts::fixed_point<double>(g, Tensor<double>{1.0}, {c}, o);
            CHECK(r.report.converged);
            CHECK(r.report.iterations <= 8);
            const double x = 0.7390851332151607;  // the Dottie number, cos x = x
            CHECK(r.x.value().item() == doctest::Approx(x).epsilon(1e-12));
            tg::sum(r.x).backward();
            CHECK(c.grad().item() == doctest::Approx(1 / (1 + std::sin(x))).epsilon(1e-12));
        }
    }
}

TEST_CASE("nonlinear attack: x of shape [] (0-d), first and second order") {
    const Var<double> c(Tensor<double>::scalar(10.0), true);
    ts::NewtonOptions o = tight();
    o.implicit.second_order = true;
    const auto r = ts::newton_root<double>(cubic, Tensor<double>::scalar(0.0), {c}, o);
    CHECK(r.x.shape() == Shape{});
    CHECK(r.x.value().item() == doctest::Approx(2.0).epsilon(1e-14));
    const Var<double> g = tg::gradients(r.x, {c}, Tensor<double>::scalar(1.0), {.create_graph = true})[0];
    CHECK(g.value().item() == doctest::Approx(1.0 / 13.0).epsilon(1e-13));
    g.backward();
    CHECK(c.grad().item() == doctest::Approx(-12.0 / (13.0 * 13.0 * 13.0)).epsilon(1e-10));  // -6 x x'^3
}

TEST_CASE("nonlinear attack: line-search options out of range are refused before any work") {
    const Var<double> c(Tensor<double>::from_vector({2.0}, {1}), true);
    const Tensor<double> x0 = Tensor<double>::from_vector({0.5}, {1});
    ts::NewtonOptions o = tight();
    o.armijo.shrink = 0;  // alpha = 0 after the first trial: a "step" that never moves
    CHECK_THROWS_WITH_AS(ts::newton_root<double>(cubic, x0, {c}, o),
                         "newton_root: armijo.shrink must be in (0, 1), got 0", tg::DomainError);
    o.armijo.shrink = 1;
    CHECK_THROWS_AS(ts::newton_root<double>(cubic, x0, {c}, o), tg::DomainError);
    o.armijo.shrink = 0.5;
    o.armijo.c = std::nan("");
    CHECK_THROWS_WITH_AS(ts::newton_root<double>(cubic, x0, {c}, o),
                         "newton_root: armijo.c must be in (0, 1), got nan", tg::DomainError);
    ts::ArgminOptions a;
    a.armijo.max_backtracks = -1;
    const ts::NonlinearFn<double> bowl = [](const Var<double>& x, const std::vector<Var<double>>& th) {
        return tg::sum((x - th[0]) * (x - th[0]));
    };
    CHECK_THROWS_WITH_AS(ts::argmin<double>(bowl, x0, {c}, a),
                         "argmin: armijo.max_backtracks must be >= 0, got -1", tg::DomainError);
}
