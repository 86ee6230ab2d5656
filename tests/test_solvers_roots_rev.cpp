// Scalar root finders (solvers/roots.hpp) with tg::Rev parameters: the implicit gradient of
// Kepler's E(e, M) against the closed form, captured or passed (params), as one tape record, in
// float32, and inside a loss with other terms.
#include <doctest/doctest.h>

#include <cmath>
#include <thread>
#include <vector>

#include "../scalar/rev.hpp"
#include "../solvers/roots.hpp"

namespace ts = tg::solvers;

namespace {
struct Closed {
    double E, Ee, EM;
    Closed(double e, double M) {
        E = ts::brent(
                [&](const auto& x) {
                    using std::sin;
                    return x - e * sin(x) - M;
                },
                0.0, 7.0)
                .root;
        const double g = 1 - e * std::cos(E);
        Ee = std::sin(E) / g, EM = 1 / g;
    }
};
auto kepler = [](const auto& x, const auto& e, const auto& M) {
    using std::sin;
    return x - e * sin(x) - M;
};
}  // namespace

TEST_CASE("roots Rev: gradient of Kepler's E through every method, theta captured or passed") {
    const double e0 = 0.6, M0 = 2.1;
    const Closed k(e0, M0);
    for (int method = 0; method < 4; ++method) {
        for (bool passed : {false, true}) {
            CAPTURE(method);
            CAPTURE(passed);
            const auto [y, g] = tg::gradient(
                [&](const auto& th) {
                    auto f = [&](const auto& x) { return kepler(x, th[0], th[1]); };
                    const auto p = ts::params(th[0], th[1]);
                    switch (method) {
                        case 0:
                            return passed ? ts::bisect(kepler, 0.0, 7.0, p).root : ts::bisect(f, 0.0, 7.0).root;
                        case 1:
                            return passed ? ts::brent(kepler, 0.0, 7.0, p).root : ts::brent(f, 0.0, 7.0).root;
                        case 2:
                            return passed ? ts::newton(kepler, M0, p).root : ts::newton(f, M0).root;
                        default:
                            return passed ? ts::secant(kepler, M0, 2.0, p).root : ts::secant(f, M0, 2.0).root;
                    }
                },
                std::vector<double>{e0, M0});
            CHECK(y == doctest::Approx(k.E).epsilon(1e-15));
            CHECK(g[0] == doctest::Approx(k.Ee).epsilon(1e-14));
            CHECK(g[1] == doctest::Approx(k.EM).epsilon(1e-14));
        }
    }
}

TEST_CASE("roots Rev: passed parameters put exactly one record on the tape") {
    using R = tg::Rev<double>;
    tg::RevTape<double>::clear();
    const R e = R::variable(0.3), M = R::variable(1.0);
    const std::size_t before = tg::RevTape<double>::size();
    const R E = ts::brent(kepler, 0.0, 7.0, ts::params(e, M)).root;
    CHECK(tg::RevTape<double>::size() == before + 1);
    tg::RevTape<double>::backward(E);
    const Closed k(0.3, 1.0);
    CHECK(e.adjoint() == doctest::Approx(k.Ee).epsilon(1e-14));
    CHECK(M.adjoint() == doctest::Approx(k.EM).epsilon(1e-14));
    // one parameter a plain number: still one record, its derivative simply absent
    const R E2 = ts::newton(kepler, 1.0, ts::params(e, 1.0)).root;
    CHECK(tg::RevTape<double>::size() == before + 2);
    tg::RevTape<double>::backward(E2);
    CHECK(e.adjoint() == doctest::Approx(k.Ee).epsilon(1e-14));
    tg::RevTape<double>::clear();
}

TEST_CASE("roots Rev: a loss of several roots and other terms, float32") {
    // L = sum_i E(e, M_i)^2 + e: dL/de = sum 2 E_i Ee_i + 1
    const std::vector<double> Ms{0.5, 1.5, 2.5};
    const double e0 = 0.4;
    double want = 1;
    for (double M : Ms) {
        const Closed k(e0, M);
        want += 2 * k.E * k.Ee;
    }
    const auto [L, g] = tg::gradient(
        [&](const auto& th) {
            auto loss = th[0];
            for (double M : Ms) {
                const auto E = ts::brent(kepler, 0.0, 7.0, ts::params(th[0], M)).root;
                loss += E * E;
            }
            return loss;
        },
        std::vector<double>{e0});
    CHECK(g[0] == doctest::Approx(want).epsilon(1e-13));
    const auto [Lf, gf] = tg::gradient(
        [&](const auto& th) {
            auto f = [&](const auto& x) { return kepler(x, th[0], th[1]); };
            return ts::bisect(f, 0.0f, 7.0f).root;
        },
        std::vector<float>{0.6f, 2.1f});
    const Closed k(0.6, 2.1);
    CHECK(Lf == doctest::Approx(k.E).epsilon(1e-6));
    CHECK(gf[0] == doctest::Approx(k.Ee).epsilon(1e-5));
    CHECK(gf[1] == doctest::Approx(k.EM).epsilon(1e-5));
}

TEST_CASE("roots Rev: two threads at once, each on its own tape") {
    double got[2][2] = {};
    const double es[2] = {0.3, 0.8};
    auto work = [&](int t) {
        for (int rep = 0; rep < 50; ++rep) {
            const auto [y, g] = tg::gradient(
                [&](const auto& th) {
                    auto f = [&](const auto& x) { return kepler(x, th[0], th[1]); };
                    return ts::brent(f, 0.0, 7.0).root;
                },
                std::vector<double>{es[t], 1.2});
            got[t][0] = g[0], got[t][1] = g[1];
        }
    };
    std::thread a(work, 0), b(work, 1);
    a.join(), b.join();
    for (int t = 0; t < 2; ++t) {
        const Closed k(es[t], 1.2);
        CHECK(got[t][0] == doctest::Approx(k.Ee).epsilon(1e-14));
        CHECK(got[t][1] == doctest::Approx(k.EM).epsilon(1e-14));
    }
}

TEST_CASE("roots: a NaN parameter is an error with the numbers, in every mode") {
    using R = tg::Rev<double>;
    const R e = R::variable(std::nan("")), M = R::variable(1.0);
    CHECK_THROWS_WITH_AS(ts::brent(kepler, 0.0, 7.0, ts::params(e, M)),
                         "brent: no sign change on the bracket [0, 7]: f(a) = nan, f(b) = nan",
                         tg::DomainError);
    CHECK_THROWS_AS(ts::newton(kepler, 1.0, ts::params(e, M)), tg::NumericalError);
    tg::RevTape<double>::clear();
}
