// The hand-written training step of bench_train_step (the floor of the race): per layer
// y = act(x W^T + b) by one GEMM and one pass, softmax cross-entropy in one pass, the backward
// GEMMs, and SGD by saxpy. Compiled with -O3 -ffast-math (bench/CMakeLists.txt) so its loops use
// glibc's vector tanh / exp.
#include <cblas.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <memory>
#include <random>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

namespace {
std::vector<float> randoms(std::size_t n, unsigned seed) {
    std::mt19937 g(seed);
    std::normal_distribution<float> d(0, 1);
    std::vector<float> v(n);
    for (auto& x : v) x = d(g);
    return v;
}
}  // namespace

struct HandMlp {
    HandMlp(std::vector<int> sizes, bool tanh_act, int batch);
    ~HandMlp();
    void step(const float* x, const std::vector<tg::index_t>& y, int batch, float lr);
    struct Impl;
    std::unique_ptr<Impl> impl;
};

struct HandMlp::Impl {
    std::vector<int> sizes;
    bool tanh_act;
    std::vector<std::vector<float>> W, b, a, g;  // a[k]: activations entering layer k; g: gradients
    std::vector<std::vector<float>> dW, db;
    Impl(std::vector<int> s, bool t, int batch) : sizes(std::move(s)), tanh_act(t) {
        for (std::size_t k = 0; k + 1 < sizes.size(); ++k) {
            W.push_back(randoms(std::size_t(sizes[k + 1]) * sizes[k], 10 + unsigned(k)));
            for (auto& w : W.back()) w *= 1.0f / std::sqrt(float(sizes[k]));
            b.emplace_back(sizes[k + 1], 0.0f);
            dW.emplace_back(W.back().size());
            db.emplace_back(sizes[k + 1]);
        }
        for (int n : sizes) a.emplace_back(std::size_t(batch) * n), g.emplace_back(std::size_t(batch) * n);
    }
    void step(const float* x, const std::vector<tg::index_t>& y, int B, float lr) {
        const std::size_t L = W.size();
        std::copy(x, x + std::size_t(B) * sizes[0], a[0].begin());
        for (std::size_t k = 0; k < L; ++k) {
            const int in = sizes[k], out = sizes[k + 1];
            float* z = a[k + 1].data();
            for (int i = 0; i < B; ++i) std::copy(b[k].begin(), b[k].end(), z + std::size_t(i) * out);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, out, in, 1, a[k].data(), in, W[k].data(),
                        in, 1, z, out);
            if (k + 1 < L)
                for (std::size_t i = 0; i < std::size_t(B) * out; ++i)
                    z[i] = tanh_act ? tanhf(z[i]) : std::max(z[i], 0.0f);
        }
        // softmax cross-entropy: g = (softmax(z) - onehot) / B
        const int C = sizes.back();
        float* z = a[L].data();
        float* gz = g[L].data();
        for (int i = 0; i < B; ++i) {
            const float* r = z + std::size_t(i) * C;
            const float m = *std::max_element(r, r + C);
            float s = 0;
            for (int c = 0; c < C; ++c) s += (gz[i * C + c] = expf(r[c] - m));
            for (int c = 0; c < C; ++c)
                gz[i * C + c] = (gz[i * C + c] / s - (c == y[std::size_t(i)])) / float(B);
        }
        for (std::size_t k = L; k-- > 0;) {
            const int in = sizes[k], out = sizes[k + 1];
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, out, in, B, 1, g[k + 1].data(), out,
                        a[k].data(), in, 0, dW[k].data(), in);
            std::fill(db[k].begin(), db[k].end(), 0.0f);
            for (int i = 0; i < B; ++i)
                for (int o = 0; o < out; ++o) db[k][o] += g[k + 1][std::size_t(i) * out + o];
            if (k > 0) {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, in, out, 1, g[k + 1].data(), out,
                            W[k].data(), in, 0, g[k].data(), in);
                for (std::size_t i = 0; i < std::size_t(B) * in; ++i) {
                    const float h = a[k][i];
                    g[k][i] *= tanh_act ? 1 - h * h : (h > 0 ? 1.0f : 0.0f);
                }
            }
            cblas_saxpy(int(W[k].size()), -lr, dW[k].data(), 1, W[k].data(), 1);
            cblas_saxpy(out, -lr, db[k].data(), 1, b[k].data(), 1);
        }
    }
};


