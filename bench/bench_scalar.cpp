// Scalar automatic differentiation of generic code, single-threaded, all columns in one run:
//   normal:     sum of n = 10,000 normal log-densities, gradient in mu, sigma and every x
//   rosenbrock: extended Rosenbrock, n = 10,000
//   matvec:     y = A x with A 100 x 100, loss sum(y^2), gradient in A and x
// Columns per workload: the plain double function; the hand-written gradient; tg::gradient with
// tg::Rev; ADOL-C re-taping at every call (trace_on(tag, keep = 1), then one reverse sweep: its
// cheapest re-taping path) and ADOL-C reusing one tape at a new point (gradient(tag, ...): a
// forward and a reverse sweep of the stored trace). Re-taping is the like-for-like comparison:
// Rev records at every call and so follows any control flow; a reused trace is only valid while
// the control flow does not depend on x.
// Forward mode on Rosenbrock along directions: tg::Dual<double, N> for N = 1, 4, 8 and Eigen's
// AutoDiffScalar with 1, 4, 8 derivatives.
// Targets (issue 3): Rev <= 10x the plain function on each workload and <= 2.5 ns per recorded
// operation (record plus sweep; operations counted by running each workload on a counting
// scalar); Dual N = 1 <= 1.6x plain; N = 4 and N = 8 <= 2.5x N = 1.
// Every gradient and directional derivative is checked against the hand-written one (1e-9
// relative) before anything is timed; a wrong one stops the program. Run with
//   OPENBLAS_NUM_THREADS=1 bench_scalar          (10 repetitions, medians, CPU time by default)
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numbers>
#include <span>
#include <string>
#include <vector>

#include "../tensorgrad.hpp"
#include "bench_common.hpp"

#ifdef TG_BENCH_ADOLC
#include <adolc/adolc.h>
#endif
#ifdef TG_BENCH_EIGEN
#include <Eigen/Core>
#include <unsupported/Eigen/AutoDiff>
#endif

