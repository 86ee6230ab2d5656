// Scalar root finders (solvers/roots.hpp) on plain numbers and tg::Dual: convergence and its order
// from the report, implicit derivatives of Kepler's equation E - e sin E = M against the closed
// forms at first and second order (Dual, nested Dual, tg::hessian), float32, and the errors with
// their numbers. tg::Rev: test_solvers_roots_rev.cpp.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <string>
#include <vector>

#include "../scalar/forward_scalar.hpp"
#include "../solvers/roots.hpp"

namespace ts = tg::solvers;
using tg::Dual;

namespace {

// Kepler: E - e sin E - M = 0, g = 1 - e cos E = f_E.
//   E_M = 1 / g,  E_e = sin E / g,
//   E_MM = -e sin E / g^3,  E_eM = -g_e / g^2,  E_ee = (cos E E_e g - sin E g_e) / g^2,
//   with g_e = -cos E + e sin E E_e (the total derivative of g along e).
struct Kepler {
    double E, EM, Ee, EMM, EeM, Eee;
    Kepler(double e, double M) {
        E = ts::newton(
                [&](const auto& x) {
                    using std::sin;
                    return x - e * sin(x) - M;
                },
                M)
                .root;
        const double s = std::sin(E), c = std::cos(E), g = 1 - e * c;
        EM = 1 / g, Ee = s / g;
        const double ge = -c + e * s * Ee, gM = e * s * EM;
        EMM = -gM / (g * g), EeM = -ge / (g * g), Eee = (c * Ee * g - s * ge) / (g * g);
    }
};

template <class S>
auto kepler_f(const S& e, const S& M) {
    return [&](const auto& x) {
        using std::sin;
        return x - e * sin(x) - M;
    };
}

bool near(double a, double b, double tol) { return std::abs(a - b) <= tol * std::max(1.0, std::abs(b)); }

template <class Run>
void check_all_methods(Run run) {
    run("bisect"), run("brent"), run("newton"), run("secant");
}

template <class F, class S>
auto solve(const std::string& m, F& f, double lo, double hi, double x0) {
    if (m == "bisect") return ts::bisect(f, lo, hi);
    if (m == "brent") return ts::brent(f, lo, hi);
    if (m == "newton") return ts::newton(f, x0);
    return ts::secant(f, x0, x0 + 0.1);
}

}  // namespace

TEST_CASE("roots: every method finds sqrt 2 and Kepler's E, the report says how") {
    auto f = [](const auto& x) { return x * x - 2; };
    for (const char* m : {"bisect", "brent", "newton", "secant"}) {
        const auto r = solve<decltype(f), double>(m, f, 0, 2, 1);
        CAPTURE(m);
        CHECK(r.root == doctest::Approx(std::numbers::sqrt2).epsilon(1e-15));
        CHECK(r.report.converged);
        CHECK(r.report.method == m);
        CHECK(r.report.iterates.back() == r.root);
        CHECK(r.report.residual <= 1e-15);
    }
    const double e = 0.7, M = 1.3;
    auto k = kepler_f(e, M);
    const double E = ts::brent(k, 0.0, 2 * std::numbers::pi).root;
    CHECK(std::abs(E - e * std::sin(E) - M) <= 4e-16);
}

