#pragma once
// The nn family's op definitions (internal: included by the TUs that instantiate them).
#include "dropout.hpp"
#include "loss.hpp"
#include "norm.hpp"
#include "softmax.hpp"
#include "layer_norm.hpp"
