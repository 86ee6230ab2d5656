// Bilinear and ConvTranspose2d against torch 1.13 (outputs and every gradient, weights from the
// closed formula of tests/data/recurrent_reference.py, numbers in tests/recurrent_reference.hpp),
// their layouts, init bounds, descriptions and shape errors.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

#include "../nn/bilinear.hpp"
#include "../nn/conv_transpose.hpp"
#include "recurrent_reference.hpp"

using tg::Shape;
using tg::Tensor;
using tg::Var;
namespace nn = tg::nn;
namespace ref = recurrent_reference;

namespace {
template <class T>
Tensor<T> formula(const Shape& s, double a, double b, double scale) {
    std::vector<T> v(static_cast<std::size_t>(s.numel()));
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<T>(scale * std::sin(a * double(i) + b));
    return Tensor<T>::from_vector(v, s);
}
template <class T>
void fill(nn::Module<T>& m, double seed) {
    int k = 0;
    for (auto& [n, p] : m.named_parameters()) {
        Tensor<T> v = p.value();
        v.assign(formula<T>(p.shape(), 0.37, seed + k++, 0.4));
    }
}
template <class T>
double max_diff(const Tensor<T>& t, const std::vector<double>& want) {
    const auto got = t.to_vector();
    if (got.size() != want.size()) return INFINITY;
    double d = 0;
    for (std::size_t i = 0; i < got.size(); ++i) d = std::max(d, std::abs(double(got[i]) - want[i]));
    return d;
}
std::string message_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const tg::Error& e) {
        return e.what();
    }
    return "no error";
}
template <class T>
std::pair<double, double> range(const Tensor<T>& t) {
    auto v = t.to_vector();
    return {double(*std::min_element(v.begin(), v.end())), double(*std::max_element(v.begin(), v.end()))};
}
}  // namespace

TEST_CASE("nn bilinear: matches torch in y and the gradients of x1, x2, weight and bias") {
    nn::Bilinear<double> bl(3, 4, 2);
    CHECK(bl.weight.shape() == Shape{2, 3, 4});
    fill(bl, 0.25);
    Var<double> x1(formula<double>({5, 3}, 0.9, 0.2, 1), true), x2(formula<double>({5, 4}, 0.6, 0.5, 1), true);
    Var<double> y = bl.forward(x1, x2);
    CHECK(max_diff(y.value(), ref::bilinear_y) < 1e-13);
    tg::sum(y * Var<double>(formula<double>({5, 2}, 0.5, 0.3, 1))).backward();
    CHECK(max_diff(x1.grad(), ref::bilinear_grad_x1) < 1e-13);
    CHECK(max_diff(x2.grad(), ref::bilinear_grad_x2) < 1e-13);
    CHECK(max_diff(bl.weight.grad(), ref::bilinear_grad_weight) < 1e-13);
    CHECK(max_diff(bl.bias.grad(), ref::bilinear_grad_bias) < 1e-13);
    // Leading axes: (5, 3) reshaped to (5, 1, 3) gives the same numbers.
    Var<double> y3 = bl.forward(Var<double>(x1.value().reshape({5, 1, 3})),
                                Var<double>(x2.value().reshape({5, 1, 4})));
    CHECK(y3.shape() == Shape{5, 1, 2});
    CHECK(max_diff(y3.value(), ref::bilinear_y) < 1e-13);
    // Second order too (the composition is of registered ops).
    auto rep = tg::gradcheck(
        [](const std::vector<Var<double>>& v) { return tg::sum(tg::square(nn::bilinear(v[0], v[1], v[2]))); },
        {formula<double>({2, 3}, 0.9, 0.2, 1), formula<double>({2, 2}, 0.6, 0.5, 1),
         formula<double>({2, 3, 2}, 0.3, 0.1, 1)});
    CHECK_MESSAGE(rep.ok, rep.str());
}

