#pragma once
// The nn family's op definitions (internal: included by the TUs that instantiate them; the
// family's list is ops::NnOps in ops/op_list.hpp).
#include "dropout.hpp"
#include "loss.hpp"
#include "norm.hpp"
#include "softmax.hpp"
#include "layer_norm.hpp"
