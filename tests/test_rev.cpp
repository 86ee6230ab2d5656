// tg::Rev and tg::gradient: every scalar function in every AD mode (Rev, Dual, nested Dual, float)
// against finite differences (expect_ad, tests/expect_ad.hpp) and Rev against the 50-digit
// reference table, the three benchmark workloads against hand-written gradients, fusion never
// changing a result, the tape (reuse after clear, one per thread, nested gradient calls, epochs),
// edge cases and errors. (Rev's tests live here because this file is compiled without UBSan's null
// check: tests/CMakeLists.txt.)
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <numbers>
#include <set>
#include <span>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

#include "expect_ad.hpp"
#include "scalar_reference.hpp"

using tg::Rev;
using R = Rev<double>;
using Tape = tg::RevTape<double>;

namespace {
namespace fns {
using std::abs, std::acos, std::acosh, std::asin, std::asinh, std::atan, std::atan2, std::atanh, std::cbrt,
    std::cos, std::cosh, std::erf, std::erfc, std::exp, std::exp2, std::expm1, std::fmod, std::hypot,
    std::lgamma, std::log, std::log10, std::log1p, std::log2, std::pow, std::sin, std::sinh, std::sqrt,
    std::tan, std::tanh, std::tgamma, std::floor, std::ceil, std::round, std::trunc, std::fabs, std::fmin,
    std::fmax, std::min, std::max;
using tg::digamma;
}  // namespace fns

constexpr double inf = std::numeric_limits<double>::infinity();
constexpr double qnan = std::numeric_limits<double>::quiet_NaN();

using tg_expect_ad::ridders;

// f'(x) by tg::gradient, with x as a named variable and, to exercise fusion, as a temporary.
template <class F>
std::pair<double, double> rev_derivative(const F& f, double x, bool temporary) {
    auto [y,
          g] = tg::gradient([&](const std::vector<R>& v) { return temporary ? f(v[0] * 2.0 * 0.5) : f(v[0]); },
                            std::vector<double>{x});
    return {y, g[0]};
}

// The three benchmark workloads (bench/bench_scalar.cpp), each with its hand-written gradient.
template <class S>
S normal_lpdf(std::span<const S> v) {  // v = mu, sigma, x_1..x_n
    using std::log;
    const S mu = v[0], sigma = v[1];
    const double n = double(v.size() - 2);
    S ss = 0;
    for (std::size_t i = 2; i < v.size(); ++i) {
        const S z = (v[i] - mu) / sigma;
        ss += z * z;
    }
    return -0.5 * ss - n * log(sigma) - n * 0.5 * std::log(2 * std::numbers::pi);
}
std::vector<double> normal_lpdf_grad(const std::vector<double>& v) {
    std::vector<double> g(v.size());
    const double mu = v[0], s = v[1];
    g[1] = -double(v.size() - 2) / s;
    for (std::size_t i = 2; i < v.size(); ++i) {
        const double z = (v[i] - mu) / s;
        g[i] = -z / s, g[0] += z / s, g[1] += z * z / s;
    }
    return g;
}
template <class S>
S rosenbrock(std::span<const S> x) {
    S f = 0;
    for (std::size_t i = 0; i + 1 < x.size(); ++i) {
        const S a = x[i + 1] - x[i] * x[i], b = 1 - x[i];
        f += 100 * (a * a) + b * b;
    }
    return f;
}
std::vector<double> rosenbrock_grad(const std::vector<double>& x) {
    std::vector<double> g(x.size(), 0.0);
    for (std::size_t i = 0; i + 1 < x.size(); ++i) {
        const double a = x[i + 1] - x[i] * x[i];
        g[i] += -400 * x[i] * a - 2 * (1 - x[i]);
        g[i + 1] += 200 * a;
    }
    return g;
}
template <class S>
S matvec_loss(std::span<const S> v, std::size_t m) {  // v = A (m x m, row-major), x (m)
    S f = 0;
    for (std::size_t i = 0; i < m; ++i) {
        S y = 0;
        for (std::size_t j = 0; j < m; ++j) y += v[i * m + j] * v[m * m + j];
        f += y * y;
    }
    return f;
}
std::vector<double> matvec_loss_grad(const std::vector<double>& v, std::size_t m) {
    std::vector<double> g(v.size(), 0.0);
    for (std::size_t i = 0; i < m; ++i) {
        double y = 0;
        for (std::size_t j = 0; j < m; ++j) y += v[i * m + j] * v[m * m + j];
        for (std::size_t j = 0; j < m; ++j)
            g[i * m + j] = 2 * y * v[m * m + j], g[m * m + j] += 2 * y * v[i * m + j];
    }
    return g;
}

std::vector<double> sample(std::size_t n, double lo, double hi, unsigned seed) {
    std::vector<double> v(n);
    std::uint64_t s = seed * 2654435761u + 1;
    for (auto& x : v) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        x = lo + (hi - lo) * double(s >> 11) / double(1ull << 53);
    }
    return v;
}
double max_rel_diff(const std::vector<double>& a, const std::vector<double>& b) {
    double m = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        m = std::max(m, std::abs(a[i] - b[i]) / std::max(1.0, std::abs(b[i])));
    return a.size() == b.size() ? m : inf;
}
}  // namespace

