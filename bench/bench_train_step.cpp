// The training-step race: one step (forward, backward, SGD update; float32, one
// thread) of the same network in tensorgrad (nn modules, fused cross-entropy, nn::SGD), libtorch
// (torch::nn, the same layout) and a hand-written OpenBLAS step (the floor: the GEMMs, im2col /
// col2im for the convs, and one fused pass per elementwise stage, nothing else). Before timing the
// CNN, its hand step is checked against tensorgrad on the same weights (loss, every gradient, the
// updated weights) and the run stops if they disagree. CPU time per step, the median of
// `reps` rounds of `iters` steps each; no Google Benchmark (the three steps run interleaved in one
// loop so that machine load hits them alike).
//   bench_train_step [reps 7] [iters 200] [case substring, e.g. "B=256"]
//   cases: mlp64 (64-128-128-10, tanh) at B = 32 and 256; flagship (784-256-128-10, ReLU, no
//   dropout) at B = 64; cnn (conv 1->32 3x3 pad 1, ReLU, pool 2; conv 32->64 the same; linear
//   3136->10; no batch norm or dropout) at B = 64.
#include <cblas.h>
#include <memory>
#include <tbb/global_control.h>
#include <time.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <tensorgrad/tensorgrad.hpp>
#include <vector>

namespace nn = tg::nn;

