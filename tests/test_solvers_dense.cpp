// The dense solvers (solvers/dense_functions.hpp, solvers/lapack.hpp): values against numpy,
// gradients through the public functions (which carry the LU to the backward solve) against
// central finite differences of the whole solve, forward mode, a Hessian through a solve, and
// the errors with their numbers.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

#include "../solvers/dense.hpp"


using tg::index_t;
using tg::Shape;
using tg::Tensor;
using tg::Var;

namespace {

// Reference numbers: numpy 1.24.2 (Debian /usr/bin/python3), float64, printed with repr():
// np.linalg.solve, cholesky, slogdet, det, inv, lstsq(rcond=None), eigvalsh, svd(compute_uv=False),
// cond (2-norm and 1-norm); triangular solves as np.linalg.solve on np.tril / np.triu.
const Tensor<double> A3{{3, 1, -1}, {2, 4, 1}, {-1, 2, 5}};
const Tensor<double> S3{{4, 2, -2}, {2, 5, 1}, {-2, 1, 6}};  // SPD, cholesky = [[2,0,0],[1,2,0],[-1,1,2]]
const Tensor<double> b3{4, 1, 1};
const Tensor<double> B32{{1, 2}, {0, 1}, {-1, 3}};

void check_close(const Tensor<double>& got, const Tensor<double>& want, double tol = 1e-12) {
    REQUIRE(got.shape() == want.shape());
    const auto g = got.to_vector(), w = want.to_vector();
    for (std::size_t i = 0; i < g.size(); ++i) CHECK(g[i] == doctest::Approx(w[i]).epsilon(tol).scale(1));
}

Tensor<double> rnd(const Shape& s, std::uint64_t seed, double lo = -1, double hi = 1) {
    tg::Generator g(seed);
    return tg::uniform<double>(s, lo, hi, g);
}
// I + 0.3 U / sqrt(n): well conditioned.
Tensor<double> wc(index_t n, std::uint64_t seed) {
    return tg::add(tg::eye<double>(n),
                   tg::mul(rnd({n, n}, seed), Tensor<double>::scalar(0.3 / std::sqrt(double(n)))));
}
}  // namespace

TEST_CASE("dense solve: values against numpy, vector and matrix b, transposed view, batch") {
    check_close(tg::solve(A3, b3), Tensor<double>{2, -0.9999999999999999, 1});
    check_close(tg::solve(A3, B32), Tensor<double>{{0.37142857142857144, 1.257142857142857},
                                                   {-0.1714285714285714, -0.6571428571428569},
                                                   {-0.05714285714285713, 1.114285714285714}});
    // A^T as a non-contiguous view
    check_close(tg::solve(A3.transpose(), b3),
                Tensor<double>{1.9714285714285715, -0.5999999999999999, 0.7142857142857142});
    // a batch of two: A and A^T
    Tensor<double> batch(Shape{2, 3, 3});
    batch.slice(0, 0, 1).assign(A3.reshape({1, 3, 3}));
    batch.slice(0, 1, 2).assign(A3.transpose().reshape({1, 3, 3}));
    Tensor<double> bb(Shape{2, 3});
    bb.slice(0, 0, 1).assign(b3.reshape({1, 3}));
    bb.slice(0, 1, 2).assign(b3.reshape({1, 3}));
    const Tensor<double> x = tg::solve(batch, bb);
    check_close(x.slice(0, 1, 2).reshape({3}),
                Tensor<double>{1.9714285714285715, -0.5999999999999999, 0.7142857142857142});
    // 1x1 and empty
    check_close(tg::solve(Tensor<double>{{4.0}}, Tensor<double>{2.0}), Tensor<double>{0.5});
    CHECK(tg::solve(Tensor<double>(Shape{0, 0}), Tensor<double>(Shape{0})).numel() == 0);
    CHECK(tg::cholesky(Tensor<double>(Shape{0, 0})).numel() == 0);
    CHECK(tg::eigvalsh(Tensor<double>(Shape{0, 0})).numel() == 0);
    CHECK(tg::det(Tensor<double>(Shape{0, 0})).item() == 1);  // the empty product
    CHECK(tg::solve(Tensor<double>(Shape{0, 3, 3}), Tensor<double>(Shape{0, 3, 2})).shape() == Shape{0, 3, 2});
    // float
    const Tensor<float> xf = tg::solve(A3.to<float>(), b3.to<float>());
    CHECK(xf.at({1}) == doctest::Approx(-1.0).epsilon(1e-6));
}

