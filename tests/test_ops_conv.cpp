// Convolution and pooling: values against direct loops written here from the definitions (no
// im2col, no GEMM), adjoint identities, PyTorch's conventions at ties / padding, and the errors.
// (torch is not installed for Debian's python3 here, so the references are these loops; the small
// closed forms in the avg_pool2d and max_pool2d cases were worked by hand.)
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

#include "conv_reference.hpp"

using tg::index_t;
using tg::Shape;
using tg::Tensor;
using tg::Var;

namespace {

using conv_reference::direct_conv;
using conv_reference::rnd;

void check_close(const std::vector<double>& got, const std::vector<double>& want, double tol) {
    REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
        INFO("element " << i);
        CHECK(got[i] == doctest::Approx(want[i]).epsilon(tol));
    }
}

Tensor<double> abs_of(const Tensor<double>& t) {
    std::vector<double> v = t.contiguous().to_vector();
    for (double& e : v) e = std::abs(e);
    return Tensor<double>::from_vector(v, t.shape());
}

double dot(const Tensor<double>& a, const Tensor<double>& b) { return tg::sum_all(tg::mul(a, b)); }

struct Case {
    Shape x, w;
    tg::Conv2dOptions o;
};
const std::vector<Case> cases = {
    {{2, 3, 6, 5}, {4, 3, 3, 3}, {}},
    {{1, 2, 7, 8}, {3, 2, 3, 2}, {.stride = {2, 3}, .padding = {1, 2}}},
    {{2, 4, 9, 7}, {6, 2, 2, 3}, {.stride = {1, 2}, .padding = {2, 1}, .dilation = {3, 2}, .groups = 2}},
    {{1, 3, 6, 6}, {6, 1, 3, 3}, {.padding = {1, 1}, .groups = 3}},  // depthwise, multiplier 2
    {{3, 5, 4, 4}, {2, 5, 1, 1}, {}},                                // 1x1: the GEMM reads x itself
    // Batch 16, large enough for the TBB batch split (and one-thread BLAS inside it).
    {{16, 4, 16, 16}, {8, 4, 3, 3}, {.stride = {1, 1}, .padding = {1, 1}}},
    // The register-tiled GEMM's edges: 20 output channels (tiles of 8, 8, 4), 143 pixels (vectors
    // of 32, then a masked 15), depth 396 (two blocks); the batch of 5 splits 2 + 3 over two chunks.
    {{5, 44, 11, 13}, {20, 44, 3, 3}, {.padding = {1, 1}}},
    // Groups with 8 channels each (the transposed weight-gradient sum), strided and dilated.
    {{3, 4, 8, 9}, {16, 2, 3, 3}, {.stride = {2, 1}, .padding = {1, 0}, .dilation = {1, 2}, .groups = 2}},
    {{1, 8, 5, 6}, {9, 8, 3, 3}, {.padding = {1, 1}}},  // batch 1, one row left over in the tile
    // Few output channels (the weight gradient stays gw += gy cols^T), large enough to split.
    {{16, 8, 16, 16}, {6, 8, 3, 3}, {.padding = {1, 1}}},
    // 32 output channels of 256 pixels: whole 16 x 16 blocks in the gy transpose, two row tiles
    // of the GEMM per 16; batch 9 over uneven chunks.
    {{9, 8, 16, 16}, {32, 8, 3, 3}, {.padding = {1, 1}}},
    // Rows of 16 output pixels (whole vectors: the unmasked panel copies) with a row stride and
    // with dilation.
    {{2, 3, 9, 16}, {8, 3, 3, 3}, {.stride = {2, 1}, .padding = {1, 1}}},
    {{2, 3, 7, 16}, {8, 3, 3, 3}, {.padding = {2, 2}, .dilation = {2, 2}}},
};

}  // namespace

