// tg::Dual and the forward-mode scalar drivers: second derivatives of nested Duals against closed
// forms, SIMD directions against single passes, the documented edge cases, limits, printing,
// domain checks and the drivers. Every function's derivatives in every mode: expect_ad in
// test_rev.cpp; to the last digits: test_scalar_reference.cpp.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <numbers>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

#include "expect_ad.hpp"

using tg::Dual;
using D = Dual<double>;
using D2 = Dual<Dual<double>>;

namespace {
// Every function under test, for plain numbers and Duals alike (Duals find tg's by ADL).
namespace fns {
using std::abs, std::acos, std::acosh, std::asin, std::asinh, std::atan, std::atanh, std::cbrt, std::ceil,
    std::cos, std::cosh, std::erf, std::erfc, std::exp, std::exp2, std::expm1, std::floor, std::lgamma,
    std::log, std::log10, std::log1p, std::log2, std::pow, std::round, std::sin, std::sinh, std::sqrt,
    std::tan, std::tanh, std::tgamma, std::trunc;
using tg::digamma;
}  // namespace fns

constexpr double inf = std::numeric_limits<double>::infinity();
constexpr double qnan = std::numeric_limits<double>::quiet_NaN();
constexpr double pi = std::numbers::pi;

using tg_expect_ad::ridders;
}  // namespace

// Every function's derivatives in every mode (Dual, nested Dual, Rev, float) against finite
// differences: the expect_ad tests in test_rev.cpp (tests/expect_ad.hpp); to the last digits: the
// reference-table tests (test_scalar_reference.cpp).

TEST_CASE("dual arithmetic mixes scalars of any arithmetic type on either side") {
    const D x = D::variable(2.0);
    const D y = 3 * x + x * 2.5f - 1 / x + x / 4L - 7 + (1u - x);
    CHECK(y.v == doctest::Approx(6 + 5 - 0.5 + 0.5 - 7 - 1));
    CHECK(y.d == doctest::Approx(3 + 2.5 + 0.25 + 0.25 - 1));
    D z = x;
    z += 1, z *= x, z -= 0.5, z /= 2;  // ((x + 1) x - 0.5) / 2
    CHECK(z.v == doctest::Approx(2.75));
    CHECK(z.d == doctest::Approx((2 * 2.0 + 1) / 2));
}

TEST_CASE("dual nested second derivatives match closed forms") {
    struct Case {
        const char* name;
        std::function<D2(D2)> f;
        std::function<double(double)> f2;  // the closed-form second derivative
        double x;
    };
    const std::vector<Case> cases = {
        {"sin", [](D2 x) { return sin(x); }, [](double x) { return -std::sin(x); }, 0.7},
        {"exp", [](D2 x) { return exp(x); }, [](double x) { return std::exp(x); }, -1.2},
        {"log", [](D2 x) { return log(x); }, [](double x) { return -1 / (x * x); }, 0.3},
        {"sqrt", [](D2 x) { return sqrt(x); }, [](double x) { return -0.25 * std::pow(x, -1.5); }, 2.0},
        {"atan", [](D2 x) { return atan(x); }, [](double x) { return -2 * x / std::pow(1 + x * x, 2); }, 0.8},
        {"tanh", [](D2 x) { return tanh(x); },
         [](double x) { return -2 * std::tanh(x) / std::pow(std::cosh(x), 2); }, 0.6},
        {"asin", [](D2 x) { return asin(x); }, [](double x) { return x / std::pow(1 - x * x, 1.5); }, 0.4},
        {"erf", [](D2 x) { return erf(x); },
         [](double x) { return -4 * x / std::sqrt(pi) * std::exp(-x * x); }, 0.9},
        {"pow", [](D2 x) { return pow(x, 3.5); }, [](double x) { return 3.5 * 2.5 * std::pow(x, 1.5); }, 1.7},
        {"x^x", [](D2 x) { return pow(x, x); },
         [](double x) { return std::pow(x, x) * (std::pow(std::log(x) + 1, 2) + 1 / x); }, 1.3},
        {"lgamma", [](D2 x) { return lgamma(x); }, [](double) { return pi * pi / 6; }, 1.0},
        {"tgamma", [](D2 x) { return tgamma(x); },
         [](double) { return std::pow(std::numbers::egamma, 2) + pi * pi / 6; }, 1.0},
    };
    for (const Case& c : cases) {
        INFO(c.name);
        const D2 y = c.f(D2(D::variable(c.x), D(1.0)));
        CHECK(y.d.d == doctest::Approx(c.f2(c.x)).epsilon(1e-13));
        CHECK(y.d.v == doctest::Approx(y.v.d).epsilon(1e-15));  // both first derivatives agree
    }
}

