// Convolution kernels: im2col / col2im around one BLAS GEMM per sample and group, the batch split
// over TBB (tensor/conv.hpp says how the BLAS threads are kept from nesting).
#include "conv.hpp"

#include <cblas.h>
#if defined(__AVX512F__)
#include <immintrin.h>
#endif
#include <tbb/blocked_range.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <mutex>
#include <optional>
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

#if defined(__AVX512F__)
// The lanes [lo, hi) of a vector of L lanes, as a mask (either end may lie outside).
inline std::uint64_t span_bits(index_t lo, index_t hi, int L) {
    lo = std::clamp<index_t>(lo, 0, L), hi = std::clamp<index_t>(hi, 0, L);
    return lo >= hi ? 0 : ((std::uint64_t{1} << hi) - 1) & ~((std::uint64_t{1} << lo) - 1);
}

template <class T>
struct Simd;
template <>
struct Simd<float> {
    using R = __m512;
    using M = __mmask16;
    static constexpr int L = 16;
    static R zero() { return _mm512_setzero_ps(); }
    static R load(const float* p, M m) { return _mm512_maskz_loadu_ps(m, p); }
    static R loadu(const float* p) { return _mm512_loadu_ps(p); }
    static void storeu(float* p, R v) { _mm512_storeu_ps(p, v); }
    static R bcast(const float* p) { return _mm512_set1_ps(*p); }
    static R fma(R a, R b, R c) { return _mm512_fmadd_ps(a, b, c); }
    static R add(R a, R b) { return _mm512_add_ps(a, b); }
    static void store(float* p, M m, R v) { _mm512_mask_storeu_ps(p, m, v); }
    static M span(index_t lo, index_t hi) { return static_cast<M>(span_bits(lo, hi, L)); }
};
template <>
struct Simd<double> {
    using R = __m512d;
    using M = __mmask8;
    static constexpr int L = 8;
    static R zero() { return _mm512_setzero_pd(); }
    static R load(const double* p, M m) { return _mm512_maskz_loadu_pd(m, p); }
    static R loadu(const double* p) { return _mm512_loadu_pd(p); }
    static void storeu(double* p, R v) { _mm512_storeu_pd(p, v); }
    static R bcast(const double* p) { return _mm512_set1_pd(*p); }
    static R fma(R a, R b, R c) { return _mm512_fmadd_pd(a, b, c); }
    static R add(R a, R b) { return _mm512_add_pd(a, b); }
    static void store(double* p, M m, R v) { _mm512_mask_storeu_pd(p, m, v); }
    static M span(index_t lo, index_t hi) { return static_cast<M>(span_bits(lo, hi, L)); }
};

#endif

// r[0, n) = s[t] on [lo, hi), 0 elsewhere: a unit-stride im2col row with its padding. Masked
// vectors do it in one pass (the masked-off lanes of s are never read), where a short memmove
// per row cost more than the copy.
template <class T>
void copy_row(T* r, const T* s, index_t lo, index_t hi, index_t n) {
#if defined(__AVX512F__)
    using S = Simd<T>;
    for (index_t t = 0; t < n; t += S::L)
        S::store(r + t, S::span(0, n - t),
                 lo <= t && t + S::L <= hi ? S::loadu(s + t)
                 : lo < t + S::L && t < hi ? S::load(s + t, S::span(lo - t, hi - t))
                                           : S::zero());
#else
    std::fill(r, r + lo, T(0));
    std::copy(s + lo, s + hi, r + lo);
    std::fill(r + hi, r + n, T(0));
#endif
}

