// An LSTM training step's forward + backward (batch 32, sequence 50, input 64, hidden 128, one
// layer, float32, one thread) in tensorgrad (nn::LSTM) and libtorch (torch::nn::LSTM) in one
// executable, with the same weights and data: loss = <g, output> for a fixed g, gradients
// accumulated into every parameter (zeroed each iteration), as a training loop does.
// Run with OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 (docs/performance.md, "nn layers").
#include <tbb/global_control.h>
#include <torch/torch.h>

#include <cmath>
#include <tensorgrad/tensorgrad.hpp>

#include "bench_common.hpp"

namespace {

constexpr int64_t B = 32, L = 50, I = 64, H = 128;

struct Data {
    std::vector<float> x = tgbench::random_floats(L * B * I, -1, 1, 1);
    std::vector<float> g = tgbench::random_floats(L * B * H, -1, 1, 2);
};
const Data& data() {
    static const Data d;
    return d;
}

struct Models {
    tg::nn::LSTM<float> tg_lstm{I, H};
    torch::nn::LSTM th_lstm{torch::nn::LSTMOptions(I, H)};
    Models() {  // torch's parameters take tensorgrad's values, name by name
        torch::NoGradGuard no_grad;
        auto th = th_lstm->named_parameters();
        for (const auto& [n, p] : tg_lstm.named_parameters()) {
            const auto v = p.value().to_vector();
            th[n].copy_(torch::from_blob(const_cast<float*>(v.data()), th[n].sizes(), torch::kFloat32));
        }
    }
};
Models& models() {
    static Models m;
    return m;
}

struct OneThread {
    tbb::global_control tbb{tbb::global_control::max_allowed_parallelism, 1};
    OneThread() { at::set_num_threads(1); }
};

tg::Var<float> tg_step() {
    auto& m = models().tg_lstm;
    static const tg::Var<float> x(tg::Tensor<float>::from_vector(data().x, {L, B, I}));
    static const tg::Var<float> g(tg::Tensor<float>::from_vector(data().g, {L, B, H}));
    m.zero_grad();
    tg::Var<float> loss = tg::sum(m.forward(x) * g);
    loss.backward();
    return loss;
}
torch::Tensor th_step() {
    auto& m = models().th_lstm;
    static const torch::Tensor x = torch::from_blob(const_cast<float*>(data().x.data()), {L, B, I}).clone();
    static const torch::Tensor g = torch::from_blob(const_cast<float*>(data().g.data()), {L, B, H}).clone();
    m->zero_grad();
    torch::Tensor loss = (std::get<0>(m->forward(x)) * g).sum();
    loss.backward();
    return loss;
}

void BM_tg_lstm(benchmark::State& st) {
    OneThread one;
    for (auto _ : st) benchmark::DoNotOptimize(tg_step().item());
}
void BM_torch_lstm(benchmark::State& st) {
    OneThread one;
    for (auto _ : st) benchmark::DoNotOptimize(th_step().item<float>());
}
BENCHMARK(BM_tg_lstm)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_torch_lstm)->Unit(benchmark::kMillisecond)->UseRealTime();

// Same loss and same weight_hh gradient before anything is timed.
bool check() {
    OneThread one;
    const double a = tg_step().item(), b = th_step().item<float>();
    const auto ga = models().tg_lstm.named_parameters()[1].second.grad().to_vector();
    const torch::Tensor gb = models().th_lstm->named_parameters()["weight_hh_l0"].grad().contiguous();
    double err = std::abs(a - b) / std::max(1.0, std::abs(b)), scale = 0;
    for (std::size_t i = 0; i < ga.size(); ++i)
        scale = std::max(scale, double(std::abs(gb.data_ptr<float>()[i])));
    for (std::size_t i = 0; i < ga.size(); ++i)
        err = std::max(err, std::abs(double(ga[i]) - gb.data_ptr<float>()[i]) / std::max(1.0, scale));
    const bool ok = err < 1e-4;
    std::printf("check: loss %.6g (tensorgrad) and %.6g (libtorch), weight_hh_l0 gradients agree to %.2g: %s\n",
                a, b, err, ok ? "OK" : "FAILED");
    return ok;
}

}  // namespace

int main(int argc, char** argv) {
    const auto run = tgbench::run(argc, argv, check);
    if (!run) return 1;
    using tgbench::fmt;
    std::printf("\n== bench_rnn_torch: LSTM B=%lld L=%lld I=%lld H=%lld, float32, 1 thread, libtorch %s ==\n",
                static_cast<long long>(B), static_cast<long long>(L), static_cast<long long>(I),
                static_cast<long long>(H), TORCH_VERSION);
    std::printf("load average: %s before, %s after\n", run->load_before.c_str(), tgbench::loadavg().c_str());
    for (bool cpu : {false, true}) {
        const auto a = run->rep.ns(std::string("BM_tg_lstm"), cpu);
        const auto b = run->rep.ns(std::string("BM_torch_lstm"), cpu);
        std::printf("  %s  tensorgrad %s ms   libtorch %s ms   ratio %s\n", cpu ? "CPU " : "wall",
                    fmt(a ? std::optional<double>(*a / 1e6) : std::nullopt, "%.2f").c_str(),
                    fmt(b ? std::optional<double>(*b / 1e6) : std::nullopt, "%.2f").c_str(),
                    fmt(a && b ? std::optional<double>(*a / *b) : std::nullopt, "%.2f").c_str());
    }
    if (!run->ok) std::printf("WARNING: the correctness check FAILED\n");
    return run->ok ? 0 : 1;
}