TEST_CASE("dual third derivatives through three levels of nesting") {
    using D3 = Dual<D2>;
    const D3 x(D2(D::variable(0.4), D(1.0)), D2(D(1.0), D(0.0)));
    const D3 y = sin(x) * exp(x);  // (e^x sin x)''' = 2 e^x (cos x - sin x)
    CHECK(y.d.d.d == doctest::Approx(2 * std::exp(0.4) * (std::cos(0.4) - std::sin(0.4))).epsilon(1e-14));
}

TEST_CASE("dual with 4 and 8 SIMD directions equals one direction per pass") {
    auto f = [](const auto& x) {
        using std::exp, std::log1p, std::sin, std::sqrt, std::atan2, std::pow;
        auto s = x[0] * 0;
        for (std::size_t i = 0; i < x.size(); ++i)
            s += sin(x[i]) * exp(x[(i + 1) % x.size()] / 3) + sqrt(1 + x[i] * x[i]) / (2 + log1p(x[i] * x[i]));
        return s + atan2(x[0], x[1]) * pow(x[2], 1.5);
    };
    const std::vector<double> x = {0.3, -1.2, 2.1, 0.7, -0.4, 1.9, 0.05, -2.2, 1.1, 0.6, 1.4};
    const auto g1 = tg::gradient_fwd<1>(f, x), g3 = tg::gradient_fwd<3>(f, x);
    const auto g4 = tg::gradient_fwd<4>(f, x), g8 = tg::gradient_fwd<8>(f, x);
    for (std::size_t i = 0; i < x.size(); ++i) {
        CHECK(g4[i] == doctest::Approx(g1[i]).epsilon(1e-15));
        CHECK(g8[i] == doctest::Approx(g1[i]).epsilon(1e-15));
        CHECK(g3[i] == doctest::Approx(g1[i]).epsilon(1e-15));
    }
}

// x * x takes a one-multiply path for SIMD tangents; it must equal the product rule exactly (the
// tests build without FMA contraction, so the product rule is 2 round(v d) as the square is).
TEST_CASE("dual square of one object equals the product of two equal duals exactly") {
    tg::Dual<double, 8> x(1.7), y;
    tg::Dual<float, 4> xf(-0.3f), yf;
    for (int k = 0; k < 8; ++k) x.set_tangent(k, 0.1 * k - 0.35);
    for (int k = 0; k < 4; ++k) xf.set_tangent(k, 0.25f * float(k) + 0.1f);
    y = x, yf = xf;
    const auto sq = x * x, prod = x * y;
    const auto sqf = xf * xf, prodf = xf * yf;
    CHECK(sq.v == prod.v);
    for (int k = 0; k < 8; ++k) CHECK(sq.tangent(k) == prod.tangent(k));
    for (int k = 0; k < 4; ++k) CHECK(sqf.tangent(k) == prodf.tangent(k));
    CHECK(sq.tangent(7) == 2 * 1.7 * (0.1 * 7 - 0.35));
}

