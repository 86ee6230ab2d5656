#include "solver_registry.hpp"

#include "../ops/registry_impl.hpp"
#include "all_solvers.hpp"

namespace tg {

const std::vector<OpInfo>& solver_registry() {
    static const std::vector<OpInfo> r = detail_registry::make_registry(static_cast<solvers::SolverOps*>(nullptr));
    return r;
}

}  // namespace tg