TEST_CASE("conv2d equals the direct sum - with stride - padding - dilation - groups and bias") {
    for (std::size_t k = 0; k < cases.size(); ++k) {
        const Case& c = cases[k];
        INFO("case " << k);
        const Tensor<double> x = rnd(c.x, 10 + k), w = rnd(c.w, 20 + k), b = rnd({c.w[0]}, 30 + k);
        Shape ys;
        std::vector<double> want = direct_conv(x, w, c.o, ys);
        for (std::size_t i = 0; i < want.size(); ++i) want[i] += b.to_vector()[(i / (ys[2] * ys[3])) % ys[1]];
        const Var<double> y = tg::conv2d(Var<double>(x), Var<double>(w), Var<double>(b), c.o);
        CHECK(y.shape() == ys);
        check_close(y.value().to_vector(), want, 1e-12);
        // float32 against the same double reference, within 16 roundings of the sum of |terms|
        // (the deep cases add hundreds of products in float)
        const auto mag = direct_conv(abs_of(x), abs_of(w), c.o, ys);
        const Var<float> yf = tg::conv2d(Var<float>(x.to<float>()), Var<float>(w.to<float>()),
                                         Var<float>(b.to<float>()), c.o);
        const auto vf = yf.value().to_vector();
        for (std::size_t i = 0; i < want.size(); ++i) CHECK(std::abs(vf[i] - want[i]) < 1e-6 * (1 + mag[i]));
    }
}

TEST_CASE("conv2d gradients equal the adjoint sums - and conv_transpose2d is the adjoint of conv2d") {
    for (std::size_t k = 0; k < cases.size(); ++k) {
        const Case& c = cases[k];
        INFO("case " << k);
        const Tensor<double> x = rnd(c.x, 40 + k), w = rnd(c.w, 50 + k), b = rnd({c.w[0]}, 60 + k);
        Var<double> xv(x, true), wv(w, true), bv(b, true);
        const Var<double> y = tg::conv2d(xv, wv, bv, c.o);
        const Tensor<double> g = rnd(y.shape(), 70 + k);
        y.backward(g);
        // <g, conv(x + e u, w)> is linear in e: its derivative is <g, conv(u, w)> = <dx, u>, and
        // likewise for w; the direct loop gives conv(u, w) independently of the kernels.
        const Tensor<double> u = rnd(c.x, 80 + k), v = rnd(c.w, 90 + k);
        Shape ys;
        const auto cu = direct_conv(u, w, c.o, ys), cv = direct_conv(x, v, c.o, ys);
        const double want_x = dot(g, Tensor<double>::from_vector(cu, ys));
        const double want_w = dot(g, Tensor<double>::from_vector(cv, ys));
        CHECK(dot(xv.grad(), u) == doctest::Approx(want_x).epsilon(1e-12));
        CHECK(dot(wv.grad(), v) == doctest::Approx(want_w).epsilon(1e-12));
        CHECK(tg::allclose(bv.grad(), tg::sum(g, {0, 2, 3}), 1e-12, 1e-12));
        // The same numbers through conv_transpose2d called by the user (output_padding recovers x's size).
        tg::Conv2dOptions t = c.o;
        t.output_padding = {
            c.x[2] - ((ys[2] - 1) * c.o.stride[0] - 2 * c.o.padding[0] + c.o.dilation[0] * (c.w[2] - 1) + 1),
            c.x[3] - ((ys[3] - 1) * c.o.stride[1] - 2 * c.o.padding[1] + c.o.dilation[1] * (c.w[3] - 1) + 1)};
        const Var<double> z = tg::conv_transpose2d(Var<double>(g), Var<double>(w), Var<double>(), t);
        CHECK(z.shape() == c.x);
        CHECK(tg::allclose(z.value(), xv.grad(), 1e-12, 1e-12));
    }
}

TEST_CASE("conv2d float gradients equal the double ones - GEMM tiles - transposes - chunk sums") {
    for (std::size_t k = 0; k < cases.size(); ++k) {
        const Case& c = cases[k];
        INFO("case " << k);
        const Tensor<double> x = rnd(c.x, 140 + k), w = rnd(c.w, 150 + k), b = rnd({c.w[0]}, 160 + k);
        Var<double> xd(x, true), wd(w, true), bd(b, true);
        Var<float> xf(x.to<float>(), true), wf(w.to<float>(), true), bf(b.to<float>(), true);
        const Var<double> yd = tg::conv2d(xd, wd, bd, c.o);
        const Tensor<double> g = rnd(yd.shape(), 170 + k);
        yd.backward(g);
        tg::conv2d(xf, wf, bf, c.o).backward(g.to<float>());
        // Each gradient element sums up to a few thousand float products: within 1e-5 of the
        // largest element (the bench holds tensorgrad and libtorch to 1e-4).
        const auto near = [](const Tensor<float>& got, const Tensor<double>& want) {
            const auto u = got.to<double>().to_vector(), v = want.to_vector();
            double worst = 0, scale = 1;
            for (std::size_t i = 0; i < v.size(); ++i)
                worst = std::max(worst, std::abs(u[i] - v[i])), scale = std::max(scale, std::abs(v[i]));
            return worst <= 1e-5 * scale;
        };
        CHECK(near(xf.grad(), xd.grad()));
        CHECK(near(wf.grad(), wd.grad()));
        CHECK(near(bf.grad(), bd.grad()));
    }
}

