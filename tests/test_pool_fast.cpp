// max_pool2d's path for windows inside the input (no padding, no dilation: branch-free
// selection) against a naive definition, on ReLU-like data full of ties, with NaNs, for the 2x2
// specialization and general kernel sizes, overlapping and not; values and where the gradient goes.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

using tg::Tensor;
using tg::Var;

namespace {

struct Case {
    tg::index_t kh, kw, sh, sw, H, W;
};

// The definition: strictly greater wins (first of equal values in row-major order), and the first
// NaN wins over any number. Returns the plane-local index of each output's maximum.
std::vector<tg::index_t> naive_argmax(const std::vector<double>& x, tg::index_t planes, const Case& c,
                                      tg::index_t Ho, tg::index_t Wo) {
    std::vector<tg::index_t> out;
    for (tg::index_t pl = 0; pl < planes; ++pl)
        for (tg::index_t i = 0; i < Ho; ++i)
            for (tg::index_t j = 0; j < Wo; ++j) {
                tg::index_t best = -1;
                double bv = 0;
                for (tg::index_t a = 0; a < c.kh; ++a)
                    for (tg::index_t b = 0; b < c.kw; ++b) {
                        const tg::index_t at = (i * c.sh + a) * c.W + j * c.sw + b;
                        const double v = x[std::size_t(pl * c.H * c.W + at)];
                        if (best < 0 || v > bv || (std::isnan(v) && !std::isnan(bv))) best = at, bv = v;
                    }
                out.push_back(best);
            }
    return out;
}

}  // namespace

TEST_CASE_TEMPLATE("max_pool2d inside the input: values and argmax equal the definition", T, float, double) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (const Case& c : {Case{2, 2, 2, 2, 6, 8}, Case{2, 2, 2, 2, 7, 5}, Case{2, 2, 1, 1, 4, 4},
                          Case{3, 3, 2, 2, 7, 9}, Case{3, 2, 1, 2, 5, 6}, Case{1, 1, 1, 1, 3, 3}}) {
        CAPTURE(c.kh);
        CAPTURE(c.kw);
        CAPTURE(c.sh);
        const tg::index_t planes = 6, Ho = (c.H - c.kh) / c.sh + 1, Wo = (c.W - c.kw) / c.sw + 1;
        std::vector<double> x(std::size_t(planes * c.H * c.W));
        // ReLU-like: about half exact zeros (ties), a few repeated positives, two NaNs.
        for (std::size_t i = 0; i < x.size(); ++i) {
            const double s = std::sin(1.7 * double(i) + 0.2);
            x[i] = s < 0 ? 0.0 : std::round(4 * s) / 4;
        }
        x[5] = nan;
        x[x.size() - 3] = nan;
        std::vector<T> xt(x.begin(), x.end());
        Var<T> v(Tensor<T>::from_vector(xt, {2, 3, c.H, c.W}), true);
        const Var<T> y = tg::max_pool2d(v, {.kernel = {c.kh, c.kw}, .stride = {c.sh, c.sw}});
        REQUIRE(y.shape() == tg::Shape{2, 3, Ho, Wo});
        const std::vector<tg::index_t> want = naive_argmax(x, planes, c, Ho, Wo);
        const std::vector<T> got = y.value().to_vector();
        std::vector<T> seed(got.size());
        for (std::size_t k = 0; k < seed.size(); ++k) seed[k] = T(k + 1);  // distinct cotangents
        y.backward(Tensor<T>::from_vector(seed, y.shape()));
        std::vector<double> gw(x.size(), 0.0);
        for (std::size_t k = 0; k < want.size(); ++k) {
            const tg::index_t pl = tg::index_t(k) / (Ho * Wo);
            const double w = x[std::size_t(pl * c.H * c.W + want[k])];
            if (std::isnan(w)) CHECK(std::isnan(double(got[k])));
            else CHECK(double(got[k]) == w);
            gw[std::size_t(pl * c.H * c.W + want[k])] += double(seed[k]);
        }
        // Without a recorded graph no argmax is kept: the value-only loop must agree.
        const std::vector<T> plain = tg::max_pool2d(Var<T>(v.value()),
                                                    {.kernel = {c.kh, c.kw}, .stride = {c.sh, c.sw}})
                                         .value()
                                         .to_vector();
        for (std::size_t k = 0; k < got.size(); ++k) {
            if (std::isnan(double(got[k]))) CHECK(std::isnan(double(plain[k])));
            else CHECK(plain[k] == got[k]);
        }
        const std::vector<T> g = v.grad().to_vector();
        for (std::size_t i = 0; i < gw.size(); ++i) CHECK(double(g[i]) == gw[i]);
    }
}
