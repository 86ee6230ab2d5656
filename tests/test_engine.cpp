// The reverse-mode engine, one behaviour per case.
#include <doctest/doctest.h>

#include <cmath>
#include <tensorgrad/tensorgrad.hpp>
#include <thread>

using tg::Tensor;
using tg::Var;

TEST_CASE("fan-out accumulates: d(x x + x)/dx = 2x + 1") {
    Var<double> x(Tensor<double>{1.5, -2.0}, true);
    auto y = tg::sum(x * x + x);
    y.backward();
    CHECK(tg::allclose(x.grad(), Tensor<double>{4.0, -3.0}));
}

TEST_CASE("an unused input gets a zero gradient") {
    Var<double> x(Tensor<double>{1.0, 2.0}, true), unused(Tensor<double>{3.0}, true);
    tg::sum(tg::exp(x)).backward();
    CHECK_FALSE(unused.has_grad());
    CHECK(tg::allclose(unused.grad(), Tensor<double>{0.0}));
}

TEST_CASE("broadcast gradients are summed back to each input's shape") {
    Var<double> a(tg::ones<double>({3, 4}), true), b(Tensor<double>{1.0, 2.0, 3.0, 4.0}, true);
    tg::sum(a * b).backward();
    CHECK(b.grad().shape() == tg::Shape{4});
    CHECK(tg::allclose(b.grad(), Tensor<double>{3.0, 3.0, 3.0, 3.0}));
    CHECK(tg::allclose(a.grad(), Tensor<double>{1.0, 2.0, 3.0, 4.0}.broadcast_to({3, 4}).contiguous()));
}

TEST_CASE("a non-scalar output needs a seed") {
    Var<double> x(Tensor<double>{1.0, 2.0}, true);
    auto y = x * 3.0;
    CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("needs an explicit seed"), tg::AutogradError);
    y.backward(Tensor<double>{1.0, 10.0});
    CHECK(tg::allclose(x.grad(), Tensor<double>{3.0, 30.0}));
}

TEST_CASE("constants are not recorded") {
    tg::clear_tape<double>();
    Var<double> c(Tensor<double>{1.0, 2.0});
    auto y = tg::exp(c) * 2.0 + c;
    CHECK(tg::tape_size<double>() == 0);
    CHECK_FALSE(y.requires_grad());
}

TEST_CASE("no_grad records nothing and its outputs need no gradient") {
    tg::clear_tape<double>();
    Var<double> x(Tensor<double>{1.0}, true);
    tg::NoGrad guard;
    auto y = tg::sin(x);
    CHECK(tg::tape_size<double>() == 0);
    CHECK_FALSE(y.requires_grad());
}

TEST_CASE("gradients accumulate across backward calls until zero_grad") {
    Var<double> x(Tensor<double>{2.0}, true);
    tg::sum(x * x).backward();
    tg::sum(x * x).backward();
    CHECK(x.grad().item() == doctest::Approx(8.0));
    x.zero_grad();
    tg::sum(x * 5.0).backward();
    CHECK(x.grad().item() == doctest::Approx(5.0));
}

TEST_CASE("backward through a released graph is a clear error - keep_graph allows a second pass") {
    Var<double> x(Tensor<double>{1.0}, true);
    auto y = tg::sum(tg::exp(x));
    y.backward();
    CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("released"), tg::AutogradError);
    auto z = tg::sum(tg::exp(x));
    x.zero_grad();
    z.backward({.keep_graph = true});
    z.backward();
    CHECK(x.grad().item() == doctest::Approx(2 * std::exp(1.0)));
}

TEST_CASE("recording with a Var from a released graph names the op") {
    Var<double> x(Tensor<double>{1.0}, true);
    auto h = tg::exp(x);
    tg::sum(h).backward();
    CHECK_THROWS_WITH_AS(tg::sin(h), doctest::Contains("sin: input 0 belongs to a graph that was released"),
                         tg::AutogradError);
    auto ok = tg::sin(h.detach());  // the value is still usable as a constant
    CHECK(ok.item() == doctest::Approx(std::sin(std::exp(1.0))));
}