TEST_CASE("roots: Newton converges quadratically, secant superlinearly, bisection one bit a step") {
    auto f = [](const auto& x) {
        using std::exp;
        return exp(x) - 3;
    };  // root log 3
    const double x = std::log(3.0);
    const auto err = [&](const std::vector<double>& it, std::size_t k) { return std::abs(it[k] - x); };
    const auto n = ts::newton(f, 3.0).report;
    // e_{k+1} / e_k^2 -> f'' / (2 f') = 1/2 at the root: the error squares
    int squared = 0;
    for (std::size_t k = 0; k + 1 < n.iterates.size(); ++k) {
        const double a = err(n.iterates, k), b = err(n.iterates, k + 1);
        if (a < 0.5 && a > 1e-7) {
            CHECK(b / (a * a) == doctest::Approx(0.5).epsilon(0.3));
            ++squared;
        }
    }
    CHECK(squared >= 2);
    CHECK(n.iterations <= 8);
    const auto s = ts::secant(f, 0.5, 1.5).report;  // order 1.618: more steps than Newton, fewer than
                                                    // bisection
    const auto b = ts::bisect(f, 0.0, 2.0).report;
    CHECK(s.iterations <= 12);
    CHECK(b.iterations >= 50);
    for (std::size_t k = 2; k < 20; ++k) CHECK(b.upper - b.lower <= 2.0);
    const auto br = ts::brent(f, 0.0, 2.0).report;
    CHECK(br.iterations <= 12);
    CHECK(br.upper - br.lower <= 1e-14);
}

TEST_CASE("roots: Kepler's dE/dM and dE/de by Dual through every method match the closed form") {
    const double e0 = 0.6, M0 = 2.1;
    const Kepler k(e0, M0);
    using D = Dual<double, 2>;
    const D e = D::variable(e0, 0), M = D::variable(M0, 1);
    auto f = kepler_f(e, M);
    check_all_methods([&](const char* m) {
        const auto r = solve<decltype(f), D>(m, f, 0, 7, M0);
        CAPTURE(m);
        CHECK(r.root.v == doctest::Approx(k.E).epsilon(1e-15));
        CHECK(near(r.root.tangent(0), k.Ee, 1e-14));
        CHECK(near(r.root.tangent(1), k.EM, 1e-14));
    });
    // theta passed to f: the iterations on plain numbers, the same derivatives
    auto g = [](const auto& x, const auto& ee, const auto& MM) {
        using std::sin;
        return x - ee * sin(x) - MM;
    };
    const auto r = ts::brent(g, 0.0, 7.0, ts::params(e, M));
    CHECK(near(r.root.tangent(0), k.Ee, 1e-14));
    CHECK(near(r.root.tangent(1), k.EM, 1e-14));
    const auto q = ts::newton(g, M0, ts::params(e, M0));  // a plain parameter is a constant
    CHECK(near(q.root.tangent(0), k.Ee, 1e-14));
    CHECK(q.root.tangent(1) == 0);
}

TEST_CASE("roots: second derivatives of a Brent or bisection root through nested Duals and tg::hessian") {
    const double e0 = 0.45, M0 = 0.8;
    const Kepler k(e0, M0);
    using D1 = Dual<double, 2>;
    using D2 = Dual<D1, 2>;
    D2 e(D1::variable(e0, 0)), M(D1::variable(M0, 1));
    e.set_tangent(0, D1(1.0)), M.set_tangent(1, D1(1.0));
    auto f = kepler_f(e, M);
    for (const char* m : {"bisect", "brent", "newton", "secant"}) {
        const auto r = solve<decltype(f), D2>(m, f, 0, 7, M0);
        CAPTURE(m);
        CHECK(near(r.root.v.v, k.E, 1e-15));
        CHECK(near(r.root.tangent(0).v, k.Ee, 1e-13));
        CHECK(near(r.root.tangent(1).v, k.EM, 1e-13));
        CHECK(near(r.root.tangent(0).tangent(0), k.Eee, 1e-12));
        CHECK(near(r.root.tangent(0).tangent(1), k.EeM, 1e-12));
        CHECK(near(r.root.tangent(1).tangent(0), k.EeM, 1e-12));
        CHECK(near(r.root.tangent(1).tangent(1), k.EMM, 1e-12));
    }
    // tg::hessian (Dual<Dual<double, 4>, 4>) of a function holding a Brent root
    const auto H = tg::hessian(
        [](const auto& th) {
            auto g = [&](const auto& x) {
                using std::sin;
                return x - th[0] * sin(x) - th[1];
            };
            return ts::brent(g, 0.0, 7.0).root;
        },
        std::vector<double>{e0, M0});
    CHECK(near(H.data()[0], k.Eee, 1e-12));
    CHECK(near(H.data()[1], k.EeM, 1e-12));
    CHECK(near(H.data()[3], k.EMM, 1e-12));
}

