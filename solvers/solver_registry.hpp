#pragma once
// The solver registry at run time: every op of solvers::SolverOps with its samples, checked by
// the same check_op as the op registry (transforms/opcheck.hpp).
#include <vector>

#include "../ops/registry.hpp"

namespace tg {

/// Every registered solver op, in SolverOps order.
const std::vector<OpInfo>& solver_registry();

}  // namespace tg
