// The fused layer_norm's kernels (declared in nn_kernels.hpp): x is a stack of rows of d =
// w.numel() elements; each row's moments are two passes in double while the row sits in L1, then
// one pass writes the output (forward) or all three cotangents (backward).
#include <algorithm>
#include <cmath>
#include <vector>

#include "nn_kernels.hpp"
#include "row_kernels.hpp"

namespace tg::kernels {

namespace {

using row_kernels::for_rows;
using row_kernels::lane_sum;

struct RowMoments {
    double mean = 0, rstd = 0;
};

// Two-pass mean and biased variance of one row (never E[x^2] - E[x]^2).
template <class T>
RowMoments row_moments(const T* p, index_t d, double eps) {
    const double n = static_cast<double>(d);
    const double mean = lane_sum<T>(d, [p](index_t i) { return static_cast<double>(p[i]); }) / n;
    const double var = lane_sum<T>(d,
                                   [p, mean](index_t i) {
                                       const double t = static_cast<double>(p[i]) - mean;
                                       return t * t;
                                   }) /
                       n;
    return {mean, 1 / std::sqrt(var + eps)};
}

}  // namespace

template <class T>
Tensor<T> layer_norm(const Tensor<T>& x, const Tensor<T>& w, const Tensor<T>& b, double eps) {
    const index_t d = w.numel(), n = x.numel();
    Tensor<T> y = Tensor<T>::empty(x.shape(), "layer_norm");
    if (n == 0) return y;
    const Tensor<T> xc = x.contiguous(), wc = w.contiguous(), bc = b.contiguous();
    const T *px = xc.data(), *pw = wc.data(), *pb = bc.data();
    T* py = y.data();
    for_rows(n / d, d, [&](index_t r) {
        const T* xr = px + r * d;
        T* yr = py + r * d;
        const RowMoments m = row_moments(xr, d, eps);
        // x - mean in double: the mean rounded to float would be off by half an ulp of the
        // offset (5e-4 for data near 1e4), far more than the spread of normalized values allows.
        for (index_t i = 0; i < d; ++i)
            yr[i] = static_cast<T>((static_cast<double>(xr[i]) - m.mean) * m.rstd * static_cast<double>(pw[i]) +
                                   static_cast<double>(pb[i]));
    });
    return y;
}

template <class T>
LayerNormGrads<T> layer_norm_vjp(const Tensor<T>& x, const Tensor<T>& w, const Tensor<T>& g, double eps,
                                 bool need_x, bool need_wb) {
    const index_t d = w.numel(), n = x.numel(), rows = n ? n / d : 0;
    LayerNormGrads<T> out;
    if (need_x) out.x = Tensor<T>::empty(x.shape(), "layer_norm");
    if (need_wb) out.w = tg::zeros<T>(w.shape()), out.b = tg::zeros<T>(w.shape());
    if (n == 0 || (!need_x && !need_wb)) return out;
    const Tensor<T> xc = x.contiguous(), wc = w.contiguous(), gc = g.broadcast_to(x.shape()).contiguous();
    const T *px = xc.data(), *pw = wc.data(), *pg = gc.data();
    T* pgx = need_x ? out.x.data() : nullptr;
    // The weight and bias cotangents are sums over rows: each of at most 8 blocks of rows sums
    // into its own buffer (double), and the buffers are added in block order, so the result does
    // not depend on the number of threads. (64 blocks made 2 MB of partial sums for a (256, 1024)
    // input: more memory traffic than the input itself.)
    const index_t block = std::max<index_t>(1, (rows + 7) / 8), blocks = (rows + block - 1) / block;
    std::vector<double> part(need_wb ? static_cast<std::size_t>(blocks * 2 * d) : 0);
    const double dn = static_cast<double>(d);
    for_rows(blocks, block * d, [&](index_t k) {
        double* sw = need_wb ? part.data() + k * 2 * d : nullptr;
        double* sb = need_wb ? sw + d : nullptr;
        for (index_t r = k * block; r < std::min(rows, (k + 1) * block); ++r) {
            const T *xr = px + r * d, *gr = pg + r * d;
            const RowMoments m = row_moments(xr, d, eps);
            const auto xhat = [&](index_t i) { return (static_cast<double>(xr[i]) - m.mean) * m.rstd; };
            if (need_wb)
                for (index_t i = 0; i < d; ++i) {
                    sw[i] += static_cast<double>(gr[i]) * xhat(i);
                    sb[i] += static_cast<double>(gr[i]);
                }
            if (!need_x) continue;
            // normalize's rule with the cotangent g w: rstd (gw - mean(gw) - xhat mean(gw xhat))
            const auto gw = [&](index_t i) { return static_cast<double>(gr[i]) * static_cast<double>(pw[i]); };
            const double mg = lane_sum<T>(d, gw) / dn,
                         mgy = lane_sum<T>(d, [&](index_t i) { return gw(i) * xhat(i); }) / dn;
            T* gx = pgx + r * d;
            for (index_t i = 0; i < d; ++i) gx[i] = static_cast<T>(m.rstd * (gw(i) - mg - xhat(i) * mgy));
        }
    });
    if (need_wb) {
        T *ow = out.w.data(), *ob = out.b.data();
        for (index_t i = 0; i < d; ++i) {
            double tw = 0, tb = 0;
            for (index_t k = 0; k < blocks; ++k) tw += part[k * 2 * d + i], tb += part[k * 2 * d + d + i];
            ow[i] = static_cast<T>(tw);
            ob[i] = static_cast<T>(tb);
        }
    }
    return out;
}

#define TG_LAYER_NORM_KERNELS(T)                                                                       \
    template Tensor<T> layer_norm<T>(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&, double);    \
    template LayerNormGrads<T> layer_norm_vjp<T>(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&, \
                                                 double, bool, bool);
TG_LAYER_NORM_KERNELS(float)
TG_LAYER_NORM_KERNELS(double)
#undef TG_LAYER_NORM_KERNELS

}  // namespace tg::kernels