TEST_CASE("grad of a Var that does not require one is an error") {
    Var<double> c(Tensor<double>{1.0});
    CHECK_THROWS_WITH_AS(c.grad(), doctest::Contains("does not require grad"), tg::AutogradError);
    Var<double> x(Tensor<double>{1.0}, true);
    auto y = x * 2.0;
    CHECK_THROWS_WITH_AS(y.grad(), doctest::Contains("retain_grad"), tg::AutogradError);
}

TEST_CASE("retain_grad keeps an intermediate gradient") {
    Var<double> x(Tensor<double>{3.0}, true);
    auto h = x * x;
    h.retain_grad();
    tg::sum(h * 2.0).backward();
    CHECK(h.grad().item() == doctest::Approx(2.0));
    CHECK(x.grad().item() == doctest::Approx(12.0));
}

TEST_CASE("a nested tape scope leaves the outer tape intact") {
    tg::clear_tape<double>();
    Var<double> x(Tensor<double>{0.5}, true);
    auto outer = tg::sin(x);
    const auto before = tg::tape_size<double>();
    {
        tg::TapeScope<double> inner;
        Var<double> z(Tensor<double>{2.0}, true);
        tg::sum(z * outer).backward();  // outer is a constant on the inner tape
        CHECK(z.grad().item() == doctest::Approx(std::sin(0.5)));
    }
    CHECK(tg::tape_size<double>() == before);
    tg::sum(outer).backward();
    CHECK(x.grad().item() == doctest::Approx(std::cos(0.5)));
}

TEST_CASE("create_graph gives a differentiable gradient (second derivative of x^3)") {
    Var<double> x(Tensor<double>{2.0}, true);
    auto y = tg::sum(x * x * x);
    y.backward({.create_graph = true});
    Var<double> g = x.grad_var();
    CHECK(g.item() == doctest::Approx(12.0));
    x.zero_grad();
    tg::sum(g).backward();
    CHECK(x.grad().item() == doctest::Approx(12.0));  // d/dx 3x^2 = 6x
}

TEST_CASE("scalars and tensors mix with Vars as constants - in float too") {
    Var<float> x(Tensor<float>{1.0f, 2.0f}, true);
    auto y = tg::sum(2.0 * x + Tensor<float>{1.0f, 1.0f} - x / 2.0);
    y.backward();
    CHECK(tg::allclose(x.grad(), Tensor<float>{1.5f, 1.5f}));
}

TEST_CASE("threads have independent tapes") {
    Var<double> x(Tensor<double>{1.0}, true);
    double other = 0;
    std::thread t([&] {
        Var<double> z(Tensor<double>{3.0}, true);
        tg::sum(z * z).backward();
        other = z.grad().item();
    });
    auto y = tg::sum(x * 4.0);
    t.join();
    y.backward();
    CHECK(other == doctest::Approx(6.0));
    CHECK(x.grad().item() == doctest::Approx(4.0));
}

// A plain backward adds each slice's cotangent into its region of the input's adjoint in place;
// create_graph takes the differentiable path (slice_transpose ops). Both must agree, for row
// slices (contiguous regions), column and strided slices (strided regions), overlapping slices,
// and a slice whose input's adjoint is also a value the sweep holds elsewhere.
TEST_CASE("gradients through many slices of one tensor agree with the differentiable path") {
    const Tensor<double> x0 = tg::uniform<double>({6, 5}, -1, 1);
    auto f = [](const Var<double>& x) {
        Var<double> h = tg::slice(tg::slice(x, 0, 0, 1), 1, 0, 5);
        for (tg::index_t t = 1; t < 6; ++t) h = tg::tanh(h + tg::slice(x, 0, t, t + 1));  // RNN-like steps
        const Var<double> cols = tg::slice(x, 1, 1, 5, 2), overlap = tg::slice(x, 0, 2, 5);
        return tg::sum(h * h) + tg::sum(tg::square(cols)) + tg::sum(tg::sin(overlap)) + tg::sum(x);
    };
    Var<double> x(x0, true);
    f(x).backward();
    Var<double> x2(x0, true);
    const Var<double> g = tg::gradients(f(x2), {x2}, tg::ones<double>({}), {.create_graph = true})[0];
    CHECK(tg::allclose(x.grad(), g.value(), 1e-14, 1e-14));
    tg::clear_tape<double>();
    CHECK(tg::gradcheck([&](const std::vector<Var<double>>& v) { return f(v[0]); }, {x0}).ok);
}
