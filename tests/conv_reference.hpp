#pragma once
// The reference convolution of the conv tests: the definition, one output at a time (no im2col,
// no GEMM), and deterministic inputs.
#include <cstdint>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

namespace conv_reference {

using tg::index_t;
using tg::Shape;
using tg::Tensor;

inline Tensor<double> rnd(const Shape& s, std::uint64_t seed) {
    tg::Generator g(seed);
    return tg::uniform<double>(s, -1.0, 1.0, g);
}

// y[n,o,i,j] = sum_{c in group(o), a, b} x[n,c,i sh - ph + a dh, j sw - pw + b dw] w[o,c',a,b]
inline std::vector<double> direct_conv(const Tensor<double>& x, const Tensor<double>& w,
                                       const tg::Conv2dOptions& o, Shape& ys) {
    const auto X = x.contiguous().to_vector(), Wt = w.contiguous().to_vector();
    const index_t N = x.shape()[0], C = x.shape()[1], H = x.shape()[2], W = x.shape()[3];
    const index_t O = w.shape()[0], Cg = w.shape()[1], kh = w.shape()[2], kw = w.shape()[3];
    const index_t Ho = (H + 2 * o.padding[0] - o.dilation[0] * (kh - 1) - 1) / o.stride[0] + 1;
    const index_t Wo = (W + 2 * o.padding[1] - o.dilation[1] * (kw - 1) - 1) / o.stride[1] + 1;
    ys = {N, O, Ho, Wo};
    std::vector<double> y(static_cast<std::size_t>(N * O * Ho * Wo), 0.0);
    const index_t Og = O / o.groups;
    for (index_t n = 0; n < N; ++n)
        for (index_t oc = 0; oc < O; ++oc)
            for (index_t i = 0; i < Ho; ++i)
                for (index_t j = 0; j < Wo; ++j) {
                    double s = 0;
                    for (index_t cg = 0; cg < Cg; ++cg)
                        for (index_t a = 0; a < kh; ++a)
                            for (index_t b = 0; b < kw; ++b) {
                                const index_t h = i * o.stride[0] - o.padding[0] + a * o.dilation[0];
                                const index_t v = j * o.stride[1] - o.padding[1] + b * o.dilation[1];
                                if (h < 0 || h >= H || v < 0 || v >= W) continue;
                                const index_t c = (oc / Og) * Cg + cg;
                                s += X[((n * C + c) * H + h) * W + v] * Wt[((oc * Cg + cg) * kh + a) * kw + b];
                            }
                    y[((n * O + oc) * Ho + i) * Wo + j] = s;
                }
    return y;
}

}  // namespace conv_reference
