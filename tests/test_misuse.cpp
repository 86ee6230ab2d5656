// Autograd misuse: each scenario gives the exact error type with a message that says what went
// wrong, or the exact right result. One line of intent per case; see docs/guide.md for the rules.
#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

using tg::Tensor;
using tg::Var;

namespace {
Var<double> param() { return Var<double>(Tensor<double>{1.0, 2.0}, true); }
const Tensor<double> scalar_one = tg::ones<double>({});
}  // namespace

TEST_CASE("misuse 1: backward twice through a released graph") {
    Var<double> x = param();
    const Var<double> y = tg::sum(x * x);
    y.backward();
    CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("was released (by an earlier backward"),
                         tg::AutogradError);
}

TEST_CASE("misuse 2: keep_graph allows a second pass, which accumulates") {
    Var<double> x = param();
    const Var<double> y = tg::sum(x * x);
    y.backward({.keep_graph = true});
    y.backward();
    CHECK(tg::allclose(x.grad(), Tensor<double>{4.0, 8.0}, 0, 0));
}

TEST_CASE("misuse 3: a seed whose shape differs from the output") {
    const Var<double> y = param() * 2.0;
    CHECK_THROWS_WITH_AS(y.backward(tg::ones<double>({3})), doctest::Contains("seed has shape [3]"),
                         tg::ShapeError);
}

TEST_CASE("misuse 4: a non-scalar output without a seed") {
    const Var<double> y = param() * 2.0;
    CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("needs an explicit seed"), tg::AutogradError);
}

TEST_CASE("misuse 5: grad of a non-leaf without retain_grad") {
    const Var<double> h = param() * 2.0;
    tg::sum(h).backward();
    CHECK_THROWS_WITH_AS(h.grad(), doctest::Contains("retain_grad()"), tg::AutogradError);
}

TEST_CASE("misuse 6: grad of a Var that does not require one") {
    const Var<double> c(Tensor<double>{1.0});
    CHECK_THROWS_WITH_AS(c.grad(), doctest::Contains("does not require grad"), tg::AutogradError);
}

TEST_CASE("misuse 7: an in-place write to a saved tensor before backward") {
    Var<double> x = param();
    const Var<double> y = tg::sum(tg::sin(x));
    Tensor<double> v = x.value();
    v *= 2.0;
    CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("input 0 of 'sin'"), tg::AutogradError);
}

TEST_CASE("misuse 8: a Var used after its tape was cleared") {
    Var<double> x = param();
    const Var<double> h = x * x;
    tg::clear_tape<double>();
    CHECK_THROWS_WITH_AS(h + 1.0, doctest::Contains("add: input 0 belongs to a graph that was released"),
                         tg::AutogradError);
    CHECK_THROWS_AS(tg::sum(h).backward(), tg::AutogradError);
}

TEST_CASE("misuse 9: backward of a value computed under NoGrad") {
    Var<double> x = param();
    Var<double> y;
    {
        tg::NoGrad off;
        y = tg::sum(x * x);
    }
    CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("does not require grad"), tg::AutogradError);
}

TEST_CASE("misuse 10: requires_grad_ on the output of an op") {
    Var<double> y = param() * 2.0;
    CHECK_THROWS_WITH_AS(y.requires_grad_(), doctest::Contains("only a leaf"), tg::AutogradError);
}

TEST_CASE("misuse 11: an undefined Var or seed") {
    const Var<double> u;
    CHECK_THROWS_WITH_AS(u.backward(), doctest::Contains("undefined Var"), tg::AutogradError);
    CHECK_THROWS_WITH_AS(Var<double>(Tensor<double>(), true), doctest::Contains("undefined tensor"),
                         tg::AutogradError);
    const Var<double> y = tg::sum(param() * 2.0);
    CHECK_THROWS_WITH_AS(y.backward(Tensor<double>()), doctest::Contains("undefined seed"), tg::AutogradError);
}

TEST_CASE("misuse 12: detach in forward mode drops the tangent of that factor only") {
    // f(x) = detach(x) * x: jvp gives x * dx, not 2 x dx.
    auto [y, dy] = tg::jvp<double>([](const Var<double>& x) { return x.detach() * x; }, Tensor<double>{3.0},
                                   Tensor<double>{1.0});
    CHECK(y.item() == 9.0);
    CHECK(dy.item() == 3.0);
}

TEST_CASE("misuse 13: tg::grad inside a function differentiated by the caller's tape") {
    // The inner grad is a plain tensor: a constant for the outer graph, which stays intact.
    Var<double> x = param();
    const Var<double> y = tg::sum(x * x);
    const Tensor<double> inner = tg::grad<double>([](const Var<double>& z) { return tg::sum(z * z * z); },
                                                  x.value());
    CHECK(tg::allclose(inner, Tensor<double>{3.0, 12.0}, 0, 0));
    y.backward();
    CHECK(tg::allclose(x.grad(), Tensor<double>{2.0, 4.0}, 0, 0));
}

