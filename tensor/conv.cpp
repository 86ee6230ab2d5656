// Convolution kernels: im2col / col2im around one BLAS GEMM per sample and group, the batch split
// over TBB (tensor/conv.hpp says how the BLAS threads are kept from nesting).
#include "conv.hpp"

#include <cblas.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <limits>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace tg {

namespace {

std::string pair_str(index_t a, index_t b) { return std::to_string(a) + "x" + std::to_string(b); }

// The sizes of one convolution: x [N,C,H,W] (the transpose's output), w [O,Cg,kh,kw], y [N,O,Ho,Wo].
struct Geometry {
    index_t N, C, H, W, O, Cg, Og, kh, kw, Ho, Wo;
    index_t K() const { return Cg * kh * kw; }     // GEMM depth per group
    index_t P() const { return Ho * Wo; }          // output pixels per sample
    bool pointwise(const Conv2dParams& p) const {  // 1x1, stride 1, no padding: cols = x itself
        return kh == 1 && kw == 1 && p.sh == 1 && p.sw == 1 && p.ph == 0 && p.pw == 0;
    }
};

void check_params(const char* op, const Conv2dParams& p) {
    if (p.sh <= 0 || p.sw <= 0)
        throw ShapeError(std::string(op) + ": stride must be positive, got " + pair_str(p.sh, p.sw));
    if (p.dh <= 0 || p.dw <= 0)
        throw ShapeError(std::string(op) + ": dilation must be positive, got " + pair_str(p.dh, p.dw));
    if (p.ph < 0 || p.pw < 0)
        throw ShapeError(std::string(op) + ": padding must be non-negative, got " + pair_str(p.ph, p.pw));
    if (p.groups <= 0)
        throw ShapeError(std::string(op) + ": groups must be positive, got " + std::to_string(p.groups));
    if (p.oph < 0 || p.opw < 0 || p.oph >= p.sh || p.opw >= p.sw)
        throw ShapeError(std::string(op) + ": output_padding " + pair_str(p.oph, p.opw) +
                         " must be non-negative and smaller than the stride " + pair_str(p.sh, p.sw));
}

void check_rank(const char* op, const char* what, const Shape& s, const char* layout) {
    if (s.size() != 4)
        throw ShapeError(std::string(op) + ": " + what + " must be 4-D " + layout + ", got " + s.str());
}

// Checks x's channels against the weight's and the groups, and that the dilated kernel fits in
// the padded input; fills in the output size.
Geometry geometry(const char* op, const Shape& xs, index_t O, index_t Cg, index_t kh, index_t kw,
                  const Conv2dParams& p, const Shape& ws) {
    Geometry g{xs[0], xs[1], xs[2], xs[3], O, Cg, 0, kh, kw, 0, 0};
    if (g.C % p.groups != 0)
        throw ShapeError(std::string(op) + ": groups " + std::to_string(p.groups) + " does not divide the " +
                         std::to_string(g.C) + " input channels (input " + xs.str() + ")");
    if (O % p.groups != 0)
        throw ShapeError(std::string(op) + ": groups " + std::to_string(p.groups) + " does not divide the " +
                         std::to_string(O) + " output channels (weight " + ws.str() + ")");
    if (Cg * p.groups != g.C)
        throw ShapeError(std::string(op) + ": the weight " + ws.str() + " takes " + std::to_string(Cg) +
                         " channels per group (" + std::to_string(Cg * p.groups) + " with groups " +
                         std::to_string(p.groups) + ") but the input " + xs.str() + " has " +
                         std::to_string(g.C));
    g.Og = O / p.groups;
    check_extent(op, "rows", g.H, kh, p.ph, p.dh);
    check_extent(op, "columns", g.W, kw, p.pw, p.dw);
    g.Ho = conv_out_size(g.H, kh, p.sh, p.ph, p.dh);
    g.Wo = conv_out_size(g.W, kw, p.sw, p.pw, p.dw);
    if (g.Ho < 0 || g.Wo < 0)
        throw ShapeError(std::string(op) + ": kernel " + pair_str(kh, kw) + " (dilation " +
                         pair_str(p.dh, p.dw) + ": " + pair_str(p.dh * (kh - 1) + 1, p.dw * (kw - 1) + 1) +
                         " effective) is larger than the padded input " +
                         pair_str(g.H + 2 * p.ph, g.W + 2 * p.pw) + " (input " + xs.str() + ", padding " +
                         pair_str(p.ph, p.pw) + ")");
    // BLAS takes its sizes as blasint (32 bits here).
    constexpr index_t lim = std::numeric_limits<blasint>::max();
    if (g.K() > lim || g.Ho > lim || g.Wo > lim || g.P() > lim || g.Og > lim || g.C * g.H * g.W > lim)
        throw ShapeError(std::string(op) + ": input " + xs.str() + " with weight " + ws.str() +
                         " has a GEMM dimension above " + std::to_string(lim) + ", the largest BLAS index");
    return g;
}

index_t ceil_div(index_t a, index_t b) { return a > 0 ? (a - 1) / b + 1 : -((-a) / b); }  // no a + b

// The output columns [lo, hi) whose input column ow * s + off lies inside [0, n).
std::pair<index_t, index_t> valid_range(index_t off, index_t s, index_t n, index_t out) {
    const index_t lo = std::clamp<index_t>(ceil_div(-off, s), 0, out);
    const index_t hi = std::clamp<index_t>(ceil_div(n - off, s), lo, out);
    return {lo, hi};
}

// cols[(c kh + i) kw + j][oh Wo + ow] = x[c][oh sh - ph + i dh][ow sw - pw + j dw], 0 outside.
template <class T>
void im2col(const T* x, const Geometry& g, const Conv2dParams& p, T* cols) {
    const index_t P = g.P();
    for (index_t c = 0; c < g.C; ++c) {
        const T* xc = x + c * g.H * g.W;
        for (index_t i = 0; i < g.kh; ++i) {
            for (index_t j = 0; j < g.kw; ++j, cols += P) {
                const index_t ioff = i * p.dh - p.ph, joff = j * p.dw - p.pw;
                const auto [lo, hi] = valid_range(joff, p.sw, g.W, g.Wo);
                for (index_t oh = 0; oh < g.Ho; ++oh) {
                    T* r = cols + oh * g.Wo;
                    const index_t ih = oh * p.sh + ioff;
                    if (ih < 0 || ih >= g.H) {
                        std::fill(r, r + g.Wo, T(0));
                        continue;
                    }
                    const T* xr = xc + ih * g.W + joff;
                    std::fill(r, r + lo, T(0));
                    if (p.sw == 1) std::copy(xr + lo, xr + hi, r + lo);
                    else
                        for (index_t ow = lo; ow < hi; ++ow) r[ow] = xr[ow * p.sw];
                    std::fill(r + hi, r + g.Wo, T(0));
                }
            }
        }
    }
}

// The transpose of im2col: x[c][ih][iw] += cols[...] over every window position reading it.
template <class T>
void col2im(const T* cols, const Geometry& g, const Conv2dParams& p, T* x) {
    const index_t P = g.P();
    for (index_t c = 0; c < g.C; ++c) {
        T* xc = x + c * g.H * g.W;
        for (index_t i = 0; i < g.kh; ++i) {
            for (index_t j = 0; j < g.kw; ++j, cols += P) {
                const index_t ioff = i * p.dh - p.ph, joff = j * p.dw - p.pw;
                const auto [lo, hi] = valid_range(joff, p.sw, g.W, g.Wo);
                for (index_t oh = 0; oh < g.Ho; ++oh) {
                    const index_t ih = oh * p.sh + ioff;
                    if (ih < 0 || ih >= g.H) continue;
                    const T* r = cols + oh * g.Wo;
                    T* xr = xc + ih * g.W + joff;
                    if (p.sw == 1)
                        for (index_t ow = lo; ow < hi; ++ow) xr[ow] += r[ow];
                    else
                        for (index_t ow = lo; ow < hi; ++ow) xr[ow * p.sw] += r[ow];
                }
            }
        }
    }
}

// C (m x n, ldc) = op(A) op(B) + beta C, row-major.
template <class T>
void gemm(bool ta, bool tb, index_t m, index_t n, index_t k, const T* a, index_t lda, const T* b, index_t ldb,
          T beta, T* c, index_t ldc) {
    const auto A = ta ? CblasTrans : CblasNoTrans, B = tb ? CblasTrans : CblasNoTrans;
    const auto bi = [](index_t v) { return static_cast<blasint>(v); };
    if constexpr (std::is_same_v<T, float>)
        cblas_sgemm(CblasRowMajor, A, B, bi(m), bi(n), bi(k), 1.0f, a, bi(lda), b, bi(ldb), beta, c, bi(ldc));
    else cblas_dgemm(CblasRowMajor, A, B, bi(m), bi(n), bi(k), 1.0, a, bi(lda), b, bi(ldb), beta, c, bi(ldc));
}

// NOTE [BLAS inside TBB]: while any conv kernel runs its batch loop on TBB, OpenBLAS is held at one
// thread; the first to enter saves the count, the last to leave restores it (a counter, so
// concurrent or nested kernels never restore a count another one set).
class SerialBlas {
public:
    SerialBlas() {
        std::lock_guard<std::mutex> lock(mutex());
        if (state().depth++ == 0) {
            state().saved = openblas_get_num_threads();
            if (state().saved != 1) openblas_set_num_threads(1);
        }
    }
    ~SerialBlas() {
        std::lock_guard<std::mutex> lock(mutex());
        if (--state().depth == 0 && state().saved != 1) openblas_set_num_threads(state().saved);
    }
    SerialBlas(const SerialBlas&) = delete;
    SerialBlas& operator=(const SerialBlas&) = delete;

private:
    struct State {
        int depth = 0, saved = 1;
    };
    static std::mutex& mutex() {
        static std::mutex m;
        return m;
    }
    static State& state() {
        static State s;
        return s;
    }
};

// Below this many multiply-adds in all, a batch loop stays on the calling thread (and BLAS keeps
// its own threads): the fork/join and the BLAS thread switch cost more than they save.
constexpr double parallel_macs = 1 << 20;

// Calls f(chunk, n0, n1) over `chunks` contiguous ranges of the batch [0, N): the same ranges
// whatever the scheduling, so a reduction over chunks is deterministic for a given thread count.
template <class F>
void over_batch(index_t N, double macs_per_sample, F&& f) {
    const int threads = tbb::this_task_arena::max_concurrency();
    if (N < 2 || threads < 2 || double(N) * macs_per_sample < parallel_macs) {
        if (N > 0) f(index_t{0}, index_t{0}, N);
        return;
    }
    const index_t chunks = std::min<index_t>(N, threads);
    SerialBlas serial;
    tbb::parallel_for(tbb::blocked_range<index_t>(0, chunks, 1), [&](const tbb::blocked_range<index_t>& r) {
        for (index_t c = r.begin(); c < r.end(); ++c) f(c, c * N / chunks, (c + 1) * N / chunks);
    });
}

index_t batch_chunks(index_t N, double macs_per_sample) {
    const int threads = tbb::this_task_arena::max_concurrency();
    if (N < 2 || threads < 2 || double(N) * macs_per_sample < parallel_macs) return 1;
    return std::min<index_t>(N, threads);
}

}  // namespace

