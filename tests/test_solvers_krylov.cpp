// Krylov solvers: values against closed forms and independent numbers, reports, every bad input,
// and the implicit derivatives of the recorded solve (reverse against finite differences of the
// whole solve and against unrolled CG, forward, a Hessian, float32, the matrix-free form).
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <thread>

#include <tensorgrad/tensorgrad.hpp>

#include "solver_test_util.hpp"

#include "../solvers/sparse_functions.hpp"

using tg::index_t;
using tg::Tensor;
using tg::Var;
namespace ts = tg::solvers;
using solver_test::max_abs_diff;
using solver_test::message_of;

namespace {
double residual(const ts::CsrMatrix<double>& a, const Tensor<double>& x, const Tensor<double>& b) {
    return max_abs_diff(ts::spmv(a, x), b);
}

ts::KrylovOptions opts(ts::KrylovMethod m, ts::Preconditioner p = ts::Preconditioner::none,
                       double rtol = 1e-12) {
    ts::KrylovOptions o;
    o.method = m;
    o.preconditioner = p;
    o.rtol = rtol;
    return o;
}

// 1-D convection-diffusion, nonsymmetric: -u'' + c u' by central differences.
ts::CsrMatrix<double> convection(index_t n, double c) {
    ts::CooMatrix<double> m;
    m.rows = m.cols = n;
    for (index_t i = 0; i < n; ++i) {
        m.row.push_back(i), m.col.push_back(i), m.values.push_back(2.0);
        if (i > 0) m.row.push_back(i), m.col.push_back(i - 1), m.values.push_back(-1.0 - c);
        if (i + 1 < n) m.row.push_back(i), m.col.push_back(i + 1), m.values.push_back(-1.0 + c);
    }
    return ts::from_triplets(m);
}

}  // namespace

TEST_CASE("krylov: CG on the 1-D Laplacian gives the discrete parabola (i + 1)(n - i) / 2") {
    const index_t n = 50;
    const auto a = ts::laplacian_1d<double>(n);
    ts::SolveReport rep;
    const Tensor<double> x = ts::krylov_solve(a, tg::ones<double>({n}), opts(ts::KrylovMethod::cg), &rep);
    double err = 0;
    for (index_t i = 0; i < n; ++i) err = std::max(err, std::abs(x.at({i}) - (i + 1) * (n - i) / 2.0));
    CHECK(err < 1e-8);
    CHECK(rep.converged);
    CHECK(rep.method == "cg");
    // In exact arithmetic CG ends in at most n steps; the right-hand side 1 excites n/2 modes.
    CHECK(rep.iterations <= n);
    CHECK(rep.residuals.size() == static_cast<std::size_t>(rep.iterations) + 1);
    CHECK(rep.residuals.back() <= rep.target);
}

TEST_CASE("krylov: every method and preconditioner solves the 2-D Poisson problem") {
    const auto a = ts::laplacian_2d<double>(12, 10);
    const Tensor<double> b = tg::linspace<double>(-1, 2, a.rows());
    using M = ts::KrylovMethod;
    using P = ts::Preconditioner;
    struct Case {
        M m;
        P p;
    };
    index_t plain_cg = 0, ic_cg = 0;
    for (Case c : {Case{M::cg, P::none}, Case{M::cg, P::jacobi}, Case{M::cg, P::ic0}, Case{M::gmres, P::none},
                   Case{M::gmres, P::ilu0}, Case{M::bicgstab, P::none}, Case{M::bicgstab, P::ilu0},
                   Case{M::gmres, P::jacobi}}) {
        ts::SolveReport rep;
        const Tensor<double> x = ts::krylov_solve(a, b, opts(c.m, c.p), &rep);
        INFO(rep.str());
        CHECK(rep.converged);
        CHECK(residual(a, x, b) < 1e-9);
        if (c.m == M::cg && c.p == P::none) plain_cg = rep.iterations;
        if (c.m == M::cg && c.p == P::ic0) ic_cg = rep.iterations;
    }
    CHECK(ic_cg < plain_cg);  // IC(0) earns its keep
}