namespace {

using tg::Rev;

// ---- the workloads, generic in the scalar S ------------------------------------------------------

template <class S>
S normal_lpdf(std::span<const S> v) {  // v = mu, sigma, x_1..x_n
    using std::log;
    const S mu = v[0], sigma = v[1];
    const double n = double(v.size() - 2);
    S ss = 0.0;
    for (std::size_t i = 2; i < v.size(); ++i) {
        const S z = (v[i] - mu) / sigma;
        ss += z * z;
    }
    return -0.5 * ss - n * log(sigma) - n * 0.5 * std::log(2 * std::numbers::pi);
}
template <class S>
S rosenbrock(std::span<const S> x) {
    S f = 0.0;
    for (std::size_t i = 0; i + 1 < x.size(); ++i) {
        const S a = x[i + 1] - x[i] * x[i], b = 1.0 - x[i];
        f += 100.0 * (a * a) + b * b;
    }
    return f;
}
constexpr std::size_t m = 100;
template <class S>
S matvec_loss(std::span<const S> v) {  // v = A (m x m, row-major), x (m)
    S f = 0.0;
    for (std::size_t i = 0; i < m; ++i) {
        S y = 0.0;
        for (std::size_t j = 0; j < m; ++j) y += v[i * m + j] * v[m * m + j];
        f += y * y;
    }
    return f;
}

// ---- hand-written value and gradient ---------------------------------------------------------------

double normal_hand(const std::vector<double>& v, std::vector<double>& g) {
    const double mu = v[0], s = v[1], n = double(v.size() - 2);
    double ss = 0, gmu = 0, gs = 0;
    for (std::size_t i = 2; i < v.size(); ++i) {
        const double z = (v[i] - mu) / s;
        ss += z * z, g[i] = -z / s, gmu += z, gs += z * z;
    }
    g[0] = gmu / s, g[1] = gs / s - n / s;
    return -0.5 * ss - n * std::log(s) - n * 0.5 * std::log(2 * std::numbers::pi);
}
double rosenbrock_hand(const std::vector<double>& x, std::vector<double>& g) {
    double f = 0;
    g[0] = 0;
    for (std::size_t i = 0; i + 1 < x.size(); ++i) {
        const double a = x[i + 1] - x[i] * x[i], b = 1 - x[i];
        f += 100 * (a * a) + b * b;
        g[i] += -400 * x[i] * a - 2 * b;
        g[i + 1] = 200 * a;
    }
    return f;
}
double matvec_hand(const std::vector<double>& v, std::vector<double>& g) {
    double f = 0;
    std::fill(g.begin() + m * m, g.end(), 0.0);
    for (std::size_t i = 0; i < m; ++i) {
        double y = 0;
        for (std::size_t j = 0; j < m; ++j) y += v[i * m + j] * v[m * m + j];
        f += y * y;
        for (std::size_t j = 0; j < m; ++j)
            g[i * m + j] = 2 * y * v[m * m + j], g[m * m + j] += 2 * y * v[i * m + j];
    }
    return f;
}

// ---- counting the operations a workload performs on active values ---------------------------------

std::size_t counted_ops = 0;
struct Counted {  // a double that counts every operation with an active (input-dependent) operand
    double v = 0;
    bool active = false;
    Counted(double x = 0, bool a = false) : v(x), active(a) {}
};
Counted op(double v, bool a) { return counted_ops += a, Counted(v, a); }
Counted operator+(Counted a, Counted b) { return op(a.v + b.v, a.active || b.active); }
Counted operator-(Counted a, Counted b) { return op(a.v - b.v, a.active || b.active); }
Counted operator*(Counted a, Counted b) { return op(a.v * b.v, a.active || b.active); }
Counted operator/(Counted a, Counted b) { return op(a.v / b.v, a.active || b.active); }
Counted& operator+=(Counted& a, Counted b) { return a = a + b; }
Counted log(Counted a) { return op(std::log(a.v), a.active); }

template <Counted (*F)(std::span<const Counted>)>
std::size_t count_ops(const std::vector<double>& x) {
    std::vector<Counted> c;
    for (double v : x) c.emplace_back(v, true);
    counted_ops = 0;
    F(c);
    return counted_ops;
}

// ---- data and workload descriptions ---------------------------------------------------------------

std::vector<double> uniform(std::size_t n, double lo, double hi, unsigned seed) {
    std::vector<double> v(n);
    const auto f = tgbench::random_floats(n, float(lo), float(hi), seed);
    for (std::size_t i = 0; i < n; ++i) v[i] = f[i];
    return v;
}

struct Workload {
    const char* name;
    std::vector<double> x0, x1;  // two points: ADOL-C's reused tape is evaluated at x1
    double (*plain)(std::span<const double>);
    Rev<double> (*rev)(std::span<const Rev<double>>);
    double (*hand)(const std::vector<double>&, std::vector<double>&);
    std::size_t ops = 0;      // operations on active values, counted
    std::size_t records = 0;  // Rev records (variables included, fused operations not)
#ifdef TG_BENCH_ADOLC
    adouble (*adolc)(std::span<const adouble>);
    short tag;
#endif
};

#define TG_BENCH_FN(w)               \
    template <class S>               \
    S w##_fn(std::span<const S> v) { \
        return w<S>(v);              \
    }
TG_BENCH_FN(normal_lpdf)
TG_BENCH_FN(rosenbrock)
TG_BENCH_FN(matvec_loss)
#undef TG_BENCH_FN

