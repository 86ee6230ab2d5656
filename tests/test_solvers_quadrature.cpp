// Quadrature (solvers/quadrature.hpp, quadrature_mc.hpp): the computed Gauss-Legendre and Kronrod
// rules (exactness, sum of weights, reference digits), adaptive Gauss-Kronrod on smooth and
// endpoint-singular integrals and its limit error, Monte Carlo with importance sampling, and the
// derivatives in the integrand's parameters and the limits (Leibniz) at first and second order
// through Dual, nested Dual and Rev against closed forms and differences. (Rev parts need
// -fno-sanitize=null under TG_SANITIZE, as test_rev.cpp: tests/CMakeLists.txt.)
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

#include "../scalar/rev.hpp"
#include "../solvers/quadrature.hpp"
#include "../solvers/quadrature_mc.hpp"
#include "../solvers/quadrature_var.hpp"

namespace ts = tg::solvers;
using tg::Dual;

namespace {
constexpr double eps = std::numeric_limits<double>::epsilon();
double ulp(double x) { return std::nextafter(std::abs(x), 2 * std::abs(x) + 1) - std::abs(x); }
bool near(double a, double b, double tol) { return std::abs(a - b) <= tol * std::max(1.0, std::abs(b)); }

// I(k, b) = int_0^b exp(-k x^2) dx = sqrt(pi) / (2 sqrt k) erf(sqrt(k) b)
double I(double k, double b) {
    return std::sqrt(std::numbers::pi) / (2 * std::sqrt(k)) * std::erf(std::sqrt(k) * b);
}
double Ik(double k, double b) {
    return -std::sqrt(std::numbers::pi) / 4 * std::pow(k, -1.5) * std::erf(std::sqrt(k) * b) +
           b * std::exp(-k * b * b) / (2 * k);
}
}  // namespace

TEST_CASE("quadrature: Gauss-Legendre weights sum to 2, exact to degree 2n-1, nodes within an ulp") {
    for (int n : {1, 2, 3, 4, 7, 10, 33, 64, 100, 150}) {
        CAPTURE(n);
        const ts::QuadRule r = ts::gauss_legendre_rule(n);
        long double sw = 0, even = 0, shifted = 0;
        for (int i = 0; i < n; ++i) {
            const long double x = r.nodes[i];
            sw += r.weights[i];
            even += r.weights[i] * std::pow(x, 2 * n - 2);
            shifted += r.weights[i] * std::pow((1 + x) / 2, 2 * n - 1);  // int_{-1}^1 ((1+x)/2)^(2n-1) = 1/n
            if (i) CHECK(r.nodes[i] > r.nodes[i - 1]);
            CHECK(r.nodes[i] == -r.nodes[n - 1 - i]);
        }
        CHECK(std::abs(double(sw) - 2) <= 4 * eps);
        CHECK(near(double(even), 2.0 / (2 * n - 1), 16 * eps));
        CHECK(near(double(shifted), 1.0 / n, 64 * eps));
    }
    // reference digits: Newton on the recurrence in mpmath at 40 digits (tests/ comment in the
    // commit: /usr/bin/python3 with mpmath 1.2.1), n = 100, node i from the top at index 100 - i
    const ts::QuadRule r = ts::gauss_legendre_rule(100);
    const double ref[3][3] = {{99, 0.9997137267734413, 0.0007346344905056717},
                              {87, 0.921609298145334, 0.012131457662979498},
                              {50, 0.015628984421543084, 0.031255423453863354}};
    for (const auto& q : ref) {
        CHECK(std::abs(r.nodes[int(q[0])] - q[1]) <= ulp(q[1]));
        CHECK(std::abs(r.weights[int(q[0])] - q[2]) <= ulp(q[2]));
    }
    CHECK_THROWS_WITH_AS(ts::gauss_legendre_rule(0),
                         "gauss_legendre: the number of points must be >= 1, got 0", tg::DomainError);
}

