#pragma once
// The nn family's op definitions (internal, like all_ops.hpp).
#include "dropout.hpp"
#include "loss.hpp"
#include "norm.hpp"
#include "softmax.hpp"
#include "layer_norm.hpp"
