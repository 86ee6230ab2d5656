// opcheck: runs every check of the op registry and prints one row per op: the worst error of the
// VJP against finite differences (reverse), of the JVP against finite differences (forward),
// of <v, J u> by JVP against by VJP, of second derivatives by double backward (2nd), and of the
// float32 forward against float64. 2nd differentiates <u, grad <v, sin(op(x))>>, so the
// cotangent reaching the op depends on x; samples at a kink also pin the declared derivative
// there (the per-sample "kink" column).
//   opcheck            all ops
//   opcheck sin matmul only these, with a line per sample
//   opcheck -v         a line per sample for every op
//   opcheck --extremes the extreme-input table (transforms/extremes.hpp), no checks
// After the ops: the composite functions (transforms/composites.hpp) and the solvers, each in a
// section of its own. Last line: "N passed, M failed", counting entries. Exit status 1 if any fails.
#include <cstdio>
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "../solvers/solver_registry.hpp"
#include "../transforms/composites.hpp"
#include "../transforms/extremes.hpp"
#include "../transforms/opcheck.hpp"

namespace {

// The extreme-input table: non-finite counts per op (y/g: value/gradient, 64/32: precision).
int print_extremes(const std::vector<std::string>& only) {
    std::printf("%-26s %-26s %-26s %-26s\n", "op", "huge (x 1e4)", "tiny (subnormal)", "zero");
    auto table = [&](const std::vector<tg::OpInfo>& registry) {
        for (const auto& op : registry) {
            if (!only.empty() && std::find(only.begin(), only.end(), op.name) == only.end()) continue;
            const tg::ExtremeReport r = tg::extreme_inputs(op);
            std::printf("%-26s %-26s %-26s %-26s\n", op.name, r.cases[0].summary().c_str(),
                        r.cases[1].summary().c_str(), r.cases[2].summary().c_str());
            for (const auto& c : r.cases)
                if (!c.error.empty()) std::printf("    %s: %s\n", c.label.c_str(), c.error.c_str());
        }
    };
    table(tg::op_registry());
    table(tg::composite_registry());
    table(tg::solver_registry());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> only;
    bool verbose = false, extremes = false;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "-v") == 0) verbose = true;
        else if (std::strcmp(argv[i], "--extremes") == 0) extremes = true;
        else only.emplace_back(argv[i]);
    }
    if (extremes) return print_extremes(only);
    if (!only.empty()) verbose = true;
    std::printf("%-16s %7s  %-9s %-9s %-9s %-9s %-9s  %s\n", "op", "samples", "reverse", "forward", "<u,Jv>", "2nd",
                "f32", "status");
    int passed = 0, failed = 0;
    // The ops, then the solvers (their rules are implicit: DESIGN.md, Solvers), one table each.
    auto check_all = [&](const std::vector<tg::OpInfo>& registry) {
        for (const auto& op : registry) {
            if (!only.empty() && std::find(only.begin(), only.end(), op.name) == only.end()) continue;
            tg::OpCheck r;
            try {
                r = tg::check_op(op);
            } catch (const std::exception& e) {
                std::printf("%-16s threw: %s\n", op.name, e.what());
                ++failed;
                continue;
            }
            std::printf("%-16s %7zu  %-9.1e %-9.1e %-9.1e %-9.1e %-9.1e  %s\n", op.name, r.samples.size(), r.worst_reverse,
                        r.worst_forward, r.worst_consistency, r.worst_second, r.worst_f32, r.ok ? "ok" : "FAILED");
            for (const auto& s : r.samples) {
                if (verbose || !s.ok)
                    std::printf("    %-34s reverse %.1e  forward %.1e  <u,Jv> %.1e  2nd %.1e  f32 %.1e  kink %.1e  %s\n",
                                s.label.c_str(), s.reverse.worst_error, s.forward_error, s.consistency,
                                s.second.worst_error, s.f32_error, s.kink_error, s.ok ? "ok" : "FAILED");
                if (!s.ok) std::printf("%s\n", s.problem.c_str());
            }
            (r.ok ? passed : failed)++;
        }
    };
    check_all(tg::op_registry());
    std::printf("-- composites (functions built from the ops above)\n");
    check_all(tg::composite_registry());
    if (!tg::solver_registry().empty()) {
        std::printf("-- solvers\n");
        check_all(tg::solver_registry());
    }
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