TEST_CASE("conv_transpose2d - output size - output_padding and bias") {
    // g [1,2,3,3], w [2,3,3,3], stride 2, padding 1, output_padding 1: (3-1)*2 - 2 + 2 + 1 + 1 = 6.
    const Tensor<double> g = rnd({1, 2, 3, 3}, 1), w = rnd({2, 3, 3, 3}, 2), b = tg::full<double>({3}, 0.5);
    tg::Conv2dOptions o{.stride = {2, 2}, .padding = {1, 1}, .output_padding = {1, 0}};
    const Var<double> z = tg::conv_transpose2d(Var<double>(g), Var<double>(w), Var<double>(b), o);
    CHECK(z.shape() == Shape{1, 3, 6, 5});
    // <conv_transpose2d(g, w), x> = <g, conv2d(x, w)> for every x of z's shape.
    const Tensor<double> x = rnd({1, 3, 6, 5}, 3);
    Shape ys;
    const auto cx = direct_conv(x, w, o, ys);
    CHECK(ys == g.shape());
    const double bias_part = 0.5 * tg::sum_all(x);
    CHECK(dot(z.value(), x) ==
          doctest::Approx(dot(g, Tensor<double>::from_vector(cx, ys)) + bias_part).epsilon(1e-12));
}

TEST_CASE("conv1d equals conv2d over a unit axis and the direct sum") {
    const Tensor<double> x = rnd({2, 4, 11}, 5), w = rnd({6, 2, 3}, 6);
    const Var<double> y = tg::conv1d(Var<double>(x), Var<double>(w), Var<double>(),
                                     {.stride = 2, .padding = 1, .dilation = 2, .groups = 2});
    Shape ys;
    const auto want = direct_conv(x.reshape({2, 4, 1, 11}), w.reshape({6, 2, 1, 3}),
                                  {.stride = {1, 2}, .padding = {0, 1}, .dilation = {1, 2}, .groups = 2}, ys);
    CHECK(y.shape() == Shape{2, 6, 5});  // (11 + 2 - 4 - 1) / 2 + 1
    check_close(y.value().to_vector(), want, 1e-12);
    Var<double> xv(x, true);
    tg::sum(tg::conv1d(xv, Var<double>(rnd({3, 4, 2}, 7)))).backward();
    CHECK(xv.grad().shape() == x.shape());
}

TEST_CASE("conv2d second derivatives - the Hessian-vector product of a conv net's loss by double backward") {
    // f(w) = sum(tanh(conv(x, w))^2): its Hessian-vector product by double backward against a
    // central difference of the gradient.
    const Tensor<double> x = rnd({2, 2, 5, 5}, 7), w0 = rnd({3, 2, 3, 3}, 8), v = rnd({3, 2, 3, 3}, 9);
    auto grad_at = [&](const Tensor<double>& w) {
        Var<double> wv(w, true);
        const Var<double> y = tg::conv2d(Var<double>(x), wv, Var<double>(), {.padding = {1, 0}});
        tg::sum(tg::square(tg::tanh(y))).backward();
        return wv.grad();
    };
    Var<double> wv(w0, true);
    const Var<double> y = tg::conv2d(Var<double>(x), wv, Var<double>(), {.padding = {1, 0}});
    const Var<double> g = tg::gradients(tg::sum(tg::square(tg::tanh(y))), {wv}, Tensor<double>::scalar(1.0),
                                        {.create_graph = true})[0];
    const Tensor<double> hv =
        tg::gradients(tg::sum(g * Var<double>(v)), {wv}, Tensor<double>::scalar(1.0))[0].value();
    const double h = 1e-5;
    const Tensor<double> fd = tg::div(tg::sub(grad_at(tg::add(w0, tg::mul(v, Tensor<double>::scalar(h)))),
                                              grad_at(tg::sub(w0, tg::mul(v, Tensor<double>::scalar(h))))),
                                      Tensor<double>::scalar(2 * h));
    CHECK(tg::allclose(hv, fd, 1e-6, 1e-7));
}

