#pragma once
// Every op definition (internal: included by the .cpp files that instantiate and register them).
#include "elementwise_binary.hpp"
#include "elementwise_unary.hpp"
#include "matmul.hpp"
#include "reduce.hpp"
#include "shape_ops.hpp"
// conv family
#include "conv.hpp"
#include "pool.hpp"
// shape_index family
#include "index_ops.hpp"
#include "reduce_more.hpp"
// nn family
#include "nn_ops.hpp"
// elementwise family
#include "elementwise_select.hpp"
#include "elementwise_special.hpp"
