// The training-step race: one step (forward, backward, SGD update; float32, one
// thread) of the same network in tensorgrad (nn modules, fused cross-entropy, nn::SGD), libtorch
// (torch::nn, the same layout) and, for the MLPs, a hand-written OpenBLAS step (the floor: the
// GEMMs and one fused pass per elementwise stage, nothing else). CPU time per step, the median of
// `reps` rounds of `iters` steps each; no Google Benchmark (the three steps run interleaved in one
// loop so that machine load hits them alike).
//   bench_train_step [reps 7] [iters 200] [case substring, e.g. "B=256"]
//   cases: mlp64 (64-128-128-10, tanh) at B = 32 and 256; flagship (784-256-128-10, ReLU, no
//   dropout) at B = 64; cnn (conv 1->32 3x3 pad 1, ReLU, pool 2; conv 32->64 the same; linear
//   3136->10; no batch norm or dropout) at B = 64, tensorgrad and libtorch only.
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
        std::function<void()> hand_step;
        if (!c.sizes.empty()) {
            hand = std::make_unique<HandMlp>(c.sizes, c.tanh_act, c.batch);
            hand_step = [&] { hand->step(xv.data(), y, c.batch, lr); };
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
