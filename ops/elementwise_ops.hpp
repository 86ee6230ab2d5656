#pragma once
// The elementwise family's op definitions (internal: included by the TUs that instantiate them;
// the family's list is ops::ElementwiseOps in ops/op_list.hpp).
#include "activations.hpp"
#include "elementwise_select.hpp"
#include "elementwise_special.hpp"
