// The nn family against libtorch in one run (one executable: both libraries, float32), forward +
// backward per iteration, with 1 and 2 threads (the benchmark argument): tensorgrad's TBB arena
// through tbb::global_control, libtorch's through at::set_num_threads.
//   ce         cross_entropy(x (256, 1000), class indices), mean; d/dx
//   softmax    y = softmax(x (256, 1000), -1); the VJP of a fixed cotangent
//   layer_norm layer_norm(x (256, 1024), (1024), w, b); d/dx, d/dw, d/db of <g, y>
//   batch_norm batch_norm(x (64, 64, 16, 16), training, w, b); d/dx, d/dw, d/db of <g, y>
// Gradients are taken with tg::gradients / torch::autograd::grad (nothing accumulates).
// Built only when find_package(Torch) succeeds. Ratios = tensorgrad / libtorch, median wall time.
#include <tbb/global_control.h>
#include <torch/torch.h>

#include <cmath>
#include <tensorgrad/tensorgrad.hpp>

#include "bench_common.hpp"

namespace {

using TV = tg::Var<float>;

struct Data {
    std::vector<float> ce_x = tgbench::random_floats(256 * 1000, -3, 3, 1);
    std::vector<tg::index_t> ce_t;
    std::vector<float> ln_x = tgbench::random_floats(256 * 1024, -2, 2, 2);
    std::vector<float> ln_g = tgbench::random_floats(256 * 1024, -1, 1, 3);
    std::vector<float> ln_w = tgbench::random_floats(1024, 0.5, 1.5, 4);
    std::vector<float> bn_x = tgbench::random_floats(64 * 64 * 16 * 16, -2, 2, 5);
    std::vector<float> bn_g = tgbench::random_floats(64 * 64 * 16 * 16, -1, 1, 6);
    std::vector<float> bn_w = tgbench::random_floats(64, 0.5, 1.5, 7);
    Data() {
        for (int i = 0; i < 256; ++i) ce_t.push_back((i * 37) % 1000);
    }
};
const Data& data() {
    static const Data d;
    return d;
}

tg::Tensor<float> tg_tensor(const std::vector<float>& v, tg::Shape s) {
    return tg::Tensor<float>::from_vector(v, s);
}
torch::Tensor th_tensor(const std::vector<float>& v, std::vector<int64_t> s, bool grad = false) {
    return torch::from_blob(const_cast<float*>(v.data()), s, torch::kFloat32).clone().requires_grad_(grad);
}

struct Threads {
    tbb::global_control tbb;
    explicit Threads(int n) : tbb(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(n)) {
        at::set_num_threads(n);
    }
};

void BM_tg_ce(benchmark::State& st) {
    Threads th(static_cast<int>(st.range(0)));
    const TV x(tg_tensor(data().ce_x, {256, 1000}), true);
    for (auto _ : st) {
        const TV l = tg::cross_entropy(x, data().ce_t);
        benchmark::DoNotOptimize(tg::gradients(l, {x}, tg::Tensor<float>::scalar(1))[0].value().data());
    }
}
void BM_torch_ce(benchmark::State& st) {
    Threads th(static_cast<int>(st.range(0)));
    const torch::Tensor x = th_tensor(data().ce_x, {256, 1000}, true);
    const torch::Tensor t = torch::tensor(std::vector<int64_t>(data().ce_t.begin(), data().ce_t.end()));
    for (auto _ : st) {
        const torch::Tensor l = torch::nn::functional::cross_entropy(x, t);
        benchmark::DoNotOptimize(torch::autograd::grad({l}, {x})[0].data_ptr());
    }
}

void BM_tg_softmax(benchmark::State& st) {
    Threads th(static_cast<int>(st.range(0)));
    const TV x(tg_tensor(data().ce_x, {256, 1000}), true);
    const tg::Tensor<float> g =
        tg_tensor(data().ln_g, {256 * 1024}).slice(0, 0, 256000).reshape({256, 1000}).clone();
    for (auto _ : st) {
        const TV y = tg::softmax(x, -1);
        benchmark::DoNotOptimize(tg::gradients(y, {x}, g)[0].value().data());
    }
}
void BM_torch_softmax(benchmark::State& st) {
    Threads th(static_cast<int>(st.range(0)));
    const torch::Tensor x = th_tensor(data().ce_x, {256, 1000}, true);
    const torch::Tensor g = th_tensor(data().ln_g, {256 * 1024}).slice(0, 0, 256000).reshape({256, 1000}).clone();
    for (auto _ : st) {
        const torch::Tensor y = torch::softmax(x, -1);
        benchmark::DoNotOptimize(torch::autograd::grad({y}, {x}, {g})[0].data_ptr());
    }
}

void BM_tg_layer_norm(benchmark::State& st) {
    Threads th(static_cast<int>(st.range(0)));
    const TV x(tg_tensor(data().ln_x, {256, 1024}), true), w(tg_tensor(data().ln_w, {1024}), true),
        b(tg::zeros<float>({1024}), true);
    const tg::Tensor<float> g = tg_tensor(data().ln_g, {256, 1024});
    for (auto _ : st) {
        const TV y = tg::layer_norm(x, {1024}, w, b);
        benchmark::DoNotOptimize(tg::gradients(y, {x, w, b}, g)[0].value().data());
    }
}
void BM_torch_layer_norm(benchmark::State& st) {
    Threads th(static_cast<int>(st.range(0)));
    const torch::Tensor x = th_tensor(data().ln_x, {256, 1024}, true),
                        w = th_tensor(data().ln_w, {1024}, true),
                        b = torch::zeros({1024}).requires_grad_(true);
    const torch::Tensor g = th_tensor(data().ln_g, {256, 1024});
    for (auto _ : st) {
        const torch::Tensor y = torch::layer_norm(x, {1024}, w, b);
        benchmark::DoNotOptimize(torch::autograd::grad({y}, {x, w, b}, {g})[0].data_ptr());
    }
}

void BM_tg_batch_norm(benchmark::State& st) {
    Threads th(static_cast<int>(st.range(0)));
    const TV x(tg_tensor(data().bn_x, {64, 64, 16, 16}), true), w(tg_tensor(data().bn_w, {64}), true),
        b(tg::zeros<float>({64}), true);
    tg::Tensor<float> rm = tg::zeros<float>({64}), rv = tg::ones<float>({64});
    const tg::Tensor<float> g = tg_tensor(data().bn_g, {64, 64, 16, 16});
    for (auto _ : st) {
        const TV y = tg::batch_norm(x, &rm, &rv, w, b, true);
        benchmark::DoNotOptimize(tg::gradients(y, {x, w, b}, g)[0].value().data());
    }
}
void BM_torch_batch_norm(benchmark::State& st) {
    Threads th(static_cast<int>(st.range(0)));
    const torch::Tensor x = th_tensor(data().bn_x, {64, 64, 16, 16}, true),
                        w = th_tensor(data().bn_w, {64}, true), b = torch::zeros({64}).requires_grad_(true);
    torch::Tensor rm = torch::zeros({64}), rv = torch::ones({64});
    const torch::Tensor g = th_tensor(data().bn_g, {64, 64, 16, 16});
    for (auto _ : st) {
        const torch::Tensor y = torch::batch_norm(x, w, b, rm, rv, true, 0.1, 1e-5, false);
        benchmark::DoNotOptimize(torch::autograd::grad({y}, {x, w, b}, {g})[0].data_ptr());
    }
}

#define TG_NN_BENCH(name) BENCHMARK(name)->Arg(1)->Arg(2)->Unit(benchmark::kMicrosecond)->UseRealTime();
TG_NN_BENCH(BM_tg_ce)
TG_NN_BENCH(BM_torch_ce)
TG_NN_BENCH(BM_tg_softmax)
TG_NN_BENCH(BM_torch_softmax)
TG_NN_BENCH(BM_tg_layer_norm)
TG_NN_BENCH(BM_torch_layer_norm)
TG_NN_BENCH(BM_tg_batch_norm)
TG_NN_BENCH(BM_torch_batch_norm)

// The two libraries agree on the losses and gradients before anything is timed.
bool check() {
    const TV x(tg_tensor(data().ce_x, {256, 1000}), true);
    const TV l = tg::cross_entropy(x, data().ce_t);
    const tg::Tensor<float> gx = tg::gradients(l, {x}, tg::Tensor<float>::scalar(1))[0].value();
    const torch::Tensor tx = th_tensor(data().ce_x, {256, 1000}, true);
    const torch::Tensor tt = torch::tensor(std::vector<int64_t>(data().ce_t.begin(), data().ce_t.end()));
    const torch::Tensor tl = torch::nn::functional::cross_entropy(tx, tt);
    const torch::Tensor tgx = torch::autograd::grad({tl}, {tx})[0];
    double err = std::abs(l.item() - tl.item<float>());
    const float* a = gx.data();
    const float* b = tgx.data_ptr<float>();
    for (int i = 0; i < 256000; ++i) err = std::max(err, double(std::abs(a[i] - b[i])));
    const TV lx(tg_tensor(data().ln_x, {256, 1024}), true), lw(tg_tensor(data().ln_w, {1024}));
    const torch::Tensor tlx = th_tensor(data().ln_x, {256, 1024}), tlw = th_tensor(data().ln_w, {1024});
    const tg::Tensor<float> y = tg::layer_norm(lx, {1024}, lw).value();
    const torch::Tensor ty = torch::layer_norm(tlx, {1024}, tlw);
    for (int i = 0; i < 256 * 1024; ++i)
        err = std::max(err, double(std::abs(y.data()[i] - ty.data_ptr<float>()[i])));
    const bool ok = err < 1e-4;
    std::printf("check: cross_entropy, its gradient and layer_norm agree with libtorch to %.2g: %s\n", err,
                ok ? "OK" : "FAILED");
    return ok;
}

}  // namespace

