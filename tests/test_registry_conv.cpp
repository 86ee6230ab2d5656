// Registry-wide checks (tests/registry_checks.hpp) for the conv ops: one test per op.
#include "../ops/conv_ops.hpp"
#include "registry_checks.hpp"

TG_REGISTRY_CHECKS(tg::ops::ConvOps);