// ---- derivatives --------------------------------------------------------------------------------

// One call per function: Dual (first and nested second order), Rev (also with fused temporaries),
// float, each argument alone and all together, against Ridders' finite differences. A function
// added to one mode is checked in all. (Accuracy to the last digits: the reference-table tests.)
TEST_CASE("expect_ad: one-argument functions agree in every mode and with finite differences") {
    using namespace fns;
    using tg_expect_ad::expect_ad;
#define TG_AD1(name, expr, ...) expect_ad<1>(name, [](const auto& x) { return expr; }, {__VA_ARGS__})
    TG_AD1("exp", exp(x), {{-3}}, {{0}}, {{2.5}});
    TG_AD1("exp2", exp2(x), {{-3}}, {{0.5}}, {{10}});
    TG_AD1("expm1", expm1(x), {{-1e-6}, 1e-7}, {{0.5}}, {{-3}}, {{-40}});
    TG_AD1("log", log(x), {{1e-3}, 1e-4}, {{1}}, {{50}});
    TG_AD1("log2", log2(x), {{1e-3}, 1e-4}, {{3}});
    TG_AD1("log10", log10(x), {{1e-3}, 1e-4}, {{3}});
    TG_AD1("log1p", log1p(x), {{-0.999}, 1e-4}, {{0}}, {{3}});
    TG_AD1("sqrt", sqrt(x), {{1e-3}, 1e-4}, {{2}}, {{1e4}});
    TG_AD1("cbrt", cbrt(x), {{-8}}, {{1e-3}, 1e-4}, {{27}});
    TG_AD1("sin", sin(x), {{-1.5}}, {{0}}, {{4}});
    TG_AD1("cos", cos(x), {{-1.5}}, {{0}}, {{4}});
    TG_AD1("tan", tan(x), {{-1.5}, 0.01}, {{0.3}}, {{1.2}});
    TG_AD1("asin", asin(x), {{-0.999}, 1e-4}, {{0}}, {{0.5}}, {{0.999}, 1e-4});
    TG_AD1("acos", acos(x), {{-0.999}, 1e-4}, {{0}}, {{0.5}}, {{0.999}, 1e-4});
    TG_AD1("atan", atan(x), {{-50}}, {{0}}, {{2}});
    TG_AD1("sinh", sinh(x), {{-5}}, {{0}}, {{2}});
    TG_AD1("cosh", cosh(x), {{-5}}, {{0}}, {{2}});
    TG_AD1("tanh", tanh(x), {{-8}}, {{0.3}}, {{5}});
    TG_AD1("asinh", asinh(x), {{-1e3}}, {{0}}, {{2}});
    TG_AD1("acosh", acosh(x), {{1.001}, 1e-4}, {{2}}, {{100}});
    TG_AD1("atanh", atanh(x), {{-0.999}, 1e-4}, {{0}}, {{0.9}, 0.01});
    TG_AD1("erf", erf(x), {{-3}}, {{0}}, {{1.5}});
    TG_AD1("erfc", erfc(x), {{-3}}, {{0}}, {{1.5}});
    TG_AD1("tgamma", tgamma(x), {{-2.5}, 0.01}, {{-0.5}, 0.01}, {{1e-3}, 1e-4}, {{1.5}}, {{10}});
    TG_AD1("lgamma", lgamma(x), {{-2.5}, 0.01}, {{-0.5}, 0.01}, {{1e-3}, 1e-4}, {{1.5}}, {{30}});
    TG_AD1("digamma", digamma(x), {{-2.5}, 0.01}, {{0.3}, 0.01}, {{1.5}}, {{5}}, {{1e3}});
    TG_AD1("polygamma 1", tg::polygamma(1, x), {{-2.5}, 0.01}, {{0.3}, 0.01}, {{5}});
    TG_AD1("polygamma 3", tg::polygamma(3, x), {{-2.5}, 0.01}, {{0.3}, 0.01}, {{5}});
    TG_AD1("abs", abs(x), {{-2}}, {{3}});
    TG_AD1("fabs", fabs(x), {{-2}}, {{3}});
    TG_AD1("floor ceil round trunc", floor(x) + ceil(x) + round(x) + trunc(x) + x, {{-2.3}}, {{1.6}});
    TG_AD1("unary minus and plus", -x + +x * 3, {{-2}}, {{3}});
    TG_AD1("pow x^2", pow(x, 2), {{-1.5}}, {{3}});
    TG_AD1("pow x^2.5", pow(x, 2.5), {{0.5}}, {{3}});
    TG_AD1("pow x^-2", pow(x, -2), {{-1.5}}, {{3}});
    TG_AD1("pow x^(2x)", pow(x, 2 * x), {{0.5}}, {{3}});
    TG_AD1("quotient rule", (x * x - 3) / (2 + sin(x)) + 1.5 / x - x / 4, {{-2}}, {{0.7}});
    TG_AD1("scalars on both sides", 2 - (3 * x + 1) * 0.5f / 4 + (x - 1.5) * 2u, {{-2}}, {{1}});
    TG_AD1("a long product", x * x * x * x * x * 2 * x * x, {{-1.2}}, {{0.9}});
    TG_AD1("a shared subexpression", sin(x) * sin(x) + sin(x) * x + exp(sin(x)), {{0.4}});
#undef TG_AD1
}