TEST_CASE("nn bilinear: init bounds, float32, description and errors") {
    tg::manual_seed(4);
    nn::Bilinear<float> bl(16, 5, 30);
    auto [lo, hi] = range(bl.weight.value());
    CHECK(lo >= -0.25);  // 1 / sqrt(in1) = 1/4
    CHECK(hi <= 0.25);
    CHECK(lo < -0.24);
    CHECK(hi > 0.24);
    CHECK(bl.num_parameters() == 30 * 16 * 5 + 30);
    CHECK(bl.describe() == "Bilinear(in1=16, in2=5, out=30, bias=true)");
    CHECK(bl.forward(Var<float>(tg::ones<float>({7, 16})), Var<float>(tg::ones<float>({7, 5}))).shape() ==
          Shape{7, 30});
    CHECK(message_of([&] {
              bl.forward(Var<float>(tg::ones<float>({7, 16})));
          }) == "Bilinear: takes two inputs; call forward(x1, x2)");
    CHECK(message_of([&] {
              bl.forward(Var<float>(tg::ones<float>({7, 16})), Var<float>(tg::ones<float>({6, 5})));
          }) == "bilinear: need x1 (..., in1), x2 (..., in2) with the same leading axes, weight (out, in1, in2), "
                "bias (out); got x1 [7,16], x2 [6,5], weight [30,16,5], bias [30]");
    CHECK_THROWS_AS(bl.forward(Var<float>(tg::ones<float>({7, 5})), Var<float>(tg::ones<float>({7, 16}))),
                    tg::ShapeError);
    CHECK_THROWS_AS(nn::Bilinear<float>(0, 3, 2), tg::ShapeError);
    nn::Bilinear<float> nb(2, 2, 1, false);
    CHECK(nb.parameters().size() == 1);
}

TEST_CASE("nn conv_transpose2d: matches torch (stride, padding, output_padding, groups)") {
    nn::ConvTranspose2d<double> ct(
        4, 6, {3, 2}, {.stride = {2, 1}, .padding = {1, 0}, .groups = 2, .output_padding = {1, 0}});
    CHECK(ct.weight.shape() == Shape{4, 3, 3, 2});  // (in, out / groups, kh, kw)
    fill(ct, 0.25);
    Var<double> x(formula<double>({2, 4, 3, 3}, 0.9, 0.2, 1), true);
    Var<double> y = ct.forward(x);
    CHECK(y.shape() == Shape{2, 6, 6, 4});
    CHECK(max_diff(y.value(), ref::convt_y) < 1e-13);
    tg::sum(y * Var<double>(formula<double>(y.shape(), 0.5, 0.3, 1))).backward();
    CHECK(max_diff(x.grad(), ref::convt_grad_x) < 1e-13);
    CHECK(max_diff(ct.weight.grad(), ref::convt_grad_weight) < 1e-13);
    CHECK(max_diff(ct.bias.grad(), ref::convt_grad_bias) < 1e-13);
    CHECK(ct.describe() ==
          "ConvTranspose2d(in=4, out=6, kernel=(3, 2), stride=(2, 1), padding=(1, 0), output_padding=(1, 0), "
          "groups=2, bias=true)");
}

TEST_CASE("nn conv_transpose2d: torch's init from its layout, float32 and errors") {
    tg::manual_seed(9);
    nn::ConvTranspose2d<float> ct(8, 4, {3, 3});
    // fan_in = size(1) kh kw = 4 * 9 = 36: bound 1/6 for weight and bias.
    auto [lo, hi] = range(ct.weight.value());
    CHECK(lo >= -1.0 / 6);
    CHECK(hi <= 1.0 / 6);
    CHECK(lo < -0.16);
    CHECK(hi > 0.16);
    auto [blo, bhi] = range(ct.bias.value());
    CHECK(blo >= -1.0 / 6);
    CHECK(bhi <= 1.0 / 6);
    CHECK(ct.forward(Var<float>(tg::ones<float>({1, 8, 5, 5}))).shape() == Shape{1, 4, 7, 7});
    CHECK_THROWS_AS(ct.forward(Var<float>(tg::ones<float>({1, 4, 5, 5}))), tg::ShapeError);
    CHECK(message_of([] {
              nn::ConvTranspose2d<float>(6, 4, {3, 3}, {.groups = 4});
          }) == "ConvTranspose2d: groups 4 must divide in 6 and out 4 (both positive)");
    CHECK_THROWS_AS(nn::ConvTranspose2d<float>(4, 4, {0, 3}), tg::ShapeError);
    nn::ConvTranspose2d<float> nb(2, 2, {2, 2}, {}, false);
    CHECK(nb.parameters().size() == 1);
}