HandMlp::HandMlp(std::vector<int> sizes, bool tanh_act, int batch)
    : impl(std::make_unique<Impl>(std::move(sizes), tanh_act, batch)) {}
HandMlp::~HandMlp() = default;
void HandMlp::step(const float* x, const std::vector<tg::index_t>& y, int batch, float lr) {
    impl->step(x, y, batch, lr);
}

// ---- the small CNN ------------------------------------------------------------------------------
// conv 1->32 3x3 pad 1, ReLU, maxpool 2; conv 32->64 the same; flatten; linear 3136->10; softmax
// cross-entropy (mean); SGD. Each conv is im2col + one GEMM, W[Cout][Cin*9] * cols[Cin*9][n], whose
// output rows start as the bias (beta = 1); ReLU is fused into the 2x2 max-pool pass, which keeps
// the argmax. The batch goes through the convs in chunks of a few samples, so that a chunk's conv
// outputs and gradients (z, dz, the dx columns) are produced and consumed while in cache; only
// the im2col columns (kept for dW), the pool argmaxes and the pooled features of the linear layer
// span the batch. dW accumulates over the chunks in the GEMM (beta = 1 after the first).

struct HandCnn {
    explicit HandCnn(int batch);
    ~HandCnn();
    float step(const float* x, const std::vector<tg::index_t>& y, float lr);
    std::vector<std::vector<float>*> params();
    std::vector<const std::vector<float>*> grads() const;
    struct Impl;
    std::unique_ptr<Impl> impl;
};