TEST_CASE("dual float with 8 directions matches the double gradient") {
    auto f = [](const auto& x) { return exp(x[0] * x[1]) - x[2] * x[2] * x[3] + sin(x[4]) / x[5]; };
    const std::vector<float> xf = {0.5f, -0.25f, 1.5f, 2.0f, 0.75f, 1.25f};
    const std::vector<double> xd(xf.begin(), xf.end());
    const std::vector<float> gf = tg::gradient_fwd(f, xf);
    const std::vector<double> gd = tg::gradient_fwd(f, xd);
    for (std::size_t i = 0; i < xf.size(); ++i) CHECK(gf[i] == doctest::Approx(gd[i]).epsilon(1e-6));
}

TEST_CASE("dual abs has derivative 0 at 0 and the sign elsewhere") {
    CHECK(abs(D::variable(0.0)).d == 0);
    CHECK(abs(D::variable(-0.0)).v == 0);
    CHECK_FALSE(std::signbit(abs(D::variable(-0.0)).v));
    CHECK(abs(D::variable(-2.0)).d == -1);
    CHECK(fabs(D::variable(2.0)).d == 1);
    CHECK(abs(D2(D::variable(0.0), D(1.0))).d.d == 0);  // and no curvature at the kink
}

TEST_CASE("dual sqrt at 0 is inf for a moving input and 0 for a still direction") {
    const D y = sqrt(D::variable(0.0));
    CHECK(y.v == 0);
    CHECK(y.d == inf);
    Dual<double, 2> x(0.0);
    x.set_tangent(0, 1.0);  // moves along direction 0 only
    const auto z = sqrt(x);
    CHECK(z.tangent(0) == inf);
    CHECK(z.tangent(1) == 0);
    CHECK(sqrt(D(0.0)).d == 0);
}

TEST_CASE("dual pow at a zero base follows the documented limits") {
    CHECK(pow(D::variable(0.0), 2).d == 0);
    CHECK(pow(D::variable(0.0), 2.5).d == 0);
    CHECK(pow(D::variable(0.0), 1).d == 1);
    CHECK(pow(D::variable(0.0), 0.5).d == inf);
    const D p0 = pow(D::variable(0.0), 0);  // constant 1
    CHECK(p0.v == 1);
    CHECK(p0.d == 0);
    const D e = pow(0.0, D::variable(2.0));  // d/dexponent where the base is 0
    CHECK(e.v == 0);
    CHECK(e.d == 0);
    Dual<double, 2> a(0.0), b(3.0);
    a.set_tangent(0, 1.0), b.set_tangent(1, 1.0);
    const auto ab = pow(a, b);
    CHECK(ab.tangent(0) == 0);
    CHECK(ab.tangent(1) == 0);
}

TEST_CASE("dual atan2 on the axes and at the origin") {
    using D2d = Dual<double, 2>;
    auto grad = [](double y, double x) {
        D2d yy(y), xx(x);
        yy.set_tangent(0, 1.0), xx.set_tangent(1, 1.0);
        const D2d t = atan2(yy, xx);
        return std::vector<double>{t.v, t.tangent(0), t.tangent(1)};
    };
    CHECK(grad(0, 1) == std::vector<double>{0, 1, 0});
    CHECK(grad(1, 0) == std::vector<double>{std::atan2(1, 0), 0, -1});
    CHECK(grad(0, -1) == std::vector<double>{std::numbers::pi, -1, 0});
    CHECK(grad(-2, 0) == std::vector<double>{std::atan2(-2, 0), 0, 0.5});
    CHECK(grad(0, 0) == std::vector<double>{0, 0, 0});
}

TEST_CASE("dual hypot of huge and tiny values does not overflow or underflow") {
    const D y = hypot(D::variable(3e300), D(4e300));
    CHECK(y.v == doctest::Approx(5e300));
    CHECK(y.d == doctest::Approx(0.6));
    const D z = hypot(D(3e-300), D::variable(4e-300));
    CHECK(z.d == doctest::Approx(0.8));
    CHECK(hypot(D::variable(0.0), D(0.0)).d == 0);
    const D w = hypot(D::variable(2.0), D(3.0), D(6.0));
    CHECK(w.v == doctest::Approx(7));
    CHECK(w.d == doctest::Approx(2.0 / 7));
}

