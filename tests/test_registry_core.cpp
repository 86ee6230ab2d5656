// Registry-wide checks (tests/registry_checks.hpp) for the core ops: one test per op.
#include "../ops/core_ops.hpp"
#include "registry_checks.hpp"

TG_REGISTRY_CHECKS(tg::ops::CoreOps);