TEST_CASE("krylov: GMRES and BiCGSTAB on a nonsymmetric system match numpy's dense solve") {
    // numpy 1.24 (/usr/bin/python3): A = tridiag(-1.3, 2, -0.7) (5 x 5, c = 0.3), b = [1, -2, 3, 0.5, 1];
    // np.linalg.solve(A, b) printed with %.17g.
    const auto a = convection(5, 0.3);
    const Tensor<double> b{1.0, -2.0, 3.0, 0.5, 1.0};
    const Tensor<double> want{0.62807379660066742, 0.36592513314476416, 2.736220472440944, 2.8524832454195641,
                              2.3541141095227167};
    for (auto m : {ts::KrylovMethod::gmres, ts::KrylovMethod::bicgstab}) {
        const Tensor<double> x = ts::krylov_solve(a, b, opts(m));
        CHECK(residual(a, x, b) < 1e-10);
        CHECK(max_abs_diff(x, want) < 1e-9);
    }
    // GMRES(3) restarts on a larger one; its residual history never increases.
    ts::KrylovOptions o = opts(ts::KrylovMethod::gmres);
    o.restart = 3;
    ts::SolveReport rep;
    const auto big = convection(60, 0.4);
    const Tensor<double> bb = tg::ones<double>({60});
    const Tensor<double> x = ts::krylov_solve(big, bb, o, &rep);
    CHECK(rep.converged);
    CHECK(rep.iterations > 3);
    CHECK(rep.method == "gmres(3)");
    for (std::size_t k = 1; k < rep.residuals.size(); ++k)
        CHECK(rep.residuals[k] <= rep.residuals[k - 1] + 1e-12 * rep.residuals[0]);
    CHECK(residual(big, x, bb) < 1e-9);
}

TEST_CASE("krylov: CG on an indefinite operator is detected with p^T A p") {
    const auto a = ts::from_triplets<double>(2, 2, {0, 1}, {0, 1}, {1.0, -1.0});
    const std::string m = message_of([&] { ts::krylov_solve(a, Tensor<double>{1.0, 1.0}); });
    CHECK(m.find("not positive definite") != std::string::npos);
    CHECK(m.find("p^T A p = ") != std::string::npos);
    CHECK_THROWS_AS(ts::krylov_solve(a, Tensor<double>{1.0, 1.0}), tg::NumericalError);
    // GMRES solves it: x = (1, -1).
    const Tensor<double> x = ts::krylov_solve(a, Tensor<double>{1.0, 1.0}, opts(ts::KrylovMethod::gmres));
    CHECK(max_abs_diff(x, Tensor<double>{1.0, -1.0}) < 1e-12);
    // IC(0) of an indefinite matrix breaks down, naming the row and the pivot.
    const std::string ic = message_of([&] {
        ts::krylov_solve(a, Tensor<double>{1.0, 1.0}, opts(ts::KrylovMethod::cg, ts::Preconditioner::ic0));
    });
    CHECK(ic.find("ic0 preconditioner: breakdown at row 1") != std::string::npos);
}

TEST_CASE("krylov: the iteration limit raises ConvergenceError with the residual, or reports when asked") {
    const auto a = ts::laplacian_1d<double>(100);
    const Tensor<double> b = tg::ones<double>({100});
    ts::KrylovOptions o = opts(ts::KrylovMethod::cg);
    o.max_iter = 5;
    try {
        ts::krylov_solve(a, b, o);
        FAIL("no error");
    } catch (const tg::ConvergenceError& e) {
        CHECK(e.iterations() == 5);
        CHECK(e.residual() > 1e-3);
        CHECK(std::string(e.what()).find("not converged after 5 iterations") != std::string::npos);
    }
    o.return_unconverged = true;
    ts::SolveReport rep;
    ts::krylov_solve(a, b, o, &rep);
    CHECK(!rep.converged);
    CHECK(rep.iterations == 5);
    CHECK(rep.str().find("NOT converged") != std::string::npos);
    // The differentiable form: the report comes back, and backward still refuses a non-converged adjoint.
    Var<double> bv(b, true);
    const auto r = ts::krylov_solve(a, bv, o);
    CHECK(!r.report.converged);
    CHECK_THROWS_AS(tg::sum(r.x).backward(), tg::ConvergenceError);
    for (auto m : {ts::KrylovMethod::gmres, ts::KrylovMethod::bicgstab}) {
        ts::KrylovOptions g = opts(m);
        g.max_iter = 3;
        CHECK_THROWS_AS(ts::krylov_solve(a, b, g), tg::ConvergenceError);
    }
}