// The effective kernel dilation (kernel - 1) + 1 and the padded input in + 2 pad must fit in int64
// (conv_out_size and the messages compute both).
void check_extent(const char* op, const char* axis, index_t in, index_t kernel, index_t pad, index_t dilation) {
    index_t span = 0, room = 0;
    if (__builtin_mul_overflow(dilation, kernel - 1, &span) || __builtin_add_overflow(span, 1, &span) ||
        __builtin_mul_overflow(pad, 2, &room) || __builtin_add_overflow(room, in, &room))
        throw ShapeError(std::string(op) + ": along the " + axis + ", kernel " + std::to_string(kernel) +
                         " with dilation " + std::to_string(dilation) + " or input " + std::to_string(in) +
                         " with padding " + std::to_string(pad) + " on both sides overflows int64");
}

index_t conv_out_size(index_t in, index_t kernel, index_t stride, index_t pad, index_t dilation) {
    const index_t span = dilation * (kernel - 1) + 1, room = in + 2 * pad;
    if (kernel <= 0 || room < span) return -1;
    return (room - span) / stride + 1;
}

template <class T>
Tensor<T> conv2d(const Tensor<T>& x_in, const Tensor<T>& w_in, const Conv2dParams& p) {
    x_in.require_defined("conv2d");
    w_in.require_defined("conv2d");
    check_params("conv2d", p);
    check_rank("conv2d", "input", x_in.shape(), "[N,C,H,W]");
    check_rank("conv2d", "weight", w_in.shape(), "[O,C/groups,kh,kw]");
    const Shape& ws = w_in.shape();
    const Geometry g = geometry("conv2d", x_in.shape(), ws[0], ws[1], ws[2], ws[3], p, ws);
    const Shape ys{g.N, g.O, g.Ho, g.Wo};
    const index_t K = g.K(), P = g.P();
    if (ys.numel() == 0 || K == 0) return Tensor<T>(ys);
    Tensor<T> y = Tensor<T>::empty(ys, "conv2d");  // every element is written by a GEMM
    const Tensor<T> x = x_in.contiguous(), w = w_in.contiguous();
    const T* xp = x.data();
    const T* wp = w.data();
    T* yp = y.data();
    const bool direct = g.pointwise(p);
    over_batch(g.N, double(g.O) * K * P, [&](index_t, index_t n0, index_t n1) {
        std::vector<T> buf(direct ? 0 : static_cast<std::size_t>(K * p.groups * P));
        for (index_t n = n0; n < n1; ++n) {
            const T* xn = xp + n * g.C * g.H * g.W;
            if (!direct) im2col(xn, g, p, buf.data());
            const T* cols = direct ? xn : buf.data();
            for (index_t gr = 0; gr < p.groups; ++gr)
                gemm<T>(false, false, g.Og, P, K, wp + gr * g.Og * K, K, cols + gr * K * P, P, T(0),
                        yp + (n * g.O + gr * g.Og) * P, P);
        }
    });
    return y;
}