std::vector<Workload>& workloads() {
    static std::vector<Workload> w = [] {
        std::vector<double> n0 = uniform(10002, -3, 3, 1), n1 = uniform(10002, -3, 3, 2);
        n0[0] = 0.3, n0[1] = 1.7, n1[0] = -0.2, n1[1] = 0.9;
        std::vector<Workload> r;
        r.push_back({"normal", n0, n1, normal_lpdf_fn<double>, normal_lpdf_fn<Rev<double>>, normal_hand});
        r.push_back({"rosenbrock", uniform(10000, -1.5, 1.5, 3), uniform(10000, -1.5, 1.5, 4),
                     rosenbrock_fn<double>, rosenbrock_fn<Rev<double>>, rosenbrock_hand});
        r.push_back({"matvec", uniform(m * m + m, -1, 1, 5), uniform(m * m + m, -1, 1, 6),
                     matvec_loss_fn<double>, matvec_loss_fn<Rev<double>>, matvec_hand});
        r[0].ops = count_ops<normal_lpdf_fn<Counted>>(n0);
        r[1].ops = count_ops<rosenbrock_fn<Counted>>(r[1].x0);
        r[2].ops = count_ops<matvec_loss_fn<Counted>>(r[2].x0);
#ifdef TG_BENCH_ADOLC
        r[0].adolc = normal_lpdf_fn<adouble>, r[1].adolc = rosenbrock_fn<adouble>,
        r[2].adolc = matvec_loss_fn<adouble>;
        for (std::size_t i = 0; i < r.size(); ++i) r[i].tag = short(i + 1);
#endif
        return r;
    }();
    return w;
}

// ---- the gradient columns ------------------------------------------------------------------------

tg::RevGradient<double> rev_gradient(const Workload& w, const std::vector<double>& x) {
    return tg::gradient(w.rev, x);
}

#ifdef TG_BENCH_ADOLC
// Record f at x (keeping the forward values) and sweep backwards once.
double adolc_retape(const Workload& w, const std::vector<double>& x, std::vector<double>& g) {
    const int n = int(x.size());
    double y = 0;
    trace_on(w.tag, 1);
    {
        std::vector<adouble> ax(x.size());
        for (int i = 0; i < n; ++i) ax[i] <<= x[i];
        adouble ay = w.adolc(std::span<const adouble>(ax));
        ay >>= y;
    }
    trace_off();
    reverse(w.tag, 1, n, 0, 1.0, g.data());
    return y;
}
// Evaluate the stored trace at a new point: a forward and a reverse sweep.
void adolc_reuse(const Workload& w, const std::vector<double>& x, std::vector<double>& g) {
    gradient(w.tag, int(x.size()), x.data(), g.data());
}
#endif

void check(bool ok, const std::string& what) {
    std::printf("check: %-52s %s\n", what.c_str(), ok ? "ok" : "WRONG");
    if (!ok) {
        std::fprintf(stderr, "bench_scalar: %s is wrong; nothing is timed\n", what.c_str());
        std::exit(1);
    }
}
// Relative difference 1e-9: g++ contracts a*b+c into FMA, so the columns differ in the last bits.
bool close(const std::vector<double>& a, const std::vector<double>& b, double tol = 1e-9) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (!(std::abs(a[i] - b[i]) <= tol * std::max(1.0, std::abs(b[i])))) return false;
    return true;
}
bool close(double a, double b) { return std::abs(a - b) <= 1e-9 * std::max(1.0, std::abs(b)); }

void verify_gradients() {
    for (Workload& w : workloads()) {
        for (const auto* x : {&w.x0, &w.x1}) {
            std::vector<double> g(x->size());
            const double y = w.hand(*x, g);
            check(close(w.plain(*x), y), std::string(w.name) + " plain value");
            const auto r = rev_gradient(w, *x);
            check(close(r.value, y) && close(r.gradient, g), std::string(w.name) + " tg::Rev gradient");
#ifdef TG_BENCH_ADOLC
            std::vector<double> ga(x->size());
            check(close(adolc_retape(w, *x, ga), y) && close(ga, g),
                  std::string(w.name) + " ADOL-C re-taped gradient");
#endif
        }
#ifdef TG_BENCH_ADOLC
        std::vector<double> g1(w.x1.size()), ga(w.x1.size());
        w.hand(w.x1, g1);
        adolc_retape(w, w.x0, ga);  // the trace of x0, evaluated at x1
        adolc_reuse(w, w.x1, ga);
        check(close(ga, g1), std::string(w.name) + " ADOL-C reused tape at a new point");
#endif
        tg::RevTape<double>::clear();
        std::vector<Rev<double>> xs;
        for (double v : w.x0) xs.push_back(Rev<double>::variable(v));
        const Rev<double> y = w.rev(xs);
        w.records = tg::RevTape<double>::size();
        benchmark::DoNotOptimize(y.value());
        tg::RevTape<double>::clear();
    }
}