TEST_CASE("krylov: bad inputs are typed errors naming the solver") {
    const auto a = ts::laplacian_1d<double>(4);
    CHECK_THROWS_AS(ts::krylov_solve(a, Tensor<double>{1.0, 2.0, 3.0}), tg::ShapeError);
    CHECK_THROWS_AS(ts::krylov_solve(a, tg::ones<double>({4, 1})), tg::ShapeError);
    CHECK_THROWS_AS(ts::krylov_solve(ts::from_triplets<double>(2, 3, {}, {}, {}), tg::ones<double>({2})),
                    tg::ShapeError);
    const std::string m = message_of([&] { ts::krylov_solve(a, Tensor<double>{1.0, NAN, 0.0, 0.0}); });
    CHECK(m.find("cg: b has a non-finite value") != std::string::npos);
    CHECK(m.find("index 1") != std::string::npos);
    CHECK_THROWS_AS(ts::krylov_solve(a, Tensor<double>{1.0, INFINITY, 0.0, 0.0}, opts(ts::KrylovMethod::gmres)),
                    tg::DomainError);
    ts::KrylovOptions o = opts(ts::KrylovMethod::gmres);
    o.restart = 0;
    CHECK_THROWS_AS(ts::krylov_solve(a, tg::ones<double>({4}), o), tg::DomainError);
    o = opts(ts::KrylovMethod::cg);
    o.rtol = NAN;
    CHECK_THROWS_AS(ts::krylov_solve(a, tg::ones<double>({4}), o), tg::DomainError);
    // A NaN stored in the matrix surfaces as a non-finite operator output, not an answer.
    const auto bad = ts::from_triplets<double>(2, 2, {0, 1}, {0, 1}, {1.0, NAN});
    CHECK_THROWS_AS(ts::krylov_solve(bad, tg::ones<double>({2})), tg::NumericalError);
    // A zero diagonal for Jacobi, a missing one for ILU(0).
    const auto z = ts::from_triplets<double>(2, 2, {0, 1}, {1, 0}, {1.0, 1.0});
    CHECK(message_of([&] {
              ts::krylov_solve(z, tg::ones<double>({2}),
                               opts(ts::KrylovMethod::gmres, ts::Preconditioner::jacobi));
          }).find("diagonal entry 0") != std::string::npos);
    CHECK(message_of([&] {
              ts::krylov_solve(z, tg::ones<double>({2}),
                               opts(ts::KrylovMethod::gmres, ts::Preconditioner::ilu0));
          }).find("row 0 has no diagonal") != std::string::npos);
    // Empty and 1 x 1 systems; b = 0 gives x = 0 in no iterations.
    CHECK(ts::krylov_solve(ts::laplacian_1d<double>(0), Tensor<double>(tg::Shape{0})).numel() == 0);
    CHECK(ts::krylov_solve(ts::laplacian_1d<double>(1), Tensor<double>{4.0}).at({0}) == doctest::Approx(2.0));
    ts::SolveReport rep;
    CHECK(max_abs_diff(ts::krylov_solve(a, Tensor<double>(tg::Shape{4}), {}, &rep),
                       Tensor<double>(tg::Shape{4})) == 0);
    CHECK(rep.iterations == 0);
}

TEST_CASE("krylov: a shifted solve (A + s I) x = b") {
    const auto a = ts::laplacian_1d<double>(6);
    ts::KrylovOptions o = opts(ts::KrylovMethod::cg, ts::Preconditioner::ic0);
    o.shift = 0.5;
    const Tensor<double> b = tg::linspace<double>(0, 1, 6);
    const Tensor<double> x = ts::krylov_solve(a, b, o);
    CHECK(max_abs_diff(tg::add(ts::spmv(a, x), tg::mul(x, Tensor<double>::scalar(0.5))), b) < 1e-10);
}