// d[t] += r[t] on [lo, hi): a unit-stride col2im row.
template <class T>
void add_row(T* d, const T* r, index_t lo, index_t hi) {
#if defined(__AVX512F__)
    using S = Simd<T>;
    for (index_t t = lo; t < hi; t += S::L) {
        const auto m = S::span(0, hi - t);
        S::store(d + t, m, S::add(S::load(d + t, m), S::load(r + t, m)));
    }
#else
    for (index_t t = lo; t < hi; ++t) d[t] += r[t];
#endif
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
                    if (p.sw == 1) {
                        copy_row(r, xr, lo, hi, g.Wo);
                        continue;
                    }
                    std::fill(r, r + lo, T(0));
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
                    if (p.sw == 1) add_row(xr, r, lo, hi);
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

#if defined(__AVX512F__)
// NOTE [conv GEMM]: the convolution GEMMs are small (M = output channels per group, often 16-64;
// one sample's pixels as N) and one is issued per sample, so OpenBLAS spends much of each call
// packing A and B. With AVX-512 compiled in, they run on the register-blocked kernel below
// instead: B is read in place (row-major, no packing; im2col already laid it out), A is
// broadcast one element at a time, and an MR x 2 vectors tile of C lives in registers across the
// whole depth. Without AVX-512 the same call goes to BLAS.
constexpr int kernel_mr = 8;  // C rows per tile: 8 x 2 accumulators, enough to hide the FMA latency

// C[MR x NV vectors] (+)= A[MR x k] B[k x NV vectors]; `last` masks the columns of the last vector.
template <class T, int MR, int NV>
void gemm_tile(index_t k, const T* a, index_t lda, const T* b, index_t ldb, T* c, index_t ldc,
               bool accumulate, const T* bias, typename Simd<T>::M last) {
    using S = Simd<T>;
    const auto mask = [&](int v) { return v == NV - 1 ? last : static_cast<typename S::M>(~0u); };
    typename S::R acc[MR][NV];
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 2
        for (int v = 0; v < NV; ++v) acc[i][v] = bias ? S::bcast(bias + i) : S::zero();
    for (index_t p = 0; p < k; ++p, b += ldb) {
        typename S::R bv[NV];
#pragma GCC unroll 2
        for (int v = 0; v < NV; ++v) bv[v] = S::load(b + v * S::L, mask(v));
#pragma GCC unroll 16
        for (int i = 0; i < MR; ++i) {
            const typename S::R av = S::bcast(a + i * lda + p);
#pragma GCC unroll 2
            for (int v = 0; v < NV; ++v) acc[i][v] = S::fma(av, bv[v], acc[i][v]);
        }
    }
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 2
        for (int v = 0; v < NV; ++v) {
            T* cp = c + i * ldc + v * S::L;
            S::store(cp, mask(v), accumulate ? S::add(acc[i][v], S::load(cp, mask(v))) : acc[i][v]);
        }
}

template <class T, int MR>
void gemm_tile_nv(index_t k, const T* a, index_t lda, const T* b, index_t ldb, T* c, index_t ldc,
                  bool accumulate, const T* bias, index_t cols) {
    using S = Simd<T>;
    const index_t rest = cols > S::L ? cols - S::L : cols;  // columns in the last vector, 1..L
    const auto last = static_cast<typename S::M>((std::uint64_t{1} << rest) - 1);
    if (cols > S::L) gemm_tile<T, MR, 2>(k, a, lda, b, ldb, c, ldc, accumulate, bias, last);
    else gemm_tile<T, MR, 1>(k, a, lda, b, ldb, c, ldc, accumulate, bias, last);
}

template <class T, int... MR>
void gemm_rows(index_t mr, std::integer_sequence<int, MR...>, index_t k, const T* a, index_t lda, const T* b,
               index_t ldb, T* c, index_t ldc, bool accumulate, const T* bias, index_t cols) {
    ((mr == MR + 1 ? gemm_tile_nv<T, MR + 1>(k, a, lda, b, ldb, c, ldc, accumulate, bias, cols) : void()), ...);
}
#endif

#if defined(__AVX512F__)
constexpr index_t panel_rows = 256;  // depth block: a panel is 256 x 2 vectors = 32 KiB

// C (m x n, ldc) = A B (+ C if accumulate, else + bias[i] on row i if bias is given) where
// pack(k0, kk, j0, cols, panel) writes rows [k0, k0 + kk) and columns [j0, j0 + cols) of B into
// panel (row stride 2 vectors, columns past `cols` zero). Every tile of C in a column strip then
// reads the same L1-resident panel.
template <class T, class Pack>
void gemm_packed(index_t m, index_t n, index_t k, const T* a, index_t lda, const Pack& pack, bool accumulate,
                 T* c, index_t ldc, const T* bias = nullptr) {
    constexpr index_t nr = 2 * Simd<T>::L;
    alignas(64) thread_local T panel[panel_rows * nr];
    const index_t blocks = (k + panel_rows - 1) / panel_rows, kc = blocks > 0 ? (k + blocks - 1) / blocks : 0;
    for (index_t k0 = 0; k0 < k || k0 == 0; k0 += kc) {
        const index_t kk = std::min(kc, k - k0);
        const bool acc = accumulate || k0 > 0;
        for (index_t j0 = 0; j0 < n; j0 += nr) {
            const index_t cols = std::min(nr, n - j0);
            pack(k0, kk, j0, cols, panel);
            for (index_t i0 = 0; i0 < m; i0 += kernel_mr)
                gemm_rows<T>(std::min<index_t>(kernel_mr, m - i0),
                             std::make_integer_sequence<int, kernel_mr>{}, kk, a + i0 * lda + k0, lda, panel,
                             nr, c + i0 * ldc + j0, ldc, acc, acc || !bias ? nullptr : bias + i0, cols);
        }
        if (k == 0) break;
    }
}

// B's panels copied from a row-major matrix: read in place instead, rows of one panel that lie a
// power of two apart (rows of 256 pixels are 1 KiB apart) fall into a few L1 sets and evict
// each other.
template <class T>
struct MatrixPanel {
    const T* b;
    index_t ldb;
    void operator()(index_t k0, index_t kk, index_t j0, index_t cols, T* panel) const {
        using S = Simd<T>;
        constexpr index_t nr = 2 * S::L;
        if (cols == nr)  // unmasked
            for (index_t p = 0; p < kk; ++p) {
                const T* src = b + (k0 + p) * ldb + j0;
                S::storeu(panel + p * nr, S::loadu(src));
                S::storeu(panel + p * nr + S::L, S::loadu(src + S::L));
            }
        else
            for (index_t p = 0; p < kk; ++p) copy_row(panel + p * nr, b + (k0 + p) * ldb + j0, 0, cols, nr);
    }
};

// x of one sample zero-padded: C planes of (H + 2 ph) x (W + 2 pw), then L spare elements, so
// that every window row is a plain (unmasked) vector load inside this buffer.
template <class T>
void pad_planes(const T* x, const Geometry& g, const Conv2dParams& p, T* out) {
    const index_t Wp = g.W + 2 * p.pw, top = p.ph * Wp;
    for (index_t c = 0; c < g.C; ++c, x += g.H * g.W) {
        out = std::fill_n(out, top, T(0));
        // Plain vector copies of the row, a masked one only for its tail (a memmove per row cost
        // more, and masked loads that straddle cache lines are slow here).
        for (index_t h = 0; h < g.H; ++h, out += Wp) {
            using S = Simd<T>;
            const T* xr = x + h * g.W;
            T* o = out + p.pw;
            std::fill(out, o, T(0));
            index_t t = 0;
            for (; t + S::L <= g.W; t += S::L) S::storeu(o + t, S::loadu(xr + t));
            if (t < g.W) S::store(o + t, S::span(0, g.W - t), S::load(xr + t, S::span(0, g.W - t)));
            std::fill(o + g.W, out + Wp, T(0));
        }
        out = std::fill_n(out, top, T(0));
    }
    std::fill_n(out, Simd<T>::L, T(0));
}

// im2col (stride 1 along the rows of the columns matrix) from the padded planes: every row
// a plain vector copy (the padding is already in place).
template <class T>
void im2col_padded(const T* xpad, const Geometry& g, const Conv2dParams& p, T* cols) {
    using S = Simd<T>;
    const index_t Wp = g.W + 2 * p.pw, plane = (g.H + 2 * p.ph) * Wp;
    for (index_t c = 0; c < g.C; ++c)
        for (index_t i = 0; i < g.kh; ++i)
            for (index_t j = 0; j < g.kw; ++j) {
                const T* src = xpad + c * plane + i * p.dh * Wp + j * p.dw;
                for (index_t oh = 0; oh < g.Ho; ++oh, cols += g.Wo, src += p.sh * Wp)
                    for (index_t t = 0; t < g.Wo; t += S::L)
                        S::store(cols + t, S::span(0, g.Wo - t), S::loadu(src + t));
            }
}

// The transpose of im2col_padded: adds the columns into zero-initialised padded planes, then
// copies their interior to x. Unmasked adds (but for a row's tail) replace col2im's masked ones.
template <class T>
void col2im_padded(const T* cols, const Geometry& g, const Conv2dParams& p, T* xpad, T* x) {
    using S = Simd<T>;
    const index_t Wp = g.W + 2 * p.pw, plane = (g.H + 2 * p.ph) * Wp;
    std::fill_n(xpad, g.C * plane, T(0));
    for (index_t c = 0; c < g.C; ++c)
        for (index_t i = 0; i < g.kh; ++i)
            for (index_t j = 0; j < g.kw; ++j) {
                T* dst = xpad + c * plane + i * p.dh * Wp + j * p.dw;
                for (index_t oh = 0; oh < g.Ho; ++oh, cols += g.Wo, dst += p.sh * Wp) {
                    index_t t = 0;
                    for (; t + S::L <= g.Wo; t += S::L)
                        S::storeu(dst + t, S::add(S::loadu(dst + t), S::loadu(cols + t)));
                    if (t < g.Wo) {
                        const auto m = S::span(0, g.Wo - t);
                        S::store(dst + t, m, S::add(S::load(dst + t, m), S::load(cols + t, m)));
                    }
                }
            }
    for (index_t c = 0; c < g.C; ++c)
        for (index_t h = 0; h < g.H; ++h)
            std::copy_n(xpad + c * plane + (h + p.ph) * Wp + p.pw, g.W, x + (c * g.H + h) * g.W);
}

// B = im2col(x) of one sample and group for stride 1, packed straight from the padded planes:
// the columns matrix is never written out, and no row needs a mask or a bounds test (masked
// loads that straddle cache lines were the slowest part of im2col here).
template <class T>
struct PaddedPanel {
    const T* xp;  // the group's first padded plane
    const Geometry& g;
    const Conv2dParams& p;
    void operator()(index_t k0, index_t kk, index_t j0, index_t cols, T* panel) const {
        using S = Simd<T>;
        constexpr index_t nr = 2 * S::L;
        const index_t Wp = g.W + 2 * p.pw, plane = (g.H + 2 * p.ph) * Wp;
        // The panel's columns are output pixels j0 .. j0 + cols: pieces [a, b) of output rows oh,
        // the same for every row of the panel.
        struct Piece {
            index_t from, n, at;
        };
        Piece pieces[nr];
        int np = 0;
        for (index_t q = j0, oh = j0 / g.Wo; q < j0 + cols; ++oh) {
            const index_t a = q - oh * g.Wo, b = std::min(g.Wo, a + (j0 + cols - q));
            pieces[np++] = {oh * p.sh * Wp + a, b - a, q - j0};
            q += b - a;
        }
        const index_t taps = g.kh * g.kw;
        index_t c = k0 / taps, i = k0 % taps / g.kw, j = k0 % g.kw;
        const auto next = [&] {
            if (++j == g.kw) {
                j = 0;
                if (++i == g.kh) i = 0, ++c;
            }
        };
        // Each vector of a full panel inside one output row (whole rows of a multiple of L pixels):
        // two plain copies per row, no masks. This loop ran at a third of the GEMM's time with
        // the general one below.
        const index_t v1 = j0 + S::L;
        if (cols == nr && j0 % g.Wo + S::L <= g.Wo && v1 % g.Wo + S::L <= g.Wo) {
            const index_t f0 = j0 / g.Wo * p.sh * Wp + j0 % g.Wo, f1 = v1 / g.Wo * p.sh * Wp + v1 % g.Wo;
            for (index_t r = 0; r < kk; ++r, panel += nr, next()) {
                const T* base = xp + c * plane + i * p.dh * Wp + j * p.dw;
                S::storeu(panel, S::loadu(base + f0));
                S::storeu(panel + S::L, S::loadu(base + f1));
            }
            return;
        }
        for (index_t r = 0; r < kk; ++r, panel += nr, next()) {
            const T* base = xp + c * plane + i * p.dh * Wp + j * p.dw;
            for (int e = 0; e < np; ++e) {
                const T* src = base + pieces[e].from;
                T* d = panel + pieces[e].at;
                for (index_t t = 0; t < pieces[e].n; t += S::L)
                    S::store(d + t, S::span(0, pieces[e].n - t), S::loadu(src + t));
            }
            for (index_t t = cols; t < nr; t += S::L) S::store(panel + t, S::span(0, nr - t), S::zero());
        }
    }
};
#endif

#if defined(__AVX512F__)
constexpr bool own_gemm = true;  // gemm_nn never calls BLAS
#else
constexpr bool own_gemm = false;
#endif

// C (m x n, ldc) = A B (+ C if accumulate, else + bias[i] on row i if bias is given), all
// row-major: the one GEMM shape the kernels use.
template <class T>
void gemm_nn(index_t m, index_t n, index_t k, const T* a, index_t lda, const T* b, index_t ldb,
             bool accumulate, T* c, index_t ldc, const T* bias = nullptr) {
#if defined(__AVX512F__)
    gemm_packed<T>(m, n, k, a, lda, MatrixPanel<T>{b, ldb}, accumulate, c, ldc, bias);
#else
    if (bias && !accumulate)
        for (index_t i = 0; i < m; ++i) std::fill_n(c + i * ldc, n, bias[i]);
    gemm<T>(false, false, m, n, k, a, lda, b, ldb, accumulate || bias ? T(1) : T(0), c, ldc);
#endif
}

#if defined(__AVX512F__)
// dst[j][i] = src[i][j] for one 16 x 16 block of floats, in registers: unpacks of 32- and 64-bit
// pairs, then two rounds of 128-bit lane shuffles.
inline void transpose16(const float* src, index_t lds, float* dst, index_t ldd) {
    __m512 r[16], t[16];
    for (int i = 0; i < 16; ++i) r[i] = _mm512_loadu_ps(src + i * lds);
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {
        r[i] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[i]), _mm512_castps_pd(t[i + 2])));
        r[i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[i]), _mm512_castps_pd(t[i + 2])));
        r[i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[i + 1]), _mm512_castps_pd(t[i + 3])));
        r[i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[i + 1]), _mm512_castps_pd(t[i + 3])));
    }
    for (int i = 0; i < 4; ++i) {
        t[i] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0x88);
        t[i + 4] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0xdd);
        t[i + 8] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0x88);
        t[i + 12] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0xdd);
    }
    for (int i = 0; i < 4; ++i) {
        r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
        r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xdd);
        r[i + 4] = _mm512_shuffle_f32x4(t[i + 4], t[i + 12], 0x88);
        r[i + 12] = _mm512_shuffle_f32x4(t[i + 4], t[i + 12], 0xdd);
    }
    for (int i = 0; i < 16; ++i) _mm512_storeu_ps(dst + i * ldd, r[i]);
}
#endif

