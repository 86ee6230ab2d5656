#pragma once
// The solver registry: every differentiable solver op, listed once, like ops::OpList for the ops
// below. A solver op is declared exactly like an op (ops/op.hpp: forward, vjp, jvp, samples) and
// reaches the tape through apply<Op>; its rules are the implicit ones (DESIGN.md, Solvers).
// opcheck prints these in a section of their own and the registry tests run them all.
#include <tuple>
#include <type_traits>

#include "../ops/op_list.hpp"

// solvers: sparse and Krylov (solvers/sparse_ops.hpp, krylov_ops.hpp, sparse_direct_ops.hpp)
namespace tg::solvers {
struct SpMV;
struct KrylovSolve;
struct SparseDirectSolve;
}  // namespace tg::solvers

namespace tg::solvers {
// One list per family (a family adds its ops in its own list).
// dense.hpp (the elaborated names declare the ops in this namespace)
using DenseOps = std::tuple<struct Solve, struct TriangularSolve, struct Cholesky, struct LogAbsDet, struct Lstsq,
                            struct Eigvalsh, struct EighVectors, struct SvdVals>;
// sparse_ops.hpp, sparse_direct_ops.hpp, krylov_ops.hpp
using SparseOps = std::tuple<SpMV, SparseDirectSolve>;
using KrylovOps = std::tuple<KrylovSolve>;
// roots family: kepler.hpp (fixed points and argmin to come)
struct Kepler;
using NonlinearOps = std::tuple<Kepler, struct NewtonCubic>;  // + newton_cubic.hpp (nonlinear)
using QuadratureOps = std::tuple<>;  // quadrature: generic scalar code and Var compositions, no op of its own yet

using SolverOps = ops::join_lists<DenseOps, SparseOps, KrylovOps, NonlinearOps, QuadratureOps>::type;
}  // namespace tg::solvers

namespace tg {
template <class Op>
    requires is_registered<Op, solvers::SolverOps>::value
struct registered_elsewhere<Op> : std::true_type {};
}  // namespace tg