TEST_CASE("dense factorizations and decompositions: values against numpy") {
    check_close(tg::cholesky(S3), Tensor<double>{{2, 0, 0}, {1, 2, 0}, {-1, 1, 2}});
    check_close(tg::cholesky_solve(tg::cholesky(S3), b3), tg::solve(S3, b3));
    check_close(tg::triangular_solve(A3, b3, true),
                Tensor<double>{1.3333333333333333, -0.41666666666666663, 0.6333333333333332});
    check_close(tg::triangular_solve(A3, B32, false, true),
                Tensor<double>{{0.3333333333333333, 0.6666666666666666},
                               {-0.08333333333333333, 0.08333333333333334},
                               {-0.11666666666666668, 0.7166666666666667}});
    check_close(tg::triangular_solve(A3, b3, true, false, true), Tensor<double>{4, -7, 19});
    auto [sign, logabs] = tg::slogdet(A3);
    CHECK(sign.item() == 1);
    CHECK(logabs.item() == doctest::Approx(3.555348061489414).epsilon(1e-14));
    CHECK(tg::det(A3).item() == doctest::Approx(35).epsilon(1e-13));
    CHECK(tg::det(A3.slice(0, 0, 2).slice(1, 0, 2)).item() == doctest::Approx(10));
    CHECK(tg::det(Tensor<double>{{0, 1}, {1, 0}}).item() == doctest::Approx(-1));  // a row swap
    check_close(tg::inv(A3), Tensor<double>{{0.5142857142857142, -0.19999999999999998, 0.14285714285714282},
                                            {-0.3142857142857142, 0.39999999999999997, -0.14285714285714282},
                                            {0.22857142857142856, -0.2, 0.2857142857142857}});
    check_close(tg::lstsq(Tensor<double>{{1, 0}, {1, 1}, {1, 2}, {1, 4}}, Tensor<double>{1, 2, 2, 5}),
                Tensor<double>{0.7999999999999989, 0.9714285714285714});
    check_close(tg::eigvalsh(S3), Tensor<double>{1.388141290195955, 6.341324689288879, 7.270534020515166});
    check_close(tg::svdvals(A3), Tensor<double>{6.1143210101595535, 4.816936084862561, 1.188362461149969});
    check_close(tg::svdvals(Tensor<double>{{1, 0}, {1, 1}, {1, 2}, {1, 4}}),
                Tensor<double>{4.848851180720296, 1.220099269415149});
    CHECK(tg::cond(A3).item() == doctest::Approx(5.145165057000179).epsilon(1e-12));
    // gecon's estimate of the 1-norm condition number (7.4): a lower bound, here exact
    const double est = tg::cond_estimate(A3).item();
    CHECK(est <= 7.4 * (1 + 1e-12));
    CHECK(est >= 7.4 / 3);
    CHECK(std::isinf(tg::cond_estimate(Tensor<double>{{1, 2}, {2, 4}}).item()));
    // eigh and qr reconstruct their input
    auto [w, V] = tg::eigh(S3);
    check_close(tg::matmul(tg::matmul(V, tg::mul(tg::eye<double>(3), w.reshape({1, 3}))), V.transpose()), S3,
                1e-12);
    auto [Q, R] = tg::qr(Tensor<double>{{1, 0}, {1, 1}, {1, 2}, {1, 4}});
    CHECK(Q.shape() == Shape{4, 2});
    check_close(tg::matmul(Q, R), Tensor<double>{{1, 0}, {1, 1}, {1, 2}, {1, 4}}, 1e-12);
    check_close(tg::matmul(Q.transpose(), Q), tg::eye<double>(2), 1e-12);
    CHECK(R.at({1, 0}) == 0);
    auto r = tg::svd(A3);
    check_close(tg::matmul(tg::mul(r.U, r.s.reshape({1, 3})), r.Vt), A3, 1e-12);
}