// dst[j][i] = src[i][j] for an r x c block (row strides lds, ldd).
template <class T>
void transpose(index_t r, index_t c, const T* src, index_t lds, T* dst, index_t ldd) {
    constexpr index_t b = 16;  // tiles, so neither side strides through memory a line per element
    for (index_t i0 = 0; i0 < r; i0 += b)
        for (index_t j0 = 0; j0 < c; j0 += b) {
#if defined(__AVX512F__)
            // The gy transpose of every weight gradient: element by element it took a fifth as
            // long as the GEMM it feeds.
            if constexpr (std::is_same_v<T, float>)
                if (i0 + b <= r && j0 + b <= c) {
                    transpose16(src + i0 * lds + j0, lds, dst + j0 * ldd + i0, ldd);
                    continue;
                }
#endif
            for (index_t i = i0; i < std::min(r, i0 + b); ++i)
                for (index_t j = j0; j < std::min(c, j0 + b); ++j) dst[j * ldd + i] = src[i * lds + j];
        }
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

// The threads a batch loop may use: the arena's, capped by a global_control limit (which the
// arena's own count does not reflect).
int batch_threads() {
    return static_cast<int>(std::min<std::size_t>(
        static_cast<std::size_t>(tbb::this_task_arena::max_concurrency()),
        tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism)));
}