TEST_CASE("dual lgamma and tgamma near their poles") {
    for (double x : {-1 + 1e-9, -1 - 1e-9, -3 + 1e-6, 1e-10}) {
        INFO("x = " << x);
        CHECK(lgamma(D::variable(x)).d == doctest::Approx(tg::digamma(x)).epsilon(1e-12));
        const D g = tgamma(D::variable(x));
        CHECK(g.d == doctest::Approx(std::tgamma(x) * tg::digamma(x)).epsilon(1e-12));
    }
    CHECK(std::abs(lgamma(D::variable(-1 + 1e-9)).d) > 1e8);  // ~ -1/(x+1)
    CHECK(std::isnan(lgamma(D::variable(-2.0)).d));  // at the pole: NaN (the one-sided limits differ)
    CHECK(std::isnan(tgamma(D::variable(0.0)).d));
}

TEST_CASE("dual tanh keeps its relative accuracy for large arguments") {
    const D y = tanh(D::variable(15.0));
    const double expect = 1 / std::pow(std::cosh(15.0), 2);  // ~3.7e-13, lost by 1 - tanh^2
    CHECK(y.d == doctest::Approx(expect).epsilon(1e-14));
    CHECK(tanh(D::variable(800.0)).d == 0);
}

TEST_CASE("dual floor ceil round trunc have zero derivative") {
    const D x = D::variable(2.6);
    for (const D& y : {floor(x), ceil(x), round(x), trunc(x)}) CHECK(y.d == 0);
    CHECK(floor(x).v == 2);
    CHECK(ceil(x).v == 3);
    CHECK(round(x).v == 3);
    CHECK(trunc(-x).v == -2);
}

TEST_CASE("dual min and max take the first argument on ties and fmin fmax skip NaN") {
    const D a(1.0, 1.0), b(1.0, 2.0), n(qnan, 5.0);
    CHECK(max(a, b).d == 1);
    CHECK(min(a, b).d == 1);
    CHECK(max(D(0.0, 3.0), b).d == 2);
    CHECK(min(a, 0.5).d == 0);
    CHECK(max(2, a).v == 2);
    CHECK(fmax(n, b).d == 2);
    CHECK(fmax(b, n).d == 2);
    CHECK(fmin(n, a).d == 1);
    CHECK(isnan(fmax(n, n)));
}

TEST_CASE("dual digamma matches known values and the reflection and asymptotic ranges") {
    const double g = std::numbers::egamma, ln2 = std::numbers::ln2;
    CHECK(tg::digamma(1.0) == doctest::Approx(-g).epsilon(1e-15));
    CHECK(tg::digamma(0.5) == doctest::Approx(-g - 2 * ln2).epsilon(1e-15));
    CHECK(tg::digamma(-0.5) == doctest::Approx(-g - 2 * ln2 + 2).epsilon(1e-14));
    CHECK(tg::digamma(-2.5) == doctest::Approx(-g - 2 * ln2 + 2 + 2.0 / 3 + 0.4).epsilon(1e-14));
    CHECK(tg::digamma(10.0) == doctest::Approx(2.251752589066721).epsilon(1e-15));
    CHECK(tg::digamma(1e-8) == doctest::Approx(-1e8 - g + 1.6449340668482264e-8).epsilon(1e-15));
    CHECK(tg::digamma(1e12) == doctest::Approx(std::log(1e12) - 0.5e-12).epsilon(1e-15));
    CHECK(tg::digamma(-1e6 + 0.5) == doctest::Approx(tg::digamma(1e6 + 0.5)).epsilon(1e-12));  // pi cot(pi x)
                                                                                               // = 0
    CHECK(std::isnan(tg::digamma(0.0)));
    CHECK(std::isnan(tg::digamma(-3.0)));
    CHECK(tg::digamma(2.0f) == doctest::Approx(1 - g).epsilon(1e-7));
}