TEST_CASE("dense solve: gradients through the public function against finite differences") {
    // loss = sum(sin(x)), x = solve(A, b): the public function carries the LU to the backward.
    const Tensor<double> A = wc(4, 1), b = rnd({4}, 2), B = rnd({4, 3}, 3);
    tg::GradcheckOptions o;
    o.forward = true;
    CHECK(tg::gradcheck(
        [](const std::vector<Var<double>>& v) { return tg::sum(tg::sin(tg::solve(v[0], v[1]))); }, {A, b}, o));
    CHECK(tg::gradcheck(
        [](const std::vector<Var<double>>& v) { return tg::sum(tg::sin(tg::solve(v[0], v[1]))); },
        {A.transpose(), B}, o));
    // float32 (gradcheck's float tolerances, docs/testing.md)
    CHECK(tg::gradcheck(tg::GradFnF32([](const std::vector<Var<float>>& v) {
                            return tg::sum(tg::sin(tg::solve(v[0], v[1])));
                        }),
                        {A.to<float>(), B.to<float>()}));
    // closed form: d/dA of log|det A| is A^-T
    tg::TapeScope<double> scope;
    tg::EnableGrad on;
    Var<double> a(A3, true);
    tg::slogdet(a).second.backward();
    check_close(a.grad(), tg::inv(A3).transpose(), 1e-13);
    // the other public functions
    const Tensor<double> S = tg::add(tg::matmul(A, A.transpose()), tg::eye<double>(4));
    auto check = [&](auto f, std::vector<Tensor<double>> in) {
        CHECK(tg::gradcheck([&](const std::vector<Var<double>>& v) { return tg::sum(tg::sin(f(v))); }, in, o));
    };
    check([](const auto& v) { return tg::solve_spd(v[0], v[1]); }, {S, B});
    check([](const auto& v) { return tg::cholesky_solve(v[0], v[1]); }, {tg::cholesky(S), b});
    check([](const auto& v) { return tg::inv(v[0]); }, {A});
    check([](const auto& v) { return tg::det(v[0]); }, {A});
    check([](const auto& v) { return tg::slogdet(v[0]).second; }, {rnd({2, 3, 3}, 9)});
    check([](const auto& v) { return tg::cond(v[0]); }, {A});
    check([](const auto& v) { return tg::eigh(v[0]).second; }, {S});
}

TEST_CASE("dense solve: tg::jvp through solve equals the closed form A^-1 (db - dA x)") {
    const Tensor<double> A = wc(3, 4), b = rnd({3}, 5), dA = rnd({3, 3}, 6), db = rnd({3}, 7);
    auto [x, dx] = tg::jvp([](const std::vector<Var<double>>& v) { return tg::solve(v[0], v[1]); },
                           std::vector<Tensor<double>>{A, b}, std::vector<Tensor<double>>{dA, db});
    check_close(x, tg::solve(A, b));
    check_close(dx, tg::solve(A, tg::sub(db, tg::matmul(dA, x))), 1e-12);
}

TEST_CASE("dense solve: Hessian of a loss through a linear solve") {
    // f(b) = |A^-1 b|^2 / 2 has the Hessian A^-T A^-1, exactly.
    const Tensor<double> A = wc(3, 8);
    const Tensor<double> H = tg::hessian(
        [&](const Var<double>& b) {
            const Var<double> x = tg::solve(Var<double>(A), b);
            return tg::sum(x * x) * 0.5;
        },
        rnd({3}, 9));
    const Tensor<double> Ai = tg::inv(A);
    check_close(H, tg::matmul(Ai.transpose(), Ai), 1e-12);
    // In A: the Hessian of g(A) = sum(sin(solve(A, b))) by double backward against central
    // differences of its gradient.
    const Tensor<double> b = rnd({3}, 10);
    auto g = [&](const Var<double>& a) { return tg::sum(tg::sin(tg::solve(a, Var<double>(b)))); };
    const Tensor<double> HA = tg::hessian(g, A);
    REQUIRE(HA.shape() == Shape{3, 3, 3, 3});
    const double h = 1e-5;
    for (index_t k = 0; k < 9; ++k) {
        Tensor<double> up = A.clone(), dn = A.clone();
        up.data()[k] += h;
        dn.data()[k] -= h;
        const Tensor<double> col = tg::mul(tg::sub(tg::grad(g, up), tg::grad(g, dn)),
                                           Tensor<double>::scalar(0.5 / h));
        const auto want = col.to_vector();
        for (index_t j = 0; j < 9; ++j)
            CHECK(HA.to_vector()[static_cast<std::size_t>(j * 9 + k)] ==
                  doctest::Approx(want[static_cast<std::size_t>(j)]).epsilon(1e-6).scale(1));
    }
}

