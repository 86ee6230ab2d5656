// Forward mode over tensors, gradients of chosen Vars, Jacobians, Hessian-vector products and
// Hessians, and derivatives of order two and three through create_graph.
#include <doctest/doctest.h>

#include <cmath>

#include <tensorgrad/tensorgrad.hpp>

using tg::Tensor;
using tg::Var;

namespace {
// Rosenbrock in tensor form: sum 100 (x[1:] - x[:-1]^2)^2 + (1 - x[:-1])^2.
Var<double> rosenbrock(const Var<double>& x) {
    const auto n = x.shape()[0];
    const Var<double> a = tg::slice(x, 0, 0, n - 1), b = tg::slice(x, 0, 1, n);
    return tg::sum(100.0 * tg::square(b - tg::square(a)) + tg::square(1.0 - a));
}
Tensor<double> rosenbrock_hessian(const std::vector<double>& x) {
    const auto n = static_cast<tg::index_t>(x.size());
    Tensor<double> H(tg::Shape{n, n});
    for (tg::index_t i = 0; i + 1 < n; ++i) {
        const double a = x[i], b = x[i + 1];
        H.set({i, i}, H.at({i, i}) + 1200 * a * a - 400 * b + 2);
        H.set({i, i + 1}, -400 * a);
        H.set({i + 1, i}, -400 * a);
        H.set({i + 1, i + 1}, H.at({i + 1, i + 1}) + 200);
    }
    return H;
}
}  // namespace

TEST_CASE("jvp carries the tangent beside the value") {
    auto [y, dy] = tg::jvp([](const Var<double>& x) { return tg::sin(x) * x; }, Tensor<double>{0.5, 2.0},
                           Tensor<double>{1.0, -1.0});
    CHECK(y.at({0}) == doctest::Approx(std::sin(0.5) * 0.5));
    CHECK(dy.at({0}) == doctest::Approx(std::cos(0.5) * 0.5 + std::sin(0.5)));
    CHECK(dy.at({1}) == doctest::Approx(-(std::cos(2.0) * 2.0 + std::sin(2.0))));
}

TEST_CASE("jvp rejects tangents that do not match the primals") {
    auto f = [](const std::vector<Var<double>>& v) { return v[0] * v[1]; };
    CHECK_THROWS_WITH_AS(tg::jvp<double>(f, {Tensor<double>{1.0, 2.0}, Tensor<double>{3.0, 4.0}},
                                         {Tensor<double>{1.0, 2.0}, Tensor<double>{1.0}}),
                         "jvp: tangent 1 has shape [1] but its primal has shape [2]", tg::ShapeError);
    CHECK_THROWS_AS(tg::jvp<double>(f, {Tensor<double>{1.0}}, {}), tg::ShapeError);
}

TEST_CASE("jvp of a broadcasting and reducing function equals the Jacobian times the tangent") {
    auto f = [](const Var<double>& x) { return tg::sum(tg::tanh(tg::matmul(x, tg::transpose(x))), {1}); };
    const Tensor<double> x = tg::uniform<double>({3, 2}, -1, 1), dx = tg::uniform<double>({3, 2}, -1, 1);
    const Tensor<double> J = tg::jacrev(f, x);
    auto [y, dy] = tg::jvp(f, x, dx);
    CHECK(tg::allclose(dy, tg::matmul(J.reshape({3, 6}), dx.reshape({6})), 1e-12, 1e-12));
}

TEST_CASE("jacfwd and jacrev agree and jacobian has shape y ++ x") {
    auto f = [](const Var<double>& x) { return tg::exp(x) * tg::sum(x); };
    const Tensor<double> x = tg::uniform<double>({2, 2}, -1, 1);
    const Tensor<double> Jf = tg::jacfwd(f, x), Jr = tg::jacrev(f, x);
    CHECK(Jf.shape() == tg::Shape{2, 2, 2, 2});
    CHECK(tg::allclose(Jf, Jr, 1e-13, 1e-13));
    CHECK(tg::allclose(tg::jacobian(f, x), Jr, 1e-13, 1e-13));
}

TEST_CASE("gradients returns d y / d x for intermediates without touching .grad") {
    Var<double> x(Tensor<double>{2.0}, true);
    const Var<double> h = x * x;
    const Var<double> y = tg::sum(h * 3.0);
    const auto g = tg::gradients(y, {h, x}, tg::ones<double>({}));
    CHECK(g[0].item() == doctest::Approx(3.0));
    CHECK(g[1].item() == doctest::Approx(12.0));
    CHECK_FALSE(x.has_grad());
}

TEST_CASE("Hessian of Rosenbrock matches the closed form") {
    const std::vector<double> x0 = {-1.2, 1.0, 0.5, 2.0};
    const Tensor<double> H = tg::hessian(rosenbrock, Tensor<double>::from_vector(x0));
    CHECK(tg::allclose(H, rosenbrock_hessian(x0), 1e-12, 1e-10));
}

TEST_CASE("hvp forward-over-reverse and reverse-over-reverse both give H v") {
    const std::vector<double> x0 = {0.3, -0.7, 1.1};
    const Tensor<double> x = Tensor<double>::from_vector(x0), v{1.0, 2.0, -0.5};
    const Tensor<double> expect = tg::matmul(rosenbrock_hessian(x0), v);
    CHECK(tg::allclose(tg::hvp(rosenbrock, x, v), expect, 1e-12, 1e-10));
    CHECK(tg::allclose(tg::hvp(rosenbrock, x, v, tg::HvpMode::reverse_over_reverse), expect, 1e-12, 1e-10));
}

TEST_CASE("hessian and hvp of a non-scalar function are refused") {
    auto f = [](const Var<double>& x) { return x * x; };
    CHECK_THROWS_WITH_AS(tg::hessian(f, Tensor<double>{1.0, 2.0}), doctest::Contains("hessian: f must return a one-element"),
                         tg::AutogradError);
    CHECK_THROWS_AS(tg::hvp(f, Tensor<double>{1.0, 2.0}, Tensor<double>{1.0, 0.0}), tg::AutogradError);
    CHECK_THROWS_AS(tg::hvp(rosenbrock, Tensor<double>{1.0, 2.0}, Tensor<double>{1.0}), tg::ShapeError);
}

TEST_CASE("third derivative through two create_graph passes") {
    Var<double> x(Tensor<double>{1.5}, true);
    const Var<double> y = tg::sum(tg::pow(x, 4.0));
    const Var<double> g1 = tg::gradients(y, {x}, tg::ones<double>({}), {.create_graph = true})[0];
    const Var<double> g2 = tg::gradients(tg::sum(g1), {x}, tg::ones<double>({}), {.create_graph = true})[0];
    const Var<double> g3 = tg::gradients(tg::sum(g2), {x}, tg::ones<double>({}))[0];
    CHECK(g1.item() == doctest::Approx(4 * 1.5 * 1.5 * 1.5));
    CHECK(g2.item() == doctest::Approx(12 * 1.5 * 1.5));
    CHECK(g3.item() == doctest::Approx(24 * 1.5));
}