namespace {

// A set of H x W images, image (c, b) contiguous at p + c*cs + b*bs: activations by channel and
// sample, or im2col rows (c = row) with the samples side by side.
template <class T>
struct Planes {
    T* p;
    std::size_t cs, bs;
    T* at(int c, int b) const { return p + c * cs + b * bs; }
};

// cols (c*9 + kh*3 + kw, b)[oh*W + ow] = src (c, b)[oh+kh-1][ow+kw-1], 0 outside the image. The
// image size is a template parameter and the three kw rows are written from one input row, so
// that every loop has a constant trip count: GCC vectorizes the 14- and 28-float rows whole.
template <int H, int W>
void im2col3x3(Planes<const float> src, int C, int nb, Planes<float> cols) {
    for (int c = 0; c < C; ++c)
        for (int kh = 0; kh < 3; ++kh)
            for (int b = 0; b < nb; ++b) {
                const float* img = src.at(c, b);
                float* o0 = cols.at(c * 9 + kh * 3, b);
                float* o1 = cols.at(c * 9 + kh * 3 + 1, b);
                float* o2 = cols.at(c * 9 + kh * 3 + 2, b);
                for (int oh = 0; oh < H; ++oh, o0 += W, o1 += W, o2 += W) {
                    const int ih = oh + kh - 1;
                    if (ih < 0 || ih >= H) {
                        std::fill(o0, o0 + W, 0.0f), std::fill(o1, o1 + W, 0.0f), std::fill(o2, o2 + W, 0.0f);
                        continue;
                    }
                    const float* in = img + std::size_t(ih) * W;
                    o0[0] = 0;
                    for (int ow = 1; ow < W; ++ow) o0[ow] = in[ow - 1];
                    for (int ow = 0; ow < W; ++ow) o1[ow] = in[ow];
                    for (int ow = 0; ow < W - 1; ++ow) o2[ow] = in[ow + 1];
                    o2[W - 1] = 0;
                }
            }
}

// The transpose of im2col3x3: dst (c, b)[ih][iw] = the sum of the column entries that read it;
// one pass over a dst row adds the three kw rows.
template <int H, int W>
void col2im3x3(Planes<const float> cols, int C, int nb, Planes<float> dst) {
    for (int c = 0; c < C; ++c) {
        for (int b = 0; b < nb; ++b) std::fill(dst.at(c, b), dst.at(c, b) + H * W, 0.0f);
        for (int kh = 0; kh < 3; ++kh)
            for (int b = 0; b < nb; ++b) {
                const float* g0 = cols.at(c * 9 + kh * 3, b);
                const float* g1 = cols.at(c * 9 + kh * 3 + 1, b);
                const float* g2 = cols.at(c * 9 + kh * 3 + 2, b);
                float* img = dst.at(c, b);
                for (int oh = std::max(0, 1 - kh); oh < std::min(H, H + 1 - kh); ++oh) {
                    const float* r0 = g0 + oh * W;
                    const float* r1 = g1 + oh * W;
                    const float* r2 = g2 + oh * W;
                    float* d = img + (oh + kh - 1) * W;
                    d[0] += r0[1] + r1[0];
                    // left to the loop vectorizer: GCC would otherwise unroll the row completely
                    // into scalar code (the alias checks defeat its straight-line vectorizer)
#pragma GCC unroll 1
                    for (int iw = 1; iw < W - 1; ++iw) d[iw] += r0[iw + 1] + r1[iw] + r2[iw - 1];
                    d[W - 1] += r1[W - 1] + r2[W - 2];
                }
            }
    }
}

// out = maxpool2x2(relu(z)), z and out by channel and sample. code keeps the window position of
// the maximum (0..3, the first in raster order, as libtorch) or -1 when the maximum is <= 0: ReLU
// then cuts the gradient, so -1 is the ReLU mask and the argmax in one byte.
template <int H, int W>
void relu_pool2x2(Planes<const float> z, int C, int nb, Planes<float> out, Planes<std::int8_t> code) {
    const int Wo = W / 2;
    for (int c = 0; c < C; ++c)
        for (int b = 0; b < nb; ++b) {
            const float* img = z.at(c, b);
            float* o = out.at(c, b);
            std::int8_t* k = code.at(c, b);
            for (int ph = 0; ph < H / 2; ++ph, o += Wo, k += Wo) {
                const float* r0 = img + std::size_t(2 * ph) * W;
                const float* r1 = r0 + W;
                // integer arithmetic, not selects: GCC turns the selects into branches, and on
                // real activations the argmax is a coin toss (a mispredicted branch per window
                // cost more than the rest of the pass)
                for (int pw = 0; pw < Wo; ++pw) {
                    const float a = r0[2 * pw], b = r0[2 * pw + 1], c = r1[2 * pw], d = r1[2 * pw + 1];
                    const float mab = std::max(a, b), mcd = std::max(c, d), m = std::max(mab, mcd);
                    const int hi = mcd > mab, ab = b > a, cd = d > c, pos = m > 0;
                    const int i = 2 * hi + (ab ^ ((ab ^ cd) & -hi));
                    o[pw] = std::max(m, 0.0f);
                    k[pw] = std::int8_t((i + 1) * pos - 1);
                }
            }
        }
}

// The backward of relu_pool2x2: dz gets g at the kept position of each window and 0 elsewhere
// (every element is written: no separate zeroing); db[c] += the sum of dz over channel c, which is
// the sum of the g that passed the mask.
template <int H, int W>
void relu_pool2x2_back(Planes<const float> g, Planes<const std::int8_t> code, int C, int nb, Planes<float> dz,
                       float* db) {
    const int Wo = W / 2;
    for (int c = 0; c < C; ++c) {
        float s = 0;
        for (int b = 0; b < nb; ++b) {
            const float* gi = g.at(c, b);
            const std::int8_t* k = code.at(c, b);
            float* img = dz.at(c, b);
            for (int ph = 0; ph < H / 2; ++ph, gi += Wo, k += Wo) {
                float* r0 = img + std::size_t(2 * ph) * W;
                float* r1 = r0 + W;
                for (int pw = 0; pw < Wo; ++pw) {
                    // bit masks: with -ffast-math, GCC turns (i == 0) * v into a switch on i
                    const std::uint32_t u = std::bit_cast<std::uint32_t>(gi[pw]);
                    const int i = k[pw];
                    r0[2 * pw] = std::bit_cast<float>(u & -std::uint32_t(i == 0));
                    r0[2 * pw + 1] = std::bit_cast<float>(u & -std::uint32_t(i == 1));
                    r1[2 * pw] = std::bit_cast<float>(u & -std::uint32_t(i == 2));
                    r1[2 * pw + 1] = std::bit_cast<float>(u & -std::uint32_t(i == 3));
                    s += std::bit_cast<float>(u & -std::uint32_t(i >= 0));
                }
            }
        }
        db[c] += s;
    }
}

// rows c = 0..C-1 of a GEMM output (leading dimension ld), n columns each, set to bias[c]
void fill_rows(float* z, std::size_t ld, const std::vector<float>& bias, std::size_t n) {
    for (std::size_t c = 0; c < bias.size(); ++c) std::fill(z + c * ld, z + c * ld + n, bias[c]);
}

}  // namespace