TEST_CASE("expect_ad: two- and three-argument functions agree in every argument and jointly") {
    using namespace fns;
    using tg_expect_ad::expect_ad;
#define TG_AD2(name, expr, ...) \
    expect_ad<2>(name, [](const auto& a, const auto& b) { return expr; }, {__VA_ARGS__})
    TG_AD2("a + b", a + b, {{1.5, -2.5}});
    TG_AD2("a - b", a - b, {{1.5, -2.5}});
    TG_AD2("a * b", a * b, {{1.5, -2.5}});
    TG_AD2("a / b", a / b, {{1.5, -2.5}}, {{-3, 0.7}});
    TG_AD2("pow", pow(a, b), {{2.0, 3.0}}, {{0.5, -1.5}}, {{3.0, 0.0}}, {{1.7, 2.0}}, {{0.3, 0.25}});
    TG_AD2("hypot", hypot(a, b), {{3.0, 4.0}}, {{-2.0, 0.5}}, {{1e3, 1.0}});
    TG_AD2("atan2", atan2(a, b), {{1.0, 2.0}}, {{0.7, -3.0}}, {{-2.0, 0.5}});
    TG_AD2("fmod", fmod(a, b), {{5.5, 2.0}, 0.01}, {{-2.0, 0.75}, 0.01}, {{1.05, 0.1}, 1e-3},
           {{7.5, -2.0}, 0.01});
    TG_AD2("fmin", fmin(a, b), {{1.0, 2.0}}, {{3.0, -1.0}});
    TG_AD2("fmax", fmax(a, b), {{1.0, 2.0}}, {{3.0, -1.0}});
    TG_AD2("min", min(a, b), {{1.0, 2.0}}, {{3.0, -1.0}});
    TG_AD2("max", max(a, b), {{1.0, 2.0}}, {{3.0, -1.0}});
#undef TG_AD2
    // three arguments: the mixed overloads do not exist, fixed arguments are constants
    expect_ad<3, false>("hypot of three",
                        [](const auto& a, const auto& b, const auto& c) { return hypot(a, b, c); },
                        {{{1.0, 2.0, 3.0}}, {{-2.0, 0.5, 1e-3}}, {{3.0, -4.0, 12.0}}});
}

// A check must be able to fail: a Dual whose tangent is doubled, a Rev that records a wrong
// partial, and a function whose second derivative alone is wrong are all caught.
TEST_CASE("expect_ad catches a wrong first derivative in any one mode and a wrong second derivative") {
    using tg_expect_ad::check_ad;
    const auto wrong_dual = [](const auto& x) {
        using S = std::decay_t<decltype(x)>;
        if constexpr (tg::is_dual_v<S>) return S(x.v, x.d * 2) * 1.0;
        else return x * 1.0;
    };
    CHECK(check_ad<1>("wrong dual", wrong_dual, {{{0.5}}}).size() > 0);
    const auto wrong_rev = [](const auto& x) {
        using S = std::decay_t<decltype(x)>;
        if constexpr (tg::is_rev_v<S>) return x * 1.0 + (x - x.value()) * 1e-6;
        else return x * 1.0;
    };
    CHECK(check_ad<1>("wrong rev", wrong_rev, {{{0.5}}}).size() > 0);
    const auto wrong_second = [](const auto& x) {  // x^3 whose nested tangent of the tangent is off
        using S = std::decay_t<decltype(x)>;
        if constexpr (tg::is_dual_v<S>) {
            if constexpr (tg::is_dual_v<typename S::value_type>) {
                S y = x * x * x;
                auto t = y.tangent(0);
                t.set_tangent(0, t.tangent(0) * 1.5);
                y.set_tangent(0, t);
                return y;
            } else {
                return x * x * x;
            }
        } else {
            return x * x * x;
        }
    };
    const auto bad = check_ad<1>("wrong second derivative", wrong_second, {{{0.5}}});
    CHECK(bad.size() > 0);
    CHECK(check_ad<1>("x^3", [](const auto& x) { return x * x * x; }, {{{0.5}}}).empty());
}

TEST_CASE("rev gradient of a function of several variables matches the closed form") {
    auto f = [](const auto& x) {
        using std::exp, std::log;
        return x[0] * exp(x[1]) - log(x[2]) / x[0] + x[1] * x[2] * x[2];
    };
    const auto [y, g] = tg::gradient(f, std::vector<double>{1.5, 0.3, 2.0});
    CHECK(y == doctest::Approx(1.5 * std::exp(0.3) - std::log(2.0) / 1.5 + 0.3 * 4));
    CHECK(g[0] == doctest::Approx(std::exp(0.3) + std::log(2.0) / (1.5 * 1.5)));
    CHECK(g[1] == doctest::Approx(1.5 * std::exp(0.3) + 4));
    CHECK(g[2] == doctest::Approx(-1 / (2.0 * 1.5) + 2 * 0.3 * 2));
}

