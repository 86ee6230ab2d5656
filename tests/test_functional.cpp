// grad, value_and_grad and vjp: the functional API.
#include <doctest/doctest.h>

#include <cmath>

#include <tensorgrad/tensorgrad.hpp>

using tg::Tensor;
using tg::Var;

TEST_CASE("grad of a scalar function of one tensor") {
    const Tensor<double> x{0.5, -1.0};
    const Tensor<double> g = tg::grad([](const Var<double>& v) { return tg::sum(tg::sin(v)); }, x);
    CHECK(tg::allclose(g, Tensor<double>{std::cos(0.5), std::cos(-1.0)}, 1e-15));
}

TEST_CASE("value_and_grad over several inputs") {
    auto f = [](const std::vector<Var<float>>& v) { return tg::sum(v[0] * v[1]); };
    auto [value, g] = tg::value_and_grad<float>(f, {Tensor<float>{1.0f, 2.0f}, Tensor<float>{3.0f, 4.0f}});
    CHECK(value == doctest::Approx(11.0));
    CHECK(tg::allclose(g[0], Tensor<float>{3.0f, 4.0f}));
    CHECK(tg::allclose(g[1], Tensor<float>{1.0f, 2.0f}));
}

TEST_CASE("vjp returns a pullback that can be called repeatedly") {
    auto [y, pull] = tg::vjp([](const Var<double>& v) { return v * v; }, Tensor<double>{1.0, 3.0});
    CHECK(tg::allclose(y, Tensor<double>{1.0, 9.0}));
    CHECK(tg::allclose(pull(Tensor<double>{1.0, 0.0}), Tensor<double>{2.0, 0.0}));
    CHECK(tg::allclose(pull(Tensor<double>{0.0, 1.0}), Tensor<double>{0.0, 6.0}));
    CHECK_THROWS_AS(pull(Tensor<double>{1.0}), tg::ShapeError);
}

TEST_CASE("grad of a non-scalar function is refused with a pointer to vjp") {
    CHECK_THROWS_WITH_AS(tg::grad([](const Var<double>& v) { return v * 2.0; }, Tensor<double>{1.0, 2.0}),
                         doctest::Contains("use vjp"), tg::AutogradError);
}

TEST_CASE("functional calls leave the caller's graph alive") {
    Var<double> w(Tensor<double>{2.0}, true);
    auto outer = w * w;
    (void)tg::grad([](const Var<double>& v) { return tg::sum(v * v); }, Tensor<double>{1.0});
    tg::sum(outer).backward();
    CHECK(w.grad().item() == doctest::Approx(4.0));
}
