#pragma once
// Sparse direct solve (SuiteSparse UMFPACK: sparse LU with partial pivoting) on plain data. The
// differentiable form is `direct_solve` in sparse_functions.hpp (op sparse_direct_solve).
#include "sparse.hpp"

namespace tg::solvers {

/// x = (A + shift I)^{-1} b for a square CSR matrix (symmetric storage too), by sparse LU.
/// Float is solved in double and rounded. @throws ShapeError if A is not square or b is not 1-D
/// of A's size; DomainError for a non-finite value in b or A (naming the index or entry);
/// NumericalError if A is singular (with UMFPACK's reciprocal condition estimate) or the
/// solution overflows T.
template <class T>
Tensor<T> direct_solve(const CsrMatrix<T>& a, const Tensor<T>& b, double shift = 0);

}  // namespace tg::solvers
