// Row kernels of the softmax family on rows whose length is not a multiple of the SIMD width
// (the last elements of a row are one padded batch: 10 classes against 16 float lanes), and the
// dense layer's bias-folded product. Every length from 1 to 40 against a long-double reference,
// with extreme logits (1e4, -inf) where the padding must contribute exactly nothing.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

#include "../tensor/matmul_bias.hpp"

using tg::Tensor;
using tg::Var;

namespace {

template <class T>
Tensor<T> logits(tg::index_t rows, tg::index_t c, double scale) {
    std::vector<T> v(static_cast<std::size_t>(rows * c));
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<T>(scale * std::sin(0.7 * double(i) + 0.3));
    return Tensor<T>::from_vector(v, {rows, c});
}

// log-sum-exp of row r, in long double.
template <class T>
long double lse(const Tensor<T>& x, tg::index_t r) {
    const tg::index_t c = x.shape()[1];
    long double m = -INFINITY, s = 0;
    for (tg::index_t i = 0; i < c; ++i) m = std::max(m, (long double)x.data()[r * c + i]);
    for (tg::index_t i = 0; i < c; ++i) s += std::exp((long double)x.data()[r * c + i] - m);
    return m + std::log(s);
}

}  // namespace

TEST_CASE_TEMPLATE("softmax, log_softmax and cross_entropy are exact on every row length 1..40", T, float,
                   double) {
    for (double scale : {1.0, 1e4}) {
        // x - lse of logits of magnitude |x| carries |x| eps of rounding: the condition number.
        const double tol = (std::is_same_v<T, float> ? 4e-6 : 1e-14) * scale;
        for (tg::index_t c = 1; c <= 40; ++c) {
            CAPTURE(c);
            CAPTURE(scale);
            const tg::index_t rows = 3;
            const Tensor<T> X = logits<T>(rows, c, scale);
            std::vector<tg::index_t> t;
            for (tg::index_t r = 0; r < rows; ++r) t.push_back((r * 5 + 1) % c);
            const Var<T> x(X, true);
            const Tensor<T> p = tg::softmax(x).value(), lp = tg::log_softmax(x).value();
            const Var<T> loss = tg::cross_entropy(x, t, {.reduction = tg::Reduction::sum});
            loss.backward();
            const Tensor<T> g = x.grad();
            long double want_loss = 0;
            for (tg::index_t r = 0; r < rows; ++r) {
                const long double l = lse(X, r);
                want_loss += l - (long double)X.data()[r * c + t[std::size_t(r)]];
                for (tg::index_t i = 0; i < c; ++i) {
                    const long double q = std::exp((long double)X.data()[r * c + i] - l);
                    const long double lq = (long double)X.data()[r * c + i] - l;
                    CHECK(std::abs(double(p.data()[r * c + i] - q)) <= tol);
                    CHECK(std::abs(double(lp.data()[r * c + i] - lq)) <= tol * std::max(1.0L, std::abs(lq)));
                    const long double gq = q - (i == t[std::size_t(r)] ? 1 : 0);
                    CHECK(std::abs(double(g.data()[r * c + i] - gq)) <= tol);
                }
            }
            CHECK(std::abs(double(loss.value().data()[0] - want_loss)) <=
                  tol * std::max(1.0L, std::abs(want_loss)) * rows);
            // log_softmax's backward has its own padded tail: d/dx sum(w * log_softmax(x)).
            const Var<T> x2(X, true);
            const Tensor<T> W = logits<T>(rows, c, 1.0);
            tg::sum(tg::log_softmax(x2) * Var<T>(W)).backward();
            const Tensor<T> g2 = x2.grad();
            for (tg::index_t r = 0; r < rows; ++r) {
                const long double l = lse(X, r);
                long double ws = 0;
                for (tg::index_t i = 0; i < c; ++i) ws += W.data()[r * c + i];
                for (tg::index_t i = 0; i < c; ++i) {
                    const long double want = W.data()[r * c + i] -
                                             std::exp((long double)X.data()[r * c + i] - l) * ws;
                    CHECK(std::abs(double(g2.data()[r * c + i] - want)) <= tol * std::max(1.0L, std::abs(ws)));
                }
            }
        }
    }
}

TEST_CASE("a row with -inf logits: the padded lanes and the -inf entries contribute exactly 0") {
    const float inf = std::numeric_limits<float>::infinity();
    const Tensor<float> X = Tensor<float>::from_vector({1.f, -inf, 2.f, -inf, 0.5f}, {1, 5});
    const Tensor<float> p = tg::softmax(Var<float>(X)).value();
    CHECK(p.data()[1] == 0.f);
    CHECK(p.data()[3] == 0.f);
    const double z = std::exp(1.0) + std::exp(2.0) + std::exp(0.5);
    CHECK(p.data()[2] == doctest::Approx(std::exp(2.0) / z).epsilon(1e-6));
    const Var<float> x(X, true);
    tg::cross_entropy(x, std::vector<tg::index_t>{2}).backward();
    CHECK(x.grad().data()[1] == 0.f);
    CHECK(x.grad().data()[2] == doctest::Approx(std::exp(2.0) / z - 1).epsilon(1e-6));
}

TEST_CASE_TEMPLATE("matmul_bias equals matmul(x, w^T) + b, on views too, and names bad shapes", T, float,
                   double) {
    tg::manual_seed(3);
    for (tg::index_t m : {1, 2, 7}) {
        for (tg::index_t n : {1, 3, 17}) {
            for (tg::index_t k : {0, 1, 5}) {
                const Tensor<T> x = tg::normal<T>({m, k}), w = tg::normal<T>({n, k}), b = tg::normal<T>({n});
                const Tensor<T> want = tg::matmul(x, w.transpose()) + b;
                const Tensor<T> got = tg::matmul_bias(x, w, b);
                REQUIRE(got.shape() == tg::Shape{m, n});
                for (tg::index_t i = 0; i < m * n; ++i)
                    CHECK(double(got.data()[i]) == doctest::Approx(double(want.data()[i])).epsilon(1e-5));
            }
        }
    }
    // x as a transposed view, w as a transposed view: read through BLAS's flags or copied.
    const Tensor<T> xt = tg::normal<T>({5, 4}), wt = tg::normal<T>({5, 3}), b = tg::normal<T>({3});
    const Tensor<T> got = tg::matmul_bias(xt.transpose(), wt.transpose(), b);
    const Tensor<T> want = tg::matmul(xt.transpose(), wt) + b;
    for (tg::index_t i = 0; i < 12; ++i)
        CHECK(double(got.data()[i]) == doctest::Approx(double(want.data()[i])).epsilon(1e-5));
    // Reading the operands does not count as writing them (no version bump).
    const auto v0 = xt.version();
    (void)tg::matmul_bias(xt, tg::normal<T>({2, 4}), tg::normal<T>({2}));
    CHECK(xt.version() == v0);
    CHECK_THROWS_WITH_AS(tg::matmul_bias(tg::normal<T>({2, 4}), tg::normal<T>({3, 5}), tg::normal<T>({3})),
                         "linear: x [2,4], w [3,5], b [3] (expected x (m, k), w (n, k), b (n))",
                         tg::ShapeError);
    CHECK_THROWS_AS(tg::matmul_bias(tg::normal<T>({2, 4}), tg::normal<T>({3, 4}), tg::normal<T>({4})),
                    tg::ShapeError);
}
