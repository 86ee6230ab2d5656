#pragma once
// The op registry at run time: every op of ops::OpList with its samples and type-erased entry
// points. The checks run over it (check_op) live above, in transforms/opcheck.hpp.
#include <string>
#include <vector>

#include "op.hpp"

namespace tg {

/// Deliberate corruptions of a VJP rule, to prove that the checks can fail. `detach` keeps the
/// VJP's value but cuts its dependence on the primal: right to first order, wrong to second.
/// `detach_cotangent` runs the rule on a detached cotangent: right whenever the cotangent is a
/// constant, wrong when it depends on x (as in the gradient of sum(sin(op(x)))).
enum class Mutation { none, scale, flip, drop, detach, detach_cotangent };

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

namespace detail_registry {
/// One family's entries (a family list of ops/op_list.hpp), in list order. Defined in
/// ops/registry_impl.hpp and instantiated by the family's own registry TU
/// (ops/registry_<family>.cpp), so each family's op headers compile apart from the others'.
template <class List>
std::vector<OpInfo> family_entries();
}  // namespace detail_registry

}  // namespace tg
