// conv2d (float, NCHW, 3x3, padding 1, bias) in tensorgrad against libtorch in the same run, with
// the same thread count for both (1 and 2): TBB's arena and OpenBLAS for tensorgrad,
// at::set_num_threads (and the shared OpenBLAS) for libtorch.
//   BM_{tg,torch}_conv_fwd/case/threads      forward only (no recording)
//   BM_{tg,torch}_conv_fwd_bwd/case/threads  forward recorded, backward with a fixed random seed
//                                            for x, w and bias (all three require grad), then the
//                                            gradients released (zero_grad / set_to_none)
// case 0: x [32,3,32,32] -> 32 channels; case 1: x [64,32,16,16] -> 64 channels.
// OMP_WAIT_POLICY is set to passive (re-exec on start): libtorch's OpenMP threads otherwise spin
// after each parallel region and steal one of the two cores from the tensorgrad lines that follow.
#include <tbb/global_control.h>
#include <torch/torch.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "../tensorgrad.hpp"
#include "bench_common.hpp"

extern "C" void openblas_set_num_threads(int);

namespace {

struct Case {
    std::int64_t n, c, hw, o;
};
constexpr Case kCases[] = {{32, 3, 32, 32}, {64, 32, 16, 64}};

struct Data {
    std::vector<float> x, w, b, g;
    std::int64_t yn;
};
const Data& data(int k) {
    static Data d[2];
    Data& r = d[k];
    if (r.x.empty()) {
        const Case& c = kCases[k];
        r.x = tgbench::random_floats(std::size_t(c.n * c.c * c.hw * c.hw), -1.f, 1.f, 1 + k);
        r.w = tgbench::random_floats(std::size_t(c.o * c.c * 9), -0.3f, 0.3f, 11 + k);
        r.b = tgbench::random_floats(std::size_t(c.o), -1.f, 1.f, 21 + k);
        r.yn = c.n * c.o * c.hw * c.hw;
        r.g = tgbench::random_floats(std::size_t(r.yn), -1.f, 1.f, 31 + k);
    }
    return r;
}

void set_threads(int t) {
    static std::unique_ptr<tbb::global_control> gc;
    gc.reset();
    gc = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism, t);
    openblas_set_num_threads(t);
    at::set_num_threads(t);
}

struct TgProblem {
    tg::Var<float> x, w, b;
    tg::Tensor<float> seed;
    explicit TgProblem(int k) {
        const Case& c = kCases[k];
        const Data& d = data(k);
        x = tg::Var<float>(tg::Tensor<float>::from_vector(d.x, {c.n, c.c, c.hw, c.hw}), true);
        w = tg::Var<float>(tg::Tensor<float>::from_vector(d.w, {c.o, c.c, 3, 3}), true);
        b = tg::Var<float>(tg::Tensor<float>::from_vector(d.b, {c.o}), true);
        seed = tg::Tensor<float>::from_vector(d.g, {c.n, c.o, c.hw, c.hw});
    }
    tg::Var<float> forward() const { return tg::conv2d(x, w, b, {.padding = {1, 1}}); }
    void step() {
        forward().backward(seed);
        x.zero_grad(), w.zero_grad(), b.zero_grad();
    }
};

struct TorchProblem {
    torch::Tensor x, w, b, seed;
    explicit TorchProblem(int k) {
        const Case& c = kCases[k];
        const Data& d = data(k);
        auto f = [](const std::vector<float>& v, std::vector<std::int64_t> s) {
            return torch::from_blob(const_cast<float*>(v.data()), s, torch::kFloat32).clone();
        };
        x = f(d.x, {c.n, c.c, c.hw, c.hw}).requires_grad_(true);
        w = f(d.w, {c.o, c.c, 3, 3}).requires_grad_(true);
        b = f(d.b, {c.o}).requires_grad_(true);
        seed = f(d.g, {c.n, c.o, c.hw, c.hw});
    }
    torch::Tensor forward() const { return torch::conv2d(x, w, b, 1, 1); }
    void step() {
        forward().backward(seed);
        x.mutable_grad().reset(), w.mutable_grad().reset(), b.mutable_grad().reset();
    }
};