TEST_CASE("misuse 14: nested tg::gradient calls on scalar code") {
    // d/dx [x * d/dy (x y^2) at y = x] = d/dx [2 x^3] = 6 x^2
    auto outer = [](const std::vector<tg::Rev<double>>& v) {
        const tg::Rev<double> x = v[0];
        auto inner = tg::gradient(
            [&](const std::vector<tg::Rev<double>>& w) { return x.value() * w[0] * w[0]; },
            std::vector<double>{x.value()});
        return x * inner.gradient[0];
    };
    const auto r = tg::gradient(outer, std::vector<double>{2.0});
    CHECK(r.value == doctest::Approx(16.0));
    CHECK(r.gradient[0] == doctest::Approx(8.0));  // the inner result is a number: d/dx [x * 2 x^2]|const =
                                                   // 2x^2
}

TEST_CASE("misuse 15: gradients with respect to a Var the output does not depend on") {
    Var<double> x = param(), unused(Tensor<double>{5.0}, true);
    const auto g = tg::gradients(tg::sum(x * x), {unused, x}, scalar_one);
    CHECK(tg::allclose(g[0].value(), Tensor<double>{0.0}, 0, 0));
    CHECK(tg::allclose(g[1].value(), Tensor<double>{2.0, 4.0}, 0, 0));
}

TEST_CASE("misuse 16: jvp with tangents that do not match") {
    CHECK_THROWS_WITH_AS(tg::jvp<double>([](const Var<double>& x) { return x; }, Tensor<double>{1.0, 2.0},
                                         Tensor<double>{1.0}),
                         doctest::Contains("tangent 0 has shape [1]"), tg::ShapeError);
}

TEST_CASE("misuse 17: a vjp pullback given a cotangent of the wrong shape") {
    auto [y, pull] = tg::vjp<double>([](const Var<double>& x) { return x * 2.0; }, Tensor<double>{1.0, 2.0});
    CHECK_THROWS_WITH_AS(pull(Tensor<double>{1.0}), doctest::Contains("vjp: cotangent has shape [1]"),
                         tg::ShapeError);
}

TEST_CASE("misuse 18: backward on a Var recorded on another thread") {
    Var<double> y;
    std::thread t([&] {
        Var<double> x(Tensor<double>{1.0}, true);
        y = tg::sum(x * x);
    });
    t.join();
    CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("recorded on another thread"), tg::AutogradError);
}

TEST_CASE("misuse 19: value_and_grad of a function that is not scalar") {
    CHECK_THROWS_WITH_AS(
        tg::value_and_grad<double>([](const Var<double>& x) { return x * 2.0; }, Tensor<double>{1.0, 2.0}),
        doctest::Contains("one-element Var"), tg::AutogradError);
}

TEST_CASE("misuse 20: zero_grad then grad gives zeros of the leaf's shape") {
    Var<double> x = param();
    tg::sum(x * x).backward();
    x.zero_grad();
    CHECK(tg::allclose(x.grad(), Tensor<double>{0.0, 0.0}, 0, 0));
}

TEST_CASE("misuse 21: a custom VJP returning the wrong number of cotangents") {
    const auto bad = tg::custom_function<double>(
        "bad_count", [](const std::vector<Tensor<double>>& x) { return x[0].clone(); },
        [](const std::vector<Var<double>>&, const Var<double>&, const Var<double>& gy) {
            return std::vector<Var<double>>{gy, gy};
        });
    Var<double> x = param();
    CHECK_THROWS_WITH_AS(tg::sum(bad({x})).backward(),
                         doctest::Contains("'bad_count': vjp returned 2 cotangents"), tg::ShapeError);
}

TEST_CASE("misuse 22: gradients with an undefined Var among the inputs") {
    Var<double> x = param();
    CHECK_THROWS_WITH_AS(tg::gradients(tg::sum(x * x), {x, Var<double>()}, scalar_one),
                         doctest::Contains("undefined Var among the inputs"), tg::AutogradError);
}

TEST_CASE("misuse 23: a parameter updated in place between forward and backward (optimizer too early)") {
    Var<double> w = param();
    const Var<double> loss = tg::sum(tg::exp(w));
    Tensor<double> wv = w.value();
    wv -= Tensor<double>{0.1, 0.1};
    CHECK_THROWS_WITH_AS(loss.backward(), doctest::Contains("written in place after the op was recorded"),
                         tg::AutogradError);
}

TEST_CASE("misuse 24: hessian of a non-scalar function") {
    CHECK_THROWS_AS(tg::hessian<double>([](const Var<double>& x) { return x * x; }, Tensor<double>{1.0, 2.0}),
                    tg::AutogradError);
}