// ---- forward mode on Rosenbrock along directions -----------------------------------------------------

const std::vector<double>& fwd_x() { return workloads()[1].x0; }
const std::vector<double>& direction(int k) {
    static const std::vector<std::vector<double>> d = [] {
        std::vector<std::vector<double>> r;
        for (int i = 0; i < 8; ++i) r.push_back(uniform(fwd_x().size(), -1, 1, 100 + i));
        return r;
    }();
    return d[k];
}
double directional_hand(int k) {
    std::vector<double> g(fwd_x().size());
    rosenbrock_hand(fwd_x(), g);
    double s = 0;
    for (std::size_t i = 0; i < g.size(); ++i) s += g[i] * direction(k)[i];
    return s;
}

// The inputs seeded with N directions are prepared once, as the plain function's input is.
template <int N>
const std::vector<tg::Dual<double, N>>& dual_inputs() {
    static const std::vector<tg::Dual<double, N>> xs = [] {
        std::vector<tg::Dual<double, N>> r(fwd_x().size());
        for (std::size_t i = 0; i < r.size(); ++i) {
            r[i].v = fwd_x()[i];
            for (int k = 0; k < N; ++k) r[i].set_tangent(k, direction(k)[i]);
        }
        return r;
    }();
    return xs;
}
#ifdef TG_BENCH_EIGEN
template <int N>
using EigenAD = Eigen::AutoDiffScalar<Eigen::Matrix<double, N, 1>>;
template <int N>
const std::vector<EigenAD<N>>& eigen_inputs() {
    static const std::vector<EigenAD<N>> xs = [] {
        std::vector<EigenAD<N>> r(fwd_x().size());
        for (std::size_t i = 0; i < r.size(); ++i) {
            r[i].value() = fwd_x()[i];
            for (int k = 0; k < N; ++k) r[i].derivatives()(k) = direction(k)[i];
        }
        return r;
    }();
    return xs;
}
#endif

template <int N>
void verify_forward() {
    const auto y = rosenbrock<tg::Dual<double, N>>(dual_inputs<N>());
    bool ok = close(y.v, rosenbrock<double>(fwd_x()));
    for (int k = 0; k < N; ++k) ok = ok && close(y.tangent(k), directional_hand(k));
    check(ok, "rosenbrock tg::Dual<double, " + std::to_string(N) + "> directional derivatives");
#ifdef TG_BENCH_EIGEN
    const auto e = rosenbrock<EigenAD<N>>(eigen_inputs<N>());
    ok = close(e.value(), y.v);
    for (int k = 0; k < N; ++k) ok = ok && close(e.derivatives()(k), directional_hand(k));
    check(ok, "rosenbrock Eigen AutoDiffScalar<" + std::to_string(N) + "> directional derivatives");
#endif
}

// ---- benchmarks ------------------------------------------------------------------------------------

