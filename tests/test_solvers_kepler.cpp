// The tensor-level Kepler solve (solvers/roots_functions.hpp, op solvers/kepler.hpp): values
// against the scalar root finder, the implicit gradient against the closed form and against
// differences of the whole solve, forward mode, a Hessian through the solve, broadcasting, float32,
// and the errors. The registry test and opcheck run the generic columns on it too.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

#include "../solvers/roots.hpp"
#include "../solvers/roots_functions.hpp"

namespace ts = tg::solvers;
using tg::Tensor;
using tg::Var;

namespace {
double E_of(double e, double M) {
    return ts::brent([&](double x) { return x - e * std::sin(x) - M; }, M - 1, M + 1).root;
}
}  // namespace

TEST_CASE("kepler op: values, gradient = closed form, broadcasting") {
    const Tensor<double> M{{0.3, 1.5, 3.0}, {-2.0, 0.0, 6.0}};
    const Tensor<double> e{0.1, 0.6, 0.95};  // broadcast along the rows
    const Var<double> Mv(M, true), ev(e, true);
    const Var<double> E = ts::kepler(Mv, ev);
    REQUIRE(E.shape() == M.shape());
    tg::sum(E).backward();
    const Tensor<double> gM = Mv.grad(), ge = ev.grad();
    double ge_want[3] = {0, 0, 0};
    for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 3; ++j) {
            const double m = M.at({i, j}), ee = e.at({j}), Ex = E_of(ee, m), g = 1 - ee * std::cos(Ex);
            CHECK(E.value().at({i, j}) == doctest::Approx(Ex).epsilon(1e-15));
            CHECK(gM.at({i, j}) == doctest::Approx(1 / g).epsilon(1e-14));
            ge_want[j] += std::sin(Ex) / g;
        }
    for (int j = 0; j < 3; ++j) CHECK(ge.at({j}) == doctest::Approx(ge_want[j]).epsilon(1e-14));
    CHECK(ts::kepler(M, e).at({1, 2}) == doctest::Approx(E_of(0.95, 6.0)).epsilon(1e-15));
}

TEST_CASE("kepler op: gradcheck of the whole solve, forward mode and a Hessian through it") {
    const Tensor<double> M{0.4, 1.7, -2.5}, e{0.2, -0.5, 0.8};
    const auto f = [](const std::vector<Var<double>>& v) { return ts::kepler(v[0], v[1]); };
    CHECK(tg::gradcheck(f, {M, e}, {.forward = true}).ok);
    // forward mode: dE = (dM + sin E de) / g
    const Tensor<double> dM{1.0, -0.5, 0.25}, de{0.3, 0.0, -1.0};
    const auto [E, dE] = tg::jvp<double>(f, {M, e}, {dM, de});
    for (int i = 0; i < 3; ++i) {
        const double Ex = E.at({i}), ee = e.at({i}), g = 1 - ee * std::cos(Ex);
        CHECK(dE.at({i}) == doctest::Approx((dM.at({i}) + std::sin(Ex) * de.at({i})) / g).epsilon(1e-14));
    }
    // d2E/dM2 = -e sin E / g^3 (the Hessian of sum E(M) is diagonal)
    const Tensor<double> H = tg::hessian(
        [&](const Var<double>& m) { return tg::sum(ts::kepler(m, Var<double>(e))); }, M);
    for (int i = 0; i < 3; ++i) {
        const double Ex = E.at({i}), ee = e.at({i}), g = 1 - ee * std::cos(Ex);
        CHECK(H.at({i, i}) == doctest::Approx(-ee * std::sin(Ex) / (g * g * g)).epsilon(1e-12));
        CHECK(H.at({i, (i + 1) % 3}) == 0);
    }
}

TEST_CASE("kepler op: float32 and errors") {
    const Tensor<float> M{0.4f, 1.7f}, e{0.2f, 0.9f};
    const Tensor<float> E = ts::kepler(M, e);
    CHECK(E.at({1}) == doctest::Approx(E_of(0.9, 1.7)).epsilon(1e-6));
    CHECK_THROWS_WITH_AS(ts::kepler(Tensor<double>{0.5, 1.0}, Tensor<double>{0.5, 1.0}),
                         "kepler: needs a finite M and |e| < 1, got M = 1, e = 1 at element 1",
                         tg::DomainError);
    CHECK_THROWS_AS(ts::kepler(Tensor<double>{std::nan("")}, Tensor<double>{0.5}), tg::DomainError);
    CHECK_THROWS_AS(ts::kepler(Tensor<double>{1.0, 2.0}, Tensor<double>{0.5, 0.1, 0.2}), tg::ShapeError);
    const Tensor<double> empty = Tensor<double>(tg::Shape{0, 3});
    CHECK(ts::kepler(empty, Tensor<double>{0.1, 0.2, 0.3}).numel() == 0);
}