TEST_CASE("max_pool2d - values - padding as -inf - ties to the first element - NaN propagates") {
    // 1x1x4x4 = 0..15, 2x2 windows, stride 2: the bottom-right element of each window.
    const Tensor<double> x = tg::arange<double>(0, 16).reshape({1, 1, 4, 4});
    CHECK(tg::max_pool2d(Var<double>(x), {.kernel = {2, 2}}).value().to_vector() ==
          std::vector<double>{5, 7, 13, 15});
    // Padding 1, kernel 3, stride 2 on negative values: padding never wins.
    const Tensor<double> neg = tg::sub(Tensor<double>::scalar(-20), x);
    CHECK(tg::max_pool2d(Var<double>(neg), {.kernel = {3, 3}, .stride = {2, 2}, .padding = {1, 1}})
              .value()
              .to_vector() == std::vector<double>{-20, -21, -24, -25});
    // A window of equal values: the first element (row-major) gets the whole gradient.
    Var<double> t(tg::full<double>({1, 1, 2, 3}, 1.0), true);
    tg::max_pool2d(t, {.kernel = {2, 2}, .stride = {1, 1}})
        .backward(Tensor<double>::from_vector({1, 10}, {1, 1, 1, 2}));
    CHECK(t.grad().to_vector() == std::vector<double>{1, 10, 0, 0, 0, 0});
    // Dilation 2: the window {0, 2, 8, 10} of the 4x4 plane, and so on.
    CHECK(tg::max_pool2d(Var<double>(x), {.kernel = {2, 2}, .stride = {1, 1}, .dilation = {2, 2}})
              .value()
              .to_vector() == std::vector<double>{10, 11, 14, 15});
    Tensor<double> xn = x.clone();
    xn.set({0, 0, 0, 0}, std::numeric_limits<double>::quiet_NaN());
    const auto yn = tg::max_pool2d(Var<double>(xn), {.kernel = {2, 2}}).value().to_vector();
    CHECK(std::isnan(yn[0]));
    CHECK(yn[1] == 7);
}

TEST_CASE("max_pool2d - ties go to the first element on the general path too - padding and dilation") {
    // Padding 1 on a 2x2 plane of ones, kernel 2, stride 1: nine windows, each with 1, 2 or 4 input
    // taps, all equal. Window (i, j)'s first tap in row-major order is (max(i-1, 0), max(j-1, 0)),
    // so the cotangents 1..9 add up to {1+2+4+5, 3+6, 7+8, 9}; ties to the last tap would give
    // {1, 5, 11, 28}. (The fast paths without padding have their own tests, test_pool_fast.cpp.)
    for (const bool record : {false, true}) {
        Var<double> x(tg::full<double>({1, 1, 2, 2}, 1.0), true);
        const auto g = Tensor<double>::from_vector({1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 1, 3, 3});
        const Var<double> y = tg::max_pool2d(x, {.kernel = {2, 2}, .stride = {1, 1}, .padding = {1, 1}});
        if (record) {  // the recorded rule (create_graph), not the plain sweep
            const auto gx = tg::gradients(y, {x}, g, {.create_graph = true});
            CHECK(gx[0].value().to_vector() == std::vector<double>{12, 9, 15, 9});
        } else {
            y.backward(g);
            CHECK(x.grad().to_vector() == std::vector<double>{12, 9, 15, 9});
        }
    }
    // Dilation 2 along the width, no padding: the single window {(0,0), (0,2), (1,0), (1,2)}.
    Var<double> x(tg::full<double>({1, 1, 2, 3}, 2.0), true);
    tg::max_pool2d(x, {.kernel = {2, 2}, .stride = {1, 1}, .dilation = {1, 2}})
        .backward(Tensor<double>::from_vector({5}, {1, 1, 1, 1}));
    CHECK(x.grad().to_vector() == std::vector<double>{5, 0, 0, 0, 0, 0});
}