TEST_CASE("krylov: gradients of the recorded solve against finite differences of the whole solve") {
    const auto a = convection(6, 0.2);
    const ts::SparsePattern p = a.pattern();
    for (auto m : {ts::KrylovMethod::gmres, ts::KrylovMethod::bicgstab}) {
        ts::KrylovOptions o = opts(m, ts::Preconditioner::ilu0, 1e-14);
        auto f = [&](const std::vector<Var<double>>& in) {
            const Var<double> x = ts::krylov_solve(p, in[0], in[1], o).x;
            return tg::sum(tg::sin(x) * x);
        };
        tg::GradcheckOptions go;
        go.forward = true;
        const auto r = tg::gradcheck(f, {a.values(), tg::linspace<double>(-1, 1, 6)}, go);
        INFO(r.str());
        CHECK(r.ok);
    }
    // Symmetric storage with CG + IC(0): each stored off-diagonal value moves two entries.
    ts::CooMatrix<double> c{4,   4, {0, 1, 1, 2, 2, 3, 3}, {0, 0, 1, 1, 2, 0, 3}, {4, -1, 4, -1, 4, 0.5, 4},
                            true};
    const auto s = ts::from_triplets(c);
    ts::KrylovOptions o = opts(ts::KrylovMethod::cg, ts::Preconditioner::ic0, 1e-14);
    auto f = [&](const std::vector<Var<double>>& in) {
        return tg::sum(tg::square(ts::krylov_solve(s.pattern(), in[0], in[1], o).x));
    };
    tg::GradcheckOptions go;
    go.forward = true;
    const auto r = tg::gradcheck(f, {s.values(), Tensor<double>{1.0, -2.0, 0.5, 3.0}}, go);
    INFO(r.str());
    CHECK(r.ok);
}

TEST_CASE("krylov: the implicit gradient equals unrolled differentiation through n CG steps") {
    // CG ends in n steps in exact arithmetic, so differentiating its n iterations (recorded with
    // spmv, mul, sum) gives the same gradient as the implicit rule, at n times the memory.
    // Symmetric storage: CG's recurrences assume A = A^T, so only symmetric perturbations of A
    // are ones CG can differentiate (a general pattern would let the unrolled gradient see A
    // made nonsymmetric, where CG no longer computes A^-1 b).
    const index_t n = 6;
    ts::CooMatrix<double> lower{n, n, {}, {}, {}, true};
    for (index_t i = 0; i < n; ++i) {
        lower.row.push_back(i), lower.col.push_back(i), lower.values.push_back(2.0 + 0.1 * i);
        if (i > 0) lower.row.push_back(i), lower.col.push_back(i - 1), lower.values.push_back(-1.0);
    }
    const auto a = ts::from_triplets(lower);
    const Tensor<double> b0 = tg::linspace<double>(1, 2, n);
    auto unrolled = [&](const Var<double>& v, const Var<double>& b) {
        Var<double> x(Tensor<double>(tg::Shape{n})), r = b, p = b;
        Var<double> rr = tg::sum(r * r);
        for (index_t k = 0; k < n; ++k) {
            const Var<double> q = ts::spmv(a.pattern(), v, p);
            const Var<double> alpha = rr / tg::sum(p * q);
            x = x + alpha * p;
            r = r - alpha * q;
            const Var<double> rr1 = tg::sum(r * r);
            p = r + (rr1 / rr) * p;
            rr = rr1;
        }
        return x;
    };
    auto loss = [](const Var<double>& x) { return tg::sum(tg::exp(x * 0.1) * x); };
    Var<double> v1(a.values(), true), b1(b0, true), v2(a.values(), true), b2(b0, true);
    const auto g1 = tg::gradients(
        loss(
            ts::krylov_solve(a.pattern(), v1, b1, opts(ts::KrylovMethod::cg, ts::Preconditioner::none, 1e-14)).x),
        {v1, b1}, Tensor<double>::scalar(1.0));
    const auto g2 = tg::gradients(loss(unrolled(v2, b2)), {v2, b2}, Tensor<double>::scalar(1.0));
    CHECK(max_abs_diff(g1[0].value(), g2[0].value()) < 1e-8);
    CHECK(max_abs_diff(g1[1].value(), g2[1].value()) < 1e-8);
}

TEST_CASE("krylov: forward mode (tg::jvp) through the solve") {
    const auto a = ts::laplacian_2d<double>(3, 3);
    const ts::KrylovOptions o = opts(ts::KrylovMethod::cg, ts::Preconditioner::jacobi, 1e-14);
    const Tensor<double> b = tg::linspace<double>(0, 1, 9), db = tg::linspace<double>(1, -1, 9);
    const Tensor<double> dv = tg::linspace<double>(-0.1, 0.1, a.nnz());
    auto f = [&](const std::vector<Var<double>>& in) {
        return ts::krylov_solve(a.pattern(), in[0], in[1], o).x;
    };
    const auto [y, dy] = tg::jvp<double>(f, {a.values(), b}, {dv, db});
    // Central difference of the whole solve along (dv, db).
    const double h = 1e-6;
    auto at = [&](double t) {
        const ts::CsrMatrix<double> m(a.pattern(), tg::add(a.values(), tg::mul(dv, Tensor<double>::scalar(t))));
        return ts::krylov_solve(m, tg::add(b, tg::mul(db, Tensor<double>::scalar(t))), o);
    };
    const Tensor<double> fd = tg::div(tg::sub(at(h), at(-h)), Tensor<double>::scalar(2 * h));
    CHECK(max_abs_diff(dy, fd) < 1e-7);
}

