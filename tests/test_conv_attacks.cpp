// Adversarial cases for convolution and pooling (review of the ops-conv merge): edge geometries,
// views and shared storage as inputs, windows that read only padding, parameters near int64's
// limits, version checks, and convolutions on two threads at once.
#include <doctest/doctest.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>
#include <thread>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

#include "conv_reference.hpp"

extern "C" int openblas_get_num_threads(void);
extern "C" void openblas_set_num_threads(int);

using tg::index_t;
using tg::Shape;
using tg::Tensor;
using tg::Var;

namespace {

using conv_reference::rnd;
// The definition, one output at a time (no im2col, no GEMM).
using conv_reference::direct_conv;

double dot(const Tensor<double>& a, const Tensor<double>& b) { return tg::sum_all(tg::mul(a, b)); }

// Value against the definition (double and float), and both gradients against the adjoint
// identities <g, conv(u, w)> = <xbar, u>, <g, conv(x, v)> = <wbar, v>.
void check_conv(const Tensor<double>& x, const Tensor<double>& w, const tg::Conv2dOptions& o,
                std::uint64_t seed) {
    Shape ys;
    const auto want = direct_conv(x, w, o, ys);
    Var<double> xv(x, true), wv(w, true);
    const Var<double> y = tg::conv2d(xv, wv, Var<double>(), o);
    REQUIRE(y.shape() == ys);
    const auto got = y.value().to_vector();
    for (std::size_t i = 0; i < want.size(); ++i) {
        INFO("element " << i);
        CHECK(got[i] == doctest::Approx(want[i]).epsilon(1e-12));
    }
    const auto gotf =
        tg::conv2d(Var<float>(x.to<float>()), Var<float>(w.to<float>()), Var<float>(), o).value().to_vector();
    for (std::size_t i = 0; i < want.size(); ++i) CHECK(std::abs(gotf[i] - want[i]) < 1e-4);
    const Tensor<double> g = rnd(ys, seed);
    y.backward(g);
    const Tensor<double> u = rnd(x.shape(), seed + 1), v = rnd(w.shape(), seed + 2);
    Shape s;
    CHECK(dot(xv.grad(), u) ==
          doctest::Approx(dot(g, Tensor<double>::from_vector(direct_conv(u, w, o, s), ys))).epsilon(1e-11));
    CHECK(dot(wv.grad(), v) ==
          doctest::Approx(dot(g, Tensor<double>::from_vector(direct_conv(x, v, o, s), ys))).epsilon(1e-11));
}

}  // namespace

TEST_CASE("conv attack - edge geometries equal the definition in value and gradient") {
    struct G {
        Shape x, w;
        tg::Conv2dOptions o;
    };
    const std::vector<G> cases = {
        // stride larger than the (dilated) kernel, padding read at both edges, asymmetric
        {{2, 3, 9, 7}, {2, 3, 2, 2}, {.stride = {5, 4}, .padding = {2, 1}, .dilation = {2, 1}}},
        // kernel exactly the padded input: a 1x1 output
        {{2, 2, 3, 4}, {3, 2, 5, 4}, {.padding = {1, 0}}},
        // dilated kernel exactly the padded input, padding larger than the input
        {{1, 2, 2, 3}, {2, 2, 3, 2}, {.padding = {4, 2}, .dilation = {4, 6}}},
        // a 1x1 kernel with padding: a border of zeros (not the pointwise path)
        {{1, 2, 2, 2}, {3, 2, 1, 1}, {.padding = {3, 1}}},
        // a 1x1 kernel with stride: every other pixel (not the pointwise path), dilation ignored
        {{2, 4, 5, 6}, {4, 2, 1, 1}, {.stride = {2, 3}, .dilation = {7, 9}, .groups = 2}},
        // depthwise (groups == channels), stride and dilation
        {{3, 4, 8, 8}, {4, 1, 3, 3}, {.stride = {2, 1}, .padding = {1, 2}, .dilation = {1, 2}, .groups = 4}},
        // output size 1 along one axis only
        {{1, 1, 1, 9}, {1, 1, 1, 3}, {.stride = {1, 2}}},
        // the TBB batch split (and one-thread BLAS) with groups, stride and padding
        {{48, 6, 24, 20}, {9, 2, 3, 2}, {.stride = {2, 1}, .padding = {1, 1}, .dilation = {1, 2}, .groups = 3}},
        // the TBB batch split on the pointwise path
        {{40, 16, 16, 16}, {8, 16, 1, 1}, {}},
    };
    for (std::size_t k = 0; k < cases.size(); ++k) {
        INFO("case " << k);
        check_conv(rnd(cases[k].x, 100 + k), rnd(cases[k].w, 200 + k), cases[k].o, 300 + 10 * k);
    }
}

