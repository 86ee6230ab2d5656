// The fused layer_norm op (ops/layer_norm.hpp) against the composition it replaces,
// normalize(x) * w + b, in value, in the fused plain backward, in the recorded backward (second
// order) and in forward mode; its sums over rows must not depend on the thread count.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include <tbb/global_control.h>

#include <tensorgrad/tensorgrad.hpp>

using tg::Tensor;
using tg::Var;

namespace {

// layer_norm without affine parameters is the plain normalize op; w and b applied by hand.
template <class T>
Var<T> composed(const Var<T>& x, const tg::Shape& shape, const Var<T>& w, const Var<T>& b) {
    return tg::layer_norm(x, shape) * w + b;
}

template <class T>
double max_diff(const Tensor<T>& a, const Tensor<T>& b) {
    REQUIRE(a.shape() == b.shape());
    const Tensor<T> d = (a - b).contiguous();
    double m = 0;
    for (tg::index_t i = 0; i < d.numel(); ++i) m = std::max(m, std::abs(static_cast<double>(d.data()[i])));
    return m;
}

}  // namespace

TEST_CASE_TEMPLATE("layer_norm with weight and bias equals normalize * w + b, in every mode", T, float, double) {
    const double tol = std::is_same_v<T, float> ? 2e-5 : 1e-12;
    tg::manual_seed(7);
    const Tensor<T> X = tg::normal<T>({6, 3, 40}) * T(3) + T(1), Wt = tg::normal<T>({3, 40}),
                    Bt = tg::normal<T>({3, 40}), G = tg::normal<T>({6, 3, 40});
    const Var<T> x(X, true), w(Wt, true), b(Bt, true);
    const Var<T> fused = tg::layer_norm(x, {3, 40}, w, b), ref = composed(x, {3, 40}, w, b);
    CHECK(max_diff(fused.value(), ref.value()) < tol);
    // plain sweep: the fused kernel writes all three cotangents in one pass
    const tg::BackwardOptions keep{.keep_graph = true};
    const auto gf = tg::gradients(fused, {x, w, b}, G, keep), gr = tg::gradients(ref, {x, w, b}, G, keep);
    for (int i = 0; i < 3; ++i) CHECK(max_diff(gf[i].value(), gr[i].value()) < 10 * tol);
    // only some inputs needing a cotangent
    const Var<T> fused2 = tg::layer_norm(x, {3, 40}, w, b);
    const auto gx = tg::gradients(fused2, {x}, G, keep);
    CHECK(max_diff(gx[0].value(), gr[0].value()) < 10 * tol);
    // recorded sweep (create_graph), then a second derivative: d/dx of <gw, v>
    const Tensor<T> V = tg::normal<T>({3, 40});
    const auto second = [&](auto layer) {
        const Var<T> y = layer();
        const auto g1 = tg::gradients(y, {w}, G, {.create_graph = true});
        const Var<T> s = tg::sum(g1[0] * Var<T>(V));
        return tg::gradients(s, {x}, Tensor<T>::scalar(T(1)))[0].value();
    };
    CHECK(max_diff(second([&] {
                       return tg::layer_norm(x, {3, 40}, w, b);
                   }),
                   second([&] {
                       return composed(x, {3, 40}, w, b);
                   })) < 10 * tol);
    // forward mode
    const Tensor<T> dX = tg::normal<T>({6, 3, 40}), dW = tg::normal<T>({3, 40}), dB = tg::normal<T>({3, 40});
    const auto jf = tg::jvp(
        [](const std::vector<Var<T>>& v) {
            return tg::layer_norm(v[0], {3, 40}, v[1], v[2]);
        },
        std::vector<Tensor<T>>{X, Wt, Bt}, std::vector<Tensor<T>>{dX, dW, dB});
    const auto jr = tg::jvp(
        [](const std::vector<Var<T>>& v) {
            return composed(v[0], {3, 40}, v[1], v[2]);
        },
        std::vector<Tensor<T>>{X, Wt, Bt}, std::vector<Tensor<T>>{dX, dW, dB});
    CHECK(max_diff(jf.second, jr.second) < 10 * tol);
}

TEST_CASE("layer_norm's weight and bias gradients are the same bits on 1 and 2 threads") {
    tg::manual_seed(3);
    const Tensor<float> X = tg::normal<float>({512, 96}), Wt = tg::normal<float>({96}),
                        Bt = tg::normal<float>({96}), G = tg::normal<float>({512, 96});
    const auto run = [&](int threads) {
        tbb::global_control c(tbb::global_control::max_allowed_parallelism, threads);
        const Var<float> x(X, true), w(Wt, true), b(Bt, true);
        return tg::gradients(tg::layer_norm(x, {96}, w, b), {x, w, b}, G);
    };
    const auto one = run(1), two = run(2);
    for (int i = 0; i < 3; ++i) CHECK(tg::allclose(one[i].value(), two[i].value(), 0, 0));
}

TEST_CASE("layer_norm with affine parameters: float data offset by 1e4, empty batches, bad shapes") {
    tg::manual_seed(5);
    const Tensor<float> n = tg::normal<float>({4, 64}), w = tg::normal<float>({64}),
                        b = tg::normal<float>({64});
    const Tensor<float> want = tg::layer_norm(Var<float>(n), {64}, Var<float>(w), Var<float>(b)).value();
    const Tensor<float> got = tg::layer_norm(Var<float>(n + 1e4f), {64}, Var<float>(w), Var<float>(b)).value();
    // the offset costs the input its last digits (ulp of 1e4 is 1e-3), not the statistics
    CHECK(max_diff(got, want) < 5e-3);
    const Var<double> e(tg::zeros<double>({0, 4}), true), we(tg::ones<double>({4}), true),
        be(tg::zeros<double>({4}), true);
    const Var<double> ye = tg::layer_norm(e, {4}, we, be);
    CHECK(ye.shape() == tg::Shape{0, 4});
    const auto ge = tg::gradients(ye, {e, we, be}, tg::zeros<double>({0, 4}));
    CHECK(ge[0].shape() == tg::Shape{0, 4});
    CHECK(tg::allclose(ge[1].value(), tg::zeros<double>({4}), 0, 0));
    CHECK(tg::allclose(ge[2].value(), tg::zeros<double>({4}), 0, 0));
    const Var<double> x(tg::ones<double>({2, 4})), w3(tg::ones<double>({3})), b4(tg::zeros<double>({4}));
    CHECK_THROWS_WITH_AS(tg::layer_norm(x, {4}, w3, b4), doctest::Contains("layer_norm: weight of shape [3]"),
                         tg::ShapeError);
}