TEST_CASE("dual polygamma matches zeta values and finite differences of digamma") {
    CHECK(tg::polygamma(1, 1.0) == doctest::Approx(pi * pi / 6).epsilon(1e-15));
    CHECK(tg::polygamma(1, 0.5) == doctest::Approx(pi * pi / 2).epsilon(1e-15));
    CHECK(tg::polygamma(2, 1.0) == doctest::Approx(-2 * 1.2020569031595942).epsilon(1e-15));
    CHECK(tg::polygamma(3, 1.0) == doctest::Approx(std::pow(pi, 4) / 15).epsilon(1e-14));
    for (int n : {1, 2, 3})
        for (double x : {-2.3, -0.7, 0.2, 3.5, 40.0}) {
            INFO("n = " << n << ", x = " << x);
            const double fd = ridders([n](double t) { return tg::polygamma(n - 1, t); }, x, 0.01);
            CHECK(tg::polygamma(n, x) == doctest::Approx(fd).epsilon(1e-9));
        }
    CHECK(std::isnan(tg::polygamma(-1, 1.0)));
}

TEST_CASE("dual numeric_limits gives the value type limits as constants") {
    using L = std::numeric_limits<Dual<double, 4>>;
    static_assert(L::is_specialized && L::digits == 53 && L::has_infinity);
    CHECK(L::epsilon().v == std::numeric_limits<double>::epsilon());
    CHECK(L::max().v == std::numeric_limits<double>::max());
    CHECK(L::lowest().v == -std::numeric_limits<double>::max());
    CHECK(L::infinity().tangent(3) == 0);
    CHECK(isinf(L::infinity()));
    CHECK(isnan(L::quiet_NaN()));
    CHECK(std::numeric_limits<D2>::min().v.v == std::numeric_limits<double>::min());
    CHECK(std::numeric_limits<Dual<float>>::epsilon().v == std::numeric_limits<float>::epsilon());
}

TEST_CASE("dual stream output shows the value and every tangent") {
    std::ostringstream a, b, c;
    a << D(1.5, 0.25);
    CHECK(a.str() == "dual(1.5; 0.25)");
    b << Dual<double, 3>::variable(2.0, 1);
    CHECK(b.str() == "dual(2; 0, 1, 0)");
    c << D2(D(1.0, 2.0), D(3.0, 4.0));
    CHECK(c.str() == "dual(dual(1; 2); dual(3; 4))");
}

TEST_CASE("dual comparisons and classification look at values only") {
    const D a(1.0, 5.0), b(1.0, -5.0), c(2.0, 0.0);
    CHECK(a == b);
    CHECK(a < c);
    CHECK(a <= 1);
    CHECK(2 > a);
    CHECK(1.0 == a);
    CHECK(c != 1.5f);
    CHECK_FALSE(D(qnan) < 1);
    CHECK(D2(D(1.0, 9.0)) < D2(D(2.0, -9.0)));
    CHECK(isfinite(a));
    CHECK_FALSE(isfinite(D(inf)));
    CHECK(isnan(D2(D(qnan))));
    CHECK(signbit(D(-0.0)));
    CHECK(tg::value_of(D2(D(3.0, 1.0))) == 3.0);
}

TEST_CASE("dual generic code runs unchanged on double and Dual") {
    auto f = [](auto x) {
        using std::sin, std::exp, std::pow;
        return sin(x) * exp(x) + pow(x, 3) - std::numeric_limits<decltype(x)>::epsilon();
    };
    const double x = 0.8;
    const D y = f(D::variable(x));
    CHECK(y.v == f(x));
    CHECK(y.d == doctest::Approx(std::exp(x) * (std::sin(x) + std::cos(x)) + 3 * x * x).epsilon(1e-15));
}

