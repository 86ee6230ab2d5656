#pragma once
// check_op: every check the op registry promises (reverse and forward mode against finite
// differences, <u, Jv> consistency, second order through a nonlinear outer function, float32
// against float64, and the declared derivative at a kink), for one op over all its samples.
// Run by the test suite and by tools/opcheck.
#include <string>
#include <vector>

#include "../ops/registry.hpp"
#include "gradcheck.hpp"

namespace tg {

struct SampleCheck {
    std::string label;
    GradcheckReport reverse;   ///< VJP against finite differences
    GradcheckReport second;    ///< d/dx <u, J(x)^T v> by double backward against finite differences
    double forward_error = 0;  ///< JVP against finite differences (relative, worst element)
    double consistency = 0;    ///< |<v, J u>_jvp - <J^T v, u>_vjp| / max(1, |.|); also the partial
                               ///< JVPs (one input's tangent at a time) against the whole JVP
    double f32_error = 0;      ///< float forward against double forward, relative to max(1, |y|)
    double kink_error = 0;     ///< samples with a kink_derivative: worst distance from it at x = 0
    bool ok = true;
    std::string problem;       ///< first failing check, readable
};

struct OpCheck {
    std::string name;
    std::vector<SampleCheck> samples;
    bool ok = true;
    double worst_reverse = 0, worst_forward = 0, worst_consistency = 0, worst_f32 = 0, worst_second = 0;
    double worst_kink = 0;
};

struct OpCheckOptions {
    double forward_tol = 1e-6;
    double consistency_tol = 1e-10;
    double f32_tol = 1e-5;
    Mutation mutation = Mutation::none;
    int drop_input = 0;
};

/// Runs every check on every sample of one op.
OpCheck check_op(const OpInfo& op, const OpCheckOptions& options = {});

}  // namespace tg