TEST_CASE("max_pool2d - overlapping windows sharing a maximum add their cotangents there") {
    Var<double> x(Tensor<double>::from_vector({0, 1, 0, 0, 9, 0, 0, 0, 0}, {1, 1, 3, 3}), true);
    const Var<double> y = tg::max_pool2d(x, {.kernel = {2, 2}, .stride = {1, 1}});
    CHECK(y.value().to_vector() == std::vector<double>{9, 9, 9, 9});
    y.backward(Tensor<double>::from_vector({1, 2, 3, 4}, {1, 1, 2, 2}));
    CHECK(x.grad().to_vector() == std::vector<double>{0, 0, 0, 0, 10, 0, 0, 0, 0});
}

TEST_CASE("avg_pool2d - count_include_pad divides by the whole window - excluded counts the input only") {
    // 1x1x2x2 = [[1,2],[3,4]], kernel 2, stride 1, padding 1: a 3x3 output; the corner windows
    // hold one input element, the edges two, the centre all four.
    const Var<double> x(Tensor<double>::from_vector({1, 2, 3, 4}, {1, 1, 2, 2}));
    const auto inc =
        tg::avg_pool2d(x, {.kernel = {2, 2}, .stride = {1, 1}, .padding = {1, 1}}).value().to_vector();
    CHECK(inc == std::vector<double>{0.25, 0.75, 0.5, 1.0, 2.5, 1.5, 0.75, 1.75, 1.0});
    const auto exc = tg::avg_pool2d(
                         x, {.kernel = {2, 2}, .stride = {1, 1}, .padding = {1, 1}, .count_include_pad = false})
                         .value()
                         .to_vector();
    CHECK(exc == std::vector<double>{1, 1.5, 2, 2, 2.5, 3, 3, 3.5, 4});
    // Its gradient spreads each cotangent evenly over the window (1/4 each with padding counted).
    Var<double> xv(Tensor<double>::from_vector({1, 2, 3, 4}, {1, 1, 2, 2}), true);
    tg::sum(tg::avg_pool2d(xv, {.kernel = {2, 2}, .stride = {1, 1}, .padding = {1, 1}})).backward();
    CHECK(xv.grad().to_vector() == std::vector<double>{1, 1, 1, 1});
}

TEST_CASE("adaptive_avg_pool2d - windows floor(iH/oh) to ceil((i+1)H/oh) - global pooling is the mean") {
    const Tensor<double> x = rnd({2, 3, 5, 7}, 11);
    const auto X = x.to_vector();
    const Var<double> y = tg::adaptive_avg_pool2d(Var<double>(x), {3, 4});
    CHECK(y.shape() == Shape{2, 3, 3, 4});
    const auto Y = y.value().to_vector();
    for (index_t p = 0; p < 6; ++p)
        for (index_t i = 0; i < 3; ++i)
            for (index_t j = 0; j < 4; ++j) {
                const index_t h0 = i * 5 / 3, h1 = ((i + 1) * 5 + 2) / 3, w0 = j * 7 / 4,
                              w1 = ((j + 1) * 7 + 3) / 4;
                double s = 0;
                for (index_t h = h0; h < h1; ++h)
                    for (index_t w = w0; w < w1; ++w) s += X[static_cast<std::size_t>(p * 35 + h * 7 + w)];
                CHECK(Y[static_cast<std::size_t>(p * 12 + i * 4 + j)] ==
                      doctest::Approx(s / double((h1 - h0) * (w1 - w0))).epsilon(1e-14));
            }
    const Tensor<double> g = tg::adaptive_avg_pool2d(Var<double>(x), {1, 1}).value();
    CHECK(tg::allclose(g, tg::mean(x, {2, 3}, true), 1e-14, 1e-14));
}