TEST_CASE("rev fan-out accumulates every use of a variable") {
    const auto [y, g] = tg::gradient(
        [](const auto& x) {
            auto s = x[0] * 0;
            for (int i = 1; i <= 100; ++i) s += x[0] * double(i) + x[1];
            return s;
        },
        std::vector<double>{2.0, 3.0});
    CHECK(y == doctest::Approx(5050 * 2.0 + 300));
    CHECK(g[0] == 5050);
    CHECK(g[1] == 100);
}

// ---- the benchmark workloads ---------------------------------------------------------------------

TEST_CASE("rev gradient of the normal log-density sum matches the hand-written one") {
    std::vector<double> v = sample(2002, -3, 3, 1);
    v[0] = 0.3, v[1] = 1.7;
    const auto [y, g] = tg::gradient([](std::span<const R> s) { return normal_lpdf(s); }, v);
    CHECK(y == doctest::Approx(normal_lpdf(std::span<const double>(v))).epsilon(1e-13));
    CHECK(max_rel_diff(g, normal_lpdf_grad(v)) < 1e-9);
}

TEST_CASE("rev gradient of extended Rosenbrock matches the hand-written one") {
    const std::vector<double> x = sample(1000, -1.5, 1.5, 2);
    const auto [y, g] = tg::gradient([](std::span<const R> s) { return rosenbrock(s); }, x);
    CHECK(y == doctest::Approx(rosenbrock(std::span<const double>(x))).epsilon(1e-13));
    CHECK(max_rel_diff(g, rosenbrock_grad(x)) < 1e-9);
}

TEST_CASE("rev gradient of the matrix-vector loss matches the hand-written one") {
    const std::size_t m = 30;
    const std::vector<double> v = sample(m * m + m, -1, 1, 3);
    const auto [y, g] = tg::gradient([&](std::span<const R> s) { return matvec_loss(s, m); }, v);
    CHECK(y == doctest::Approx(matvec_loss(std::span<const double>(v), m)).epsilon(1e-13));
    CHECK(max_rel_diff(g, matvec_loss_grad(v, m)) < 1e-9);
}

// ---- fusion (NOTE [rev fusion]) ------------------------------------------------------------------

TEST_CASE("rev fusion records fewer operations and gives the same gradient as named steps") {
    const std::vector<double> x = sample(50, -1.5, 1.5, 4);
    auto named = [](const std::vector<R>& v) {  // every intermediate copied: nothing can be fused
        R f = 0;
        for (std::size_t i = 0; i + 1 < v.size(); ++i) {
            R s = v[i] * v[i], a = v[i + 1] - s, aa = a * a, t = 100 * aa, b = 1 - v[i], bb = b * b, u = t + bb;
            const R copies[] = {s, a, aa, t, b, bb, u};
            f = f + copies[6];
        }
        return f;
    };
    const auto g1 = tg::gradient(named, x).gradient;
    const auto g2 = tg::gradient([](std::span<const R> s) { return rosenbrock(s); }, x).gradient;
    CHECK(max_rel_diff(g1, g2) < 1e-14);
    CHECK(max_rel_diff(g2, rosenbrock_grad(x)) < 1e-12);
}

TEST_CASE("rev fusion merges two temporaries and rescales a temporary in place") {
    Tape::clear();
    const R a = R::variable(2), b = R::variable(3);
    const std::size_t before = Tape::size();
    const R y = 5 * (a * a + b * b);  // a*a, b*b, merge, rescale: one record
    CHECK(Tape::size() == before + 1);
    Tape::backward(y);
    CHECK(a.adjoint() == 20);
    CHECK(b.adjoint() == 30);
    Tape::clear();
}

TEST_CASE("rev a copy of a temporary is not changed when the temporary is consumed") {
    Tape::clear();
    const R x = R::variable(3);
    R t = x * x;
    const R c = t;                   // a copy: t no longer owns its record
    const R u = std::move(t) * 2.0;  // so this records a new one
    Tape::backward(c);
    CHECK(x.adjoint() == 6);
    Tape::backward(u);
    CHECK(x.adjoint() == 12);
    Tape::clear();
}

TEST_CASE("rev a helper returning a copy of its argument does not fuse into the argument") {
    Tape::clear();
    auto relu = [](const R& v) { return v > 0 ? v : R(0); };
    const R x = R::variable(3);
    const R z = x * x;
    const R y = z + relu(z) * 2.0 + max(z, 1.0) * 4.0 + abs(z) * 8.0;  // 15 x^2
    Tape::backward(y);
    CHECK(x.adjoint() == 90);
    Tape::clear();
}

TEST_CASE("rev a named temporary consumed through std::move is moved-from") {
    Tape::clear();
    const R x = R::variable(3);
    R z = x * x;
    const R w = std::move(z) * 2.0;
    CHECK_THROWS_WITH_AS(z + 1.0, doctest::Contains("moved from"), tg::AutogradError);
    Tape::backward(w);
    CHECK(x.adjoint() == 12);
    z = x * 4.0;  // assigning again makes it usable
    CHECK((z + 1.0).value() == 13);
    Tape::clear();
}