struct HandCnn::Impl {
    static constexpr int H1 = 28, C1 = 32, H2 = 14, C2 = 64, H3 = 7, F = C2 * H3 * H3, K = 10;
    static constexpr std::size_t P1 = H1 * H1, P2 = H2 * H2, P3 = H3 * H3;  // pixels per image
    // samples per chunk: a chunk's dx columns are 288 x 4*196 floats, 0.9 MB. Measured here: 1, 2
    // and 4 alike, 16 and the whole batch (64) about 10 % slower.
    static constexpr int S = 4;
    const int B;
    const std::size_t N1, N2;  // columns of the whole batch's im2col: B*28*28, B*14*14
    std::vector<float> W1, b1, W2, b2, W3, b3, dW1, db1, dW2, db2, dW3, db3;
    std::vector<float> cols1, cols2, p2, logits, g, dp2;   // the batch: kept from forward to backward
    std::vector<std::int8_t> k1, k2;                       // pool argmax and ReLU mask, the batch
    std::vector<float> z1, p1, z2, dz2, dcols2, dp1, dz1;  // one chunk (S samples), reused

    explicit Impl(int batch)
        : B(batch),
          N1(std::size_t(batch) * P1),
          N2(std::size_t(batch) * P2),
          W1(randoms(C1 * 9, 20)),
          b1(randoms(C1, 21)),
          W2(randoms(std::size_t(C2) * C1 * 9, 22)),
          b2(randoms(C2, 23)),
          W3(randoms(std::size_t(K) * F, 24)),
          b3(randoms(K, 25)),
          dW1(W1.size()),
          db1(C1),
          dW2(W2.size()),
          db2(C2),
          dW3(W3.size()),
          db3(K),
          cols1(9 * N1),
          cols2(std::size_t(C1) * 9 * N2),
          p2(std::size_t(B) * F),
          logits(std::size_t(B) * K),
          g(logits.size()),
          dp2(p2.size()),
          k1(C1 * N2),
          k2(std::size_t(B) * F),
          z1(C1 * S * P1),
          p1(C1 * S * P2),
          z2(C2 * S * P2),
          dz2(z2.size()),
          dcols2(std::size_t(C1) * 9 * S * P2),
          dp1(p1.size()),
          dz1(z1.size()) {
        // normal weights of std 1/sqrt(fan_in) (as HandMlp's), small nonzero biases
        for (auto& w : W1) w /= 3.0f;
        for (auto& w : W2) w /= std::sqrt(float(C1 * 9));
        for (auto& w : W3) w /= std::sqrt(float(F));
        for (auto* v : {&b1, &b2, &b3})
            for (auto& w : *v) w *= 0.1f;
    }

