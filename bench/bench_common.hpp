#pragma once
// Shared by the benchmark programs: a console reporter that also remembers each benchmark's
// median real time, so main() can print ratios measured in the same run after
// RunSpecifiedBenchmarks. Run with
//   --benchmark_repetitions=10 --benchmark_report_aggregates_only=true
// to get medians; without repetitions the single run's time is used.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace tgbench {

class MedianReporter : public benchmark::ConsoleReporter {
public:
    // Colour only on a terminal (the library's --benchmark_color applies to its own reporter).
    MedianReporter() : ConsoleReporter(isatty(fileno(stdout)) ? OO_ColorTabular : OO_Tabular) {}
    void ReportRuns(const std::vector<Run>& runs) override {
        benchmark::ConsoleReporter::ReportRuns(runs);
        for (const Run& r : runs) {
            if (r.error_occurred) continue;
            const std::string key = key_of(r);
            const double k = ns_per_unit(r.time_unit);
            const Times t{r.GetAdjustedRealTime() * k, r.GetAdjustedCPUTime() * k};
            if (r.run_type == Run::RT_Aggregate) {
                if (r.aggregate_name == "median") median_[key] = t;
            } else {
                single_[key].push_back(t);
            }
        }
    }

    /// Median time per iteration in ns of `name` ("BM_x/arg1/arg2", without /real_time etc.):
    /// wall-clock time, or with `cpu` the CPU time of the thread that runs the benchmark loop
    /// (user + system, page faults included). CPU time is the robust measure for single-threaded
    /// code on a machine shared with other jobs; multi-threaded lines need wall time.
    std::optional<double> ns(const std::string& name, bool cpu = false) const {
        if (auto it = median_.find(name); it != median_.end()) return cpu ? it->second.cpu : it->second.real;
        if (auto it = single_.find(name); it != single_.end() && !it->second.empty()) {
            std::vector<double> v;
            for (const Times& t : it->second) v.push_back(cpu ? t.cpu : t.real);
            std::sort(v.begin(), v.end());
            const std::size_t m = v.size() / 2;
            return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
        }
        return std::nullopt;
    }

private:
    static std::string key_of(const Run& r) {
        return r.run_name.args.empty() ? r.run_name.function_name : r.run_name.function_name + "/" + r.run_name.args;
    }
    static double ns_per_unit(benchmark::TimeUnit u) {
        switch (u) {
            case benchmark::kNanosecond: return 1.0;
            case benchmark::kMicrosecond: return 1e3;
            case benchmark::kMillisecond: return 1e6;
            default: return 1e9;  // kSecond
        }
    }
    struct Times {
        double real, cpu;
    };
    std::map<std::string, Times> median_;
    std::map<std::string, std::vector<Times>> single_;
};

/// The 1-minute load average: other jobs on this 2-core machine distort the figures.
inline std::string loadavg() {
    std::string s = "?";
    if (FILE* f = std::fopen("/proc/loadavg", "r")) {
        char b[128] = {};
        if (std::fgets(b, sizeof b, f)) s = b;
        std::fclose(f);
        if (auto sp = s.find(' '); sp != std::string::npos) s.resize(sp);
    }
    return s;
}

/// Uniform floats in [lo, hi) from a fixed seed.
inline std::vector<float> random_floats(std::size_t n, float lo, float hi, unsigned seed) {
    std::mt19937 gen(seed);
    std::uniform_real_distribution<float> d(lo, hi);
    std::vector<float> v(n);
    for (auto& x : v) x = d(gen);
    return v;
}

/// "12.3" or "n/a" when a benchmark was filtered out.
inline std::string fmt(std::optional<double> v, const char* f = "%.3g") {
    if (!v) return "n/a";
    char b[64];
    std::snprintf(b, sizeof b, f, *v);
    return b;
}

/// What every benchmark main does first: parse the flags, verify the results before timing
/// (`check` returns false on a wrong result), run the benchmarks and remember their medians.
struct Run {
    MedianReporter rep;
    std::string load_before;
    bool ok = false;
    /// Median CPU ns of `name` divided by the number of operations one iteration performs.
    std::optional<double> per(const char* name, int ops) const {
        const auto v = rep.ns(name, true);
        return v ? std::optional<double>(*v / ops) : std::nullopt;
    }
};

/// Null on unrecognized arguments (after Google Benchmark has printed them).
template <class Check>
std::unique_ptr<Run> run(int argc, char** argv, Check&& check) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return nullptr;
    auto r = std::make_unique<Run>();
    r->load_before = loadavg();
    r->ok = check();
    benchmark::RunSpecifiedBenchmarks(&r->rep);
    benchmark::Shutdown();
    return r;
}

}  // namespace tgbench