TEST_CASE("quadrature: the Kronrod 15 rule: exact to degree 22, G7 to 13, the published digits") {
    const ts::KronrodRule& k = ts::kronrod15();
    // exact on ((1+x)/2)^d up to d = 23 (22, and odd degrees by symmetry); G7 up to 13
    for (int d = 0; d <= 23; ++d) {
        CAPTURE(d);
        long double K = 0, G = 0;
        for (int i = 0; i < 15; ++i) {
            const long double y = std::pow((1 + (long double)k.nodes[i]) / 2, d);
            K += k.kronrod_weights[i] * y, G += k.gauss_weights[i] * y;
        }
        CHECK(near(double(K), 2.0 / (d + 1), 8 * eps));  // int_{-1}^1 ((1+x)/2)^d dx
        if (d <= 13) CHECK(near(double(G), 2.0 / (d + 1), 8 * eps));
    }
    long double K24 = 0, G14 = 0;  // and not beyond: x^24 and x^14
    for (int i = 0; i < 15; ++i)
        K24 += k.kronrod_weights[i] * std::pow((long double)k.nodes[i], 24),
            G14 += k.gauss_weights[i] * std::pow((long double)k.nodes[i], 14);
    CHECK(!near(double(K24), 2.0 / 25, 1e-9));
    CHECK(!near(double(G14), 2.0 / 15, 1e-6));
    // QUADPACK's qk15 constants (Piessens et al. 1983), the nodes from the top
    const double xgk[8] = {0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
                           0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
                           0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
                           0.207784955007898467600689403773245, 0.0};
    const double wgk[8] = {0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
                           0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
                           0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
                           0.204432940075298892414161999234649, 0.209482141084727828012999174891714};
    for (int i = 0; i < 8; ++i) {
        CAPTURE(i);
        CHECK(std::abs(k.nodes[14 - i] - xgk[i]) <= ulp(xgk[i]));
        CHECK(std::abs(k.kronrod_weights[14 - i] - wgk[i]) <= ulp(wgk[i]));
    }
    CHECK(k.gauss_weights[7] == doctest::Approx(0.417959183673469387755102040816327).epsilon(1e-16));
}

TEST_CASE("quadrature: adaptive Gauss-Kronrod on smooth, oscillatory and endpoint-singular integrals") {
    using std::numbers::pi;
    struct Case {
        double (*f)(double);
        double a, b, exact, rel_tol = 1e-10;
    };
    const Case cases[] = {
        {[](double x) { return std::exp(x); }, 0, 1, std::exp(1.0) - 1},
        {[](double x) { return std::sin(x) * std::sin(x); }, 0, 10 * pi, 5 * pi},
        {[](double x) { return 1 / std::sqrt(x); }, 0, 1, 2},  // needs subdivision at 0
        {[](double x) { return std::log(x); }, 0, 1, -1},
        // both ends; doubles near -1 are 1e-16 apart, so the last interval alone holds ~1e-8 of
        // the integral: 1e-10 is out of reach (an error, below), 1e-7 is fine
        {[](double x) { return 1 / std::sqrt((1 - x) * (1 + x)); }, -1, 1, pi, 1e-7},
        {[](double x) { return 1 / (1 + 25 * x * x); }, -1, 1, 0.4 * std::atan(5.0)},
        {[](double x) { return std::exp(x); }, 1, 0, 1 - std::exp(1.0)},  // reversed limits
    };
    for (const Case& c : cases) {
        CAPTURE(c.a);
        CAPTURE(c.exact);
        const auto r = ts::gauss_kronrod(c.f, c.a, c.b, {.rel_tol = c.rel_tol});
        CHECK(std::abs(r.value - c.exact) <= 10 * c.rel_tol * std::abs(c.exact));
        CHECK(r.report.error <= std::max(1e-12, 1.01 * c.rel_tol * std::abs(c.exact)));
        CHECK(std::abs(r.value - c.exact) <= 10 * r.report.error + 8 * eps * std::abs(c.exact));
    }
    CHECK(ts::gauss_kronrod([](double x) { return std::exp(x); }, 0.0, 1.0).report.intervals == 1);
    CHECK_THROWS_WITH_AS(ts::gauss_kronrod(cases[4].f, -1.0, 1.0), doctest::Contains("gauss_kronrod: "),
                         tg::NumericalError);
    CHECK(ts::gauss_kronrod([](double x) { return 1 / std::sqrt(x); }, 0.0, 1.0).report.intervals > 20);
    CHECK(ts::gauss_kronrod([](double x) { return x; }, 2.0, 2.0).value == 0);
    const double big = std::numeric_limits<double>::max();  // (b - a) / 2 would overflow
    CHECK(ts::gauss_kronrod([](double) { return 1e-300; }, -big, big).value ==
          doctest::Approx(big * 2e-300).epsilon(1e-14));
    const double gl = ts::gauss_legendre([](double x) { return std::cos(x); }, 0.0, 1.0, 12).value;
    CHECK(std::abs(gl - std::sin(1.0)) <= 4 * eps);
}