    float step(const float* x, const std::vector<tg::index_t>& y, float lr) {
        // the two convs, chunk by chunk; x [B][1][28][28]
        for (int b0 = 0; b0 < B; b0 += S) {
            const int nb = std::min(S, B - b0);
            float* c1 = cols1.data() + b0 * P1;
            float* c2 = cols2.data() + b0 * P2;
            im2col3x3<H1, H1>({x + b0 * P1, 0, P1}, 1, nb, {c1, N1, P1});
            fill_rows(z1.data(), S * P1, b1, nb * P1);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, C1, int(nb * P1), 9, 1, W1.data(), 9, c1,
                        int(N1), 1, z1.data(), int(S * P1));
            relu_pool2x2<H1, H1>({z1.data(), S * P1, P1}, C1, nb, {p1.data(), S * P2, P2},
                                 {k1.data() + b0 * P2, N2, P2});
            im2col3x3<H2, H2>({p1.data(), S * P2, P2}, C1, nb, {c2, N2, P2});
            fill_rows(z2.data(), S * P2, b2, nb * P2);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, C2, int(nb * P2), C1 * 9, 1, W2.data(),
                        C1 * 9, c2, int(N2), 1, z2.data(), int(S * P2));
            // written [B][C2*7*7]: the flatten order of the linear layer (tensorgrad's, libtorch's)
            relu_pool2x2<H2, H2>({z2.data(), S * P2, P2}, C2, nb, {p2.data() + b0 * F, P3, F},
                                 {k2.data() + b0 * P3, std::size_t(B) * P3, P3});
        }
        // linear
        for (int i = 0; i < B; ++i) std::copy(b3.begin(), b3.end(), logits.begin() + std::size_t(i) * K);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, K, F, 1, p2.data(), F, W3.data(), F, 1,
                    logits.data(), K);
        // softmax cross-entropy: loss = mean(logsumexp(z) - z_y), g = (softmax(z) - onehot) / B
        double loss = 0;
        for (int i = 0; i < B; ++i) {
            const float* r = logits.data() + std::size_t(i) * K;
            float* gi = g.data() + std::size_t(i) * K;
            const float m = *std::max_element(r, r + K);
            float s = 0;
            for (int c = 0; c < K; ++c) s += (gi[c] = expf(r[c] - m));
            const tg::index_t t = y[std::size_t(i)];
            loss += double(m + logf(s) - r[t]);
            for (int c = 0; c < K; ++c) gi[c] = (gi[c] / s - float(c == t)) / float(B);
        }
        // linear backward
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, F, B, 1, g.data(), K, p2.data(), F, 0,
                    dW3.data(), F);
        std::fill(db3.begin(), db3.end(), 0.0f);
        for (int i = 0; i < B; ++i)
            for (int c = 0; c < K; ++c) db3[c] += g[std::size_t(i) * K + c];
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, F, K, 1, g.data(), K, W3.data(), F, 0,
                    dp2.data(), F);
        // the convs backward, chunk by chunk: pool + ReLU, dW against the kept columns, conv2's dx
        // by GEMM + col2im (conv1's dx is not needed: the input does not require grad)
        std::fill(db1.begin(), db1.end(), 0.0f);
        std::fill(db2.begin(), db2.end(), 0.0f);
        for (int b0 = 0; b0 < B; b0 += S) {
            const int nb = std::min(S, B - b0);
            const float beta = b0 == 0 ? 0 : 1;
            relu_pool2x2_back<H2, H2>({dp2.data() + b0 * F, P3, F},
                                      {k2.data() + b0 * P3, std::size_t(B) * P3, P3}, C2, nb,
                                      {dz2.data(), S * P2, P2}, db2.data());
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, C2, C1 * 9, int(nb * P2), 1, dz2.data(),
                        int(S * P2), cols2.data() + b0 * P2, int(N2), beta, dW2.data(), C1 * 9);
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, C1 * 9, int(nb * P2), C2, 1, W2.data(),
                        C1 * 9, dz2.data(), int(S * P2), 0, dcols2.data(), int(S * P2));
            col2im3x3<H2, H2>({dcols2.data(), S * P2, P2}, C1, nb, {dp1.data(), S * P2, P2});
            relu_pool2x2_back<H1, H1>({dp1.data(), S * P2, P2}, {k1.data() + b0 * P2, N2, P2}, C1, nb,
                                      {dz1.data(), S * P1, P1}, db1.data());
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, C1, 9, int(nb * P1), 1, dz1.data(),
                        int(S * P1), cols1.data() + b0 * P1, int(N1), beta, dW1.data(), 9);
        }
        // SGD
        std::vector<float>* const w[] = {&W1, &b1, &W2, &b2, &W3, &b3};
        const std::vector<float>* const d[] = {&dW1, &db1, &dW2, &db2, &dW3, &db3};
        for (int k = 0; k < 6; ++k) cblas_saxpy(int(w[k]->size()), -lr, d[k]->data(), 1, w[k]->data(), 1);
        return float(loss / B);
    }
};

HandCnn::HandCnn(int batch) : impl(std::make_unique<Impl>(batch)) {}
HandCnn::~HandCnn() = default;
float HandCnn::step(const float* x, const std::vector<tg::index_t>& y, float lr) {
    return impl->step(x, y, lr);
}
std::vector<std::vector<float>*> HandCnn::params() {
    Impl& m = *impl;
    return {&m.W1, &m.b1, &m.W2, &m.b2, &m.W3, &m.b3};
}
std::vector<const std::vector<float>*> HandCnn::grads() const {
    const Impl& m = *impl;
    return {&m.dW1, &m.db1, &m.dW2, &m.db2, &m.dW3, &m.db3};
}
