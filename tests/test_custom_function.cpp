// Custom functions: user rules in, a differentiable function out, checked by gradcheck.
#include <doctest/doctest.h>

#include <cmath>

#include <tensorgrad/tensorgrad.hpp>

using tg::Tensor;
using tg::Var;

namespace {
// softplus(x) = log(1 + e^x), written so that it never overflows: log1p(e^-|x|) + max(x, 0).
const auto softplus = tg::custom_function<double>(
    "softplus",
    [](const std::vector<Tensor<double>>& x) { return tg::log1p(tg::exp(-tg::abs(x[0]))) + tg::relu(x[0]); },
    [](const std::vector<Var<double>>& x, const Var<double>&, const Var<double>& gy) {
        return std::vector<Var<double>>{gy * tg::sigmoid(x[0])};
    },
    [](const std::vector<Var<double>>& x, const Var<double>&, const std::vector<Var<double>>& dx) {
        return dx[0] * tg::sigmoid(x[0]);
    });

// A black box: a C function whose derivative the user knows. Values only: first order.
extern "C" double black_box(double x) { return std::erf(x); }
const auto erf_fn = tg::custom_function<double>(
    "erf_black_box",
    [](const std::vector<Tensor<double>>& x) {
        Tensor<double> y = x[0].clone();
        for (tg::index_t i = 0; i < y.numel(); ++i) y.data()[i] = black_box(y.data()[i]);
        return y;
    },
    [](const std::vector<Var<double>>& x, const Var<double>&, const Var<double>& gy) {
        const Tensor<double> d = tg::exp(-tg::square(x[0].value())) * (2 / std::sqrt(M_PI));
        return std::vector<Var<double>>{gy * Var<double>(d)};
    });
}  // namespace

TEST_CASE("a custom softplus is finite at extreme inputs and passes gradcheck") {
    const Var<double> y = softplus({Var<double>(Tensor<double>{-1000.0, 0.0, 1000.0})});
    CHECK(y.value().at({0}) == 0.0);
    CHECK(y.value().at({1}) == doctest::Approx(std::log(2.0)));
    CHECK(y.value().at({2}) == 1000.0);
    const auto r = tg::gradcheck([](const Var<double>& x) { return tg::sum(softplus({x}) * x); },
                                 tg::uniform<double>({3, 4}, -3, 3));
    CHECK_MESSAGE(r.ok, r.str());
}

TEST_CASE("a custom function works in forward mode and to second order") {
    const Tensor<double> x{0.3, -1.2}, v{1.0, 2.0};
    auto [y, dy] = tg::jvp([](const Var<double>& t) { return softplus({t}); }, x, v);
    auto sig = [](double t) { return 1 / (1 + std::exp(-t)); };
    CHECK(dy.at({1}) == doctest::Approx(2.0 * sig(-1.2)));
    const Tensor<double> hv = tg::hvp([](const Var<double>& t) { return tg::sum(softplus({t})); }, x, v);
    CHECK(hv.at({0}) == doctest::Approx(sig(0.3) * (1 - sig(0.3))));
    CHECK(hv.at({1}) == doctest::Approx(2.0 * sig(-1.2) * (1 - sig(-1.2))));
}

TEST_CASE("a black-box C function with a user derivative passes gradcheck") {
    const auto r = tg::gradcheck([](const Var<double>& x) { return tg::sum(tg::sin(erf_fn({x}))); },
                                 tg::uniform<double>({5}, -2, 2));
    CHECK_MESSAGE(r.ok, r.str());
}

TEST_CASE("gradcheck points at the element a wrong user rule gets wrong") {
    // d(x^2)/dx with an indexing slip: element 2 gets 3x instead of 2x.
    const auto wrong = tg::custom_function<double>(
        "square_with_slip", [](const std::vector<Tensor<double>>& x) { return tg::square(x[0]); },
        [](const std::vector<Var<double>>& x, const Var<double>&, const Var<double>& gy) {
            Tensor<double> k = tg::full<double>(x[0].shape(), 2.0);
            k.set({2}, 3.0);
            return std::vector<Var<double>>{gy * x[0] * Var<double>(k)};
        });
    const auto r = tg::gradcheck([&](const Var<double>& x) { return tg::sum(wrong({x})); },
                                 Tensor<double>{1.0, 2.0, 3.0, 4.0}, {.names = {"x"}});
    REQUIRE_FALSE(r.ok);
    REQUIRE(r.mismatches.size() == 1);
    CHECK(r.mismatches[0].index == tg::Shape{2});
    CHECK(r.mismatches[0].analytic == doctest::Approx(9.0));
    CHECK(r.mismatches[0].numeric == doctest::Approx(6.0));
}

TEST_CASE("forward mode through a custom function without a jvp rule is refused") {
    CHECK_THROWS_WITH_AS(tg::jvp([](const Var<double>& t) { return erf_fn({t}); }, Tensor<double>{1.0}, Tensor<double>{1.0}),
                         doctest::Contains("custom function 'erf_black_box' has no jvp rule"), tg::AutogradError);
}

TEST_CASE("a vjp returning the wrong shape names the custom function") {
    const auto bad = tg::custom_function<double>(
        "bad_shape", [](const std::vector<Tensor<double>>& x) { return x[0]; },
        [](const std::vector<Var<double>>&, const Var<double>&, const Var<double>&) {
            return std::vector<Var<double>>{Var<double>(tg::ones<double>({5}))};
        });
    Var<double> x(Tensor<double>{1.0, 2.0}, true);
    CHECK_THROWS_WITH_AS(tg::sum(bad({x})).backward(), doctest::Contains("custom function 'bad_shape'"),
                         tg::ShapeError);
}

TEST_CASE("custom functions broadcast like registered ops") {
    const auto scale = tg::custom_function<double>(
        "scale", [](const std::vector<Tensor<double>>& x) { return x[0] * x[1]; },
        [](const std::vector<Var<double>>& x, const Var<double>&, const Var<double>& gy) {
            return std::vector<Var<double>>{gy * x[1], gy * x[0]};
        });
    const auto r = tg::gradcheck([&](const std::vector<Var<double>>& v) { return tg::sum(scale({v[0], v[1]})); },
                                 {tg::uniform<double>({3, 4}), tg::uniform<double>({4})});
    CHECK_MESSAGE(r.ok, r.str());
}
