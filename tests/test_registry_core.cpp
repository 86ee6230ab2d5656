// Registry-wide checks (tests/registry_checks.hpp) for the core ops: one test per op.
#include "../ops/elementwise_binary.hpp"
#include "../ops/elementwise_unary.hpp"
#include "../ops/matmul.hpp"
#include "../ops/reduce.hpp"
#include "../ops/shape_ops.hpp"
#include "registry_checks.hpp"

TG_REGISTRY_CHECKS(tg::ops::CoreOps);
