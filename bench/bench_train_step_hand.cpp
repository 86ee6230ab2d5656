// The hand-written training step of bench_train_step (the floor of the race): per layer
// y = act(x W^T + b) by one GEMM and one pass, softmax cross-entropy in one pass, the backward
// GEMMs, and SGD by saxpy. Compiled with -O3 -ffast-math (bench/CMakeLists.txt) so its loops use
// glibc's vector tanh / exp.
#include <cblas.h>

#include <algorithm>
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
