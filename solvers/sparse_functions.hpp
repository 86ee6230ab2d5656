#pragma once
// The sparse and Krylov family's differentiable functions (solvers/sparse_ops.hpp,
// solvers/krylov_ops.hpp hold the ops and their rules). A sparse matrix enters as its pattern
// (constant data) and its stored values (a Var of nnz elements): gradients are with respect to the
// stored values for that pattern, and to the dense operand or right-hand side.
#include <functional>
#include <vector>

#include "../autodiff/var.hpp"
#include "krylov.hpp"
#include "sparse_direct.hpp"

namespace tg::solvers {

/// y = A x for x of shape (cols) or (cols, k) (SpMM), A given by pattern and values (any shape of
/// nnz elements, read in storage order). Differentiable in values and x.
/// @throws ShapeError naming both shapes.
template <class T>
Var<T> spmv(const SparsePattern& pattern, const Var<T>& values, const Var<T>& x);
/// The same with A's values a constant.
template <class T>
Var<T> spmv(const CsrMatrix<T>& a, const Var<T>& x);

template <class T>
struct KrylovResult {
    Var<T> x;
    SolveReport report;  ///< of the forward solve
};

/// x = (A + opts.shift I)^{-1} b by the Krylov method of opts (x0 = 0), recorded as ONE op:
///   vjp: solve (A + shift I)^T lambda = xbar with the same method; bbar = lambda;
///        valuesbar_k = -lambda_i x_j at each stored (i, j) (both triangles for symmetric storage)
///   jvp: solve (A + shift I) dx = db - dA x with the same method.
/// opts.atol is not used here (relative tolerance only). Errors: those of krylov() (ConvergenceError
/// unless opts.return_unconverged, indefinite CG, NaN in b), ShapeError if A is not square or b is
/// not 1-D of A's size. A non-converged transposed solve in backward always throws.
template <class T>
KrylovResult<T> krylov_solve(const SparsePattern& pattern, const Var<T>& values, const Var<T>& b,
                             const KrylovOptions& opts = {});
template <class T>
KrylovResult<T> krylov_solve(const CsrMatrix<T>& a, const Var<T>& b, const KrylovOptions& opts = {});

/// A differentiable linear operator of parameters: y = A(params) v, linear in v.
template <class T>
using ParamOperator = std::function<Var<T>(const Var<T>& v, const std::vector<Var<T>>& params)>;

/// Matrix-free x = A(params)^{-1} b, differentiable in b and in every parameter (at most 3),
/// recorded as ONE node (a custom function). The transposed product A^T u needed by the adjoint
/// solve comes from the operator's own VJP: A^T u = grad_v <u, A(params) v>.
///   vjp: solve A^T lambda = xbar; bbar = lambda; paramsbar = -(d/dparams) <lambda, A(params) x>
///   jvp: solve A dx = db - (dA) x, (dA) x the JVP of A(params) x along dparams.
/// The adjoint and tangent solves run on plain tensors (first order in every mode; a Hessian
/// through it needs the matrix form, krylov_solve). @throws as krylov().
template <class T>
KrylovResult<T> krylov_solve(const ParamOperator<T>& op, const std::vector<Var<T>>& params, const Var<T>& b,
                             const KrylovOptions& opts = {});

/// x = (A + shift I)^{-1} b by sparse LU (SuiteSparse UMFPACK), recorded as ONE op with the same
/// implicit rules as krylov_solve (its adjoint and tangent solves factor again: S^T for the
/// adjoint). Differentiable in the stored values (for this pattern) and b; the shift is a
/// constant. @throws as direct_solve in sparse_direct.hpp.
template <class T>
Var<T> direct_solve(const SparsePattern& pattern, const Var<T>& values, const Var<T>& b, double shift = 0);

namespace detail {
/// sum_q left[r_k, q] right[c_k, q] for each stored entry k = (r_k, c_k); for symmetric storage
/// the mirrored term too, off the diagonal. Differentiable (index_select, mul, sum).
template <class T>
Var<T> entry_products(const SparsePattern& p, const Var<T>& left, const Var<T>& right);
/// values[perm] for the transpose's order (the values of A^T in its own pattern).
template <class T>
Var<T> transposed_values(const SparsePattern& p, const Var<T>& values);
/// The Krylov solve of the KrylovSolve op on tensors (forward); writes last_report().
template <class T>
Tensor<T> krylov_forward(const Attrs& attrs, const Tensor<T>& values, const Tensor<T>& b);
/// The direct solve of the SparseDirectSolve op on tensors (shift in attrs.scalar2).
template <class T>
Tensor<T> direct_forward(const Attrs& attrs, const Tensor<T>& values, const Tensor<T>& b);
KrylovOptions options_of(const Attrs& attrs);
Attrs attrs_of(const SparsePattern& p, const KrylovOptions& o);
/// The report of this thread's last krylov_forward.
SolveReport& last_report();
}  // namespace detail

}  // namespace tg::solvers
