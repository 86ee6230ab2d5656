// Pooling kernels: one loop per (n, c) plane, planes split over TBB above the usual threshold.
// Average pooling is separable: every window is a rectangle [hs, he) x [ws, we) with divisor
// dh * dw, so both kinds (fixed and adaptive) share one kernel and one transpose.
#include "pool.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>

#include "conv.hpp"
#include "detail/parallel.hpp"

namespace tg {

namespace {

std::string pair_str(index_t a, index_t b) { return std::to_string(a) + "x" + std::to_string(b); }

void check_input(const char* op, const Shape& s) {
    if (s.size() != 4) throw ShapeError(std::string(op) + ": input must be 4-D [N,C,H,W], got " + s.str());
}

// ceil(a / b) for b > 0, without overflow.
index_t ceil_div(index_t a, index_t b) { return a > 0 ? (a - 1) / b + 1 : -((-a) / b); }

// The kernel taps [lo, hi) of a window starting at `off` (dilation d, k taps) that land in [0, n).
std::pair<index_t, index_t> taps(index_t off, index_t d, index_t k, index_t n) {
    const index_t lo = std::clamp<index_t>(ceil_div(-off, d), 0, k);
    return {lo, std::clamp<index_t>(ceil_div(n - off, d), lo, k)};
}

// Output size of a pooling window along both axes, after checking the parameters.
std::pair<index_t, index_t> pool_out(const char* op, const Shape& xs, const Pool2dParams& p) {
    check_input(op, xs);
    if (p.kh <= 0 || p.kw <= 0)
        throw ShapeError(std::string(op) + ": kernel size must be positive, got " + pair_str(p.kh, p.kw));
    if (p.sh <= 0 || p.sw <= 0)
        throw ShapeError(std::string(op) + ": stride must be positive, got " + pair_str(p.sh, p.sw));
    if (p.dh <= 0 || p.dw <= 0)
        throw ShapeError(std::string(op) + ": dilation must be positive, got " + pair_str(p.dh, p.dw));
    if (p.ph < 0 || p.pw < 0 || 2 * p.ph > p.kh || 2 * p.pw > p.kw)
        throw ShapeError(std::string(op) + ": padding " + pair_str(p.ph, p.pw) +
                         " must be non-negative and at most half the kernel " + pair_str(p.kh, p.kw));
    check_extent(op, "rows", xs[2], p.kh, p.ph, p.dh);
    check_extent(op, "columns", xs[3], p.kw, p.pw, p.dw);
    const index_t ho = conv_out_size(xs[2], p.kh, p.sh, p.ph, p.dh),
                  wo = conv_out_size(xs[3], p.kw, p.sw, p.pw, p.dw);
    if (ho <= 0 || wo <= 0)
        throw ShapeError(std::string(op) + ": window " + pair_str(p.dh * (p.kh - 1) + 1, p.dw * (p.kw - 1) + 1) +
                         " (kernel " + pair_str(p.kh, p.kw) + ", dilation " + pair_str(p.dh, p.dw) +
                         ") is larger than the padded input " + pair_str(xs[2] + 2 * p.ph, xs[3] + 2 * p.pw) +
                         " (input " + xs.str() + ")");
    return {ho, wo};
}

// Calls f(plane) for each (n, c) plane, in parallel when there is enough work.
template <class F>
void over_planes(index_t planes, index_t work_per_plane, F&& f) {
    const index_t per = std::max<index_t>(work_per_plane, 1);
    detail::parallel_chunks(
        planes,
        [&](std::int64_t b, std::int64_t e) {
            for (index_t i = b; i < e; ++i) f(i);
        },
        std::max<index_t>(1, detail::parallel_threshold / per),
        std::max<index_t>(1, detail::parallel_grain / per));
}

// The averaging windows along one axis: [start, end) and the divisor of each output position.
struct Windows {
    std::vector<index_t> start, end, div;
};

Windows fixed_windows(index_t in, index_t out, index_t k, index_t s, index_t pad, bool include_pad) {
    Windows w;
    for (index_t o = 0; o < out; ++o) {
        index_t a = o * s - pad, b = std::min(a + k, in + pad);
        const index_t padded = b - a;
        a = std::max<index_t>(a, 0), b = std::min(b, in);
        w.start.push_back(a), w.end.push_back(b), w.div.push_back(include_pad ? padded : b - a);
    }
    return w;
}

Windows adaptive_windows(index_t in, index_t out) {
    Windows w;
    for (index_t o = 0; o < out; ++o) {
        const index_t a = o * in / out, b = ((o + 1) * in + out - 1) / out;
        w.start.push_back(a), w.end.push_back(b), w.div.push_back(b - a);
    }
    return w;
}

template <class T>
Tensor<T> average(const Tensor<T>& x_in, const Windows& rows, const Windows& cols) {
    const Shape& xs = x_in.shape();
    const index_t H = xs[2], W = xs[3], Ho = index_t(rows.start.size()), Wo = index_t(cols.start.size());
    Tensor<T> y = Tensor<T>::empty({xs[0], xs[1], Ho, Wo}, "avg_pool2d");
    const Tensor<T> x = x_in.contiguous();
    const T* xp = x.data();
    T* yp = y.data();
    over_planes(xs[0] * xs[1], H * W + Ho * Wo, [&](index_t pl) {
        const T* xc = xp + pl * H * W;
        T* yc = yp + pl * Ho * Wo;
        for (index_t i = 0; i < Ho; ++i)
            for (index_t j = 0; j < Wo; ++j) {
                T s = 0;
                for (index_t h = rows.start[i]; h < rows.end[i]; ++h)
                    for (index_t w = cols.start[j]; w < cols.end[j]; ++w) s += xc[h * W + w];
                yc[i * Wo + j] = s / (T(rows.div[i]) * T(cols.div[j]));  // the product may pass 2^63
            }
    });
    return y;
}

template <class T>
Tensor<T> average_transpose(const Tensor<T>& g_in, const Windows& rows, const Windows& cols, index_t H,
                            index_t W) {
    const Shape& gs = g_in.shape();
    const index_t Ho = gs[2], Wo = gs[3];
    Tensor<T> x(Shape{gs[0], gs[1], H, W});
    const Tensor<T> g = g_in.contiguous();
    const T* gp = g.data();
    T* xp = x.data();
    over_planes(gs[0] * gs[1], H * W + Ho * Wo, [&](index_t pl) {
        T* xc = xp + pl * H * W;
        const T* gc = gp + pl * Ho * Wo;
        for (index_t i = 0; i < Ho; ++i)
            for (index_t j = 0; j < Wo; ++j) {
                const T v = gc[i * Wo + j] / (T(rows.div[i]) * T(cols.div[j]));
                for (index_t h = rows.start[i]; h < rows.end[i]; ++h)
                    for (index_t w = cols.start[j]; w < cols.end[j]; ++w) xc[h * W + w] += v;
            }
    });
    return x;
}

void check_transpose(const char* op, const Shape& gs, index_t ho, index_t wo, index_t H, index_t W) {
    check_input(op, gs);
    if (gs[2] != ho || gs[3] != wo)
        throw ShapeError(std::string(op) + ": gradient " + gs.str() + " is not the pooled size " +
                         pair_str(ho, wo) + " of an input plane " + pair_str(H, W));
}

void check_index(const char* op, const std::vector<index_t>& idx, index_t n, index_t plane) {
    if (static_cast<index_t>(idx.size()) != n)
        throw IndexError(std::string(op) + ": " + std::to_string(idx.size()) + " indices for " +
                         std::to_string(n) + " outputs");
    for (index_t i : idx)
        if (i < -1 || i >= plane)  // -1: a window holding no input element
            throw IndexError(std::string(op) + ": index " + std::to_string(i) + " outside a plane of " +
                             std::to_string(plane) + " elements");
}

// max_pool2d without padding or dilation: every window lies inside the input, so no tap needs a
// bounds check and the first tap starts the maximum. The selection is branch-free: on ReLU
// outputs (many ties at 0, random order) the general loop's data-dependent branch mispredicted
// about every other element, and perf put max_pool2d's forward at 40 % of a small CNN's training
// step. Same rule as the general loop: strictly greater wins, so among equal values the first in
// row-major order stays, and the first NaN wins over any number. KH = KW = 0: sizes from p.
template <int KH, int KW, class T>
void max_pool_inside(const T* xp, T* yp, index_t* ip, index_t planes, index_t H, index_t W, index_t Ho,
                     index_t Wo, const Pool2dParams& p) {
    // Selections by bit masks: GCC 12 turns `take ? v : bv` (and bool arithmetic) back into
    // the branches this path exists to avoid.
    using Bits = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
    const index_t kh = KH ? KH : p.kh, kw = KW ? KW : p.kw, sh = p.sh, sw = p.sw;
    over_planes(planes, Ho * Wo * kh * kw, [=](index_t pl) {
        const T* xc = xp + pl * H * W;
        T* yc = yp + pl * Ho * Wo;
        index_t* ic = ip ? ip + pl * Ho * Wo : nullptr;
        for (index_t i = 0; i < Ho; ++i)
            for (index_t j = 0; j < Wo; ++j) {
                const index_t first = i * sh * W + j * sw;
                index_t best = first;
                T bv = xc[first];
                for (index_t a = 0; a < kh; ++a)
                    for (index_t b = 0; b < kw; ++b) {
                        const index_t at = first + a * W + b;
                        const T v = xc[at];
                        const Bits take = Bits(v > bv) | (Bits(v != v) & Bits(bv == bv));
                        const Bits m = Bits(0) - take;  // all ones where v wins
                        bv = std::bit_cast<T>((std::bit_cast<Bits>(v) & m) | (std::bit_cast<Bits>(bv) & ~m));
                        const auto mi = static_cast<index_t>(0) - static_cast<index_t>(take);
                        best = (at & mi) | (best & ~mi);
                    }
                yc[i * Wo + j] = bv;
                if (ic) ic[i * Wo + j] = best;
            }
    });
}

// The common 2x2 window with stride 2, one output row at a time as a loop over j that the
// compiler vectorizes (no inner tap loop, selections by masks): each row's first maximum, then
// the upper row's unless the lower one is greater (or the first NaN): the row-major order.
template <class T>
void max_pool_2x2(const T* xp, T* yp, index_t* ip, index_t planes, index_t H, index_t W, index_t Ho,
                  index_t Wo) {
    using Bits = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
    // Which of (a, b) wins, a first in scan order: all ones where b does.
    const auto wins = [](T a, T b) { return Bits(0) - (Bits(b > a) | (Bits(b != b) & Bits(a == a))); };
    const auto pick = [](Bits m, T a, T b) {
        return std::bit_cast<T>((std::bit_cast<Bits>(b) & m) | (std::bit_cast<Bits>(a) & ~m));
    };
    over_planes(planes, Ho * Wo * 4, [=](index_t pl) {
        const T* xc = xp + pl * H * W;
        T* yc = yp + pl * Ho * Wo;
        index_t* ic = ip ? ip + pl * Ho * Wo : nullptr;
        for (index_t i = 0; i < Ho; ++i) {
            const T* r0 = xc + 2 * i * W;
            const T* r1 = r0 + W;
            T* yr = yc + i * Wo;
            if (!ic) {
                for (index_t j = 0; j < Wo; ++j) {
                    const T a = r0[2 * j], b = r0[2 * j + 1], c = r1[2 * j], d = r1[2 * j + 1];
                    const T top = pick(wins(a, b), a, b), bottom = pick(wins(c, d), c, d);
                    yr[j] = pick(wins(top, bottom), top, bottom);
                }
                continue;
            }
            index_t* ir = ic + i * Wo;
            for (index_t j = 0; j < Wo; ++j) {
                const T a = r0[2 * j], b = r0[2 * j + 1], c = r1[2 * j], d = r1[2 * j + 1];
                const Bits mt = wins(a, b), mb = wins(c, d);
                const T top = pick(mt, a, b), bottom = pick(mb, c, d);
                const Bits m = wins(top, bottom);
                yr[j] = pick(m, top, bottom);
                // Offsets within the window (0, 1, W, W + 1) from the masks' low bits.
                const index_t ot = index_t(mt & 1), ob = W + index_t(mb & 1), mm = index_t(0) - index_t(m & 1);
                ir[j] = 2 * i * W + 2 * j + ((ob & mm) | (ot & ~mm));
            }
        }
    });
}

}  // namespace

template <class T>
Tensor<T> max_pool2d(const Tensor<T>& x_in, const Pool2dParams& p, std::vector<index_t>* argmax) {
    x_in.require_defined("max_pool2d");
    const auto [Ho, Wo] = pool_out("max_pool2d", x_in.shape(), p);
    const Shape& xs = x_in.shape();
    const index_t H = xs[2], W = xs[3];
    Tensor<T> y = Tensor<T>::empty({xs[0], xs[1], Ho, Wo}, "max_pool2d");
    if (argmax) argmax->assign(static_cast<std::size_t>(y.numel()), 0);
    const Tensor<T> x = x_in.contiguous();
    const T* xp = x.data();
    T* yp = y.data();
    index_t* ip = argmax ? argmax->data() : nullptr;
    if (p.ph == 0 && p.pw == 0 && p.dh == 1 && p.dw == 1) {
        if (p.kh == 2 && p.kw == 2 && p.sh == 2 && p.sw == 2)
            max_pool_2x2(xp, yp, ip, xs[0] * xs[1], H, W, Ho, Wo);
        else if (p.kh == 2 && p.kw == 2) max_pool_inside<2, 2>(xp, yp, ip, xs[0] * xs[1], H, W, Ho, Wo, p);
        else max_pool_inside<0, 0>(xp, yp, ip, xs[0] * xs[1], H, W, Ho, Wo, p);
        return y;
    }
    over_planes(xs[0] * xs[1], Ho * Wo * std::min(p.kh, H) * std::min(p.kw, W), [&](index_t pl) {
        const T* xc = xp + pl * H * W;
        for (index_t i = 0; i < Ho; ++i)
            for (index_t j = 0; j < Wo; ++j) {
                // Only the taps inside the input: a huge padded kernel costs what the input holds.
                const index_t h0 = i * p.sh - p.ph, w0 = j * p.sw - p.pw;
                const auto [a0, a1] = taps(h0, p.dh, p.kh, H);
                const auto [b0, b1] = taps(w0, p.dw, p.kw, W);
                index_t best = -1;
                T bv = -std::numeric_limits<T>::infinity();
                for (index_t a = a0; a < a1; ++a) {
                    const index_t h = h0 + a * p.dh;
                    for (index_t b = b0; b < b1; ++b) {
                        const index_t w = w0 + b * p.dw;
                        const T v = xc[h * W + w];
                        // Strictly greater: among equal values the first in scan order stays.
                        if (best < 0 || v > bv || (std::isnan(v) && !std::isnan(bv)))
                            best = h * W + w, bv = v;
                    }
                }
                // A dilated window can read only padding (H = 2, kernel 2, padding 1, dilation 3):
                // then -inf, as in PyTorch, and index -1: no element gets its gradient.
                const index_t k = pl * Ho * Wo + i * Wo + j;
                yp[k] = bv;
                if (ip) ip[k] = best;
            }
    });
    return y;
}

template <class T>
Tensor<T> pool_gather(const Tensor<T>& v_in, const std::vector<index_t>& idx, const Shape& ys) {
    v_in.require_defined("max_pool2d_gather");
    const Shape& vs = v_in.shape();
    check_input("max_pool2d_gather", vs);
    check_input("max_pool2d_gather", ys);
    if (ys[0] != vs[0] || ys[1] != vs[1])
        throw ShapeError("max_pool2d_gather: output " + ys.str() + " and input " + vs.str() +
                         " differ in N or C");
    const index_t plane = vs[2] * vs[3], per = ys[2] * ys[3];
    check_index("max_pool2d_gather", idx, ys.numel(), plane);
    Tensor<T> y = Tensor<T>::empty(ys, "max_pool2d_gather");
    const Tensor<T> v = v_in.contiguous();
    const T* vp = v.data();
    T* yp = y.data();
    for (index_t pl = 0; pl < ys[0] * ys[1]; ++pl)
        for (index_t k = 0; k < per; ++k) {
            const index_t i = idx[pl * per + k];
            yp[pl * per + k] = i < 0 ? T(0) : vp[pl * plane + i];
        }
    return y;
}

template <class T>
Tensor<T> pool_scatter(const Tensor<T>& g_in, const std::vector<index_t>& idx, const Shape& xs) {
    g_in.require_defined("max_pool2d_scatter");
    const Shape& gs = g_in.shape();
    check_input("max_pool2d_scatter", gs);
    check_input("max_pool2d_scatter", xs);
    if (gs[0] != xs[0] || gs[1] != xs[1])
        throw ShapeError("max_pool2d_scatter: gradient " + gs.str() + " and input " + xs.str() +
                         " differ in N or C");
    const index_t plane = xs[2] * xs[3], per = gs[2] * gs[3];
    check_index("max_pool2d_scatter", idx, gs.numel(), plane);
    Tensor<T> x(xs);
    const Tensor<T> g = g_in.contiguous();
    const T* gp = g.data();
    T* xp = x.data();
    for (index_t pl = 0; pl < gs[0] * gs[1]; ++pl)
        for (index_t k = 0; k < per; ++k)
            if (const index_t i = idx[pl * per + k]; i >= 0) xp[pl * plane + i] += gp[pl * per + k];
    return x;
}

template <class T>
Tensor<T> avg_pool2d(const Tensor<T>& x, const Pool2dParams& p0) {
    x.require_defined("avg_pool2d");
    Pool2dParams p = p0;
    p.dh = p.dw = 1;
    const auto [Ho, Wo] = pool_out("avg_pool2d", x.shape(), p);
    const Shape& xs = x.shape();
    return average(x, fixed_windows(xs[2], Ho, p.kh, p.sh, p.ph, p.count_include_pad),
                   fixed_windows(xs[3], Wo, p.kw, p.sw, p.pw, p.count_include_pad));
}

template <class T>
Tensor<T> avg_pool2d_transpose(const Tensor<T>& g, const Pool2dParams& p0, index_t H, index_t W) {
    g.require_defined("avg_pool2d_transpose");
    Pool2dParams p = p0;
    p.dh = p.dw = 1;
    check_input("avg_pool2d_transpose", g.shape());
    const auto [Ho, Wo] = pool_out("avg_pool2d_transpose", Shape{g.shape()[0], g.shape()[1], H, W}, p);
    check_transpose("avg_pool2d_transpose", g.shape(), Ho, Wo, H, W);
    return average_transpose(g, fixed_windows(H, Ho, p.kh, p.sh, p.ph, p.count_include_pad),
                             fixed_windows(W, Wo, p.kw, p.sw, p.pw, p.count_include_pad), H, W);
}

template <class T>
Tensor<T> adaptive_avg_pool2d(const Tensor<T>& x, index_t oh, index_t ow) {
    x.require_defined("adaptive_avg_pool2d");
    check_input("adaptive_avg_pool2d", x.shape());
    if (oh <= 0 || ow <= 0)
        throw ShapeError("adaptive_avg_pool2d: output size must be positive, got " + pair_str(oh, ow));
    const Shape& xs = x.shape();
    if (xs[2] <= 0 || xs[3] <= 0) throw ShapeError("adaptive_avg_pool2d: empty input plane " + xs.str());
    // No planes: no windows either (an output size of 2^40 must not build 2^40 of them).
    if (xs[0] == 0 || xs[1] == 0) return Tensor<T>(Shape{xs[0], xs[1], oh, ow});
    return average(x, adaptive_windows(xs[2], oh), adaptive_windows(xs[3], ow));
}

template <class T>
Tensor<T> adaptive_avg_pool2d_transpose(const Tensor<T>& g, index_t H, index_t W) {
    g.require_defined("adaptive_avg_pool2d_transpose");
    check_input("adaptive_avg_pool2d_transpose", g.shape());
    if (H <= 0 || W <= 0 || g.shape()[2] <= 0 || g.shape()[3] <= 0)
        throw ShapeError("adaptive_avg_pool2d_transpose: empty plane: gradient " + g.shape().str() +
                         ", input " + pair_str(H, W));
    if (g.shape()[0] == 0 || g.shape()[1] == 0) return Tensor<T>(Shape{g.shape()[0], g.shape()[1], H, W});
    return average_transpose(g, adaptive_windows(H, g.shape()[2]), adaptive_windows(W, g.shape()[3]), H, W);
}

#define TG_INSTANTIATE(T)                                                                                \
    template Tensor<T> max_pool2d<T>(const Tensor<T>&, const Pool2dParams&, std::vector<index_t>*);      \
    template Tensor<T> pool_gather<T>(const Tensor<T>&, const std::vector<index_t>&, const Shape&);      \
    template Tensor<T> pool_scatter<T>(const Tensor<T>&, const std::vector<index_t>&, const Shape&);     \
    template Tensor<T> avg_pool2d<T>(const Tensor<T>&, const Pool2dParams&);                             \
    template Tensor<T> avg_pool2d_transpose<T>(const Tensor<T>&, const Pool2dParams&, index_t, index_t); \
    template Tensor<T> adaptive_avg_pool2d<T>(const Tensor<T>&, index_t, index_t);                       \
    template Tensor<T> adaptive_avg_pool2d_transpose<T>(const Tensor<T>&, index_t, index_t);
TG_INSTANTIATE(float)
TG_INSTANTIATE(double)
#undef TG_INSTANTIATE

}  // namespace tg