TEST_CASE("dense solvers: errors name the op and the numbers") {
    const Tensor<double> sing{{1, 2}, {2, 4}};
    CHECK_THROWS_WITH_AS(
        tg::solve(sing, Tensor<double>{1, 1}),
        doctest::Contains(
            "solve: matrix is singular: LU with partial pivoting found the pivot U[1,1] = 0 at step 1 of 2"),
        tg::NumericalError);
    CHECK_THROWS_WITH_AS(tg::inv(sing), doctest::Contains("inv: matrix is singular"), tg::NumericalError);
    Tensor<double> batch(Shape{2, 2, 2});
    batch.slice(0, 0, 1).assign(tg::eye<double>(2).reshape({1, 2, 2}));
    batch.slice(0, 1, 2).assign(sing.reshape({1, 2, 2}));
    CHECK_THROWS_WITH_AS(tg::solve(batch, Tensor<double>(Shape{2, 2})),
                         doctest::Contains("(matrix 1 of batch [2])"), tg::NumericalError);
    // det of a singular matrix is 0 (not an error); its log-derivative is refused with the pivot
    CHECK(tg::det(sing).item() == 0);
    CHECK(std::isinf(tg::slogdet(sing).second.item()));
    {
        tg::TapeScope<double> scope;
        tg::EnableGrad on;
        Var<double> a(sing, true);
        const Var<double> l = tg::slogdet(a).second;
        CHECK_THROWS_WITH_AS(l.backward(), doctest::Contains("pivot U[1,1] = 0"), tg::NumericalError);
    }
    // Cholesky: the order of the failing leading minor
    CHECK_THROWS_WITH_AS(
        tg::cholesky(Tensor<double>{{1, 2}, {2, 1}}),
        doctest::Contains(
            "cholesky: matrix is not positive definite: the leading minor of order 2 (of 2) is not positive"),
        tg::NumericalError);
    CHECK_THROWS_WITH_AS(tg::cholesky(Tensor<double>{{-1, 0}, {0, 1}}),
                         doctest::Contains("leading minor of order 1"), tg::NumericalError);
    CHECK_THROWS_WITH_AS(tg::cholesky_solve(Tensor<double>{{1, 0}, {1, 0}}, Tensor<double>{1, 1}),
                         doctest::Contains("L[1,1] = 0"), tg::NumericalError);
    CHECK_THROWS_WITH_AS(tg::triangular_solve(Tensor<double>{{1, 0}, {1, 0}}, Tensor<double>{1, 1}),
                         doctest::Contains("triangular_solve: triangular matrix is singular: A[1,1] = 0"),
                         tg::NumericalError);
    CHECK_THROWS_WITH_AS(tg::lstsq(Tensor<double>{{1, 2}, {2, 4}, {3, 6}}, Tensor<double>{1, 1, 1}),
                         doctest::Contains("lstsq: A is rank deficient: |R[1,1]|"), tg::NumericalError);
    // shapes
    CHECK_THROWS_WITH_AS(tg::solve(Tensor<double>(Shape{2, 3}), Tensor<double>(Shape{2})),
                         doctest::Contains("solve: A must be square, got shape [2,3]"), tg::ShapeError);
    CHECK_THROWS_WITH_AS(tg::solve(A3, Tensor<double>{1, 2}),
                         doctest::Contains("solve: b has 2 rows but A is 3 x 3"), tg::ShapeError);
    CHECK_THROWS_WITH_AS(tg::solve(Tensor<double>(Shape{2, 3, 3}), Tensor<double>(Shape{3, 3, 1})),
                         doctest::Contains("batch axes of A [2,3,3] and b [3,3,1] differ"), tg::ShapeError);
    CHECK_THROWS_AS(tg::solve(Tensor<double>{1, 2}, Tensor<double>{1}), tg::ShapeError);
    CHECK_THROWS_AS(tg::lstsq(Tensor<double>(Shape{2, 3}), Tensor<double>(Shape{2})), tg::ShapeError);
    CHECK_THROWS_AS(tg::cholesky(Tensor<double>(Shape{2, 3})), tg::ShapeError);
    // NaN, with where it is
    Tensor<double> An = A3.clone();
    An.set({1, 2}, std::nan(""));
    CHECK_THROWS_WITH_AS(tg::solve(An, b3), doctest::Contains("solve: A contains nan at [1,2]"),
                         tg::DomainError);
    CHECK_THROWS_WITH_AS(tg::solve(A3, Tensor<double>{1, INFINITY, 0}),
                         doctest::Contains("solve: b contains inf at [1]"), tg::DomainError);
    CHECK_THROWS_WITH_AS(tg::cholesky(An), doctest::Contains("cholesky: A contains nan at [1,2]"),
                         tg::DomainError);
    CHECK_THROWS_WITH_AS(tg::eigvalsh(An), doctest::Contains("eigvalsh: A contains nan"), tg::DomainError);
    // eigenvector derivatives at a repeated eigenvalue
    {
        tg::TapeScope<double> scope;
        tg::EnableGrad on;
        Var<double> a(tg::eye<double>(3), true);
        const Var<double> V = tg::eigh(a).second;
        CHECK_THROWS_WITH_AS(
            tg::sum(V * V).backward(),
            doctest::Contains(
                "eigh_vectors: the derivative of the eigenvectors needs distinct eigenvalues, but w[0] = 1 and w[1] = 1"),
            tg::NumericalError);
    }
}

