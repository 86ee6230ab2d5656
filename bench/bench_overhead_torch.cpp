// The lines of bench_overhead.cpp in libtorch (built only when find_package(Torch) succeeds;
// kept in its own executable because Torch forces its own flags and 287 shared libraries).
// at::set_num_threads(1). Shape {1} float tensors; x and y require grad.
//   BM_torch_mul_nograd  torch::mul under NoGradGuard: allocation + dispatch + kernel
//   BM_torch_record      torch::mul with grad: + the autograd node (freed when z dies)
//   BM_torch_op_backward auto z = torch::mul(x, y); z.backward();
//   BM_torch_op_backward_zero_grad  the same, then x.mutable_grad().reset() for x and y
//                        (zero_grad(set_to_none=True))
#include <torch/torch.h>

#include "bench_common.hpp"

namespace {

constexpr int kOps = 1000;

struct Leaves {
    torch::Tensor x = torch::full({1}, 1.5f, torch::requires_grad());
    torch::Tensor y = torch::full({1}, -0.5f, torch::requires_grad());
};

void per_op(benchmark::State& st, int ops) {
    st.SetItemsProcessed(st.iterations() * ops);
    st.counters["ns/op"] = benchmark::Counter(double(st.iterations()) * ops,
                                              benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_torch_mul_nograd(benchmark::State& st) {
    Leaves l;
    torch::NoGradGuard ng;
    for (auto _ : st) {
        for (int i = 0; i < kOps; ++i) {
            torch::Tensor z = torch::mul(l.x, l.y);
            benchmark::DoNotOptimize(z.data_ptr());
        }
    }
    per_op(st, kOps);
}

void BM_torch_record(benchmark::State& st) {
    Leaves l;
    for (auto _ : st) {
        for (int i = 0; i < kOps; ++i) {
            torch::Tensor z = torch::mul(l.x, l.y);
            benchmark::DoNotOptimize(z.data_ptr());
        }
    }
    per_op(st, kOps);
}

void BM_torch_op_backward(benchmark::State& st) {
    Leaves l;
    for (auto _ : st) {
        auto z = torch::mul(l.x, l.y);
        z.backward();
    }
    per_op(st, 1);
}

void BM_torch_op_backward_zero_grad(benchmark::State& st) {
    Leaves l;
    for (auto _ : st) {
        auto z = torch::mul(l.x, l.y);
        z.backward();
        l.x.mutable_grad().reset();
        l.y.mutable_grad().reset();
    }
    per_op(st, 1);
}

BENCHMARK(BM_torch_mul_nograd)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_torch_record)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_torch_op_backward)->Unit(benchmark::kNanosecond);
BENCHMARK(BM_torch_op_backward_zero_grad)->Unit(benchmark::kNanosecond);

bool check() {
    Leaves l;
    auto z = torch::mul(l.x, l.y);
    z.backward();
    const float gx = l.x.grad().item<float>(), gy = l.y.grad().item<float>();
    const bool ok = gx == -0.5f && gy == 1.5f;
    std::printf("check: dz/dx = %g, dz/dy = %g: %s\n", gx, gy, ok ? "OK" : "FAILED");
    return ok;
}

}  // namespace

int main(int argc, char** argv) {
    at::set_num_threads(1);
    const auto run = tgbench::run(argc, argv, check);
    if (!run) return 1;
    const std::string& load0 = run->load_before;
    const bool ok = run->ok;
    const tgbench::MedianReporter& rep = run->rep;

    auto per = [&](const char* name, int ops) { return run->per(name, ops); };
    using tgbench::fmt;
    std::printf("\n== bench_overhead_torch summary: libtorch %s, z = x * y, shape {1} float, median CPU ns per op ==\n",
                TORCH_VERSION);
    std::printf("load average: %s before, %s after\n", load0.c_str(), tgbench::loadavg().c_str());
    std::printf("  torch::mul under NoGradGuard         %8s ns\n", fmt(per("BM_torch_mul_nograd", kOps), "%.1f").c_str());
    std::printf("  torch::mul recorded                  %8s ns\n", fmt(per("BM_torch_record", kOps), "%.1f").c_str());
    std::printf("  op + backward                        %8s ns\n", fmt(per("BM_torch_op_backward", 1), "%.1f").c_str());
    std::printf("  op + backward, then zero_grad        %8s ns\n",
                fmt(per("BM_torch_op_backward_zero_grad", 1), "%.1f").c_str());
    if (!ok) std::printf("WARNING: the correctness check FAILED\n");
    return ok ? 0 : 1;
}
