// Registry-wide checks (tests/registry_checks.hpp) for the shape index ops: one test per op.
#include "../ops/shape_index_ops.hpp"
#include "registry_checks.hpp"

TG_REGISTRY_CHECKS(tg::ops::ShapeIndexOps);