TEST_CASE("conv attack - views as input and weight - transposed - sliced - broadcast - shared storage") {
    const tg::Conv2dOptions o{.stride = {1, 2}, .padding = {1, 0}};
    // x as a transposed view (H and W swapped) and w as a permuted view
    const Tensor<double> xt = rnd({2, 3, 6, 5}, 1).transpose(2, 3);
    const Tensor<double> wp = rnd({3, 4, 2, 3}, 2).permute({2, 0, 3, 1});  // [2,3,3,4]
    check_conv(xt, wp, o, 3);
    check_conv(xt, rnd({4, 3, 2, 3}, 4).transpose(2, 3), o, 5);
    // strided slices (offset and step) of a larger buffer
    const Tensor<double> big = rnd({3, 5, 11, 9}, 6);
    check_conv(big.slice(0, 1, 3).slice(1, 1, 5, 2).slice(2, 2, 11, 2).slice(3, 1, 8), rnd({2, 2, 3, 3}, 7),
               o, 8);
    // broadcast views (stride 0) of x and w
    check_conv(rnd({1, 3, 1, 7}, 9).broadcast_to({4, 3, 6, 7}),
               rnd({2, 1, 3, 3}, 10).broadcast_to({2, 3, 3, 3}), o, 11);
    // x and w views of one buffer
    const Tensor<double> buf = rnd({2, 2, 6, 6}, 12);
    check_conv(buf, buf.slice(2, 0, 3).slice(3, 1, 4), {.padding = {1, 1}}, 13);
}

TEST_CASE("conv attack - one Var as both input and weight - gradients add") {
    // conv2d(x, x) with x [1,1,3,3]: the single output is sum x^2, so the gradient is 2x.
    const Tensor<double> t = rnd({1, 1, 3, 3}, 14);
    Var<double> x(t, true);
    const Var<double> y = tg::conv2d(x, x);
    CHECK(y.value().to_vector()[0] == doctest::Approx(tg::sum_all(tg::mul(t, t))).epsilon(1e-14));
    tg::sum(y).backward();
    CHECK(tg::allclose(x.grad(), tg::mul(t, Tensor<double>::scalar(2.0)), 1e-14, 1e-14));
}

TEST_CASE("conv attack - max_pool2d - NaN - inf - -inf and all-equal windows") {
    const double inf = std::numeric_limits<double>::infinity(), nan = std::numeric_limits<double>::quiet_NaN();
    // windows (2x2, stride 2) of a 2x8 plane: {-inf x4}, {1, nan, inf, 1}, {inf, inf, 2, 2}, {3 x4}
    Var<double> x(Tensor<double>::from_vector({-inf, -inf, 1, nan, inf, inf, 3, 3,  //
                                               -inf, -inf, inf, 1, 2, 2, 3, 3},
                                              {1, 1, 2, 8}),
                  true);
    const Var<double> y = tg::max_pool2d(x, {.kernel = {2, 2}});
    const auto v = y.value().to_vector();
    CHECK(v[0] == -inf);
    CHECK(std::isnan(v[1]));
    CHECK(v[2] == inf);
    CHECK(v[3] == 3);
    y.backward(Tensor<double>::from_vector({1, 2, 3, 4}, {1, 1, 1, 4}));
    // each cotangent goes to the window's first maximum (the NaN in window 1)
    CHECK(x.grad().to_vector() == std::vector<double>{1, 0, 0, 2, 3, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0});
}

