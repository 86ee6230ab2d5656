#pragma once
// The solver registry: every differentiable solver op, listed once, like ops::OpList for the ops
// below. A solver op is declared exactly like an op (ops/op.hpp: forward, vjp, jvp, samples) and
// reaches the tape through apply<Op>; its rules are the implicit ones (DESIGN.md, Solvers).
// opcheck prints these in a section of their own and the registry tests run them all.
#include <tuple>
#include <type_traits>

#include "../ops/op_list.hpp"

namespace tg::solvers {
// One list per family (a family adds its ops in its own list).
using DenseOps = std::tuple<>;       // dense.hpp: LU, Cholesky, triangular, lstsq, det, eigh, ...
using SparseOps = std::tuple<>;      // sparse ops: SpMV and SpMM over stored values, sparse direct solve
using KrylovOps = std::tuple<>;      // krylov.hpp: CG, GMRES, BiCGSTAB solves
struct Kepler;                            // roots family (kepler.hpp)
using NonlinearOps = std::tuple<Kepler>;  // root finders, fixed points, argmin
using QuadratureOps = std::tuple<>;  // quadrature.hpp

using SolverOps = ops::join_lists<DenseOps, SparseOps, KrylovOps, NonlinearOps, QuadratureOps>::type;
}  // namespace tg::solvers

namespace tg {
template <class Op>
    requires is_registered<Op, solvers::SolverOps>::value
struct registered_elsewhere<Op> : std::true_type {};
}  // namespace tg