namespace {

double cpu_seconds() {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

std::vector<float> randoms(std::size_t n, unsigned seed) {
    std::mt19937 g(seed);
    std::normal_distribution<float> d(0, 1);
    std::vector<float> v(n);
    for (auto& x : v) x = d(g);
    return v;
}

}  // namespace

// The hand-written step lives in bench_train_step_hand.cpp, compiled with -ffast-math so that the
// tanh, exp and ReLU loops vectorize (glibc's libmvec): the floor must not be scalar libm.
struct HandMlp {
    HandMlp(std::vector<int> sizes, bool tanh_act, int batch);
    ~HandMlp();
    void step(const float* x, const std::vector<tg::index_t>& y, int batch, float lr);
    struct Impl;
    std::unique_ptr<Impl> impl;
};
struct HandCnn {
    explicit HandCnn(int batch);
    ~HandCnn();
    float step(const float* x, const std::vector<tg::index_t>& y, float lr);  // returns the loss
    std::vector<std::vector<float>*> params();  // W1, b1, W2, b2, W3, b3: tensorgrad's order
    std::vector<const std::vector<float>*> grads() const;
    struct Impl;
    std::unique_ptr<Impl> impl;
};

namespace {

// ---- tensorgrad ---------------------------------------------------------------------------------
std::shared_ptr<nn::Sequential<float>> tg_mlp(const std::vector<int>& s, bool tanh_act) {
    auto m = std::make_shared<nn::Sequential<float>>();
    for (std::size_t k = 0; k + 1 < s.size(); ++k) {
        m->push_back(std::make_shared<nn::Linear<float>>(s[k], s[k + 1]));
        if (k + 2 < s.size()) {
            if (tanh_act) m->push_back(std::make_shared<nn::Tanh<float>>());
            else m->push_back(std::make_shared<nn::ReLU<float>>());
        }
    }
    return m;
}
std::shared_ptr<nn::Sequential<float>> tg_cnn() {
    auto m = std::make_shared<nn::Sequential<float>>();
    m->push_back(
        std::make_shared<nn::Conv2d<float>>(1, 32, tg::Pair{3, 3}, tg::Conv2dOptions{.padding = {1, 1}}));
    m->push_back(std::make_shared<nn::ReLU<float>>());
    m->push_back(std::make_shared<nn::MaxPool2d<float>>(tg::Pool2dOptions{.kernel = {2, 2}}));
    m->push_back(
        std::make_shared<nn::Conv2d<float>>(32, 64, tg::Pair{3, 3}, tg::Conv2dOptions{.padding = {1, 1}}));
    m->push_back(std::make_shared<nn::ReLU<float>>());
    m->push_back(std::make_shared<nn::MaxPool2d<float>>(tg::Pool2dOptions{.kernel = {2, 2}}));
    m->push_back(std::make_shared<nn::Flatten<float>>());
    m->push_back(std::make_shared<nn::Linear<float>>(3136, 10));
    return m;
}

// ---- libtorch -----------------------------------------------------------------------------------
torch::nn::Sequential torch_mlp(const std::vector<int>& s, bool tanh_act) {
    torch::nn::Sequential m;
    for (std::size_t k = 0; k + 1 < s.size(); ++k) {
        m->push_back(torch::nn::Linear(s[k], s[k + 1]));
        if (k + 2 < s.size()) {
            if (tanh_act) m->push_back(torch::nn::Tanh());
            else m->push_back(torch::nn::ReLU());
        }
    }
    return m;
}
torch::nn::Sequential torch_cnn() {
    using namespace torch::nn;
    return Sequential(Conv2d(Conv2dOptions(1, 32, 3).padding(1)), ReLU(), MaxPool2d(2),
                      Conv2d(Conv2dOptions(32, 64, 3).padding(1)), ReLU(), MaxPool2d(2), Flatten(),
                      Linear(3136, 10));
}

// One SGD step of the hand CNN and of tensorgrad's from the same weights and batch: the losses,
// the six gradients and the updated weights must agree to float32 rounding (tensorgrad's conv,
// pool and cross-entropy rules are gradchecked in float64 by its own test suite), and so must
// the loss of a second step. Prints the worst relative errors; false if any is above float32 noise.
bool check_hand_cnn(int B, float lr) {
    HandCnn hand(B);
    auto model = tg_cnn();
    std::vector<tg::Var<float>> ps = model->parameters();
    std::vector<std::vector<float>*> hp = hand.params();
    if (ps.size() != hp.size()) return std::printf("hand cnn check: parameter count differs\n"), false;
    for (std::size_t k = 0; k < ps.size(); ++k) {
        tg::Tensor<float> v = ps[k].value();
        if (std::size_t(v.numel()) != hp[k]->size())
            return std::printf("hand cnn check: parameter %zu has %zu elements, tensorgrad's %lld\n", k,
                               hp[k]->size(), static_cast<long long>(v.numel())),
                   false;
        std::copy(hp[k]->begin(), hp[k]->end(), v.data());
    }
    const std::vector<float> xv = randoms(std::size_t(B) * 28 * 28, 3);
    std::vector<tg::index_t> y(static_cast<std::size_t>(B));
    for (int i = 0; i < B; ++i) y[std::size_t(i)] = (i * 3 + 1) % 10;
    const tg::Tensor<float> tx = tg::Tensor<float>::from_vector(xv, {B, 1, 28, 28});
    nn::SGD<float> opt(ps, {.lr = lr});
    const auto tg_step = [&](std::vector<std::vector<float>>* grads) {
        opt.zero_grad();
        tg::Var<float> loss = tg::cross_entropy(model->forward(tg::Var<float>(tx)), y);
        loss.backward();
        if (grads)
            for (auto& p : ps) grads->push_back(p.grad().to_vector());
        opt.step();
        return loss.item();
    };
    // max |a - b| over max |b|: an error relative to the tensor's scale, not to tiny elements
    const auto rel = [](const std::vector<float>& a, const std::vector<float>& b) {
        double d = 0, m = 0;
        for (std::size_t i = 0; i < b.size(); ++i)
            d = std::max(d, double(std::fabs(a[i] - b[i]))), m = std::max(m, double(std::fabs(b[i])));
        return m > 0 ? d / m : d;
    };
    std::vector<std::vector<float>> tg_grads, before;
    for (auto* p : hp) before.push_back(*p);
    // the SGD updates, w_after - w_before, compared as vectors of their own scale
    const auto update = [&](std::size_t k, const std::vector<float>& after) {
        std::vector<float> u(after.size());
        for (std::size_t i = 0; i < u.size(); ++i) u[i] = after[i] - before[k][i];
        return u;
    };
    const float tl0 = tg_step(&tg_grads), hl0 = hand.step(xv.data(), y, lr);
    static const char* const names[] = {"W1", "b1", "W2", "b2", "W3", "b3"};
    std::printf("hand cnn check, B=%d, against tensorgrad from the same weights\n  max rel err, gradient "
                "/ SGD update:",
                B);
    double worst = 0;
    const std::vector<const std::vector<float>*> hg = hand.grads();
    for (std::size_t k = 0; k < ps.size(); ++k) {
        const double eg = rel(*hg[k], tg_grads[k]),
                     ew = rel(update(k, *hp[k]), update(k, ps[k].value().to_vector()));
        std::printf(" %s %.1e / %.1e%s", names[k], eg, ew, k == 2 ? "\n   " : "");
        worst = std::max({worst, eg, ew});
    }
    const float tl1 = tg_step(nullptr), hl1 = hand.step(xv.data(), y, lr);
    const double el = std::max(std::fabs(hl0 - tl0), std::fabs(hl1 - tl1)) / std::fabs(tl0);
    // float32 sums of up to B*784 products in different orders: about 1e-6 on the gradients; an
    // update w_after - w_before loses the digits of w below it, up to 1e-5 of the update here.
    // (Whether the loss falls after one step depends on lr and the data, not on the step.)
    const bool ok = worst < 1e-3 && el < 1e-5;
    std::printf("\n  loss %.6f / %.6f, after the step %.6f / %.6f: %s\n", double(hl0), double(tl0),
                double(hl1), double(tl1), ok ? "ok" : "MISMATCH");
    return ok;
}

struct Case {
    const char* name;
    int batch;
    std::vector<tg::index_t> in_shape;  // one example
    std::vector<int> sizes;             // MLP sizes (empty: the CNN)
    bool tanh_act;
};

}  // namespace

int main(int argc, char** argv) {
    const int reps = argc > 1 ? std::atoi(argv[1]) : 7, iters = argc > 2 ? std::atoi(argv[2]) : 200;
    tbb::global_control one_thread(tbb::global_control::max_allowed_parallelism, 1);
    at::set_num_threads(1);
    openblas_set_num_threads(1);
    torch::manual_seed(0);
    tg::manual_seed(0);
    const float lr = 0.01f;
    const std::vector<Case> cases = {{"mlp64 B=32", 32, {64}, {64, 128, 128, 10}, true},
                                     {"mlp64 B=256", 256, {64}, {64, 128, 128, 10}, true},
                                     {"flagship B=64", 64, {784}, {784, 256, 128, 10}, false},
                                     {"cnn B=64", 64, {1, 28, 28}, {}, false}};
    std::printf("%-14s %12s %12s %12s %10s %10s\n", "case", "hand us", "tensorgrad us", "libtorch us",
                "tg/hand", "tg/torch");
    const std::string only = argc > 3 ? argv[3] : "";
    for (const Case& c : cases) {
        if (!only.empty() && std::string(c.name).find(only) == std::string::npos) continue;
        tg::Shape s{c.batch};
        std::vector<int64_t> ts{c.batch};
        tg::index_t per = 1;
        for (auto d : c.in_shape) s.push_back(d), ts.push_back(d), per *= d;
        const std::vector<float> xv = randoms(std::size_t(c.batch * per), 1);
        std::vector<tg::index_t> y(std::size_t(c.batch));
        std::vector<int64_t> y64(std::size_t(c.batch));
        for (int i = 0; i < c.batch; ++i) y[std::size_t(i)] = y64[std::size_t(i)] = (i * 7) % 10;

        auto tg_model = c.sizes.empty() ? tg_cnn() : tg_mlp(c.sizes, c.tanh_act);
        nn::SGD<float> tg_opt(tg_model->parameters(), {.lr = lr});
        const tg::Tensor<float> tx = tg::Tensor<float>::from_vector(xv, s);
        const std::function<void()> tg_step = [&] {
            tg_opt.zero_grad();
            tg::Var<float> loss = tg::cross_entropy(tg_model->forward(tg::Var<float>(tx)), y);
            loss.backward();
            tg_opt.step();
        };
        auto torch_model = c.sizes.empty() ? torch_cnn() : torch_mlp(c.sizes, c.tanh_act);
        torch::optim::SGD torch_opt(torch_model->parameters(), torch::optim::SGDOptions(lr));
        const torch::Tensor px = torch::from_blob(const_cast<float*>(xv.data()), ts, torch::kFloat32).clone();
        const torch::Tensor py = torch::from_blob(y64.data(), {c.batch}, torch::kInt64).clone();
        const std::function<void()> torch_step = [&] {
            torch_opt.zero_grad();
            torch::Tensor loss = torch::nn::functional::cross_entropy(torch_model->forward(px), py);
            loss.backward();
            torch_opt.step();
        };
        std::unique_ptr<HandMlp> hand;
        std::unique_ptr<HandCnn> hand_cnn;
        std::function<void()> hand_step;
        if (!c.sizes.empty()) {
            hand = std::make_unique<HandMlp>(c.sizes, c.tanh_act, c.batch);
            hand_step = [&] { hand->step(xv.data(), y, c.batch, lr); };
        } else {
            // a tiny batch that ends in a part chunk (indexing errors show), and the timed one
            if (!check_hand_cnn(5, lr) || !check_hand_cnn(c.batch, lr)) return 1;
            hand_cnn = std::make_unique<HandCnn>(c.batch);
            hand_step = [&] { hand_cnn->step(xv.data(), y, lr); };
        }
        std::vector<double> th, tt, tp;
        const int n = c.sizes.empty() ? std::max(iters / 10, 5) : iters;
        for (int r = 0; r <= reps; ++r) {  // round 0 warms up and is dropped
            const auto time = [&](const std::function<void()>& f) {
                const double t0 = cpu_seconds();
                for (int k = 0; k < n; ++k) f();
                return (cpu_seconds() - t0) / n * 1e6;
            };
            const double a = hand_step ? time(hand_step) : 0, b = time(tg_step), d = time(torch_step);
            if (r > 0) th.push_back(a), tt.push_back(b), tp.push_back(d);
        }
        const auto median = [](std::vector<double> v) {
            std::sort(v.begin(), v.end());
            return v[v.size() / 2];
        };
        const double h = median(th), t = median(tt), p = median(tp);
        if (hand_step)
            std::printf("%-14s %12.1f %12.1f %12.1f %10.2f %10.2f\n", c.name, h, t, p, t / h, t / p);
        else std::printf("%-14s %12s %12.1f %12.1f %10s %10.2f\n", c.name, "-", t, p, "-", t / p);
        std::fflush(stdout);
    }
    return 0;
}
