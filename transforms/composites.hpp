#pragma once
// The composite registry: public functions that are not ops of their own but compositions of
// registered ops (layer_norm, the losses built from log_softmax, stack, einsum, ...). Their
// derivatives follow from the ops' rules, yet a composition can still be wrong (a missing term,
// a detached branch, a wrong axis), so each is checked by the same columns as a registered op
// (check_op: reverse, forward, <u,Jv>, second order, float32) and opcheck prints them in a
// section of their own. The deliberate VJP mutations of the op registry do not apply: a
// composite has no rule of its own to corrupt.
#include <vector>

#include "../ops/registry.hpp"

namespace tg {

/// Every checked composite function, one entry per (function, parameter choice).
const std::vector<OpInfo>& composite_registry();

}  // namespace tg
