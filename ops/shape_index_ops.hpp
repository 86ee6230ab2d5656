#pragma once
// The shape_index family's op definitions (internal: included by the TUs that instantiate them;
// the family's list is ops::ShapeIndexOps in ops/op_list.hpp).
#include "index_ops.hpp"
#include "reduce_more.hpp"