void register_all() {
    for (const Workload& w : workloads()) {
        const std::string n = w.name;
        benchmark::RegisterBenchmark((n + "/plain").c_str(), [&w](benchmark::State& st) {
            for (auto _ : st) benchmark::DoNotOptimize(w.plain(w.x0));
        });
        benchmark::RegisterBenchmark((n + "/hand").c_str(), [&w](benchmark::State& st) {
            std::vector<double> g(w.x0.size());
            for (auto _ : st) {
                benchmark::DoNotOptimize(w.hand(w.x0, g));
                benchmark::ClobberMemory();
            }
        });
        benchmark::RegisterBenchmark((n + "/rev").c_str(), [&w](benchmark::State& st) {
            for (auto _ : st) benchmark::DoNotOptimize(rev_gradient(w, w.x0).gradient.data());
        });
#ifdef TG_BENCH_ADOLC
        benchmark::RegisterBenchmark((n + "/adolc_retape").c_str(), [&w](benchmark::State& st) {
            std::vector<double> g(w.x0.size());
            for (auto _ : st) {
                benchmark::DoNotOptimize(adolc_retape(w, w.x0, g));
                benchmark::ClobberMemory();
            }
        });
        benchmark::RegisterBenchmark((n + "/adolc_reuse").c_str(), [&w](benchmark::State& st) {
            std::vector<double> g(w.x0.size());
            adolc_retape(w, w.x0, g);
            for (auto _ : st) {
                adolc_reuse(w, w.x1, g);
                benchmark::ClobberMemory();
            }
        });
#endif
    }
    auto fwd = [](const char* name, auto f) {
        benchmark::RegisterBenchmark(name, [f](benchmark::State& st) {
            for (auto _ : st) benchmark::DoNotOptimize(f());
        });
    };
    fwd("fwd/dual1", [] { return rosenbrock<tg::Dual<double, 1>>(dual_inputs<1>()).d; });
    fwd("fwd/dual4", [] { return rosenbrock<tg::Dual<double, 4>>(dual_inputs<4>()).tangent(3); });
    fwd("fwd/dual8", [] { return rosenbrock<tg::Dual<double, 8>>(dual_inputs<8>()).tangent(7); });
#ifdef TG_BENCH_EIGEN
    fwd("fwd/eigen1", [] { return rosenbrock<EigenAD<1>>(eigen_inputs<1>()).derivatives()(0); });
    fwd("fwd/eigen4", [] { return rosenbrock<EigenAD<4>>(eigen_inputs<4>()).derivatives()(3); });
    fwd("fwd/eigen8", [] { return rosenbrock<EigenAD<8>>(eigen_inputs<8>()).derivatives()(7); });
#endif
}

// Google Benchmark's flags, with 10 repetitions reported as aggregates unless given otherwise.
std::vector<char*> with_defaults(int argc, char** argv) {
    static std::string reps = "--benchmark_repetitions=10", agg = "--benchmark_report_aggregates_only=true";
    std::vector<char*> a(argv, argv + argc);
    bool has_reps = false, has_agg = false;
    for (int i = 1; i < argc; ++i) {
        has_reps |= std::string(argv[i]).rfind("--benchmark_repetitions", 0) == 0;
        has_agg |= std::string(argv[i]).rfind("--benchmark_report_aggregates_only", 0) == 0;
    }
    if (!has_reps) a.push_back(reps.data());
    if (!has_agg) a.push_back(agg.data());
    return a;
}