TEST_CASE("conv attack - max_pool2d - a dilated window that reads only padding gives -inf and no gradient") {
    // H = 2, kernel 2, padding 1, dilation 3: the one window reads rows -1 and 2, both padding
    // (padding is at most half the kernel, but dilation spreads the window past the input).
    const double inf = std::numeric_limits<double>::infinity();
    Var<double> x(rnd({1, 2, 2, 3}, 15), true);
    const tg::Pool2dOptions o{.kernel = {2, 1}, .stride = {1, 1}, .padding = {1, 0}, .dilation = {3, 1}};
    const Var<double> y = tg::max_pool2d(x, o);
    CHECK(y.shape() == Shape{1, 2, 1, 3});
    for (double v : y.value().to_vector()) CHECK(v == -inf);
    tg::sum(y).backward();
    CHECK(tg::sum_all(tg::abs(x.grad())) == 0.0);
    // The same through forward mode: the tangent of a constant -inf is 0.
    {
        tg::ForwardScope fwd;
        Var<double> xf(x.value());
        tg::set_tangent(xf, Var<double>(tg::ones<double>(x.shape())));
        const Var<double> t = tg::tangent_of(tg::max_pool2d(xf, o));
        REQUIRE(t.defined());
        CHECK(tg::sum_all(tg::abs(t.value())) == 0.0);
    }
    // Mixed: with H = 3 and padding 1, dilation 3, the windows read rows {-1, 2} and {0, 3}.
    Var<double> x3(Tensor<double>::from_vector({1, 2, 3}, {1, 1, 3, 1}), true);
    const Var<double> y3 = tg::max_pool2d(
        x3, {.kernel = {2, 1}, .stride = {1, 1}, .padding = {1, 0}, .dilation = {3, 1}});
    CHECK(y3.value().to_vector() == std::vector<double>{3, 1});
    tg::sum(y3).backward();
    CHECK(x3.grad().to_vector() == std::vector<double>{1, 0, 1});
}

TEST_CASE("conv attack - max_pool2d with a huge kernel and padding visits only the input") {
    // kernel 2^40 x 1, padding 2^39 on a 1x1 plane: one window holding the one element. A loop
    // over the whole kernel would take 2^40 steps.
    const index_t k = index_t(1) << 40;
    Var<double> x(Tensor<double>::from_vector({-7}, {1, 1, 1, 1}), true);
    const Var<double> y = tg::max_pool2d(x, {.kernel = {k, 3}, .padding = {k / 2, 1}});
    CHECK(y.value().to_vector() == std::vector<double>{-7});
    tg::sum(y).backward();
    CHECK(x.grad().to_vector() == std::vector<double>{1});
}

TEST_CASE("conv attack - avg_pool2d - a window of 2^64 elements divides by 2^64 (not by zero)") {
    // kernel 2^32 x 2^32, padding 2^31, count_include_pad: the divisor kh kw is 2^64.
    const index_t k = index_t(1) << 32;
    Var<double> x(Tensor<double>::from_vector({1}, {1, 1, 1, 1}), true);
    const Var<double> y = tg::avg_pool2d(x, {.kernel = {k, k}, .padding = {k / 2, k / 2}});
    CHECK(y.value().to_vector() == std::vector<double>{std::ldexp(1.0, -64)});
    tg::sum(y).backward();
    CHECK(x.grad().to_vector() == std::vector<double>{std::ldexp(1.0, -64)});
    // count_include_pad false divides by the one element
    CHECK(tg::avg_pool2d(x, {.kernel = {k, k}, .padding = {k / 2, k / 2}, .count_include_pad = false})
              .value()
              .to_vector() == std::vector<double>{1});
}

TEST_CASE("conv attack - parameters near int64's limits are errors - not wrapped sizes") {
    const Var<double> x(rnd({1, 1, 5, 5}, 16));
    const index_t big = index_t(1) << 62;
    // dilation 2^62 with a 3-row kernel: the effective kernel 2^63 + 1 overflows int64.
    CHECK_THROWS_WITH_AS(tg::conv2d(x, Var<double>(rnd({1, 1, 3, 1}, 17)), Var<double>(),
                                    {.stride = {big, 1}, .dilation = {big, 1}}),
                         doctest::Contains("conv2d: "), tg::ShapeError);
    CHECK_THROWS_WITH_AS(tg::max_pool2d(x, {.kernel = {3, 1}, .stride = {big, 1}, .dilation = {big, 1}}),
                         doctest::Contains("max_pool2d: "), tg::ShapeError);
    // dilation 2^40 (the effective kernel fits int64 but not the input)
    CHECK_THROWS_WITH_AS(
        tg::conv2d(x, Var<double>(rnd({1, 1, 3, 1}, 17)), Var<double>(), {.dilation = {index_t(1) << 40, 1}}),
        doctest::Contains("is larger than the padded input"), tg::ShapeError);
    // padding 2^62: the padded input overflows int64
    CHECK_THROWS_WITH_AS(tg::conv2d(x, Var<double>(rnd({1, 1, 1, 1}, 18)), Var<double>(),
                                    {.stride = {big, big}, .padding = {big, 0}}),
                         doctest::Contains("conv2d: "), tg::ShapeError);
    // padding 2^31 - 1 on both axes: a 2^32 x 2^32 output plane
    CHECK_THROWS_AS(tg::conv2d(Var<double>(rnd({1, 1, 2, 2}, 19)), Var<double>(rnd({1, 1, 1, 1}, 20)),
                               Var<double>(), {.padding = {(index_t(1) << 31) - 1, (index_t(1) << 31) - 1}}),
                    tg::ShapeError);
    // conv_transpose2d with stride 2^62 + 1: (5 - 1) (2^62 + 1) wraps to 4, a 5-row output that
    // conv2d maps to 1 row, not the input's 5.
    const Var<double> g(rnd({1, 1, 5, 1}, 21));
    CHECK_THROWS_WITH_AS(
        tg::conv_transpose2d(g, Var<double>(rnd({1, 1, 1, 1}, 22)), Var<double>(), {.stride = {big + 1, 1}}),
        doctest::Contains("conv_transpose2d: "), tg::ShapeError);
    CHECK_THROWS_AS(tg::conv_transpose2d(g.value(), rnd({1, 1, 1, 1}, 22), tg::Conv2dParams{.sh = big + 1}),
                    tg::ShapeError);
}

