#pragma once
// Every solver op's declaration (what solver_registry.cpp and the registry tests instantiate).
#include "solver_list.hpp"

// solvers: dense
#include "dense.hpp"
// solvers: sparse and Krylov
#include "krylov_ops.hpp"
#include "sparse_direct_ops.hpp"
#include "sparse_ops.hpp"
// roots family
#include "kepler.hpp"
// solvers: nonlinear systems (a fixed vector system, for the registry)
#include "newton_cubic.hpp"