TEST_CASE("krylov: the Hessian of a loss through a CG solve matches differences of its gradient") {
    const auto a = ts::laplacian_1d<double>(4);
    const ts::KrylovOptions o = opts(ts::KrylovMethod::cg, ts::Preconditioner::none, 1e-15);
    const Tensor<double> b{1.0, -1.0, 2.0, 0.5};
    auto loss = [&](const Var<double>& v) {
        return tg::sum(tg::square(ts::krylov_solve(a.pattern(), v, Var<double>(b), o).x));
    };
    const Tensor<double> H = tg::hessian<double>(loss, a.values());
    const Tensor<double> v0 = a.values();
    const index_t m = v0.numel();
    const double h = 1e-5;
    for (index_t i = 0; i < m; ++i) {
        Tensor<double> vp = v0.clone(), vm = v0.clone();
        vp.data()[i] += h;
        vm.data()[i] -= h;
        const Tensor<double> gp = tg::grad<double>(loss, vp), gm = tg::grad<double>(loss, vm);
        for (index_t j = 0; j < m; ++j)
            CHECK(H.at({i, j}) == doctest::Approx((gp.at({j}) - gm.at({j})) / (2 * h)).epsilon(1e-5));
    }
    // Symmetric, as a Hessian must be.
    CHECK(max_abs_diff(H, H.transpose().contiguous()) < 1e-9);
}

TEST_CASE("krylov: float32 solves and gradients") {
    const auto a = ts::laplacian_2d<float>(4, 4);
    ts::KrylovOptions o = opts(ts::KrylovMethod::cg, ts::Preconditioner::ic0, 1e-7);  // raised to 10 eps
    const Tensor<float> b = tg::linspace<float>(1, 2, 16);
    ts::SolveReport rep;
    const Tensor<float> x = ts::krylov_solve(a, b, o, &rep);
    CHECK(rep.converged);
    CHECK(rep.target ==
          doctest::Approx(10 * 1.1920929e-7 * std::sqrt(tg::sum(tg::mul(b, b)).item())).epsilon(1e-4));
    const Tensor<float> r = tg::sub(ts::spmv(a, x), b);
    for (float v : r.to_vector()) CHECK(std::abs(v) < 1e-4f);
    auto f = [&](const std::vector<Var<float>>& in) {
        return tg::sum(ts::krylov_solve(a.pattern(), in[0], in[1], o).x);
    };
    const auto g = tg::gradcheck(f, {a.values(), b});
    INFO(g.str());
    CHECK(g.ok);
}

TEST_CASE("krylov: SpMV's gradients in values and operand, vector and matrix") {
    const auto a = ts::from_triplets<double>(3, 4, {0, 0, 1, 2, 2}, {0, 3, 2, 0, 1}, {1, 2, 3, 4, 5});
    tg::GradcheckOptions go;
    go.forward = true;
    for (tg::Shape xs : {tg::Shape{4}, tg::Shape{4, 3}}) {
        auto f = [&](const std::vector<Var<double>>& in) {
            return tg::sin(ts::spmv(a.pattern(), in[0], in[1]));
        };
        const auto r = tg::gradcheck(f, {a.values(), tg::linspace<double>(-1, 1, xs.numel()).reshape(xs)}, go);
        INFO(r.str());
        CHECK(r.ok);
    }
    CHECK_THROWS_AS(
        ts::spmv(a.pattern(), Var<double>(tg::ones<double>({4})), Var<double>(tg::ones<double>({4}))),
        tg::ShapeError);
}

