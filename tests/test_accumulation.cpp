// Leaf gradients accumulate across backward calls on both of the engine's paths: in place (nobody
// else holds the gradient) and out of place (the user holds it, or the sweep is recorded).
#include <doctest/doctest.h>

#include <vector>

#include <tensorgrad/tensorgrad.hpp>

using tg::Tensor;
using tg::Var;

TEST_CASE("a held leaf gradient is left alone and the next backward adds to it out of place") {
    tg::clear_tape<double>();
    Var<double> x(Tensor<double>{1.0, 2.0}, true);
    tg::sum(x * x).backward();
    const Tensor<double> first = x.grad();  // the user holds it: the next sum cannot be in place
    tg::sum(x * x * x).backward();
    CHECK(first.to_vector() == std::vector<double>{2.0, 4.0});
    CHECK(x.grad().to_vector() == std::vector<double>{2.0 + 3.0, 4.0 + 12.0});
}

TEST_CASE("leaf gradients accumulate under create_graph and stay differentiable") {
    tg::clear_tape<double>();
    Var<double> x(Tensor<double>{3.0}, true);
    tg::sum(x * x).backward({.create_graph = true});
    tg::sum(x * x * x).backward({.create_graph = true});
    CHECK(x.grad().to_vector() == std::vector<double>{6.0 + 27.0});
    tg::clear_tape<double>();
}