// The batch chunks: a few per thread, so that a thread held up (another process on its core)
// leaves its remaining chunks to the others instead of the whole loop waiting for it.
index_t batch_chunks(index_t N, double macs_per_sample) {
    const int threads = batch_threads();
    if (N < 2 || threads < 2 || double(N) * macs_per_sample < parallel_macs) return 1;
    return std::min<index_t>(N, 4 * index_t{threads});
}

// Calls f(chunk, n0, n1) over batch_chunks contiguous ranges of the batch [0, N): the same ranges
// whatever the scheduling, so a reduction over chunks is deterministic for a given thread count.
// `blas`: f calls BLAS, which is then held at one thread (NOTE [BLAS inside TBB]).
template <class F>
void over_batch(index_t N, double macs_per_sample, bool blas, F&& f) {
    const index_t chunks = batch_chunks(N, macs_per_sample);
    if (chunks == 1) {
        if (N > 0) f(index_t{0}, index_t{0}, N);
        return;
    }
    std::optional<SerialBlas> serial;
    if (blas) serial.emplace();
    tbb::parallel_for(
        tbb::blocked_range<index_t>(0, chunks, 1),
        [&](const tbb::blocked_range<index_t>& r) {
            for (index_t c = r.begin(); c < r.end(); ++c) f(c, c * N / chunks, (c + 1) * N / chunks);
        },
        tbb::simple_partitioner());
}