namespace {
// f(x) = sum 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2, for any scalar type S.
auto rosenbrock = [](const auto& x) {
    using S = std::decay_t<decltype(x[0])>;
    S s = 0;
    for (std::size_t i = 0; i + 1 < x.size(); ++i) {
        const S a = x[i + 1] - x[i] * x[i], b = 1 - x[i];
        s += 100 * a * a + b * b;
    }
    return s;
};
const std::vector<double> rosen_x = {-1.2, 1.0, 0.3, 0.9, 1.4, -0.5, 2.0, 0.1, 0.7, 1.1, -0.8};
}  // namespace

TEST_CASE("dual driver derivative and value_and_derivative of a scalar function") {
    auto f = [](auto t) { return sin(t) * exp(t); };
    CHECK(tg::derivative(f, 1.0) ==
          doctest::Approx(std::exp(1.0) * (std::sin(1.0) + std::cos(1.0))).epsilon(1e-15));
    CHECK(tg::derivative(f, 0) == doctest::Approx(1.0));  // an int point is taken as double
    const auto [y, dy] = tg::value_and_derivative(f, 2.0);
    CHECK(y == std::sin(2.0) * std::exp(2.0));
    CHECK(dy == doctest::Approx(std::exp(2.0) * (std::sin(2.0) + std::cos(2.0))).epsilon(1e-15));
    CHECK(tg::derivative([](auto) { return 3.0; }, 1.0) == 0);  // a constant function
    static_assert(std::is_same_v<decltype(tg::derivative(f, 1.0f)), float>);
}

TEST_CASE("dual driver gradient_fwd of Rosenbrock matches the closed form") {
    const std::vector<double>& x = rosen_x;
    const std::vector<double> g = tg::gradient_fwd(rosenbrock, x);
    REQUIRE(g.size() == x.size());
    for (std::size_t i = 0; i < x.size(); ++i) {
        double expect = 0;
        if (i + 1 < x.size()) expect += -400 * x[i] * (x[i + 1] - x[i] * x[i]) - 2 * (1 - x[i]);
        if (i > 0) expect += 200 * (x[i] - x[i - 1] * x[i - 1]);
        CHECK(g[i] == doctest::Approx(expect).epsilon(1e-14));
    }
}

TEST_CASE("dual driver hessian of Rosenbrock matches the closed form and is symmetric") {
    const std::vector<double>& x = rosen_x;
    const auto n = static_cast<tg::index_t>(x.size());
    const tg::Tensor<double> H = tg::hessian(rosenbrock, x);
    REQUIRE(H.shape() == tg::Shape{n, n});
    for (tg::index_t i = 0; i < n; ++i)
        for (tg::index_t j = 0; j < n; ++j) {
            double expect = 0;
            if (i == j && i + 1 < n) expect += 1200 * x[i] * x[i] - 400 * x[i + 1] + 2;
            if (i == j && i > 0) expect += 200;
            if (j == i + 1 || i == j + 1) expect = -400 * x[std::min(i, j)];
            CHECK(H.at({i, j}) == doctest::Approx(expect).epsilon(1e-14));
            CHECK(H.at({i, j}) == H.at({j, i}));
        }
    CHECK(tg::allclose(tg::hessian<2>(rosenbrock, x), H, 1e-14, 1e-12));  // another block size
}

TEST_CASE("dual driver jacobian_fwd has shape m by n and matches the closed form") {
    auto f = [](const auto& x) {
        using S = std::decay_t<decltype(x[0])>;
        return std::vector<S>{x[0] * x[1], sin(x[2]), exp(x[0]) - x[2]};
    };
    const std::vector<double> x = {0.5, -2.0, 1.2};
    const tg::Tensor<double> J = tg::jacobian_fwd<2>(f, x);
    REQUIRE(J.shape() == tg::Shape{3, 3});
    const tg::Tensor<double> expect{{-2.0, 0.5, 0.0}, {0.0, 0.0, std::cos(1.2)}, {std::exp(0.5), 0.0, -1.0}};
    CHECK(tg::allclose(J, expect, 1e-15, 1e-15));
}