TEST_CASE("roots: third order through Dual<Dual<Dual<double>>> against differences of the second") {
    // x^3 + theta x - 1 = 0: x'(theta) = -x / (3 x^2 + theta); check x''' against central
    // differences of x'' from the nested Dual (which the previous test pins to closed forms).
    using D1 = Dual<double>;
    using D2 = Dual<D1>;
    using D3 = Dual<D2>;
    const auto second = [](double t0) {
        D2 t(D1::variable(t0));
        t.set_tangent(0, D1(1.0));
        auto f = [&](const auto& x) { return x * x * x + t * x - 1; };
        return ts::brent(f, 0.0, 2.0).root.tangent(0).tangent(0);
    };
    D3 t(D2(D1::variable(0.7)));
    t.set_tangent(0, D2(D1(1.0)));
    t.v.set_tangent(0, D1(1.0));
    auto f = [&](const auto& x) { return x * x * x + t * x - 1; };
    const auto r = ts::bisect(f, 0.0, 2.0).root;
    const double h = 1e-4, fd = (second(0.7 + h) - second(0.7 - h)) / (2 * h);
    CHECK(near(r.tangent(0).tangent(0).v, second(0.7), 1e-12));
    CHECK(near(r.tangent(0).tangent(0).tangent(0), fd, 1e-6));
}

TEST_CASE("roots: float32 roots and derivatives") {
    using D = Dual<float, 2>;
    const Kepler k(0.6, 2.1);
    const D e = D::variable(0.6f, 0), M = D::variable(2.1f, 1);
    auto f = kepler_f(e, M);
    check_all_methods([&](const char* m) {
        const auto r = solve<decltype(f), D>(m, f, 0, 7, 2.1);
        CAPTURE(m);
        static_assert(std::is_same_v<decltype(r.root), D>);
        CHECK(near(r.root.v, k.E, 1e-6));
        CHECK(near(r.root.tangent(0), k.Ee, 1e-5));
        CHECK(near(r.root.tangent(1), k.EM, 1e-5));
    });
    const auto p = ts::newton([](const auto& x) { return x * x - 2.0f; }, 1.0f);
    CHECK(p.root == doctest::Approx(std::sqrt(2.0f)).epsilon(1e-7));
}

