#pragma once
// The conv family's op definitions (internal: included by the TUs that instantiate them; the
// family's list is ops::ConvOps in ops/op_list.hpp).
#include "conv.hpp"
#include "pool.hpp"