template <class T>
Tensor<T> conv_transpose2d(const Tensor<T>& g_in, const Tensor<T>& w_in, const Conv2dParams& p) {
    g_in.require_defined("conv_transpose2d");
    w_in.require_defined("conv_transpose2d");
    check_params("conv_transpose2d", p);
    check_rank("conv_transpose2d", "input", g_in.shape(), "[N,O,H,W]");
    check_rank("conv_transpose2d", "weight", w_in.shape(), "[O,C/groups,kh,kw]");
    const Shape &gs = g_in.shape(), &ws = w_in.shape();
    if (gs[1] != ws[0])
        throw ShapeError("conv_transpose2d: the weight " + ws.str() + " takes " + std::to_string(ws[0]) +
                         " input channels but the input " + gs.str() + " has " + std::to_string(gs[1]));
    if (ws[2] <= 0 || ws[3] <= 0 || gs[2] <= 0 || gs[3] <= 0)
        throw ShapeError("conv_transpose2d: empty kernel or input plane: input " + gs.str() + ", weight " +
                         ws.str());
    // The output size; conv2d of that size gives back the input's (output_padding < stride).
    const auto out_size = [&](const char* axis, index_t in, index_t s, index_t pad, index_t d, index_t k,
                              index_t op) {
        index_t a = 0, b = 0;
        if (__builtin_mul_overflow(in - 1, s, &a) || __builtin_mul_overflow(d, k - 1, &b) ||
            __builtin_add_overflow(a, b, &a) || __builtin_add_overflow(a, op + 1, &a))
            throw ShapeError("conv_transpose2d: the output " + std::string(axis) + " (" + std::to_string(in) +
                             " - 1) stride " + std::to_string(s) + " + dilation " + std::to_string(d) +
                             " (kernel " + std::to_string(k) + " - 1) overflow int64 (input " + gs.str() +
                             ", weight " + ws.str() + ")");
        return __builtin_sub_overflow(a - pad, pad, &b) ? index_t{-1} : b;  // a >= 1, pad >= 0
    };
    const index_t H = out_size("rows", gs[2], p.sh, p.ph, p.dh, ws[2], p.oph);
    const index_t W = out_size("columns", gs[3], p.sw, p.pw, p.dw, ws[3], p.opw);
    if (H <= 0 || W <= 0)
        throw ShapeError("conv_transpose2d: padding " + pair_str(p.ph, p.pw) + " leaves an output of " +
                         pair_str(H, W) + " (input " + gs.str() + ", weight " + ws.str() + ")");
    const Shape zs{gs[0], ws[1] * p.groups, H, W};
    const Geometry g = geometry("conv_transpose2d", zs, ws[0], ws[1], ws[2], ws[3], p, ws);
    const index_t K = g.K(), P = g.P();
    if (zs.numel() == 0 || g.O == 0) return Tensor<T>(zs);
    // Each sample's plane is zeroed just before col2im adds into it (while it is in cache).
    Tensor<T> z = Tensor<T>::empty(zs, "conv_transpose2d");
    const Tensor<T> gy = g_in.contiguous(), w = w_in.contiguous();
    const T* gp = gy.data();
    const T* wp = w.data();
    T* zp = z.data();
    const bool direct = g.pointwise(p);
    over_batch(g.N, double(g.O) * K * P, [&](index_t, index_t n0, index_t n1) {
        std::vector<T> buf(direct ? 0 : static_cast<std::size_t>(K * p.groups * P));
        for (index_t n = n0; n < n1; ++n) {
            T* zn = zp + n * g.C * g.H * g.W;
            T* cols = direct ? zn : buf.data();
            for (index_t gr = 0; gr < p.groups; ++gr)
                gemm<T>(true, false, K, P, g.Og, wp + gr * g.Og * K, K, gp + (n * g.O + gr * g.Og) * P, P,
                        T(0), cols + gr * K * P, P);
            if (!direct) {
                std::fill(zn, zn + g.C * g.H * g.W, T(0));
                col2im(buf.data(), g, p, zn);
            }
        }
    });
    return z;
}