TEST_CASE("rev an accumulator updated with += keeps every term") {
    const auto [y, g] = tg::gradient(
        [](const auto& x) {
            auto s = x[0];
            for (int i = 0; i < 10; ++i) s += x[1] * x[0], s -= 0.5 * x[1], s *= 1.01, s /= 1.02;
            return s;
        },
        std::vector<double>{1.5, 0.5});
    auto plain = [](double a, double b) {
        double s = a;
        for (int i = 0; i < 10; ++i) s += b * a, s -= 0.5 * b, s *= 1.01, s /= 1.02;
        return s;
    };
    CHECK(y == doctest::Approx(plain(1.5, 0.5)));
    CHECK(g[0] == doctest::Approx(ridders([&](double a) { return plain(a, 0.5); }, 1.5, 0.1)));
    CHECK(g[1] == doctest::Approx(ridders([&](double b) { return plain(1.5, b); }, 0.5, 0.1)));
}

// ---- points where the derivative does not exist, and other edges ---------------------------------

TEST_CASE("rev abs has derivative 0 at 0 and the sign elsewhere") {
    auto d = [](double x) { return rev_derivative([](const R& v) { return abs(v); }, x, false).second; };
    CHECK(d(0.0) == 0);
    CHECK(d(-0.0) == 0);
    CHECK(d(2.0) == 1);
    CHECK(d(-2.0) == -1);
    CHECK(rev_derivative([](const R& v) { return fabs(v * 3); }, -1.0, true).second == -3);
}

TEST_CASE("rev min and max take the first argument on ties and fmin fmax skip NaN") {
    const auto [y, g] = tg::gradient(
        [](const auto& x) {
            return max(x[0], x[1]) + 10 * min(x[0], x[1]) + 100 * fmax(x[2], x[0]) + 1000 * fmin(x[2], x[1]);
        },
        std::vector<double>{1.0, 1.0, qnan});
    CHECK(y == 1111);
    CHECK(g[0] == 111);
    CHECK(g[1] == 1000);
    CHECK(g[2] == 0);
}

TEST_CASE("rev sqrt at 0 is inf for a used input and 0 when its adjoint is 0") {
    CHECK(rev_derivative([](const R& v) { return sqrt(v); }, 0.0, false).second == inf);
    CHECK(rev_derivative([](const R& v) { return sqrt(v) * 0.0 + v; }, 0.0, false).second == 1);
    CHECK(rev_derivative([](const R& v) { return 0.0 * sqrt(v) + v; }, 0.0, true).second == 1);
    CHECK(rev_derivative([](const R& v) { return log(v) * 0.0; }, 0.0, true).second == 0);
}

TEST_CASE("rev pow at a zero base and hypot atan2 at the origin follow the documented limits") {
    CHECK(rev_derivative([](const R& v) { return pow(v, 0.0); }, 0.0, false).second == 0);
    CHECK(rev_derivative([](const R& v) { return pow(v, 3.0); }, 0.0, false).second == 0);
    CHECK(rev_derivative([](const R& v) { return pow(0.0, v); }, 2.0, false).second == 0);
    CHECK(rev_derivative([](const R& v) { return pow(v * 0.0, v); }, 2.0, true).second == 0);
    CHECK(rev_derivative([](const R& v) { return hypot(v, 0.0); }, 0.0, false).second == 0);
    CHECK(rev_derivative([](const R& v) { return atan2(v, v); }, 0.0, false).second == 0);
}

TEST_CASE("rev floor ceil round trunc are constants with zero derivative") {
    const auto [y, g] = tg::gradient(
        [](const auto& x) { return floor(x[0]) + ceil(x[0]) + round(x[0]) + trunc(x[0]) + x[1]; },
        std::vector<double>{2.5, 1.0});
    CHECK(y == 2 + 3 + 3 + 2 + 1);
    CHECK(g[0] == 0);
    CHECK(g[1] == 1);
}

TEST_CASE("rev comparisons and classification look at values only") {
    const R x = R(2.0), y = R(3.0);
    CHECK(x < y);
    CHECK(x <= 2);
    CHECK(2.5 > x);
    CHECK(x == 2.0);
    CHECK(3 == y);
    CHECK(x != y);
    CHECK(isnan(R(qnan)));
    CHECK(isinf(R(-inf)));
    CHECK(isfinite(x));
    CHECK(signbit(R(-0.0)));
}

TEST_CASE("rev numeric_limits gives the value type limits as constants") {
    using L = std::numeric_limits<R>;
    CHECK(L::is_specialized);
    CHECK(L::max().value() == std::numeric_limits<double>::max());
    CHECK(L::epsilon().value() == std::numeric_limits<double>::epsilon());
    CHECK(L::infinity().is_constant());
    CHECK(std::numeric_limits<Rev<float>>::lowest().value() == std::numeric_limits<float>::lowest());
    CHECK(L::digits == 53);
}