void BM_tg_conv_fwd(benchmark::State& st) {
    set_threads(int(st.range(1)));
    TgProblem p(int(st.range(0)));
    tg::NoGrad ng;
    for (auto _ : st) benchmark::DoNotOptimize(p.forward().value().data());
}
void BM_torch_conv_fwd(benchmark::State& st) {
    set_threads(int(st.range(1)));
    TorchProblem p(int(st.range(0)));
    torch::NoGradGuard ng;
    for (auto _ : st) benchmark::DoNotOptimize(p.forward().data_ptr());
}
void BM_tg_conv_fwd_bwd(benchmark::State& st) {
    set_threads(int(st.range(1)));
    TgProblem p(int(st.range(0)));
    for (auto _ : st) p.step();
}
void BM_torch_conv_fwd_bwd(benchmark::State& st) {
    set_threads(int(st.range(1)));
    TorchProblem p(int(st.range(0)));
    for (auto _ : st) p.step();
}

#define TG_ARGS ->ArgsProduct({{0, 1}, {1, 2}})->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(0.5)
BENCHMARK(BM_tg_conv_fwd) TG_ARGS;
BENCHMARK(BM_torch_conv_fwd) TG_ARGS;
BENCHMARK(BM_tg_conv_fwd_bwd) TG_ARGS;
BENCHMARK(BM_torch_conv_fwd_bwd) TG_ARGS;

// Same forward values and gradients from both (relative 1e-4 of the largest element).
bool check() {
    set_threads(2);
    bool ok = true;
    for (int k = 0; k < 2; ++k) {
        TgProblem a(k);
        TorchProblem t(k);
        const tg::Var<float> y = a.forward();
        y.backward(a.seed);
        const torch::Tensor yt = t.forward();
        yt.backward(t.seed);
        auto close = [](const tg::Tensor<float>& u, const torch::Tensor& v) {
            const auto uv = u.contiguous().to_vector();
            const torch::Tensor vc = v.contiguous();
            const float* vp = vc.data_ptr<float>();
            double worst = 0, scale = 1e-30;
            for (std::size_t i = 0; i < uv.size(); ++i) {
                worst = std::max(worst, double(std::abs(uv[i] - vp[i])));
                scale = std::max(scale, double(std::abs(vp[i])));
            }
            return worst <= 1e-4 * scale;
        };
        const bool good = close(y.value(), yt) && close(a.x.grad(), t.x.grad()) &&
                          close(a.w.grad(), t.w.grad()) && close(a.b.grad(), t.b.grad());
        std::printf("check case %d: tensorgrad and libtorch agree on y, dx, dw, db: %s\n", k,
                    good ? "OK" : "FAILED");
        ok = ok && good;
    }
    return ok;
}

}  // namespace

int main(int argc, char** argv) {
    if (!std::getenv("OMP_WAIT_POLICY")) {  // see the header comment
        setenv("OMP_WAIT_POLICY", "passive", 1);
        execv("/proc/self/exe", argv);
    }
    std::printf("libtorch %s, mkldnn (oneDNN) %s\n", TORCH_VERSION, at::hasMKLDNN() ? "available" : "absent");
    const auto run = tgbench::run(argc, argv, check);
    if (!run) return 1;
    const tgbench::MedianReporter& rep = run->rep;
    std::printf(
        "\n== bench_conv_torch summary: median wall ms, tensorgrad / libtorch (same run, same threads) ==\n");
    std::printf("load average: %s before, %s after\n", run->load_before.c_str(), tgbench::loadavg().c_str());
    // The labels come from kCases itself, so they cannot drift from the sizes measured.
    std::string names[2];
    for (int k = 0; k < 2; ++k) {
        const Case& c = kCases[k];
        names[k] = "[" + std::to_string(c.n) + "," + std::to_string(c.c) + "," + std::to_string(c.hw) + "," +
                   std::to_string(c.hw) + "] -> " + std::to_string(c.o);
    }
    for (const char* what : {"fwd", "fwd_bwd"})
        for (int k = 0; k < 2; ++k)
            for (int t = 1; t <= 2; ++t) {
                const std::string args = "/" + std::to_string(k) + "/" + std::to_string(t);
                const auto a = rep.ns("BM_tg_conv_" + std::string(what) + args);
                const auto b = rep.ns("BM_torch_conv_" + std::string(what) + args);
                std::printf(
                    "  %-8s %-20s %d thread%s  tg %8s ms  torch %8s ms  ratio %s\n", what, names[k].c_str(),
                    t, t > 1 ? "s" : " ",
                    tgbench::fmt(a ? std::optional<double>(*a / 1e6) : std::nullopt, "%.3f").c_str(),
                    tgbench::fmt(b ? std::optional<double>(*b / 1e6) : std::nullopt, "%.3f").c_str(),
                    tgbench::fmt(a && b ? std::optional<double>(*a / *b) : std::nullopt, "%.2fx").c_str());
            }
    if (!run->ok) std::printf("WARNING: the correctness check FAILED\n");
    return run->ok ? 0 : 1;
}
