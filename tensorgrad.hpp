#pragma once
// tensorgrad: the public API. Link tensorgrad::tensorgrad after find_package(tensorgrad).
// This header never includes xtensor, so a user translation unit compiles in about a second.
#include "tensor/error.hpp"
#include "tensor/io.hpp"
#include "tensor/math.hpp"
#include "tensor/random.hpp"
#include "tensor/shape.hpp"
#include "tensor/tensor.hpp"

#include "autodiff/tape.hpp"
#include "autodiff/functional.hpp"
#include "autodiff/dual.hpp"
#include "autodiff/forward.hpp"
#include "autodiff/forward_scalar.hpp"
#include "autodiff/gradcheck.hpp"
#include "autodiff/gradients.hpp"
#include "autodiff/jacobian.hpp"
#include "autodiff/rev.hpp"
#include "autodiff/var.hpp"

#include "ops/custom_function.hpp"
#include "ops/functions.hpp"