TEST_CASE("krylov: the matrix-free solve, its gradient in the operator's parameters") {
    // A(theta) v = theta0 * (L v) + theta1 * v, L the 1-D Laplacian: SPD for theta > 0.
    const auto L = ts::laplacian_1d<double>(5);
    ts::ParamOperator<double> op = [&](const Var<double>& v, const std::vector<Var<double>>& th) {
        return tg::slice(th[0], 0, 0, 1) * ts::spmv(L, v) + tg::slice(th[0], 0, 1, 2) * v;
    };
    const ts::KrylovOptions o = opts(ts::KrylovMethod::cg, ts::Preconditioner::none, 1e-14);
    const Tensor<double> theta{1.5, 0.3}, b{1.0, 0.0, -1.0, 2.0, 0.5};
    const auto res = ts::krylov_solve(op, {Var<double>(theta)}, Var<double>(b), o);
    CHECK(res.report.converged);
    ts::KrylovOptions sh = o;
    sh.shift = 0.3 / 1.5;
    const Tensor<double> want = tg::div(ts::krylov_solve(L, b, sh), Tensor<double>::scalar(1.5));
    CHECK(max_abs_diff(res.x.value(), want) < 1e-10);
    auto f = [&](const std::vector<Var<double>>& in) {
        return tg::sum(tg::sin(ts::krylov_solve(op, {in[0]}, in[1], o).x));
    };
    tg::GradcheckOptions go;
    go.forward = true;
    const auto r = tg::gradcheck(f, {theta, b}, go);
    INFO(r.str());
    CHECK(r.ok);
    // A nonsymmetric operator through GMRES: the transposed product comes from the operator's VJP.
    const auto C = convection(5, 0.3);
    ts::ParamOperator<double> cop = [&](const Var<double>& v, const std::vector<Var<double>>& th) {
        return ts::spmv(C.pattern(), th[0], v);
    };
    auto g = [&](const std::vector<Var<double>>& in) {
        return tg::sum(tg::sin(ts::krylov_solve(cop, {in[0]}, in[1],
                                                opts(ts::KrylovMethod::gmres, ts::Preconditioner::none, 1e-14))
                                   .x));
    };
    const auto r2 = tg::gradcheck(g, {C.values(), b}, go);
    INFO(r2.str());
    CHECK(r2.ok);
}

TEST_CASE("krylov: two threads solve and differentiate at once") {
    const auto a = ts::laplacian_2d<double>(8, 8);
    auto work = [&](double scale, Tensor<double>* out) {
        for (int k = 0; k < 20; ++k) {
            Var<double> b(tg::mul(tg::ones<double>({64}), Tensor<double>::scalar(scale)), true);
            const auto r = ts::krylov_solve(a, b, opts(ts::KrylovMethod::cg, ts::Preconditioner::ic0));
            *out = tg::gradients(tg::sum(r.x), {b}, Tensor<double>::scalar(1.0))[0].value();
        }
    };
    Tensor<double> g1, g2;
    std::thread t1(work, 1.0, &g1), t2(work, -3.0, &g2);
    t1.join();
    t2.join();
    // The gradient of sum(A^-1 b) in b is A^-1 1 (A symmetric), whatever b is.
    CHECK(max_abs_diff(g1, g2) < 1e-9);
    CHECK(max_abs_diff(g1, ts::krylov_solve(a, tg::ones<double>({64}), opts(ts::KrylovMethod::cg))) < 1e-8);
}

TEST_CASE("krylov: strided views for b and for the stored values") {
    const auto a = ts::laplacian_1d<double>(5);
    const Tensor<double> wide = tg::linspace<double>(1, 10, 10);
    const Tensor<double> b = wide.slice(0, 0, 10, 2);  // a non-contiguous 1-D view
    REQUIRE(!b.is_contiguous());
    const ts::KrylovOptions o = opts(ts::KrylovMethod::gmres);
    const Tensor<double> x = ts::krylov_solve(a, b, o);
    CHECK(max_abs_diff(ts::spmv(a, x), b.contiguous()) < 1e-10);
    const Tensor<double> v2 = tg::zeros<double>({2 * a.nnz()});
    Tensor<double> vs = v2.slice(0, 1, 2 * a.nnz(), 2);
    vs.assign(a.values());
    const ts::CsrMatrix<double> s(a.pattern(), vs);
    CHECK(max_abs_diff(ts::krylov_solve(s, b, o), x) < 1e-10);
    CHECK(max_abs_diff(ts::direct_solve(s, b), x) < 1e-10);
}