TEST_CASE("quadrature: errors with the numbers") {
    auto inv = [](double x) { return 1 / x; };  // not integrable at 0
    CHECK_THROWS_WITH_AS(ts::gauss_kronrod(inv, 0.0, 1.0, {.max_intervals = 20}),
                         doctest::Contains("gauss_kronrod: no convergence with 20 intervals: integral ~ "),
                         tg::NumericalError);
    CHECK_THROWS_WITH_AS(ts::gauss_kronrod(inv, 0.0, 1.0), doctest::Contains("error estimate"),
                         tg::NumericalError);
    CHECK_THROWS_WITH_AS(ts::gauss_kronrod(inv, 0.0, std::numeric_limits<double>::infinity()),
                         doctest::Contains("gauss_kronrod: the limits must be finite: [0, inf]"),
                         tg::DomainError);
    CHECK_THROWS_AS(ts::gauss_kronrod(inv, 1.0, 2.0, {.abs_tol = 0, .rel_tol = 0}), tg::DomainError);
    CHECK_THROWS_AS(ts::gauss_kronrod(inv, 1.0, 2.0, {.rel_tol = -1}), tg::DomainError);
    CHECK_THROWS_WITH_AS(ts::gauss_kronrod([](double x) { return std::log(x - 0.5); }, 0.0, 1.0),
                         doctest::Contains("gauss_kronrod: f("), tg::NumericalError);
    CHECK_THROWS_AS(ts::gauss_legendre(inv, 1.0, 2.0, -3), tg::DomainError);
    tg::Generator g(1);
    CHECK_THROWS_WITH_AS(ts::monte_carlo(inv, ts::UniformProposal{1, 2}, 1, g),
                         "monte_carlo: needs n >= 2 draws for a standard error, got 1", tg::DomainError);
    CHECK_THROWS_AS(ts::monte_carlo(inv, ts::UniformProposal{2, 1}, 10, g), tg::DomainError);
    CHECK_THROWS_AS(ts::monte_carlo(inv, ts::NormalProposal{0, 0}, 10, g), tg::DomainError);
    CHECK_THROWS_AS(ts::monte_carlo(inv, ts::ExponentialProposal{0, -1}, 10, g), tg::DomainError);
}

TEST_CASE("quadrature: derivatives in a parameter and the upper limit, first and second order") {
    const double k0 = 0.7, b0 = 1.3;
    using D1 = Dual<double, 2>;
    using D2 = Dual<D1, 2>;
    D2 k(D1::variable(k0, 0)), b(D1::variable(b0, 1));
    k.set_tangent(0, D1(1.0)), b.set_tangent(1, D1(1.0));
    auto f = [&](const auto& x) {
        using std::exp;
        return exp(-k * x * x);
    };
    const double h = 1e-4, Ikk = (Ik(k0 + h, b0) - Ik(k0 - h, b0)) / (2 * h);  // error ~1e-9
    const double e = std::exp(-k0 * b0 * b0);
    for (int method = 0; method < 2; ++method) {
        CAPTURE(method);
        const D2 r = method == 0 ? ts::gauss_kronrod(f, 0.0, b).value : ts::gauss_legendre(f, 0.0, b, 30).value;
        CHECK(near(r.v.v, I(k0, b0), 1e-14));
        CHECK(near(r.tangent(0).v, Ik(k0, b0), 1e-13));
        CHECK(near(r.tangent(1).v, e, 1e-14));                          // Leibniz: f(b)
        CHECK(near(r.tangent(1).tangent(1), -2 * k0 * b0 * e, 1e-13));  // f_x(b)
        CHECK(near(r.tangent(0).tangent(1), -b0 * b0 * e, 1e-13));      // f_k(b)
        CHECK(near(r.tangent(1).tangent(0), -b0 * b0 * e, 1e-13));
        CHECK(near(r.tangent(0).tangent(0), Ikk, 1e-7));
    }
}

