// The sparse direct solve (SuiteSparse UMFPACK): values against numpy and the Krylov solvers,
// singular and bad inputs, and its implicit gradients against finite differences of the solve.
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include <tensorgrad/tensorgrad.hpp>

#include "solver_test_util.hpp"

#include "../solvers/sparse_functions.hpp"

using tg::index_t;
using tg::Tensor;
using tg::Var;
namespace ts = tg::solvers;
using solver_test::max_abs_diff;

TEST_CASE("sparse direct: UMFPACK agrees with numpy and with CG") {
    // numpy 1.24 (/usr/bin/python3): A = tridiag(-1.3, 2, -0.7) (5 x 5), b = [1, -2, 3, 0.5, 1],
    // np.linalg.solve(A, b) printed with %.17g.
    ts::CooMatrix<double> m;
    m.rows = m.cols = 5;
    for (index_t i = 0; i < 5; ++i) {
        m.row.push_back(i), m.col.push_back(i), m.values.push_back(2.0);
        if (i > 0) m.row.push_back(i), m.col.push_back(i - 1), m.values.push_back(-1.3);
        if (i < 4) m.row.push_back(i), m.col.push_back(i + 1), m.values.push_back(-0.7);
    }
    const auto a = ts::from_triplets(m);
    const Tensor<double> x = ts::direct_solve(a, Tensor<double>{1.0, -2.0, 3.0, 0.5, 1.0});
    const Tensor<double> want{0.62807379660066742, 0.36592513314476416, 2.736220472440944, 2.8524832454195641,
                              2.3541141095227167};
    CHECK(max_abs_diff(x, want) < 1e-13);
    const auto l = ts::laplacian_2d<double>(9, 7);
    const Tensor<double> b = tg::linspace<double>(-1, 1, l.rows());
    ts::KrylovOptions o;
    o.rtol = 1e-13;
    CHECK(max_abs_diff(ts::direct_solve(l, b), ts::krylov_solve(l, b, o)) < 1e-10);
    // Symmetric storage and a shift.
    ts::CooMatrix<double> s{3, 3, {0, 1, 1, 2, 2}, {0, 0, 1, 1, 2}, {2, -1, 2, -1, 2}, true};
    const Tensor<double> xs = ts::direct_solve(ts::from_triplets(s), Tensor<double>{1.0, 1.0, 1.0}, 1.0);
    CHECK(max_abs_diff(xs, ts::direct_solve(ts::laplacian_1d<double>(3), Tensor<double>{1.0, 1.0, 1.0}, 1.0)) <
          1e-14);
    const Tensor<float> xf = ts::direct_solve(ts::laplacian_1d<float>(4), tg::ones<float>({4}));
    CHECK(xf.at({0}) == doctest::Approx(2.0f));  // (i + 1)(n - i) / 2
    CHECK(xf.at({1}) == doctest::Approx(3.0f));
}

TEST_CASE("sparse direct: singular and bad inputs") {
    // Rows 0 and 1 equal: singular.
    const auto a = ts::from_triplets<double>(3, 3, {0, 0, 1, 1, 2}, {0, 1, 0, 1, 2}, {1.0, 2.0, 1.0, 2.0, 1.0});
    try {
        ts::direct_solve(a, tg::ones<double>({3}));
        FAIL("no error");
    } catch (const tg::NumericalError& e) {
        CHECK(std::string(e.what()).find("singular") != std::string::npos);
    }
    const auto l = ts::laplacian_1d<double>(3);
    CHECK_THROWS_AS(ts::direct_solve(l, Tensor<double>{1.0, NAN, 1.0}), tg::DomainError);
    CHECK_THROWS_AS(ts::direct_solve(l, tg::ones<double>({4})), tg::ShapeError);
    CHECK_THROWS_AS(ts::direct_solve(ts::from_triplets<double>(2, 3, {}, {}, {}), tg::ones<double>({2})),
                    tg::ShapeError);
    const auto bad = ts::from_triplets<double>(2, 2, {0, 1}, {0, 1}, {1.0, INFINITY});
    CHECK_THROWS_AS(ts::direct_solve(bad, tg::ones<double>({2})), tg::DomainError);
    CHECK(ts::direct_solve(ts::laplacian_1d<double>(0), Tensor<double>(tg::Shape{0})).numel() == 0);
}

TEST_CASE("sparse direct: gradients in the stored values and b against finite differences, and a Hessian") {
    const auto a = ts::from_triplets<double>(4, 4, {0, 0, 1, 1, 2, 2, 3, 3, 3}, {0, 2, 1, 3, 0, 2, 1, 2, 3},
                                             {3.0, 0.5, 2.5, -0.4, 0.3, 4.0, 1.0, -0.2, 2.0});
    auto f = [&](const std::vector<Var<double>>& in) {
        return tg::sum(tg::sin(ts::direct_solve(a.pattern(), in[0], in[1])));
    };
    tg::GradcheckOptions go;
    go.forward = true;
    const auto r = tg::gradcheck(f, {a.values(), Tensor<double>{1.0, -1.0, 0.5, 2.0}}, go);
    INFO(r.str());
    CHECK(r.ok);
    const Tensor<double> b{1.0, -1.0, 0.5, 2.0};
    auto loss = [&](const Var<double>& v) {
        return tg::sum(tg::square(ts::direct_solve(a.pattern(), v, Var<double>(b))));
    };
    const Tensor<double> H = tg::hessian<double>(loss, a.values());
    const double h = 1e-5;
    for (index_t i = 0; i < a.nnz(); ++i) {
        Tensor<double> vp = a.values().clone(), vm = a.values().clone();
        vp.data()[i] += h;
        vm.data()[i] -= h;
        const Tensor<double> gp = tg::grad<double>(loss, vp), gm = tg::grad<double>(loss, vm);
        for (index_t j = 0; j < a.nnz(); ++j)
            CHECK(H.at({i, j}) == doctest::Approx((gp.at({j}) - gm.at({j})) / (2 * h)).epsilon(1e-6));
    }
}
