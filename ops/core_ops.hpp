#pragma once
// The core family's op definitions (internal: included by the TUs that instantiate them; the
// family's list is ops::CoreOps in ops/op_list.hpp).
#include "elementwise_binary.hpp"
#include "elementwise_unary.hpp"
#include "matmul.hpp"
#include "reduce.hpp"
#include "shape_ops.hpp"
