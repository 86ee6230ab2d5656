// User mistakes raise tg::Error subclasses whose message names the op and the shapes or values.
#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

using tg::Tensor;
using tg::Var;

namespace {
using BinaryVar = std::function<Var<double>(const Var<double>&, const Var<double>&)>;
}

TEST_CASE("every binary op rejects shapes that do not broadcast - naming the op and both shapes") {
    const std::vector<std::pair<std::string, BinaryVar>> ops = {
        {"add", [](auto& a, auto& b) { return a + b; }}, {"sub", [](auto& a, auto& b) { return a - b; }},
        {"mul", [](auto& a, auto& b) { return a * b; }}, {"div", [](auto& a, auto& b) { return a / b; }},
        {"pow", [](auto& a, auto& b) { return tg::pow(a, b); }}};
    Var<double> a(tg::ones<double>({2, 3}), true), b(tg::ones<double>({4}), true);
    for (const auto& [name, f] : ops) {
        INFO(name);
        CHECK_THROWS_WITH_AS(f(a, b), (name + ": shapes do not broadcast: [2,3] and [4]").c_str(), tg::ShapeError);
    }
}

TEST_CASE("matmul names both shapes when inner dimensions differ") {
    Var<float> x(tg::zeros<float>({32, 784})), w(tg::zeros<float>({256, 10}), true);
    CHECK_THROWS_WITH_AS(tg::matmul(x, w), "matmul: inner dimensions differ: [32,784] @ [256,10]", tg::ShapeError);
    CHECK_THROWS_WITH_AS(tg::matmul(Var<float>(tg::zeros<float>({3})), w), doctest::Contains("matmul"), tg::ShapeError);
    CHECK_THROWS_AS(tg::matmul(Var<float>(1.0f), w), tg::ShapeError);
}

TEST_CASE("reductions and shape ops reject bad axes and shapes") {
    Var<double> x(tg::ones<double>({2, 3}), true);
    CHECK_THROWS_WITH_AS(tg::sum(x, {2}), doctest::Contains("sum: axis 2 is out of range for rank 2"), tg::ShapeError);
    CHECK_THROWS_WITH_AS(tg::max(x, -3), doctest::Contains("max: axis -3"), tg::ShapeError);
    CHECK_THROWS_WITH_AS(tg::reshape(x, {4}), "reshape: cannot reshape [2,3] to [4]", tg::ShapeError);
    CHECK_THROWS_WITH_AS(tg::broadcast_to(x, {3, 3}), doctest::Contains("broadcast_to: cannot broadcast [2,3]"),
                         tg::ShapeError);
    CHECK_THROWS_WITH_AS(tg::permute(x, {0, 0}), doctest::Contains("permute"), tg::ShapeError);
    CHECK_THROWS_WITH_AS(tg::slice(x, 1, 0, 2, 0), doctest::Contains("slice: step"), tg::IndexError);
}

TEST_CASE("a seed of the wrong shape is rejected") {
    Var<double> x(tg::ones<double>({3}), true);
    auto y = x * 2.0;
    CHECK_THROWS_WITH_AS(y.backward(tg::ones<double>({2})), "backward: seed has shape [2] but the output has shape [3]",
                         tg::ShapeError);
}

TEST_CASE("backward on a value that needs no gradient is an autograd error") {
    Var<double> c(tg::ones<double>({1}));
    CHECK_THROWS_WITH_AS(tg::exp(c).backward(), doctest::Contains("backward: this Var of shape [1] does not require grad"),
                         tg::AutogradError);
}

TEST_CASE("requires_grad_ on a non-leaf is refused") {
    Var<double> x(tg::ones<double>({1}), true);
    auto y = x * 2.0;
    CHECK_THROWS_WITH_AS(y.requires_grad_(), doctest::Contains("requires_grad_"), tg::AutogradError);
}

TEST_CASE("every error derives from tg::Error and std::runtime_error") {
    CHECK_THROWS_AS(tg::reshape(Var<double>(tg::ones<double>({2})), {3}), tg::Error);
    CHECK_THROWS_AS(tg::load_npy<double>("/nonexistent/file.npy"), tg::Error);
    CHECK_THROWS_AS(tg::arange<double>(0.0, 1.0, 0.0), std::runtime_error);
}
