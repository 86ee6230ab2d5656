#pragma once
// Extreme inputs: every sample of an op run again with its inputs scaled huge (x 1e4), tiny
// (x 1e-310 in float64, x 1e-40 in float32: subnormal) and set to zero, in float64 and float32,
// forward and backward. The report counts non-finite values and gradients; it does not judge
// them (exp(1e4) is inf by right), it shows them: `opcheck --extremes` prints the table, and the
// tests pin the ops whose mathematics promises finite results.
#include <string>
#include <vector>

#include "../ops/registry.hpp"

namespace tg {

struct ExtremeCase {
    std::string label;        ///< "huge", "tiny", "zero"
    bool applicable = false;  ///< false: no input's domain allows this scaling (e.g. log at 0 is outside)
    long long bad_value64 = 0, bad_grad64 = 0, bad_value32 = 0, bad_grad32 = 0;  ///< non-finite counts
    std::string error;  ///< a tg::Error the op raised, if any
    bool finite() const { return error.empty() && bad_value64 + bad_grad64 + bad_value32 + bad_grad32 == 0; }
    std::string summary() const;  ///< "ok", "-" (not applicable), or e.g. "y64 inf 3, g32 nan 1"
};

struct ExtremeReport {
    std::string name;
    std::vector<ExtremeCase> cases;  ///< huge, tiny, zero: counts summed over the op's samples
};

/// Runs the op's samples at the three extremes.
ExtremeReport extreme_inputs(const OpInfo& op);

}  // namespace tg