int main(int argc, char** argv) {
    const auto run = tgbench::run(argc, argv, check);
    if (!run) return 1;
    using tgbench::fmt;
    std::printf("\n== bench_nn_torch summary: libtorch %s, float32, forward + backward, median wall us ==\n",
                TORCH_VERSION);
    std::printf("load average: %s before, %s after\n", run->load_before.c_str(), tgbench::loadavg().c_str());
    for (const char* op : {"ce", "softmax", "layer_norm", "batch_norm"})
        for (int t : {1, 2}) {
            const std::string a = std::string("BM_tg_") + op + "/" + std::to_string(t);
            const std::string b = std::string("BM_torch_") + op + "/" + std::to_string(t);
            const auto ta = run->rep.ns(a + "/real_time"), tb = run->rep.ns(b + "/real_time");
            const auto ra = ta ? ta : run->rep.ns(a), rb = tb ? tb : run->rep.ns(b);
            std::printf("  %-11s %d thread%s  tensorgrad %9s us   libtorch %9s us   ratio %s\n", op, t,
                        t > 1 ? "s" : " ",
                        fmt(ra ? std::optional<double>(*ra / 1e3) : std::nullopt, "%.1f").c_str(),
                        fmt(rb ? std::optional<double>(*rb / 1e3) : std::nullopt, "%.1f").c_str(),
                        fmt(ra && rb ? std::optional<double>(*ra / *rb) : std::nullopt, "%.2f").c_str());
        }
    if (!run->ok) std::printf("WARNING: the correctness check FAILED\n");
    return run->ok ? 0 : 1;
}