TEST_CASE("quadrature: the lower limit, a third-order Leibniz term, float32") {
    // int_a^1 x^3 dx = (1 - a^4) / 4: d/da = -a^3, d2 = -3a^2, d3 = -6a
    using D3 = Dual<Dual<Dual<double>>>;
    D3 a = 0.4;
    a.set_tangent(0, 1.0), a.v.set_tangent(0, 1.0), a.v.v.set_tangent(0, 1.0);
    const D3 r = ts::gauss_kronrod([](const auto& x) { return x * x * x; }, a, 1.0).value;
    CHECK(near(r.v.v.v, (1 - std::pow(0.4, 4)) / 4, 1e-15));
    CHECK(near(r.tangent(0).v.v, -0.064, 1e-15));
    CHECK(near(r.tangent(0).tangent(0).v, -0.48, 1e-15));
    CHECK(near(r.tangent(0).tangent(0).tangent(0), -2.4, 1e-14));
    using F = Dual<float, 2>;
    const F kf = F::variable(0.7f, 0), bf = F::variable(1.3f, 1);
    const F rf = ts::gauss_kronrod(
                     [&](const auto& x) {
                         using std::exp;
                         return exp(-kf * x * x);
                     },
                     0.0f, bf, {.abs_tol = 1e-6, .rel_tol = 1e-6})
                     .value;
    CHECK(near(rf.v, I(0.7, 1.3), 1e-6));
    CHECK(near(rf.tangent(0), Ik(0.7, 1.3), 1e-5));
    CHECK(near(rf.tangent(1), std::exp(-0.7 * 1.3 * 1.3), 1e-6));
}

TEST_CASE("quadrature: Rev gradient in the parameter and both limits") {
    const auto [y, g] = tg::gradient(
        [](const auto& th) {
            auto f = [&](const auto& x) {
                using std::exp;
                return exp(-th[0] * x * x);
            };
            return ts::gauss_kronrod(f, th[2], th[1]).value;
        },
        std::vector<double>{0.7, 1.3, 0.2});
    CHECK(near(y, I(0.7, 1.3) - I(0.7, 0.2), 1e-14));
    CHECK(near(g[0], Ik(0.7, 1.3) - Ik(0.7, 0.2), 1e-13));
    CHECK(near(g[1], std::exp(-0.7 * 1.3 * 1.3), 1e-14));
    CHECK(near(g[2], -std::exp(-0.7 * 0.2 * 0.2), 1e-14));
}