void summary(const tgbench::MedianReporter& rep) {
    auto t = [&](const std::string& name) { return rep.ns(name, true); };
    auto ratio = [&](const std::string& a, const std::string& b) {
        const auto x = t(a), y = t(b);
        return x && y ? std::optional<double>(*x / *y) : std::nullopt;
    };
    auto mark = [](std::optional<double> v, double target) {
        return !v ? "" : *v <= target ? " met" : " MISSED";
    };
    std::printf("\n== bench_scalar summary (CPU time, medians; load %s)\n", tgbench::loadavg().c_str());
    std::printf("%-11s %9s %9s %9s %9s %9s | %6s %6s %7s %7s | %7s %7s | %7s %7s %6s %6s\n", "workload",
                "plain us", "hand us", "Rev us", "ADretape", "ADreuse", "hand/p", "Rev/p", "ADrt/p", "ADru/p",
                "Rev/ADrt", "Rev/ADru", "ops", "records", "ns/op", "ns/rec");
    for (const Workload& w : workloads()) {
        const std::string n = w.name;
        const auto us = [&](const char* c) {
            return tgbench::fmt(t(n + c) ? std::optional(*t(n + c) / 1e3) : std::nullopt, "%.1f");
        };
        const auto rev = t(n + "/rev");
        std::printf("%-11s %9s %9s %9s %9s %9s | %6s %6s %7s %7s | %7s %7s | %7zu %7zu %6s %6s\n", w.name,
                    us("/plain").c_str(), us("/hand").c_str(), us("/rev").c_str(), us("/adolc_retape").c_str(),
                    us("/adolc_reuse").c_str(), tgbench::fmt(ratio(n + "/hand", n + "/plain"), "%.2f").c_str(),
                    tgbench::fmt(ratio(n + "/rev", n + "/plain"), "%.1f").c_str(),
                    tgbench::fmt(ratio(n + "/adolc_retape", n + "/plain"), "%.0f").c_str(),
                    tgbench::fmt(ratio(n + "/adolc_reuse", n + "/plain"), "%.0f").c_str(),
                    tgbench::fmt(ratio(n + "/rev", n + "/adolc_retape"), "%.3f").c_str(),
                    tgbench::fmt(ratio(n + "/rev", n + "/adolc_reuse"), "%.3f").c_str(), w.ops, w.records,
                    tgbench::fmt(rev ? std::optional(*rev / double(w.ops)) : std::nullopt, "%.2f").c_str(),
                    tgbench::fmt(rev ? std::optional(*rev / double(w.records)) : std::nullopt, "%.2f").c_str());
    }
    std::printf(
        "targets: Rev/plain <= 10 and ns/op <= 2.5 (ops: operations on active values; records: what Rev\n"
        "recorded after fusion, variables included). ADOL-C re-taped (ADrt) is the like-for-like column.\n");
    for (const Workload& w : workloads()) {
        const std::string n = w.name;
        const auto r = ratio(n + "/rev", n + "/plain");
        const auto rev = t(n + "/rev");
        const auto nsop = rev ? std::optional(*rev / double(w.ops)) : std::nullopt;
        std::printf("  %-11s Rev/plain %s%s, ns/op %s%s\n", w.name, tgbench::fmt(r, "%.1f").c_str(),
                    mark(r, 10), tgbench::fmt(nsop, "%.2f").c_str(), mark(nsop, 2.5));
    }
    const auto d1 = ratio("fwd/dual1", "rosenbrock/plain"), d4 = ratio("fwd/dual4", "fwd/dual1"),
               d8 = ratio("fwd/dual8", "fwd/dual1");
    std::printf("forward mode on rosenbrock (n = %zu) along N directions:\n", fwd_x().size());
    std::printf("  tg::Dual N=1 / plain   %s%s (target <= 1.6)\n", tgbench::fmt(d1, "%.2f").c_str(),
                mark(d1, 1.6));
    std::printf("  tg::Dual N=4 / N=1     %s%s (target <= 2.5)\n", tgbench::fmt(d4, "%.2f").c_str(),
                mark(d4, 2.5));
    std::printf("  tg::Dual N=8 / N=1     %s%s (target <= 2.5)\n", tgbench::fmt(d8, "%.2f").c_str(),
                mark(d8, 2.5));
    std::printf("  Eigen AutoDiffScalar N=1, 4, 8 / plain: %s %s %s; tg::Dual N=1, 4, 8 / plain: %s %s %s\n",
                tgbench::fmt(ratio("fwd/eigen1", "rosenbrock/plain"), "%.2f").c_str(),
                tgbench::fmt(ratio("fwd/eigen4", "rosenbrock/plain"), "%.2f").c_str(),
                tgbench::fmt(ratio("fwd/eigen8", "rosenbrock/plain"), "%.2f").c_str(),
                tgbench::fmt(d1, "%.2f").c_str(),
                tgbench::fmt(ratio("fwd/dual4", "rosenbrock/plain"), "%.2f").c_str(),
                tgbench::fmt(ratio("fwd/dual8", "rosenbrock/plain"), "%.2f").c_str());
}

}  // namespace

int main(int argc, char** argv) {
    verify_gradients();
    verify_forward<1>();
    verify_forward<4>();
    verify_forward<8>();
#ifndef TG_BENCH_ADOLC
    std::printf("check: ADOL-C not found at build time (libadolc-dev): its columns are n/a\n");
#endif
#ifndef TG_BENCH_EIGEN
    std::printf("check: Eigen not found at build time (libeigen3-dev): its columns are n/a\n");
#endif
    register_all();
    std::vector<char*> args = with_defaults(argc, argv);
    int n = int(args.size());
    benchmark::Initialize(&n, args.data());
    tgbench::MedianReporter rep;
    benchmark::RunSpecifiedBenchmarks(&rep);
    summary(rep);
    benchmark::Shutdown();
}
