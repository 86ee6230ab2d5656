// Dense solve, forward + backward, against the primal LAPACK solve alone and libtorch, in one run
// (float64, b a vector, one thread everywhere: OpenBLAS and libtorch set to 1, so CPU time is a
// robust measure on this shared machine; both libraries call the same OpenBLAS LAPACK):
//   primal  dgetrf + dgetrs called directly on a copy of A and b: the cost of the answer alone
//   tg      x = tg::solve(A, b) on the tape, then the gradients of <g, x> in A and b
//           (the backward reuses the LU the forward recorded: one more getrs and an outer product)
//   torch   torch::linalg::solve(A, b) with requires_grad, then torch::autograd::grad
// The target: tg / primal <= 1.5 (a hand-written adjoint reaches 1.46).
#include <torch/torch.h>

#include <cmath>
#include <tensorgrad/tensorgrad.hpp>

#include "bench_common.hpp"

extern "C" {
void dgetrf_(const int* m, const int* n, double* a, const int* lda, int* ipiv, int* info);
void dgetrs_(const char* trans, const int* n, const int* nrhs, const double* a, const int* lda,
             const int* ipiv, double* b, const int* ldb, int* info, std::size_t);
void openblas_set_num_threads(int);
}

namespace {

struct Problem {
    int n;
    std::vector<double> A, b, g;
    explicit Problem(int n_) : n(n_) {
        const auto a = tgbench::random_floats(static_cast<std::size_t>(n) * n, -1, 1, 1);
        const auto bb = tgbench::random_floats(static_cast<std::size_t>(n), -1, 1, 2);
        const auto gg = tgbench::random_floats(static_cast<std::size_t>(n), -1, 1, 3);
        A.assign(a.begin(), a.end());
        for (int i = 0; i < n; ++i) A[static_cast<std::size_t>(i) * n + i] += n;  // well conditioned
        b.assign(bb.begin(), bb.end());
        g.assign(gg.begin(), gg.end());
    }
};
const Problem& problem(int n) {
    static const Problem p100(100), p1000(1000);
    return n == 100 ? p100 : p1000;
}

tg::Tensor<double> tgt(const std::vector<double>& v, tg::Shape s) {
    return tg::Tensor<double>::from_vector(v, s);
}
torch::Tensor tht(const std::vector<double>& v, std::vector<int64_t> s, bool grad) {
    return torch::from_blob(const_cast<double*>(v.data()), s, torch::kFloat64).clone().requires_grad_(grad);
}

// The bare LAPACK calls on fresh copies (getrf and getrs overwrite their arguments).
void BM_primal(benchmark::State& st) {
    const Problem& p = problem(static_cast<int>(st.range(0)));
    std::vector<double> lu, x;
    std::vector<int> piv(static_cast<std::size_t>(p.n));
    const int n = p.n, one = 1;
    for (auto _ : st) {
        lu = p.A;
        x = p.b;
        int info = 0;
        dgetrf_(&n, &n, lu.data(), &n, piv.data(), &info);
        dgetrs_("T", &n, &one, lu.data(), &n, piv.data(), x.data(), &n, &info, 1);  // row-major A = (A^T)^T
        benchmark::DoNotOptimize(x.data());
    }
}

void BM_tg(benchmark::State& st) {
    const Problem& p = problem(static_cast<int>(st.range(0)));
    const tg::Var<double> A(tgt(p.A, {p.n, p.n}), true), b(tgt(p.b, {p.n}), true);
    const auto g = tgt(p.g, {p.n});
    for (auto _ : st) {
        const tg::Var<double> x = tg::solve(A, b);
        const auto gs = tg::gradients(x, {A, b}, g);
        benchmark::DoNotOptimize(gs[0].value().data());
    }
}

void BM_torch(benchmark::State& st) {
    const Problem& p = problem(static_cast<int>(st.range(0)));
    const auto A = tht(p.A, {p.n, p.n}, true), b = tht(p.b, {p.n}, true), g = tht(p.g, {p.n}, false);
    for (auto _ : st) {
        const auto x = torch::linalg::solve(A, b, true);
        const auto gs = torch::autograd::grad({x}, {A, b}, {g});
        benchmark::DoNotOptimize(gs[0].data_ptr<double>());
    }
}

BENCHMARK(BM_primal)->Arg(100)->Arg(1000)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_tg)->Arg(100)->Arg(1000)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_torch)->Arg(100)->Arg(1000)->UseRealTime()->Unit(benchmark::kMicrosecond);

// Both libraries give the same gradient in A (n = 100).
bool check() {
    const Problem& p = problem(100);
    const tg::Var<double> A(tgt(p.A, {p.n, p.n}), true), b(tgt(p.b, {p.n}), true);
    const auto gA = tg::gradients(tg::solve(A, b), {A}, tgt(p.g, {p.n}))[0].value();
    const auto tA = tht(p.A, {p.n, p.n}, true), tb = tht(p.b, {p.n}, false);
    const auto tgA = torch::autograd::grad({torch::linalg::solve(tA, tb, true)}, {tA},
                                           {tht(p.g, {p.n}, false)})[0];
    double err = 0;
    for (int i = 0; i < p.n * p.n; ++i)
        err = std::max(err, std::abs(gA.data()[i] - tgA.data_ptr<double>()[i]));
    std::printf("check: the gradient in A agrees with libtorch to %.2g: %s\n", err,
                err < 1e-12 ? "OK" : "FAILED");
    return err < 1e-12;
}

}  // namespace

int main(int argc, char** argv) {
    openblas_set_num_threads(1);
    at::set_num_threads(1);
    const auto run = tgbench::run(argc, argv, check);
    if (!run) return 1;
    using tgbench::fmt;
    std::printf(
        "\n== bench_solve_torch summary: libtorch %s, float64, 1 thread, median us (CPU; wall in brackets) ==\n",
        TORCH_VERSION);
    std::printf("load average: %s before, %s after\n", run->load_before.c_str(), tgbench::loadavg().c_str());
    for (int n : {100, 1000}) {
        auto t = [&](const char* name, bool cpu) {
            return run->rep.ns(std::string(name) + "/" + std::to_string(n), cpu);
        };
        auto us = [](std::optional<double> v) {
            return fmt(v ? std::optional<double>(*v / 1e3) : std::nullopt, "%.1f");
        };
        auto ratio = [](std::optional<double> x, std::optional<double> y) {
            return fmt(x && y ? std::optional<double>(*x / *y) : std::nullopt, "%.2f");
        };
        for (const char* peer : {"BM_tg", "BM_torch"})
            std::printf("  n = %4d  %-8s fwd+bwd %9s [%9s]   primal %9s [%9s]   ratio %s [%s]\n", n, peer + 3,
                        us(t(peer, true)).c_str(), us(t(peer, false)).c_str(), us(t("BM_primal", true)).c_str(),
                        us(t("BM_primal", false)).c_str(), ratio(t(peer, true), t("BM_primal", true)).c_str(),
                        ratio(t(peer, false), t("BM_primal", false)).c_str());
    }
    if (!run->ok) std::printf("WARNING: the correctness check FAILED\n");
    return run->ok ? 0 : 1;
}
