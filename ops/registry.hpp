#pragma once
// The op registry at run time: every op of ops::OpList with its samples and type-erased entry
// points, and the checks that the test suite and `opcheck` run over it.
#include <string>
#include <vector>

#include "../autodiff/gradcheck.hpp"
#include "op.hpp"

namespace tg {

/// Deliberate corruptions of a VJP rule, to prove that the checks can fail. `detach` keeps the
/// VJP's value but cuts its dependence on the primal: right to first order, wrong to second.
enum class Mutation { none, scale, flip, drop, detach };

struct OpInfo {
    const char* name;
    int arity;
    Samples (*samples)();
    /// Runs the op on Vars; `mutation` corrupts its recorded VJP (drop: input `drop_input`).
    Var<double> (*call)(const Attrs&, const std::vector<Var<double>>&, Mutation mutation, int drop_input);
    Var<float> (*call_f32)(const Attrs&, const std::vector<Var<float>>&);
};

/// Every registered op, in OpList order.
const std::vector<OpInfo>& op_registry();

/// Deterministic inputs for a sample, drawn from each input's domain.
std::vector<Tensor<double>> sample_inputs(const Sample& s, std::uint64_t seed);

struct SampleCheck {
    std::string label;
    GradcheckReport reverse;   ///< VJP against finite differences
    GradcheckReport second;    ///< d/dx <u, J(x)^T v> by double backward against finite differences
    double forward_error = 0;  ///< JVP against finite differences (relative, worst element)
    double consistency = 0;    ///< |<v, J u>_jvp - <J^T v, u>_vjp| / max(1, |.|)
    double f32_error = 0;      ///< float forward against double forward, relative to max(1, |y|)
    bool ok = true;
    std::string problem;       ///< first failing check, readable
};

struct OpCheck {
    std::string name;
    std::vector<SampleCheck> samples;
    bool ok = true;
    double worst_reverse = 0, worst_forward = 0, worst_consistency = 0, worst_f32 = 0, worst_second = 0;
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
