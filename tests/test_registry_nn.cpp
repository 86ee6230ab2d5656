// Registry-wide checks (tests/registry_checks.hpp) for the nn ops: one test per op.
#include "../ops/nn_ops.hpp"
#include "registry_checks.hpp"

TG_REGISTRY_CHECKS(tg::ops::NnOps);