TEST_CASE("rev stream output shows the value with the stream formatting") {
    std::ostringstream os;
    os.precision(3);
    os << R(3.14159) << ' ' << Rev<float>(-2.0f);
    CHECK(os.str() == "rev(3.14) rev(-2)");
}

TEST_CASE("rev gradient accepts a span, a constant result and an empty input") {
    const auto a = tg::gradient([](std::span<const R> x) { return x[0] * x[1]; }, std::vector<double>{2, 5});
    CHECK(a.gradient == std::vector<double>{5, 2});
    const auto b = tg::gradient([](const auto&) { return R(7.0); }, std::vector<double>{1, 2});
    CHECK(b.value == 7);
    CHECK(b.gradient == std::vector<double>{0, 0});
    const auto c = tg::gradient([](const auto& x) { return x[0]; }, std::vector<double>{4, 5});  // x[1] after
                                                                                                 // y
    CHECK(c.gradient == std::vector<double>{1, 0});
    CHECK(tg::gradient([](const auto& x) { return double(x.size()); }, std::vector<double>{}).value == 0);
}

// ---- the tape --------------------------------------------------------------------------------------

TEST_CASE("rev tape memory is reused after clear and by repeated gradient calls") {
    Tape::clear();
    const std::vector<double> x = sample(5000, -1, 1, 5);
    auto f = [](std::span<const R> s) { return rosenbrock(s); };
    tg::gradient(f, x);
    const std::size_t cap = Tape::capacity();
    CHECK(cap >= 5000);
    for (int i = 0; i < 20; ++i) tg::gradient(f, x);
    CHECK(Tape::capacity() == cap);
    CHECK(Tape::size() == 0);
    for (int i = 0; i < 5000; ++i) R::variable(1.0);
    Tape::clear();
    CHECK(Tape::size() == 0);
    CHECK(Tape::capacity() == cap);
}

TEST_CASE("rev a first gradient call with more variables than the initial arena grows it") {
    std::vector<double> g;
    std::thread([&] {  // a fresh thread: an empty tape
        g = tg::gradient([](const auto& x) { return x[0] * x[x.size() - 1]; }, std::vector<double>(50000, 2.0))
                .gradient;
    })
        .join();
    CHECK(g.size() == 50000);
    CHECK(g.front() == 2);
    CHECK(g.back() == 2);
    CHECK(g[1] == 0);
}

TEST_CASE("rev backward can run from several outputs and adjoint reads each sweep") {
    Tape::clear();
    const R x = R::variable(2), y = R::variable(5);
    const R a = x * y, b = a + x * x;
    Tape::backward(a);
    CHECK(x.adjoint() == 5);
    CHECK(b.adjoint() == 0);  // recorded after a: it did not influence a
    Tape::backward(b);
    CHECK(x.adjoint() == 9);
    CHECK(a.adjoint() == 1);
    CHECK(R(3.0).adjoint() == 0);
    Tape::clear();
}

TEST_CASE("rev release frees the arena and the next use allocates again") {
    Tape::clear();
    R::variable(1.0);
    Tape::release();
    CHECK(Tape::capacity() == 0);
    CHECK(tg::gradient([](const auto& x) { return x[0] * x[0]; }, std::vector<double>{3}).gradient[0] == 6);
    CHECK(Tape::capacity() > 0);
}

TEST_CASE("rev each thread has its own tape and threads do not disturb each other") {
    const std::vector<double> x1 = sample(3000, -1, 1, 6), x2 = sample(2000, -2, 2, 7);
    const auto e1 = rosenbrock_grad(x1);
    std::vector<double> v2 = x2;
    v2[1] = 1.3;
    const auto e2 = normal_lpdf_grad(v2);
    double err1 = 0, err2 = 0;
    std::thread t1([&] {
        for (int i = 0; i < 50; ++i)
            err1 = std::max(
                err1, max_rel_diff(
                          tg::gradient([](std::span<const R> s) { return rosenbrock(s); }, x1).gradient, e1));
    });
    std::thread t2([&] {
        for (int i = 0; i < 50; ++i)
            err2 = std::max(
                err2, max_rel_diff(
                          tg::gradient([](std::span<const R> s) { return normal_lpdf(s); }, v2).gradient, e2));
    });
    t1.join(), t2.join();
    CHECK(err1 < 1e-12);
    CHECK(err2 < 1e-12);
}

TEST_CASE("rev a Rev from another thread is an AutogradError") {
    R foreign;
    std::thread([&] { foreign = R::variable(2.0); }).join();
    Tape::clear();
    const R x = R::variable(1.0);
    CHECK_THROWS_WITH_AS(x * foreign, doctest::Contains("not on this thread's current tape"),
                         tg::AutogradError);
    CHECK_THROWS_AS(exp(foreign), tg::AutogradError);
    Tape::clear();
}

TEST_CASE("rev a Rev recorded before clear is an AutogradError") {
    Tape::clear();
    const R x = R::variable(1.0);
    Tape::clear();
    const R y = R::variable(2.0);
    CHECK_THROWS_AS(x + y, tg::AutogradError);
    CHECK_THROWS_AS(Tape::backward(x * 1.0), tg::AutogradError);
    CHECK_THROWS_AS((void)x.adjoint(), tg::AutogradError);
    Tape::clear();
}

