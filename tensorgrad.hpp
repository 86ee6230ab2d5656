#pragma once
// tensorgrad: the public API. Link tensorgrad::tensorgrad after find_package(tensorgrad).
// This header never includes xtensor, so a user translation unit compiles in about a second.
// Layers, each including only those below it: tensor/, scalar/, autodiff/ (the tape), ops/,
// transforms/ (grad, vjp, jacobian, gradcheck, opcheck), solvers/, nn/.
#include "tensor/error.hpp"
#include "tensor/io.hpp"
#include "tensor/math.hpp"
#include "tensor/random.hpp"
#include "tensor/shape.hpp"
#include "tensor/shape_index.hpp"  // shape_index family
#include "tensor/tensor.hpp"

#include "scalar/dual.hpp"
#include "scalar/forward_scalar.hpp"
#include "scalar/rev.hpp"

#include "autodiff/forward.hpp"
#include "autodiff/gradients.hpp"
#include "autodiff/tape.hpp"
#include "autodiff/var.hpp"

#include "ops/custom_function.hpp"
#include "ops/functions.hpp"
#include "ops/conv_functions.hpp"  // conv family
#include "ops/shape_index_functions.hpp"  // shape_index family
// nn family
#include "ops/nn_functions.hpp"

#include "transforms/functional.hpp"
#include "transforms/gradcheck.hpp"
#include "transforms/jacobian.hpp"

// solvers: dense
#include "solvers/dense_functions.hpp"
// solvers: sparse and Krylov
#include "solvers/krylov.hpp"
#include "solvers/solver_error.hpp"
#include "solvers/sparse.hpp"
#include "solvers/sparse_direct.hpp"
#include "solvers/sparse_functions.hpp"
// solvers: roots and quadrature
#include "solvers/quadrature.hpp"
#include "solvers/quadrature_mc.hpp"
#include "solvers/quadrature_var.hpp"
#include "solvers/roots.hpp"
#include "solvers/roots_functions.hpp"
// nn: modules and training (tg::nn)
#include "nn/nn.hpp"
// solvers: nonlinear systems, fixed points and argmin
#include "solvers/argmin.hpp"
#include "solvers/fixed_point.hpp"
#include "solvers/newton.hpp"
