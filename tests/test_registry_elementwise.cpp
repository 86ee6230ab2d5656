// Registry-wide checks (tests/registry_checks.hpp) for the elementwise ops: one test per op.
#include "../ops/elementwise_ops.hpp"
#include "registry_checks.hpp"

TG_REGISTRY_CHECKS(tg::ops::ElementwiseOps);