template <class T>
Tensor<T> conv2d_weight(const Tensor<T>& x_in, const Tensor<T>& gy_in, const Conv2dParams& p, index_t kh,
                        index_t kw) {
    x_in.require_defined("conv2d_weight");
    gy_in.require_defined("conv2d_weight");
    check_params("conv2d_weight", p);
    check_rank("conv2d_weight", "input", x_in.shape(), "[N,C,H,W]");
    check_rank("conv2d_weight", "output gradient", gy_in.shape(), "[N,O,Ho,Wo]");
    const Shape &xs = x_in.shape(), &gs = gy_in.shape();
    if (kh <= 0 || kw <= 0)
        throw ShapeError("conv2d_weight: kernel size must be positive, got " + pair_str(kh, kw));
    if (xs[1] % p.groups != 0)
        throw ShapeError("conv2d_weight: groups " + std::to_string(p.groups) + " does not divide the " +
                         std::to_string(xs[1]) + " input channels (input " + xs.str() + ")");
    const Shape ws{gs[1], xs[1] / p.groups, kh, kw};
    const Geometry g = geometry("conv2d_weight", xs, gs[1], xs[1] / p.groups, kh, kw, p, ws);
    if (!(gs == Shape{g.N, g.O, g.Ho, g.Wo}))
        throw ShapeError("conv2d_weight: output gradient " + gs.str() + " is not the conv2d output " +
                         Shape{g.N, g.O, g.Ho, g.Wo}.str() + " of input " + xs.str() + " and weight " +
                         ws.str());
    const index_t K = g.K(), P = g.P();
    if (ws.numel() == 0 || P == 0 || g.N == 0) return Tensor<T>(ws);
    Tensor<T> gw = Tensor<T>::empty(ws, "conv2d_weight");  // chunk 0's first GEMM writes it whole
    const Tensor<T> x = x_in.contiguous(), gy = gy_in.contiguous();
    const T* xp = x.data();
    const T* gp = gy.data();
    const double macs = double(g.O) * K * P;
    const index_t chunks = batch_chunks(g.N, macs);
    // One partial sum per batch chunk, added in chunk order (deterministic for a thread count).
    std::vector<T> partial(static_cast<std::size_t>((chunks - 1) * g.O * K));
    T* out = gw.data();
    const bool direct = g.pointwise(p);
    over_batch(g.N, macs, [&](index_t c, index_t n0, index_t n1) {
        T* acc = c == 0 ? out : partial.data() + (c - 1) * g.O * K;
        std::vector<T> buf(direct ? 0 : static_cast<std::size_t>(K * p.groups * P));
        for (index_t n = n0; n < n1; ++n) {
            const T* xn = xp + n * g.C * g.H * g.W;
            if (!direct) im2col(xn, g, p, buf.data());
            const T* cols = direct ? xn : buf.data();
            for (index_t gr = 0; gr < p.groups; ++gr)
                gemm<T>(false, true, g.Og, K, P, gp + (n * g.O + gr * g.Og) * P, P, cols + gr * K * P, P,
                        n == n0 ? T(0) : T(1), acc + gr * g.Og * K, K);
        }
    });
    for (index_t c = 1; c < chunks; ++c) {
        const T* part = partial.data() + (c - 1) * g.O * K;
        for (index_t i = 0; i < g.O * K; ++i) out[i] += part[i];
    }
    return gw;
}

#define TG_INSTANTIATE(T)                                                                                 \
    template Tensor<T> conv2d<T>(const Tensor<T>&, const Tensor<T>&, const Conv2dParams&);                \
    template Tensor<T> conv_transpose2d<T>(const Tensor<T>&, const Tensor<T>&, const Conv2dParams&);      \
    template Tensor<T> conv2d_weight<T>(const Tensor<T>&, const Tensor<T>&, const Conv2dParams&, index_t, \
                                        index_t);
TG_INSTANTIATE(float)
TG_INSTANTIATE(double)
#undef TG_INSTANTIATE

}  // namespace tg