TEST_CASE("conv and pooling errors name the op and the numbers") {
    const Var<double> x(tg::zeros<double>({2, 4, 5, 5}), true);
    CHECK_THROWS_WITH_AS(tg::conv2d(x, Var<double>(tg::zeros<double>({3, 3, 3, 3}))),
                         "conv2d: the weight [3,3,3,3] takes 3 channels per group (3 with groups 1) but the input "
                         "[2,4,5,5] has 4",
                         tg::ShapeError);
    CHECK_THROWS_WITH_AS(
        tg::conv2d(x, Var<double>(tg::zeros<double>({6, 4, 3, 3})), Var<double>(), {.groups = 3}),
        "conv2d: groups 3 does not divide the 4 input channels (input [2,4,5,5])", tg::ShapeError);
    CHECK_THROWS_WITH_AS(
        tg::conv2d(x, Var<double>(tg::zeros<double>({3, 2, 3, 3})), Var<double>(), {.groups = 2}),
        "conv2d: groups 2 does not divide the 3 output channels (weight [3,2,3,3])", tg::ShapeError);
    CHECK_THROWS_WITH_AS(
        tg::conv2d(x, Var<double>(tg::zeros<double>({3, 4, 4, 3})), Var<double>(), {.dilation = {2, 1}}),
        "conv2d: kernel 4x3 (dilation 2x1: 7x3 effective) is larger than the padded input 5x5 (input "
        "[2,4,5,5], padding 0x0)",
        tg::ShapeError);
    CHECK_THROWS_WITH_AS(
        tg::conv2d(x, Var<double>(tg::zeros<double>({3, 4, 3, 3})), Var<double>(), {.stride = {0, 1}}),
        "conv2d: stride must be positive, got 0x1", tg::ShapeError);
    CHECK_THROWS_WITH_AS(
        tg::conv2d(x, Var<double>(tg::zeros<double>({3, 4, 3, 3})), Var<double>(tg::zeros<double>({4}))),
        "conv2d: bias must be [3] (one per output channel), got [4]", tg::ShapeError);
    CHECK_THROWS_WITH_AS(
        tg::conv2d(Var<double>(tg::zeros<double>({4, 5, 5})), Var<double>(tg::zeros<double>({3, 4, 3, 3}))),
        "conv2d: input must be 4-D [N,C,H,W], got [4,5,5]", tg::ShapeError);
    CHECK_THROWS_WITH_AS(
        tg::conv_transpose2d(x, Var<double>(tg::zeros<double>({4, 2, 3, 3})), Var<double>(),
                             {.stride = {2, 2}, .output_padding = {2, 0}}),
        "conv_transpose2d: output_padding 2x0 must be non-negative and smaller than the stride 2x2",
        tg::ShapeError);
    CHECK_THROWS_WITH_AS(
        tg::conv_transpose2d(x, Var<double>(tg::zeros<double>({3, 2, 3, 3}))),
        "conv_transpose2d: the weight [3,2,3,3] takes 3 input channels but the input [2,4,5,5] has 4",
        tg::ShapeError);
    CHECK_THROWS_WITH_AS(tg::conv1d(x, Var<double>(tg::zeros<double>({3, 4, 3}))),
                         "conv1d: input must be 3-D [N,C,L], got [2,4,5,5]", tg::ShapeError);
    CHECK_THROWS_WITH_AS(
        tg::max_pool2d(x, {.kernel = {3, 6}, .stride = {1, 1}}),
        "max_pool2d: window 3x6 (kernel 3x6, dilation 1x1) is larger than the padded input 5x5 (input "
        "[2,4,5,5])",
        tg::ShapeError);
    CHECK_THROWS_WITH_AS(tg::max_pool2d(x, {.kernel = {2, 2}, .stride = {-1, 1}}),
                         "max_pool2d: stride must be positive, got -1x1", tg::ShapeError);
    CHECK_THROWS_WITH_AS(tg::avg_pool2d(x, {.kernel = {2, 2}, .padding = {2, 0}}),
                         "avg_pool2d: padding 2x0 must be non-negative and at most half the kernel 2x2",
                         tg::ShapeError);
    CHECK_THROWS_WITH_AS(tg::avg_pool2d(x, {.kernel = {8, 2}, .padding = {1, 0}}),
                         doctest::Contains("avg_pool2d: window 8x2"), tg::ShapeError);
    CHECK_THROWS_WITH_AS(tg::adaptive_avg_pool2d(x, {0, 2}),
                         "adaptive_avg_pool2d: output size must be positive, got 0x2", tg::ShapeError);
    // Tensor kernels raise the same errors.
    CHECK_THROWS_AS(
        tg::conv2d(tg::zeros<float>({1, 2, 3, 3}), tg::zeros<float>({1, 2, 4, 4}), tg::Conv2dParams{}),
        tg::ShapeError);
}

TEST_CASE("conv2d with an empty batch gives an empty output and zero weight gradients") {
    Var<double> w(rnd({3, 2, 3, 3}, 12), true);
    const Var<double> y = tg::conv2d(Var<double>(tg::zeros<double>({0, 2, 4, 4})), w);
    CHECK(y.shape() == Shape{0, 3, 2, 2});
    tg::sum(y).backward();
    CHECK(tg::sum_all(tg::abs(w.grad())) == 0.0);
}
