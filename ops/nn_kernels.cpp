// The nn family's kernels (declared in nn_kernels.hpp). Softmax-like ops run on rows: the reduced
// axis is moved last (a copy only when it is not last already) and each row is a few xsimd passes
// while it sits in L1. Normalization runs on a (P, C, Q) view: statistics per c over p and q, the
// layout of layer norm (P = 1), batch norm (N, C, HW) and instance / group norm (P = 1).
#include "nn_kernels.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include <xsimd/xsimd.hpp>

#include "../tensor/detail/parallel.hpp"
#include "../tensor/random.hpp"
#include "row_kernels.hpp"

namespace tg::kernels {

namespace {

using row_kernels::for_rows;
using row_kernels::lane_sum;

template <class T>
using Batch = xsimd::batch<T>;

// The n < W elements at p as one batch, the other lanes `fill`. Rows shorter than a batch (10
// classes against 16 float lanes) and the tails of longer rows then take one vector exp instead
// of n scalar ones: scalar expf and logf were a third of cross_entropy's time in a training step
// with 10 classes (perf, MLP 64-128-128-10 at batch 256).
template <class T>
Batch<T> load_tail(const T* p, index_t n, T fill) {
    constexpr index_t W = static_cast<index_t>(Batch<T>::size);
    alignas(64) T buf[W];
    std::fill(buf, buf + W, fill);
    std::copy(p, p + n, buf);
    return Batch<T>::load_aligned(buf);
}
template <class T>
void store_tail(const Batch<T>& b, T* p, index_t n) {
    alignas(64) T buf[Batch<T>::size];
    b.store_aligned(buf);
    std::copy(buf, buf + n, p);
}

template <class T>
T row_max(const T* p, index_t n) {
    constexpr index_t W = static_cast<index_t>(Batch<T>::size);
    constexpr T lowest = -std::numeric_limits<T>::infinity();
    if (n <= 0) return lowest;
    Batch<T> b(lowest);
    index_t i = 0;
    for (; i + W <= n; i += W) b = xsimd::max(b, Batch<T>::load_unaligned(p + i));
    if (i < n) b = xsimd::max(b, load_tail(p + i, n - i, lowest));
    alignas(64) T lanes[W];
    b.store_aligned(lanes);
    T m = lowest;
    for (index_t j = 0; j < W; ++j) m = std::max(m, lanes[j]);
    return m;
}

// sum exp(p - shift), storing the exponentials in `out` when it is not null.
template <class T>
T row_exp_sum(const T* p, index_t n, T shift, T* out) {
    constexpr index_t W = static_cast<index_t>(Batch<T>::size);
    const Batch<T> s(shift);
    Batch<T> acc(T(0));
    index_t i = 0;
    for (; i + W <= n; i += W) {
        const Batch<T> e = xsimd::exp(Batch<T>::load_unaligned(p + i) - s);
        if (out) e.store_unaligned(out + i);
        acc += e;
    }
    if (i < n) {  // padding -inf: exp gives exactly 0 in those lanes
        const Batch<T> e = xsimd::exp(load_tail(p + i, n - i, -std::numeric_limits<T>::infinity()) - s);
        if (out) store_tail(e, out + i, n - i);
        acc += e;
    }
    return xsimd::hadd(acc);
}

// The shift of a stable log-sum-exp: the maximum, or 0 where it is infinite (all -inf gives
// log 0 = -inf, a +inf gives +inf, instead of inf - inf = NaN).
template <class T>
T shift_of(T m) {
    return std::isfinite(m) ? m : T(0);
}

template <class T>
T row_dot(const T* a, const T* b, index_t n) {
    constexpr index_t W = static_cast<index_t>(Batch<T>::size);
    Batch<T> acc(T(0));
    index_t i = 0;
    for (; i + W <= n; i += W) acc += Batch<T>::load_unaligned(a + i) * Batch<T>::load_unaligned(b + i);
    T total = xsimd::hadd(acc);
    for (; i < n; ++i) total += a[i] * b[i];
    return total;
}

template <class T>
T row_plain_sum(const T* a, index_t n) {
    constexpr index_t W = static_cast<index_t>(Batch<T>::size);
    Batch<T> acc(T(0));
    index_t i = 0;
    for (; i + W <= n; i += W) acc += Batch<T>::load_unaligned(a + i);
    T total = xsimd::hadd(acc);
    for (; i < n; ++i) total += a[i];
    return total;
}

// An input of an elementwise kernel: one value broadcast everywhere, or a dense buffer of the
// output's shape (other broadcasts are materialized first; they are rare here).
template <class T>
struct Lane {
    Tensor<T> t;
    bool one = false;
    Batch<T> at(const T* base, index_t i) const {
        return one ? Batch<T>(base[0]) : Batch<T>::load_unaligned(base + i);
    }
};

// out = f(batches of the inputs), broadcasting, as xsimd loops over TBB chunks. One small
// instantiation per formula (detail::map instantiates every flat / broadcast combination of its
// inputs, which made this TU the slowest of the library to compile).
template <class T, std::size_t K, class F>
Tensor<T> zip(const char* op, const std::array<const Tensor<T>*, K>& in, F f) {
    Shape s = in[0]->shape();
    for (std::size_t k = 0; k < K; ++k) {
        in[k]->require_defined(op);
        s = broadcast_shapes(s, in[k]->shape(), op);
    }
    Tensor<T> out = Tensor<T>::empty(s, op);
    std::array<Lane<T>, K> v;
    std::array<const T*, K> base{};
    for (std::size_t k = 0; k < K; ++k) {
        const Tensor<T>& t = *in[k];
        v[k].one = t.numel() == 1 && out.numel() != 1;
        v[k].t = v[k].one || t.shape() == s ? t.contiguous() : t.broadcast_to(s).contiguous();
        base[k] = std::as_const(v[k].t).data();  // a read: no version bump
    }
    constexpr index_t W = static_cast<index_t>(Batch<T>::size);
    T* o = out.data();
    detail::parallel_chunks(out.numel(), [&](std::int64_t b, std::int64_t e) {
        std::array<Batch<T>, K> a;
        index_t i = b;
        for (; i + W <= e; i += W) {
            for (std::size_t k = 0; k < K; ++k) a[k] = v[k].at(base[k], i);
            f(a).store_unaligned(o + i);
        }
        if (i == e) return;
        alignas(64) T pad[K][W], res[W];
        for (std::size_t k = 0; k < K; ++k)
            for (index_t j = 0; j < W; ++j)
                pad[k][j] = v[k].one ? base[k][0] : (i + j < e ? base[k][i + j] : T(0));
        for (std::size_t k = 0; k < K; ++k) a[k] = Batch<T>::load_aligned(pad[k]);
        f(a).store_aligned(res);
        for (index_t j = 0; i + j < e; ++j) o[i + j] = res[j];
    });
    return out;
}

// x with `axis` moved last, contiguous (a view of x when it already is).
template <class T>
Tensor<T> axis_last(const Tensor<T>& x, int axis) {
    if (axis == x.dim() - 1 || x.dim() == 0) return x.contiguous();
    Shape perm;
    for (int i = 0; i < x.dim(); ++i)
        if (i != axis) perm.push_back(i);
    perm.push_back(axis);
    return x.permute(perm).contiguous();
}

// The inverse of axis_last on a result of the same (moved) shape.
template <class T>
Tensor<T> axis_back(const Tensor<T>& y, int axis) {
    if (axis == y.dim() - 1 || y.dim() == 0) return y;
    // output axis j takes moved axis: j < axis -> j, j == axis -> the last, j > axis -> j - 1
    Shape p;
    for (int j = 0; j < y.dim(); ++j) p.push_back(j < axis ? j : (j == axis ? y.dim() - 1 : j - 1));
    return y.permute(p).contiguous();
}

template <class T>
index_t last_len(const Tensor<T>& x) {
    return x.dim() == 0 ? 1 : x.shape()[x.dim() - 1];
}

}  // namespace

template <class T>
Tensor<T> softmax(const Tensor<T>& x, int axis) {
    x.require_defined("softmax");
    const Tensor<T> xr = axis_last(x, axis);
    Tensor<T> out = Tensor<T>::empty(xr.shape(), "softmax");
    const index_t n = last_len(xr), rows = n ? xr.numel() / n : 0;
    const T* px = xr.data();
    T* po = out.data();
    for_rows(rows, n, [&](index_t r) {
        const T* p = px + r * n;
        T* o = po + r * n;
        const T s = row_exp_sum(p, n, shift_of(row_max(p, n)), o);
        const T inv = T(1) / s;
        for (index_t i = 0; i < n; ++i) o[i] *= inv;
    });
    return axis_back(out, axis);
}

template <class T>
Tensor<T> log_softmax(const Tensor<T>& x, int axis) {
    x.require_defined("log_softmax");
    const Tensor<T> xr = axis_last(x, axis);
    Tensor<T> out = Tensor<T>::empty(xr.shape(), "log_softmax");
    const index_t n = last_len(xr), rows = n ? xr.numel() / n : 0;
    const T* px = xr.data();
    T* po = out.data();
    for_rows(rows, n, [&](index_t r) {
        const T* p = px + r * n;
        T* o = po + r * n;
        const T shift = shift_of(row_max(p, n));
        const T c = shift + std::log(row_exp_sum(p, n, shift, static_cast<T*>(nullptr)));
        for (index_t i = 0; i < n; ++i) o[i] = p[i] - c;
    });
    return axis_back(out, axis);
}

template <class T>
Tensor<T> softmax_vjp(const Tensor<T>& y, const Tensor<T>& g, int axis) {
    const Tensor<T> yr = axis_last(y, axis), gr = axis_last(g.broadcast_to(y.shape()), axis);
    Tensor<T> out = Tensor<T>::empty(yr.shape(), "softmax");
    const index_t n = last_len(yr), rows = n ? yr.numel() / n : 0;
    const T *py = yr.data(), *pg = gr.data();
    T* po = out.data();
    for_rows(rows, n, [&](index_t r) {
        const T *a = py + r * n, *b = pg + r * n;
        T* o = po + r * n;
        const T dot = row_dot(a, b, n);
        for (index_t i = 0; i < n; ++i) o[i] = a[i] * (b[i] - dot);
    });
    return axis_back(out, axis);
}

template <class T>
Tensor<T> log_softmax_vjp(const Tensor<T>& y, const Tensor<T>& g, int axis) {
    const Tensor<T> yr = axis_last(y, axis), gr = axis_last(g.broadcast_to(y.shape()), axis);
    Tensor<T> out = Tensor<T>::empty(yr.shape(), "log_softmax");
    const index_t n = last_len(yr), rows = n ? yr.numel() / n : 0;
    const T *py = yr.data(), *pg = gr.data();
    T* po = out.data();
    constexpr index_t W = static_cast<index_t>(Batch<T>::size);
    for_rows(rows, n, [&](index_t r) {
        const T *a = py + r * n, *b = pg + r * n;
        T* o = po + r * n;
        const T s = row_plain_sum(b, n);
        const Batch<T> sb(s);
        index_t i = 0;
        for (; i + W <= n; i += W)
            (Batch<T>::load_unaligned(b + i) - xsimd::exp(Batch<T>::load_unaligned(a + i)) * sb)
                .store_unaligned(o + i);
        if (i < n)
            store_tail(load_tail(b + i, n - i, T(0)) - xsimd::exp(load_tail(a + i, n - i, T(0))) * sb, o + i,
                       n - i);
    });
    return axis_back(out, axis);
}

template <class T>
Tensor<T> logsumexp(const Tensor<T>& x, const Shape& axes, bool keepdims) {
    x.require_defined("logsumexp");
    const int r = x.dim();
    std::vector<bool> red(static_cast<std::size_t>(r), axes.empty());
    for (index_t a : axes) {
        const int ax = normalize_axis(a, r, "logsumexp");
        if (red[ax]) throw ShapeError("logsumexp: axis " + std::to_string(a) + " repeated in " + axes.str());
        red[ax] = true;
    }
    Shape perm, kept, squeezed;
    index_t len = 1;
    for (int i = 0; i < r; ++i)
        if (!red[i]) perm.push_back(i), kept.push_back(x.shape()[i]), squeezed.push_back(x.shape()[i]);
        else kept.push_back(1);
    for (int i = 0; i < r; ++i)
        if (red[i]) perm.push_back(i), len = len * x.shape()[i];
    const Tensor<T> xr = x.permute(perm).contiguous();
    Tensor<T> out = Tensor<T>::empty(squeezed, "logsumexp");
    const index_t rows = out.numel();
    const T* px = xr.data();
    T* po = out.data();
    for_rows(rows, len, [&](index_t i) {
        const T* p = px + i * len;
        const T shift = shift_of(row_max(p, len));
        po[i] = shift + std::log(row_exp_sum(p, len, shift, static_cast<T*>(nullptr)));
    });
    return keepdims ? out.reshape(kept) : out;
}

template <class T>
Tensor<T> logsumexp_vjp(const Tensor<T>& x, const Tensor<T>& y, const Tensor<T>& g) {
    return zip<T, 3>("logsumexp", {&g, &x, &y}, [](const auto& a) { return a[0] * xsimd::exp(a[1] - a[2]); });
}

namespace {

// Logits moved to (rows, C) with the class axis last; targets validated.
template <class T>
Tensor<T> ce_rows(const Tensor<T>& x, const IndexArray& t, index_t ignore) {
    x.require_defined("cross_entropy");
    const int ca = x.dim() == 1 ? 0 : 1;
    if (x.dim() == 0) throw ShapeError("cross_entropy: logits need a class axis, got shape []");
    Shape want;
    for (int i = 0; i < x.dim(); ++i)
        if (i != ca) want.push_back(x.shape()[i]);
    if (!(t.shape == want))
        throw ShapeError("cross_entropy: targets of shape " + t.shape.str() + " for logits of shape " +
                         x.shape().str() + " (expected targets of shape " + want.str() + ")");
    const index_t c = x.shape()[ca];
    for (index_t k : t.data)
        if (k != ignore && (k < 0 || k >= c))
            throw IndexError("cross_entropy: class index " + std::to_string(k) + " out of range for " +
                             std::to_string(c) + " classes");
    return axis_last(x, ca);
}

}  // namespace

template <class T>
Tensor<T> cross_entropy_index(const Tensor<T>& x, const IndexArray& t, double smoothing, index_t ignore) {
    const Tensor<T> xr = ce_rows(x, t, ignore);
    const index_t c = last_len(xr), rows = static_cast<index_t>(t.data.size());
    Tensor<T> out = Tensor<T>::empty(t.shape, "cross_entropy");
    const T* px = xr.data();
    T* po = out.data();
    const T s = static_cast<T>(smoothing);
    for_rows(rows, c, [&](index_t r) {
        const index_t k = t.data[static_cast<std::size_t>(r)];
        if (k == ignore) {
            po[r] = T(0);
            return;
        }
        const T* p = px + r * c;
        const T shift = shift_of(row_max(p, c));
        const T lse = shift + std::log(row_exp_sum(p, c, shift, static_cast<T*>(nullptr)));
        T loss = -(T(1) - s) * (p[k] - lse);
        if (s != T(0)) loss -= s / static_cast<T>(c) * (row_plain_sum(p, c) - static_cast<T>(c) * lse);
        po[r] = loss;
    });
    return out;
}

template <class T>
Tensor<T> cross_entropy_index_vjp(const Tensor<T>& x, const IndexArray& t, const Tensor<T>& g,
                                  double smoothing, index_t ignore) {
    const Tensor<T> xr = ce_rows(x, t, ignore);
    const Tensor<T> gc = g.broadcast_to(t.shape).contiguous();
    const index_t c = last_len(xr), rows = static_cast<index_t>(t.data.size());
    Tensor<T> out = Tensor<T>::empty(xr.shape(), "cross_entropy");
    const T *px = xr.data(), *pg = gc.data();
    T* po = out.data();
    const T s = static_cast<T>(smoothing), floor = s / static_cast<T>(std::max<index_t>(c, 1));
    constexpr index_t W = static_cast<index_t>(Batch<T>::size);
    for_rows(rows, c, [&](index_t r) {
        const index_t k = t.data[static_cast<std::size_t>(r)];
        T* o = po + r * c;
        if (k == ignore) {
            std::fill(o, o + c, T(0));
            return;
        }
        const T* p = px + r * c;
        const T shift = shift_of(row_max(p, c));
        const T lse = shift + std::log(row_exp_sum(p, c, shift, static_cast<T*>(nullptr)));
        const T gr = pg[r];
        const Batch<T> lb(lse), gb(gr), fb(floor);
        index_t i = 0;
        for (; i + W <= c; i += W)
            (gb * (xsimd::exp(Batch<T>::load_unaligned(p + i) - lb) - fb)).store_unaligned(o + i);
        if (i < c) store_tail(gb * (xsimd::exp(load_tail(p + i, c - i, T(0)) - lb) - fb), o + i, c - i);
        o[k] -= gr * (T(1) - s);
    });
    return axis_back(out, x.dim() == 1 ? 0 : 1);
}

template <class T>
std::pair<Tensor<T>, Tensor<T>> cross_entropy_targets(const Shape& x, const IndexArray& t, double smoothing,
                                                      index_t ignore) {
    const int ca = x.size() == 1 ? 0 : 1;
    const Tensor<T> moved = ce_rows(Tensor<T>(x), t, ignore);  // validates t; the moved shape
    const index_t c = last_len(moved), rows = static_cast<index_t>(t.data.size());
    Tensor<T> q(moved.shape());
    Shape mshape = x;
    mshape[ca] = 1;
    Tensor<T> mask = Tensor<T>::empty(mshape, "cross_entropy");
    T *pq = q.data(), *pm = mask.data();
    const T s = static_cast<T>(smoothing), floor = s / static_cast<T>(std::max<index_t>(c, 1));
    for (index_t r = 0; r < rows; ++r) {
        const index_t k = t.data[static_cast<std::size_t>(r)];
        pm[r] = k == ignore ? T(0) : T(1);
        if (k == ignore) continue;
        std::fill(pq + r * c, pq + (r + 1) * c, floor);
        pq[r * c + k] += T(1) - s;
    }
    return {axis_back(q, ca), mask};
}

namespace {

// x viewed as (P, C, Q): statistics per c over p and q. Kept axes that form one run need no
// copy; otherwise they are moved first: (kept..., reduced...), P = 1.
template <class T>
struct Pcq {
    Tensor<T> x;  // contiguous, in the (P, C, Q) element order
    index_t p = 1, c = 1, q = 1;
    Shape perm;  // empty when x is the caller's layout
    Shape kept;  // keepdims shape of the statistics
};

template <class T>
Pcq<T> pcq(const Tensor<T>& x, const Shape& axes, const char* op) {
    x.require_defined(op);
    const int r = x.dim();
    std::vector<bool> red(static_cast<std::size_t>(r), axes.empty());
    for (index_t a : axes) {
        const int ax = normalize_axis(a, r, op);
        if (red[ax])
            throw ShapeError(std::string(op) + ": axis " + std::to_string(a) + " repeated in " + axes.str());
        red[ax] = true;
    }
    Pcq<T> v;
    v.kept = x.shape();
    int k0 = r, k1 = 0;
    for (int i = 0; i < r; ++i)
        if (red[i]) v.kept[i] = 1;
        else k0 = std::min(k0, i), k1 = i + 1;
    bool run = true;
    for (int i = k0; i < k1; ++i) run = run && !red[i];
    if (run) {
        v.x = x.contiguous();
        for (int i = 0; i < r; ++i) (i < k0 ? v.p : i < k1 ? v.c : v.q) *= x.shape()[i];
        if (k0 == r) v.p = 1, v.c = 1, v.q = x.numel();
        return v;
    }
    for (int i = 0; i < r; ++i)
        if (!red[i]) v.perm.push_back(i), v.c *= x.shape()[i];
    for (int i = 0; i < r; ++i)
        if (red[i]) v.perm.push_back(i), v.q *= x.shape()[i];
    v.x = x.permute(v.perm).contiguous();
    return v;
}

template <class T>
Tensor<T> pcq_back(const Pcq<T>& v, const Tensor<T>& y) {
    if (v.perm.empty()) return y;
    Shape inv = v.perm;
    for (int i = 0; i < v.perm.size(); ++i) inv[static_cast<int>(v.perm[i])] = i;
    return y.permute(inv).contiguous();
}

// Mean and biased variance of channel c (two passes).
template <class T>
std::pair<double, double> channel_moments(const Pcq<T>& v, index_t c) {
    const T* base = v.x.data();
    const double n = static_cast<double>(v.p * v.q);
    if (n == 0) return {0.0, 0.0};
    double s = 0;
    for (index_t p = 0; p < v.p; ++p) {
        const T* seg = base + (p * v.c + c) * v.q;
        s += lane_sum<T>(v.q, [seg](index_t i) { return static_cast<double>(seg[i]); });
    }
    const double mean = s / n;
    double ss = 0;
    for (index_t p = 0; p < v.p; ++p) {
        const T* seg = base + (p * v.c + c) * v.q;
        ss += lane_sum<T>(v.q, [seg, mean](index_t i) {
            const double d = static_cast<double>(seg[i]) - mean;
            return d * d;
        });
    }
    return {mean, ss / n};
}

template <class F>
void for_channels(index_t c, index_t per, F&& f) {
    for_rows(c, per, std::forward<F>(f));
}

}  // namespace

template <class T>
Tensor<T> normalize(const Tensor<T>& x, const Shape& axes, double eps) {
    const Pcq<T> v = pcq(x, axes, "normalize");
    Tensor<T> out = Tensor<T>::empty(v.x.shape(), "normalize");
    T* po = out.data();
    const T* px = v.x.data();
    for_channels(v.c, v.p * v.q, [&](index_t c) {
        const auto [mean, var] = channel_moments(v, c);
        // x - mean in double: the mean rounded to float would be off by half an ulp of the
        // offset (5e-4 for data near 1e4), far more than the spread of normalized values allows.
        const double rs = 1 / std::sqrt(var + eps);
        for (index_t p = 0; p < v.p; ++p) {
            const index_t off = (p * v.c + c) * v.q;
            for (index_t i = 0; i < v.q; ++i)
                po[off + i] = static_cast<T>((static_cast<double>(px[off + i]) - mean) * rs);
        }
    });
    return pcq_back(v, out);
}

template <class T>
Tensor<T> normalize_vjp(const Tensor<T>& x, const Tensor<T>& y, const Tensor<T>& g, const Shape& axes,
                        double eps) {
    const Pcq<T> v = pcq(x, axes, "normalize");
    const Tensor<T> yc = v.perm.empty() ? y.contiguous() : y.permute(v.perm).contiguous();
    const Tensor<T> gb = g.broadcast_to(x.shape());
    const Tensor<T> gc = v.perm.empty() ? gb.contiguous() : gb.permute(v.perm).contiguous();
    Tensor<T> out = Tensor<T>::empty(v.x.shape(), "normalize");
    T* po = out.data();
    const T *py = yc.data(), *pg = gc.data();
    for_channels(v.c, v.p * v.q, [&](index_t c) {
        const double n = static_cast<double>(v.p * v.q);
        const double var = channel_moments(v, c).second;
        double sg = 0, sgy = 0;
        for (index_t p = 0; p < v.p; ++p) {
            const index_t off = (p * v.c + c) * v.q;
            sg += lane_sum<T>(v.q, [&](index_t i) { return static_cast<double>(pg[off + i]); });
            sgy += lane_sum<T>(v.q, [&](index_t i) {
                return static_cast<double>(pg[off + i]) * static_cast<double>(py[off + i]);
            });
        }
        const T rs = static_cast<T>(1 / std::sqrt(var + eps)), mg = static_cast<T>(sg / n),
                mgy = static_cast<T>(sgy / n);
        for (index_t p = 0; p < v.p; ++p) {
            const index_t off = (p * v.c + c) * v.q;
            for (index_t i = 0; i < v.q; ++i) po[off + i] = rs * (pg[off + i] - mg - py[off + i] * mgy);
        }
    });
    return pcq_back(v, out);
}

template <class T>
std::pair<Tensor<T>, Tensor<T>> moments(const Tensor<T>& x, const Shape& axes) {
    const Pcq<T> v = pcq(x, axes, "moments");
    Tensor<T> mean = Tensor<T>::empty(v.kept, "moments"), var = Tensor<T>::empty(v.kept, "moments");
    T *pm = mean.data(), *pv = var.data();
    for_channels(v.c, v.p * v.q, [&](index_t c) {
        const auto [m, s] = channel_moments(v, c);
        pm[c] = static_cast<T>(m);
        pv[c] = static_cast<T>(s);
    });
    return {mean, var};
}

template <class T>
Tensor<T> bce_logits(const Tensor<T>& x, const Tensor<T>& t, const Tensor<T>& w) {
    const Batch<T> one(T(1)), zero(T(0));
    return zip<T, 3>("binary_cross_entropy_with_logits", {&x, &t, &w}, [=](const auto& a) {
        return (one - a[1]) * a[0] +
               (one + (a[2] - one) * a[1]) *
                   (xsimd::max(-a[0], zero) + xsimd::log1p(xsimd::exp(-xsimd::abs(a[0]))));
    });
}

template <class T>
Tensor<T> bce_logits_dx(const Tensor<T>& g, const Tensor<T>& x, const Tensor<T>& t, const Tensor<T>& w) {
    const Batch<T> one(T(1));
    return zip<T, 4>("binary_cross_entropy_with_logits", {&g, &x, &t, &w}, [=](const auto& a) {
        return a[0] * ((one - a[2]) - (one + (a[3] - one) * a[2]) / (one + xsimd::exp(a[1])));
    });
}

template <class T>
Tensor<T> dropout_mask(const Shape& shape, double p, std::uint64_t seed) {
    Tensor<T> m = Tensor<T>::empty(shape, "dropout");
    Generator gen(seed);
    const T keep = p >= 1 ? T(0) : static_cast<T>(1 / (1 - p));
    T* pm = m.data();
    for (index_t i = 0; i < m.numel(); ++i) pm[i] = gen.next_double() < p ? T(0) : keep;
    return m;
}

#define TG_NN_KERNELS(T)                                                                                    \
    template Tensor<T> softmax<T>(const Tensor<T>&, int);                                                   \
    template Tensor<T> log_softmax<T>(const Tensor<T>&, int);                                               \
    template Tensor<T> softmax_vjp<T>(const Tensor<T>&, const Tensor<T>&, int);                             \
    template Tensor<T> log_softmax_vjp<T>(const Tensor<T>&, const Tensor<T>&, int);                         \
    template Tensor<T> logsumexp<T>(const Tensor<T>&, const Shape&, bool);                                  \
    template Tensor<T> logsumexp_vjp<T>(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&);              \
    template Tensor<T> cross_entropy_index<T>(const Tensor<T>&, const IndexArray&, double, index_t);        \
    template Tensor<T> cross_entropy_index_vjp<T>(const Tensor<T>&, const IndexArray&, const Tensor<T>&,    \
                                                  double, index_t);                                         \
    template std::pair<Tensor<T>, Tensor<T>> cross_entropy_targets<T>(const Shape&, const IndexArray&,      \
                                                                      double, index_t);                     \
    template Tensor<T> normalize<T>(const Tensor<T>&, const Shape&, double);                                \
    template Tensor<T> normalize_vjp<T>(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&, const Shape&, \
                                        double);                                                            \
    template std::pair<Tensor<T>, Tensor<T>> moments<T>(const Tensor<T>&, const Shape&);                    \
    template Tensor<T> bce_logits<T>(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&);                 \
    template Tensor<T> bce_logits_dx<T>(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&,               \
                                        const Tensor<T>&);                                                  \
    template Tensor<T> dropout_mask<T>(const Shape&, double, std::uint64_t);
TG_NN_KERNELS(float)
TG_NN_KERNELS(double)
#undef TG_NN_KERNELS

}  // namespace tg::kernels