TEST_CASE("quadrature: Monte Carlo with importance sampling, seeded, with a standard error") {
    using std::numbers::pi;
    auto gauss = [](const auto& x) {
        using std::exp;
        return exp(-x * x / 2);
    };  // int over R = sqrt(2 pi)
    tg::Generator g1(42), g2(42);
    const auto r = ts::monte_carlo(gauss, ts::NormalProposal{0, 1.2}, 20000, g1);
    CHECK(std::abs(r.value - std::sqrt(2 * pi)) <= 4 * r.report.standard_error);
    CHECK(r.report.standard_error < 0.005);
    CHECK(ts::monte_carlo(gauss, ts::NormalProposal{0, 1.2}, 20000, g2).value == r.value);  // the seed fixes
                                                                                            // it
    // a proposal shaped like f makes every weight equal: zero standard error, the exact value
    tg::Generator g3(7);
    const auto exact = ts::monte_carlo([](double x) { return 3 * std::exp(-2 * x); },
                                       ts::ExponentialProposal{0, 2}, 100, g3);
    CHECK(exact.value == doctest::Approx(1.5).epsilon(1e-14));
    CHECK(exact.report.standard_error < 1e-14);
    // uniform on [0, 1] against int_0^1 x^2 = 1/3
    tg::Generator g4(3);
    const auto u = ts::monte_carlo([](double x) { return x * x; }, ts::UniformProposal{0, 1}, 10000, g4);
    CHECK(std::abs(u.value - 1.0 / 3) <= 4 * u.report.standard_error);
    // the derivative in a parameter: the same draws applied to f_k = -x^2 exp(-k x^2)
    using D = Dual<double>;
    const D k = D::variable(0.5);
    tg::Generator g5(9), g6(9);
    const auto rd = ts::monte_carlo(
        [&](const auto& x) {
            using std::exp;
            return exp(-k * x * x);
        },
        ts::NormalProposal{0, 1.2}, 5000, g5);
    const auto rk = ts::monte_carlo([](double x) { return -x * x * std::exp(-0.5 * x * x); },
                                    ts::NormalProposal{0, 1.2}, 5000, g6);
    CHECK(rd.value.tangent(0) == doctest::Approx(rk.value).epsilon(1e-13));
    CHECK(std::abs(rd.value.tangent(0) + std::sqrt(pi) / 2 * std::pow(0.5, -1.5)) <=
          4 * rk.report.standard_error);
}

TEST_CASE("quadrature on Vars: gradient, forward mode and Hessian in a captured Var and both limits") {
    using tg::Var;
    using T = tg::Tensor<double>;
    // J(k, a, b) = int_a^b exp(-k x^2) dx, all three as the Vars of one input [k, a, b]
    auto J = [](const Var<double>& p) {
        const Var<double> k = tg::slice(p, 0, 0, 1), a = tg::slice(p, 0, 1, 2), b = tg::slice(p, 0, 2, 3);
        return ts::integrate([&](const Var<double>& x) { return tg::exp(-(k * x * x)); }, a, b, 30);
    };
    const T p{0.7, 0.2, 1.3};
    const auto [v, g] = tg::value_and_grad(J, p);
    CHECK(near(v, I(0.7, 1.3) - I(0.7, 0.2), 1e-14));
    CHECK(near(g.at({0}), Ik(0.7, 1.3) - Ik(0.7, 0.2), 1e-13));
    CHECK(near(g.at({1}), -std::exp(-0.7 * 0.04), 1e-14));
    CHECK(near(g.at({2}), std::exp(-0.7 * 1.69), 1e-14));
    const auto [y, dy] = tg::jvp([&](const Var<double>& q) { return J(q); }, p, T{1.0, -0.5, 2.0});
    CHECK(near(dy.item(), g.at({0}) - 0.5 * g.at({1}) + 2 * g.at({2}), 1e-13));
    const T H = tg::hessian(J, p);
    const double eb = std::exp(-0.7 * 1.69), ea = std::exp(-0.7 * 0.04);
    CHECK(near(H.at({2, 2}), -2 * 0.7 * 1.3 * eb, 1e-12));  // f_x(b)
    CHECK(near(H.at({1, 1}), 2 * 0.7 * 0.2 * ea, 1e-12));   // -f_x(a)
    CHECK(near(H.at({0, 2}), -1.69 * eb, 1e-12));           // f_k(b)
    CHECK(near(H.at({0, 1}), 0.04 * ea, 1e-12));            // -f_k(a)
    CHECK(H.at({1, 2}) == 0);
    // a constant limit where f is singular: no Leibniz term, no NaN
    const Var<double> zero(T::scalar(0.0)), one(T::scalar(1.0));
    const Var<double> s = ts::integrate([](const Var<double>& x) { return tg::sqrt(x); }, zero, one, 40);
    CHECK(near(s.value().item(), 2.0 / 3, 1e-4));
    CHECK_THROWS_AS(ts::integrate([](const Var<double>& x) { return x; }, Var<double>(T{0.0, 1.0}), one, 3),
                    tg::ShapeError);
}