TEST_CASE("conv attack - an input written between forward and backward is a version error") {
    Var<double> x(rnd({2, 2, 5, 5}, 23), true), w(rnd({3, 2, 3, 3}, 24), true);
    {
        const Var<double> y = tg::sum(tg::conv2d(x, w));
        Tensor<double> xv = x.value();
        xv += tg::ones<double>(x.shape());
        CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("input 0 of 'conv2d'"), tg::AutogradError);
    }
    {
        const Var<double> y = tg::sum(tg::conv2d(x, w));
        Tensor<double> wv = w.value();
        wv.slice(0, 0, 1).fill(2);
        CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("input 1 of 'conv2d'"), tg::AutogradError);
    }
    {
        const Var<double> y = tg::sum(tg::conv_transpose2d(x, Var<double>(rnd({2, 3, 3, 3}, 25), true)));
        Tensor<double> xv = x.value();
        xv *= 2.0;
        CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("input 0 of 'conv_transpose2d'"),
                             tg::AutogradError);
    }
    {
        // max_pool2d recomputes its routing from x in backward: a changed x would route wrongly
        const Var<double> y = tg::sum(tg::max_pool2d(x, {.kernel = {2, 2}}));
        Tensor<double> xv = x.value();
        xv.data()[0] = 100.0;
        CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("input 0 of 'max_pool2d'"), tg::AutogradError);
    }
}

TEST_CASE("conv attack - OpenBLAS threads restored - convolutions on two threads at once stay exact") {
    const int before = openblas_get_num_threads();
    openblas_set_num_threads(2);
    // A: batch 16 takes the TBB split (BLAS held at one thread); B: batch 1 stays serial and its
    // GEMMs are large enough for BLAS's own threads. Each result must equal its solo run.
    const Tensor<double> xa = rnd({16, 8, 16, 16}, 26), wa = rnd({8, 8, 3, 3}, 27);
    const Tensor<double> xb = rnd({1, 32, 40, 40}, 28), wb = rnd({64, 32, 3, 3}, 29);
    const tg::Conv2dParams p{.ph = 1, .pw = 1};
    const Tensor<double> ya = tg::conv2d(xa, wa, p), yb = tg::conv2d(xb, wb, p);
    const Tensor<double> gwa = tg::conv2d_weight(xa, ya, p, 3, 3);
    CHECK(openblas_get_num_threads() == 2);
    std::atomic<int> bad{0};
    std::thread ta([&] {
        for (int i = 0; i < 15; ++i) {
            if (!tg::allclose(tg::conv2d(xa, wa, p), ya, 1e-12, 1e-12)) ++bad;
            if (!tg::allclose(tg::conv2d_weight(xa, ya, p, 3, 3), gwa, 1e-12, 1e-12)) ++bad;
        }
    });
    std::thread tb([&] {
        for (int i = 0; i < 15; ++i)
            if (!tg::allclose(tg::conv2d(xb, wb, p), yb, 1e-12, 1e-12)) ++bad;
    });
    ta.join();
    tb.join();
    CHECK(bad == 0);
    CHECK(openblas_get_num_threads() == 2);
    openblas_set_num_threads(before);
}

TEST_CASE("conv attack - adaptive_avg_pool2d of an empty batch to a huge size builds no windows") {
    const index_t big = index_t(1) << 40;
    Var<double> x(tg::zeros<double>({0, 3, 4, 4}), true);
    const Var<double> y = tg::adaptive_avg_pool2d(x, {big, 2});
    CHECK(y.shape() == Shape{0, 3, big, 2});
    tg::sum(y).backward();
    CHECK(x.grad().shape() == x.shape());
}