// Per-chunk scratch from the tensor allocator's cache: no zero fill (every element used is written
// first) and no fresh pages per call.
template <class T>
Tensor<T> scratch(index_t n, const char* op) {
    return Tensor<T>::empty(Shape{std::max<index_t>(n, 1)}, op);
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

namespace {

// conv2d, plus bias[o] on output channel o if bias is given (the GEMM tiles start from it).
template <class T>
Tensor<T> conv2d_impl(const char* op, const Tensor<T>& x_in, const Tensor<T>& w_in, const T* bias,
                      const Conv2dParams& p) {
    check_params(op, p);
    check_rank(op, "input", x_in.shape(), "[N,C,H,W]");
    check_rank(op, "weight", w_in.shape(), "[O,C/groups,kh,kw]");
    const Shape& ws = w_in.shape();
    const Geometry g = geometry(op, x_in.shape(), ws[0], ws[1], ws[2], ws[3], p, ws);
    const Shape ys{g.N, g.O, g.Ho, g.Wo};
    const index_t K = g.K(), P = g.P();
    if (ys.numel() == 0) return Tensor<T>(ys);
    if (K == 0) {  // no input channels: the bias alone
        Tensor<T> y(ys);
        if (bias)
            for (index_t i = 0; i < g.N * g.O; ++i) std::fill_n(y.data() + i * g.P(), g.P(), bias[i % g.O]);
        return y;
    }
    Tensor<T> y = Tensor<T>::empty(ys, op);  // every element is written by a GEMM
    const Tensor<T> x = x_in.contiguous(), w = w_in.contiguous();
    const T* xp = x.data();
    const T* wp = w.data();
    T* yp = y.data();
    const bool direct = g.pointwise(p);
    over_batch(g.N, double(g.O) * K * P, !own_gemm, [&](index_t, index_t n0, index_t n1) {
#if defined(__AVX512F__)
        if (!direct && p.sw == 1) {
            const index_t plane = (g.H + 2 * p.ph) * (g.W + 2 * p.pw);
            Tensor<T> padded = scratch<T>(g.C * plane + Simd<T>::L, op);
            for (index_t n = n0; n < n1; ++n) {
                pad_planes(xp + n * g.C * g.H * g.W, g, p, padded.data());
                for (index_t gr = 0; gr < p.groups; ++gr)
                    gemm_packed<T>(g.Og, P, K, wp + gr * g.Og * K, K,
                                   PaddedPanel<T>{padded.data() + gr * g.Cg * plane, g, p}, false,
                                   yp + (n * g.O + gr * g.Og) * P, P, bias ? bias + gr * g.Og : nullptr);
            }
            return;
        }
#endif
        Tensor<T> buf = scratch<T>(direct ? 0 : K * p.groups * P, op);
        for (index_t n = n0; n < n1; ++n) {
            const T* xn = xp + n * g.C * g.H * g.W;
            if (!direct) im2col(xn, g, p, buf.data());
            const T* cols = direct ? xn : buf.data();
            for (index_t gr = 0; gr < p.groups; ++gr)
                gemm_nn<T>(g.Og, P, K, wp + gr * g.Og * K, K, cols + gr * K * P, P, false,
                           yp + (n * g.O + gr * g.Og) * P, P, bias ? bias + gr * g.Og : nullptr);
        }
    });
    return y;
}

}  // namespace

template <class T>
Tensor<T> conv2d(const Tensor<T>& x, const Tensor<T>& w, const Conv2dParams& p) {
    x.require_defined("conv2d");
    w.require_defined("conv2d");
    return conv2d_impl<T>("conv2d", x, w, nullptr, p);
}

template <class T>
Tensor<T> conv2d_bias(const Tensor<T>& x, const Tensor<T>& w, const Tensor<T>& b, const Conv2dParams& p) {
    x.require_defined("conv2d_bias");
    w.require_defined("conv2d_bias");
    b.require_defined("conv2d_bias");
    check_rank("conv2d_bias", "weight", w.shape(), "[O,C/groups,kh,kw]");
    if (!(b.shape() == Shape{w.shape()[0]}))
        throw ShapeError("conv2d_bias: bias must be [" + std::to_string(w.shape()[0]) +
                         "] (one per output channel of the weight " + w.shape().str() + "), got " +
                         b.shape().str());
    const Tensor<T> bc = b.contiguous();
    return conv2d_impl<T>("conv2d_bias", x, w, bc.data(), p);
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
    // Each group's weight transposed once, [K, Og], so every GEMM below is a plain A B.
    Tensor<T> wt = scratch<T>(g.O * K, "conv_transpose2d");
    for (index_t gr = 0; gr < p.groups; ++gr)
        transpose(g.Og, K, wp + gr * g.Og * K, K, wt.data() + gr * K * g.Og, g.Og);
    const T* wtp = wt.data();
    over_batch(g.N, double(g.O) * K * P, !own_gemm, [&](index_t, index_t n0, index_t n1) {
        Tensor<T> buf = scratch<T>(direct ? 0 : K * p.groups * P, "conv_transpose2d");
#if defined(__AVX512F__)
        const bool padded = !direct && p.sw == 1;
        Tensor<T> zpad = scratch<T>(padded ? g.C * (g.H + 2 * p.ph) * (g.W + 2 * p.pw) : 0, "conv_transpose2d");
#endif
        for (index_t n = n0; n < n1; ++n) {
            T* zn = zp + n * g.C * g.H * g.W;
            T* cols = direct ? zn : buf.data();
            for (index_t gr = 0; gr < p.groups; ++gr)
                gemm_nn<T>(K, P, g.Og, wtp + gr * K * g.Og, g.Og, gp + (n * g.O + gr * g.Og) * P, P, false,
                           cols + gr * K * P, P);
#if defined(__AVX512F__)
            if (padded) {
                col2im_padded(buf.data(), g, p, zpad.data(), zn);
                continue;
            }
#endif
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
    const index_t chunks = batch_chunks(g.N, macs), S = g.O * K;
    // With several output channels per group the sum runs transposed, gw^T [K, Og] += cols gy^T
    // (gy transposed per sample, which is cheap): the GEMM is then A B with Og columns, the shape
    // the conv GEMM kernel is fast at. With few (depthwise), it stays gw += gy cols^T on BLAS.
    const bool tr = g.Og >= 8;
    // One partial sum per batch chunk, added in chunk order (deterministic for a thread count);
    // the first chunk writes gw itself unless the sums run transposed.
    std::vector<T> partial(static_cast<std::size_t>((tr ? chunks : chunks - 1) * S));
    T* out = gw.data();
    const bool direct = g.pointwise(p);
    over_batch(g.N, macs, !own_gemm || !tr, [&](index_t c, index_t n0, index_t n1) {
        T* acc = tr ? partial.data() + c * S : c == 0 ? out : partial.data() + (c - 1) * S;
        Tensor<T> buf = scratch<T>(direct ? 0 : K * p.groups * P, "conv2d_weight");
        Tensor<T> gyt = scratch<T>(tr ? g.O * P : 0, "conv2d_weight");
#if defined(__AVX512F__)
        const bool padded = !direct && p.sw == 1;
        Tensor<T> xpad = scratch<T>(padded ? g.C * (g.H + 2 * p.ph) * (g.W + 2 * p.pw) + Simd<T>::L : 0,
                                    "conv2d_weight");
#endif
        for (index_t n = n0; n < n1; ++n) {
            const T* xn = xp + n * g.C * g.H * g.W;
#if defined(__AVX512F__)
            if (padded) {
                pad_planes(xn, g, p, xpad.data());
                im2col_padded(xpad.data(), g, p, buf.data());
            } else
#endif
                if (!direct)
                im2col(xn, g, p, buf.data());
            const T* cols = direct ? xn : buf.data();
            const T* gn = gp + n * g.O * P;
            if (tr) {
                transpose(g.O, P, gn, P, gyt.data(), g.O);
                for (index_t gr = 0; gr < p.groups; ++gr)
                    gemm_nn<T>(K, g.Og, P, cols + gr * K * P, P, gyt.data() + gr * g.Og, g.O, n != n0,
                               acc + gr * K * g.Og, g.Og);
            } else {
                for (index_t gr = 0; gr < p.groups; ++gr)
                    gemm<T>(false, true, g.Og, K, P, gp + (n * g.O + gr * g.Og) * P, P, cols + gr * K * P, P,
                            n == n0 ? T(0) : T(1), acc + gr * g.Og * K, K);
            }
        }
    });
    T* sum = tr ? partial.data() : out;
    const T* parts = tr ? partial.data() + S : partial.data();
    for (index_t c = 1; c < chunks; ++c) {
        const T* part = parts + (c - 1) * S;
        for (index_t i = 0; i < S; ++i) sum[i] += part[i];
    }
    if (tr)
        for (index_t gr = 0; gr < p.groups; ++gr)
            transpose(K, g.Og, sum + gr * K * g.Og, g.Og, out + gr * g.Og * K, K);
    return gw;
}

#define TG_INSTANTIATE(T)                                                                                 \
    template Tensor<T> conv2d<T>(const Tensor<T>&, const Tensor<T>&, const Conv2dParams&);                \
    template Tensor<T> conv2d_bias<T>(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&,               \
                                      const Conv2dParams&);                                               \
    template Tensor<T> conv_transpose2d<T>(const Tensor<T>&, const Tensor<T>&, const Conv2dParams&);      \
    template Tensor<T> conv2d_weight<T>(const Tensor<T>&, const Tensor<T>&, const Conv2dParams&, index_t, \
                                        index_t);
TG_INSTANTIATE(float)
TG_INSTANTIATE(double)
#undef TG_INSTANTIATE

}  // namespace tg