TEST_CASE("dual drivers accept functions of a span and empty inputs") {
    auto f = []<class S>(std::span<const S> x) { return x[0] * x[1] * x[1]; };
    const std::vector<double> g = tg::gradient_fwd(f, {3.0, 2.0});
    CHECK(g == std::vector<double>{4.0, 12.0});
    const tg::Tensor<double> H = tg::hessian(f, {3.0, 2.0});
    CHECK(tg::allclose(H, tg::Tensor<double>{{0.0, 4.0}, {4.0, 6.0}}, 0, 0));
    CHECK(tg::gradient_fwd(rosenbrock, std::vector<double>{}).empty());
    CHECK(tg::hessian(rosenbrock, std::vector<double>{}).numel() == 0);
}

TEST_CASE("dual driver hessian refuses a vector-valued function at compile time") {
    using S = Dual<Dual<double, 4>, 4>;
    static_assert(tg::detail::scalar_result_v<S, S>);
    static_assert(!tg::detail::scalar_result_v<std::vector<S>, S>);  // what hessian's static_assert rejects
    static_assert(tg::detail::scalar_result_v<double, S>);           // a constant is a scalar: zero Hessian
    const tg::Tensor<double> H = tg::hessian([](const auto&) { return 1.0; }, {1.0, 2.0});
    CHECK(tg::allclose(H, tg::Tensor<double>{{0.0, 0.0}, {0.0, 0.0}}, 0, 0));
}

TEST_CASE("dual driver jacobian_fwd rejects a function whose output length changes") {
    auto f = [](const auto& x) {  // one output on the pass that seeds x[0], two on the next
        using S = std::decay_t<decltype(x[0])>;
        return std::vector<S>(x[0].tangent(0) == 1 ? 1 : 2, x[1]);
    };
    CHECK_THROWS_WITH_AS(tg::jacobian_fwd<1>(f, {1.0, 2.0}),
                         "jacobian_fwd: f returned 1 outputs on the first pass and 2 on a later one",
                         tg::ShapeError);
}

TEST_CASE("dual checked functions throw DomainError naming the function and the value") {
    namespace ck = tg::checked;
    CHECK_THROWS_WITH_AS(ck::log(D::variable(-1.5)),
                         "tg::checked::log: argument -1.5 is outside the domain x > 0", tg::DomainError);
    CHECK_THROWS_WITH_AS(ck::sqrt(-4.0), "tg::checked::sqrt: argument -4 is outside the domain x >= 0",
                         tg::DomainError);
    CHECK_THROWS_WITH_AS(ck::log(D(qnan)), doctest::Contains("argument nan"), tg::DomainError);
    CHECK_THROWS_WITH_AS(ck::asin(D2(D(1.5))), doctest::Contains("asin: argument 1.5"), tg::DomainError);
    CHECK_THROWS_WITH_AS(ck::lgamma(D(-2.0)), doctest::Contains("lgamma: argument -2"), tg::DomainError);
    CHECK_THROWS_WITH_AS(ck::pow(D(-2.0), 0.5),
                         "tg::checked::pow: base -2 is negative and exponent 0.5 is not an integer",
                         tg::DomainError);
    CHECK_THROWS_WITH_AS(ck::pow(0.0, D(-1.0)),
                         "tg::checked::pow: base 0 with negative exponent -1 is a pole", tg::DomainError);
    CHECK_THROWS_AS(ck::log1p(-1.0), tg::Error);
}

TEST_CASE("dual checked functions equal the unchecked ones inside the domain") {
    namespace ck = tg::checked;
    const D x = D::variable(0.6);
    CHECK(ck::log(x).d == log(x).d);
    CHECK(ck::sqrt(x).d == sqrt(x).d);
    CHECK(ck::acosh(x + 1).d == acosh(x + 1).d);
    CHECK(ck::pow(x, 2.5).d == pow(x, 2.5).d);
    CHECK(ck::pow(D(-2.0), D::variable(3.0)).v == -8);
    CHECK(ck::log(2.0) == std::log(2.0));
}
