// Registry-wide checks (tests/registry_checks.hpp) for the solvers ops: one test per op.
#include "../solvers/all_solvers.hpp"
#include "registry_checks.hpp"

TG_REGISTRY_CHECKS(tg::solvers::SolverOps);