TEST_CASE("rev adjoint before any backward is an AutogradError") {
    Tape::clear();
    const R x = R::variable(1.0);
    CHECK_THROWS_WITH_AS((void)x.adjoint(), doctest::Contains("no RevTape::backward"), tg::AutogradError);
    Tape::clear();
}

// ---- nested gradient calls --------------------------------------------------------------------------

TEST_CASE("rev nested gradient inside f works on plain values and leaves the outer tape intact") {
    auto outer = [](const auto& x) {
        using tg::value_of;
        // d/dy (y0^2 y1) at (x0, 2) = (4 x0, x0^2): a constant for the outer function
        const auto inner = tg::gradient([](const auto& y) { return y[0] * y[0] * y[1]; },
                                        std::vector<double>{value_of(x[0]), 2.0});
        return x[0] * inner.gradient[0] + x[1] * x[1];
    };
    const auto [y, g] = tg::gradient(outer, std::vector<double>{3.0, 5.0});
    CHECK(y == 3 * 12 + 25);
    CHECK(g[0] == 12);
    CHECK(g[1] == 10);
    CHECK(Tape::size() == 0);
}

TEST_CASE("rev a nested gradient that captures an outer Rev is an AutogradError and nothing is corrupted") {
    auto bad = [](const auto& x) {
        tg::gradient([&](const auto& y) { return y[0] * x[0]; }, std::vector<double>{1.0});
        return x[0];
    };
    CHECK_THROWS_WITH_AS(tg::gradient(bad, std::vector<double>{2.0}),
                         doctest::Contains("outside the enclosing tg::gradient call"), tg::AutogradError);
    CHECK(Tape::size() == 0);
    CHECK(tg::gradient([](const auto& x) { return x[0] * x[1]; }, std::vector<double>{2, 3}).gradient[1] == 2);
}

TEST_CASE("rev clear inside tg::gradient is an AutogradError") {
    auto f = [](const auto& x) {
        Tape::clear();
        return x[0];
    };
    CHECK_THROWS_WITH_AS(tg::gradient(f, std::vector<double>{1.0}),
                         doctest::Contains("not allowed inside tg::gradient"), tg::AutogradError);
    CHECK(Tape::size() == 0);
}

TEST_CASE("rev an exception thrown by f leaves the tape as it was") {
    Tape::clear();
    const R keep = R::variable(4.0);
    const std::size_t before = Tape::size();
    auto f = [](const auto& x) -> R {
        (void)(x[0] * x[0]);
        throw std::runtime_error("user error");
    };
    CHECK_THROWS_WITH(tg::gradient(f, std::vector<double>{1.0}), "user error");
    CHECK(Tape::size() == before);
    Tape::backward(keep * keep);
    CHECK(keep.adjoint() == 8);
    Tape::clear();
}

// ---- domain-checked functions ---------------------------------------------------------------------

TEST_CASE("rev checked functions throw DomainError naming the function and the value") {
    namespace ck = tg::checked;
    Tape::clear();
    const R x = R::variable(-1.5);
    CHECK_THROWS_WITH_AS(ck::log(x), "tg::checked::log: argument -1.5 is outside the domain x > 0",
                         tg::DomainError);
    CHECK_THROWS_WITH_AS(ck::sqrt(x * 2), "tg::checked::sqrt: argument -3 is outside the domain x >= 0",
                         tg::DomainError);
    CHECK_THROWS_WITH_AS(ck::pow(x, 0.5), doctest::Contains("base -1.5 is negative"), tg::DomainError);
    CHECK_THROWS_AS(ck::acosh(x), tg::DomainError);
    CHECK_THROWS_AS(ck::lgamma(x + 1.5), tg::DomainError);
    Tape::clear();
}

TEST_CASE("rev checked functions differentiate as the unchecked ones inside the domain") {
    auto f = [](const auto& x) {
        namespace ck = tg::checked;
        return ck::log(x[0]) + ck::sqrt(x[0]) * ck::acosh(x[0] + 1) + ck::pow(x[0], 2.5);
    };
    auto g = [](const auto& x) {
        using std::log, std::sqrt, std::acosh, std::pow;
        return log(x[0]) + sqrt(x[0]) * acosh(x[0] + 1) + pow(x[0], 2.5);
    };
    // equal up to rounding: a checked function takes its argument by reference, so it is not fused
    const double a = tg::gradient(f, std::vector<double>{0.6}).gradient[0];
    CHECK(a == doctest::Approx(tg::gradient(g, std::vector<double>{0.6}).gradient[0]).epsilon(1e-14));
}

// ---- constants and epochs ----------------------------------------------------------------------