TEST_CASE("dense solve: two threads solving at once agree with one") {
    const Tensor<double> A = wc(30, 11), b = rnd({30, 4}, 12);
    const Tensor<double> want = tg::solve(A, b);
    Tensor<double> got[2];
    std::thread t0([&] { got[0] = tg::solve(A, b); });
    std::thread t1([&] { got[1] = tg::solve(A.transpose().transpose(), b); });
    t0.join();
    t1.join();
    CHECK(got[0].to_vector() == want.to_vector());  // the same LAPACK calls: bit for bit
    CHECK(got[1].to_vector() == want.to_vector());
}

TEST_CASE("dense solve: a recorded LU is used only for the very tensor it was made from") {
    // Solve trusts the factor in its attributes only for the same A (data, layout, version):
    // another matrix, or the same one written since, is factored afresh.
    const Tensor<double> A1 = wc(3, 21), A2 = wc(3, 22), b = rnd({3}, 23);
    tg::Attrs a;
    a.ints = Shape{0};
    a.index = tg::lapack::pack_lu(tg::lapack::lu_factor(A1), A1);
    CHECK(tg::lapack::find_lu<double>(a.index.get(), A1) != nullptr);
    CHECK(tg::lapack::find_lu<float>(a.index.get(), A1.to<float>()) == nullptr);
    check_close(tg::solvers::Solve::forward(a, A1, b), tg::solve(A1, b));
    check_close(tg::solvers::Solve::forward(a, A2, b), tg::solve(A2, b));
    check_close(tg::solvers::Solve::forward(a, A1.transpose(), b), tg::solve(A1.transpose(), b));
    Tensor<double> W = A1.clone();
    a.index = tg::lapack::pack_lu(tg::lapack::lu_factor(W), W);
    W.set({0, 0}, 5.0);  // written after factoring
    check_close(tg::solvers::Solve::forward(a, W, b), tg::solve(W, b));
    // an IndexArray that is not a handle
    a.index = std::make_shared<tg::IndexArray>();
    CHECK(tg::lapack::find_lu<double>(a.index.get(), A1) == nullptr);
    check_close(tg::solvers::Solve::forward(a, A1, b), tg::solve(A1, b));
}
