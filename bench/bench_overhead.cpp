// Per-op overhead on tiny operands (shape {1}, float): what a small model pays per op besides
// the math. Targets: recording an op <= 150 ns; an op plus its backward <= 500 ns.
//   BM_tensor_empty    Tensor<float>::empty({1}) and its release: the allocation alone
//   BM_tensor_mul      tg::mul on Tensors: output allocation + kernel, no autodiff
//   BM_var_mul_nograd  z = x * y on Vars under NoGrad: + the Var node (make_shared), no tape
//   BM_record          z = x * y with requires_grad: + the tape node. Each iteration records
//                      kOps ops and then clears the tape (clear_tape is included, amortized),
//                      so the time per op is the iteration time / kOps. BM_record/16 records
//                      only 16 ops per tape: everything then stays in L1 and in the per-thread
//                      buffer cache (diagnostic, not the target figure).
//   BM_op_backward     auto z = x * y; z.backward();  (backward releases the tape; the leaves'
//                      gradients accumulate, as in libtorch)
//   BM_op_backward_zero_grad  the same, then x.zero_grad(); y.zero_grad() (the gradients are
//                      dropped, as optimizer.zero_grad(set_to_none=True) does): backward then
//                      stores the new gradient instead of adding it to the old one
// bench_overhead_torch measures the same lines in libtorch.
#include "../tensorgrad.hpp"
#include "bench_common.hpp"

namespace {

constexpr int kOps = 1000;

struct Leaves {
    tg::Var<float> x{tg::Tensor<float>::from_vector({1.5f}, {1}), true};
    tg::Var<float> y{tg::Tensor<float>::from_vector({-0.5f}, {1}), true};
};

void per_op(benchmark::State& st, int ops) {
    st.SetItemsProcessed(st.iterations() * ops);
    st.counters["ns/op"] = benchmark::Counter(double(st.iterations()) * ops,
                                              benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_tensor_empty(benchmark::State& st) {
    const tg::Shape s{1};
    for (auto _ : st) {
        for (int i = 0; i < kOps; ++i) {
            tg::Tensor<float> z = tg::Tensor<float>::empty(s);
            benchmark::DoNotOptimize(z.data());
        }
    }
    per_op(st, kOps);
}

void BM_tensor_mul(benchmark::State& st) {
    const Leaves l;
    const tg::Tensor<float> a = l.x.value(), b = l.y.value();
    for (auto _ : st) {
        for (int i = 0; i < kOps; ++i) {
            tg::Tensor<float> z = tg::mul(a, b);
            benchmark::DoNotOptimize(z.data());
        }
    }
    per_op(st, kOps);
}

void BM_var_mul_nograd(benchmark::State& st) {
    const Leaves l;
    tg::NoGrad ng;
    for (auto _ : st) {
        for (int i = 0; i < kOps; ++i) {
            tg::Var<float> z = l.x * l.y;
            benchmark::DoNotOptimize(z.node().get());
        }
    }
    per_op(st, kOps);
}

void BM_record(benchmark::State& st) {
    const Leaves l;
    const int ops = static_cast<int>(st.range(0));
    tg::clear_tape<float>();
    for (auto _ : st) {
        for (int i = 0; i < ops; ++i) {
            tg::Var<float> z = l.x * l.y;
            benchmark::DoNotOptimize(z.node().get());
        }
        tg::clear_tape<float>();
    }
    per_op(st, ops);
}

void BM_op_backward(benchmark::State& st) {
    const Leaves l;
    tg::clear_tape<float>();
    for (auto _ : st) {
        auto z = l.x * l.y;
        z.backward();
    }
    per_op(st, 1);
}

void BM_op_backward_zero_grad(benchmark::State& st) {
    Leaves l;
    tg::clear_tape<float>();
    for (auto _ : st) {
        auto z = l.x * l.y;
        z.backward();
        l.x.zero_grad();
        l.y.zero_grad();
    }
    per_op(st, 1);
}

BENCHMARK(BM_tensor_empty)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_tensor_mul)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_var_mul_nograd)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_record)->Arg(kOps)->Arg(16)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_op_backward)->Unit(benchmark::kNanosecond);
BENCHMARK(BM_op_backward_zero_grad)->Unit(benchmark::kNanosecond);

bool check() {
    Leaves l;
    auto z = l.x * l.y;
    z.backward();
    const float gx = l.x.grad().item(), gy = l.y.grad().item(), v = z.item();
    const bool ok = v == -0.75f && gx == -0.5f && gy == 1.5f && tg::tape_size<float>() == 0;
    std::printf("check: z = %g (want -0.75), dz/dx = %g (want -0.5), dz/dy = %g (want 1.5), tape after backward %zu:"
                " %s\n", v, gx, gy, tg::tape_size<float>(), ok ? "OK" : "FAILED");
    return ok;
}

}  // namespace

int main(int argc, char** argv) {
    const auto run = tgbench::run(argc, argv, check);
    if (!run) return 1;
    const std::string& load0 = run->load_before;
    const bool ok = run->ok;
    const tgbench::MedianReporter& rep = run->rep;

    auto per = [&](const char* name, int ops) { return run->per(name, ops); };
    const auto te = per("BM_tensor_empty", kOps), obz = per("BM_op_backward_zero_grad", 1);
    const auto tm = per("BM_tensor_mul", kOps), vm = per("BM_var_mul_nograd", kOps), rec = per("BM_record/1000", kOps), rec16 = per("BM_record/16", 16),
               ob = per("BM_op_backward", 1);
    using tgbench::fmt;
    std::printf("\n== bench_overhead summary: tiny op z = x * y, shape {1} float, median CPU ns per op ==\n");
    std::printf("load average: %s before, %s after\n", load0.c_str(), tgbench::loadavg().c_str());
    std::printf("  Tensor::empty({1}) + release         %8s ns\n", fmt(te, "%.1f").c_str());
    std::printf("  Tensor mul (alloc + kernel)          %8s ns\n", fmt(tm, "%.1f").c_str());
    std::printf("  Var mul under NoGrad (+ Var node)    %8s ns\n", fmt(vm, "%.1f").c_str());
    std::printf("  Var mul recorded (+ tape node)       %8s ns   target <= 150: %s\n", fmt(rec, "%.1f").c_str(),
                rec ? (*rec <= 150 ? "met" : "MISSED") : "n/a");
    std::printf("  (the same with 16 ops per tape        %8s ns: fits the per-thread buffer cache and L1)\n",
                fmt(rec16, "%.1f").c_str());
    std::printf("  op + backward                        %8s ns   target <= 500: %s\n", fmt(ob, "%.1f").c_str(),
                ob ? (*ob <= 500 ? "met" : "MISSED") : "n/a");
    std::printf("  op + backward, then zero_grad        %8s ns   (no gradient accumulation)\n", fmt(obz, "%.1f").c_str());
    if (tm && vm && rec && ob)
        std::printf("  breakdown: kernel+alloc %.0f, Var node %.0f, tape record %.0f, backward %.0f ns\n", *tm,
                    *vm - *tm, *rec - *vm, *ob - *rec);
    std::printf("  (compare bench_overhead_torch when libtorch was found)\n");
    if (!ok) std::printf("WARNING: the correctness check FAILED\n");
    return ok ? 0 : 1;
}