TEST_CASE("roots: errors name the method and the numbers") {
    auto sq = [](const auto& x) { return x * x + 1; };
    CHECK_THROWS_WITH_AS(ts::bisect(sq, -1.0, 2.0),
                         "bisect: no sign change on the bracket [-1, 2]: f(a) = 2, f(b) = 5", tg::DomainError);
    CHECK_THROWS_WITH_AS(ts::brent(sq, -1.0, 2.0), doctest::Contains("f(a) = 2, f(b) = 5"), tg::DomainError);
    CHECK_THROWS_WITH_AS(ts::newton(sq, 0.0), "newton: zero derivative at x = 0, f(x) = 1", tg::NumericalError);
    // x^3 - 2x + 2 from 0 cycles 0 -> 1 -> 0: the limit, with the last step and |f|
    auto cyc = [](const auto& x) { return x * x * x - 2 * x + 2; };
    CHECK_THROWS_WITH_AS(ts::newton(cyc, 0.0, {.max_iter = 10}),
                         "newton: no convergence in 10 iterations: last x = 0, last step = 1, |f| = 2",
                         tg::NumericalError);
    auto lin = [](const auto& x) { return x - 0.3; };
    CHECK_THROWS_WITH_AS(
        ts::bisect(lin, 0.0, 1.0, {.max_iter = 3}),
        "bisect: no convergence in 3 iterations: bracket [0.25, 0.375], |f| = 0.04999999999999999",
        tg::NumericalError);
    auto cube = [](const auto& x) { return x * x * x - 0.3; };
    CHECK_THROWS_WITH_AS(ts::brent(cube, 0.0, 1.0, {.max_iter = 1}),
                         doctest::Contains("brent: no convergence in 1 iterations: bracket ["),
                         tg::NumericalError);
    CHECK_THROWS_WITH_AS(ts::secant(lin, 0.0, 1.0, {.xtol = -1}),
                         doctest::Contains("secant: tolerances must be finite and >= 0"), tg::DomainError);
    CHECK_THROWS_AS(ts::brent(lin, 0.0, 1.0, {.rtol = std::nan("")}), tg::DomainError);
    CHECK_THROWS_AS(ts::newton(lin, 0.0, {.max_iter = 0}), tg::DomainError);
    CHECK_THROWS_WITH_AS(ts::bisect(lin, 0.0, std::numeric_limits<double>::infinity()),
                         "bisect: the bracket end b is inf", tg::DomainError);
    CHECK_THROWS_WITH_AS(ts::newton(lin, std::nan("")), "newton: the start x0 is nan", tg::DomainError);
    auto nan_mid = [](const auto& x) {
        using std::log;
        return log(x - 0.4);
    };  // NaN left of 0.4
    CHECK_THROWS_WITH_AS(
        ts::bisect([](const auto& x) { return x > 0.4 && x < 0.6 ? std::nan("") + x : x - 0.9; }, 0.0, 1.0),
        "bisect: f(0.5) is NaN", tg::NumericalError);
    CHECK_THROWS_WITH_AS(ts::newton(nan_mid, 0.3),
                         doctest::Contains("newton: f or f' is NaN at x = 0.3: f = "), tg::NumericalError);
    CHECK_THROWS_WITH_AS(ts::secant([](const auto&) { return 1.0; }, 0.0, 1.0),
                         "secant: zero slope: f(0) = f(1) = 1", tg::NumericalError);
    // a flat root has no implicit derivative: an error, not a silent zero or infinity
    using D = Dual<double>;
    const D t = D::variable(2.0);
    CHECK_THROWS_WITH_AS(ts::bisect([&](const auto& x) { return t * x * x * x; }, -1.0, 1.0),
                         doctest::Contains("bisect: f_x = 0 at the root x = 0"), tg::NumericalError);
    // ... while a plain root there is fine
    CHECK(ts::bisect([](const auto& x) { return x * x * x; }, -1.0, 1.0).root == 0);
}

TEST_CASE("roots: a root at a bracket end, adjacent numbers, either bracket order") {
    auto lin = [](const auto& x) { return x - 0.25; };
    CHECK(ts::bisect(lin, 0.25, 1.0).root == 0.25);
    CHECK(ts::brent(lin, 1.0, 0.25).root == 0.25);
    CHECK(ts::brent(lin, 1.0, 0.0).root == 0.25);
    CHECK(ts::bisect(lin, 1.0, 0.0).root == 0.25);
    // a sign change between two neighbours and no exact zero: stops, no limit error
    const double a = 0.1, b = std::nextafter(a, 1.0);
    auto step = [&](const auto& x) { return x > a ? 1.0 : -1.0; };
    CHECK(ts::bisect(step, a, b).report.converged);
    CHECK(ts::brent(step, 0.0, 1.0).root == doctest::Approx(0.1));
    // brackets wider than the largest double: b - a overflows, the midpoint must not
    const double big = std::numeric_limits<double>::max();
    auto off = [](const auto& x) { return x - 1e300; };
    CHECK(ts::brent(off, -big, big).root == doctest::Approx(1e300).epsilon(1e-15));
    CHECK(ts::bisect(off, -big, big).root == doctest::Approx(1e300).epsilon(1e-15));
    // bisection halves the width: from 1e308 down to 0.25 takes ~1080 steps, more than the default
    CHECK_THROWS_AS(ts::bisect(lin, -big, big), tg::NumericalError);
    CHECK(ts::bisect(lin, -big, big, {.max_iter = 1200}).root == doctest::Approx(0.25).epsilon(1e-15));
}