namespace {
// Arithmetic on constants only, then a gradient that uses the result: on a fresh or released tape
// the constants must not be recorded (they were, as variables that later read as "moved from").
std::string constants_then_gradient() {
    try {
        R a = 2, b = 3;
        auto c = a * b;
        auto d = sin(c) + a / b - c * c;
        if (!c.is_constant() || !d.is_constant()) return "recorded";
        const auto [y, g] = tg::gradient([&](const std::vector<R>& x) { return x[0] * c + d; },
                                         std::vector<double>{2.0});
        if (g[0] != 6 || y != 12 + value_of(d)) return "wrong gradient";
        return "ok";
    } catch (const std::exception& e) {
        return e.what();
    }
}
}  // namespace

TEST_CASE("rev constants stay constants on a thread whose tape was never used or was released") {
    std::string fresh;
    std::thread([&] { fresh = constants_then_gradient(); }).join();
    CHECK(fresh == "ok");
    Tape::release();
    CHECK(constants_then_gradient() == "ok");
    Tape::release();
    R x = R::variable(1.0);  // a moved-from Rev on a released tape is still caught
    R y = std::move(x) * 2.0;
    Tape::release();
    CHECK_THROWS_AS(x * y, tg::AutogradError);
    CHECK_THROWS_AS(x + 1.0, tg::AutogradError);
}

TEST_CASE("rev a Rev kept while 2^31 or 2^32 epochs pass is still caught") {
    namespace d = tg::detail;
    const std::uint64_t base = (std::uint64_t(1) << 40) + 1000;  // even, above anything used so far
    for (const std::uint64_t jump : {std::uint64_t(1) << 31, std::uint64_t(1) << 32}) {
        d::rev_set_next_epoch(base);
        Tape::clear();
        const R x = R::variable(1.0);
        d::rev_set_next_epoch(base + jump);  // the epoch x had, plus 2^31 or 2^32
        Tape::clear();
        CHECK_THROWS_AS(x * 2.0, tg::AutogradError);
        CHECK_THROWS_AS((void)x.adjoint(), tg::AutogradError);
    }
    d::rev_set_next_epoch(std::uint64_t(1) << 44);
    Tape::clear();
}

TEST_CASE("rev running out of epochs is an AutogradError and leaves the tape usable up to then") {
    namespace d = tg::detail;
    Tape::clear();
    d::rev_set_next_epoch(d::rev_no_epoch - 2);  // the last epoch there is
    Tape::clear();
    const R x = R::variable(3.0);
    CHECK_THROWS_WITH_AS(Tape::clear(), doctest::Contains("epochs"), tg::AutogradError);
    CHECK_THROWS_AS(tg::gradient([](const auto& v) { return v[0] * v[0]; }, std::vector<double>{1}),
                    tg::AutogradError);
    const R y = x * x;  // the current segment is intact
    Tape::backward(y);
    CHECK(x.adjoint() == 6);
    d::rev_set_next_epoch(std::uint64_t(1) << 45);  // back to epochs nobody has used
    Tape::clear();
    CHECK(tg::gradient([](const auto& v) { return v[0] * v[0]; }, std::vector<double>{1}).gradient[0] == 2);
}

// ---- the 50-digit reference table (tests/scalar_reference.hpp; tg::Dual in test_scalar_reference.cpp)

namespace {
struct RevModes {
    std::map<std::string, std::function<void(const tg_reference::Row&, tg_reference::Checker&)>> run;
    template <int N, bool Mixed, class F>
    void operator()(const char* name, F f) {
        run[name] = [f](const tg_reference::Row& r, tg_reference::Checker& c) {
            const auto [y, g] = tg::gradient(
                [&](const std::vector<R>& x) { return R(tg_reference::apply<N>(f, x)); }, r.x);
            c.check(r, "value, Rev", 0, y, false);
            for (int i = 0; i < N; ++i) c.check(r, "d/dx" + std::to_string(i) + ", Rev", 1 + i, g[i], false);
            if constexpr (N > 1) {
                for (int k = 0; k < N; ++k) {  // argument k alone
                    const auto [yk, gk] = tg::gradient(
                        [&](const std::vector<R>& x) {
                            return R(tg_reference::apply_alone<N, Mixed>(f, x[0], k, r.x));
                        },
                        std::vector<double>{r.x[k]});
                    c.check(r, "value, Rev alone", 0, yk, false);
                    c.check(r, "d/dx" + std::to_string(k) + ", Rev alone", 1 + k, gk[0], false);
                }
            }
        };
    }
};
}  // namespace

// Rev has no second derivatives: it cannot be nested, or hold a Dual (Rev<T> takes float or double).
TEST_CASE("scalar reference: tg::Rev values and gradients match the 50-digit table") {
    const std::vector<tg_reference::Row> rows = tg_reference::read_table();
    REQUIRE(rows.size() > 200);
    RevModes modes;
    tg_reference::for_each_function(modes);
    tg_reference::Checker c;
    std::set<std::string> seen;
    for (const auto& r : rows) {
        const auto it = modes.run.find(r.name);
        REQUIRE_MESSAGE(it != modes.run.end(), "no function " << r.name << " in scalar_reference.hpp");
        it->second(r, c);
        seen.insert(r.name);
    }
    c.report("tg::Rev", seen.size(), rows.size());
    CHECK(c.failures.empty());
}
