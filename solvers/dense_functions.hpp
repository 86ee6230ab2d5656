#pragma once
// Dense linear algebra on Var (differentiable, implicit rules: solvers/dense.hpp) and on Tensor
// (values only). Instantiated for float and double in dense_functions.cpp; no xtensor here.
//
// Shapes: a matrix argument is [batch..., n, n] (lstsq: [batch..., m, n]); a right-hand side b is
// [batch..., n] (a vector, rank one less than A) or [batch..., n, k] (k columns), with A's batch
// axes. Errors: ShapeError (not square, b rows != A rows, batch axes differ), DomainError (NaN or
// inf in an input, with its index), NumericalError (singular: the zero pivot; not positive
// definite: the failing leading minor; rank deficient; tied eigenvalues for eigenvector
// derivatives). Conventions in docs/guide.md, "Solvers: dense".
#include <utility>

#include "../autodiff/var.hpp"
#include "../tensor/tensor.hpp"

namespace tg {

/// x with A x = b (LU with partial pivoting). The backward solve A^T lambda = xbar reuses the LU.
template <class T>
Var<T> solve(const Var<T>& A, const Var<T>& b);
template <class T>
Tensor<T> solve(const Tensor<T>& A, const Tensor<T>& b);

/// L lower triangular with L L^T = (A + A^T) / 2: the symmetric part is factored, so the gradient
/// in A is symmetric and either triangle of a symmetric A may be perturbed.
template <class T>
Var<T> cholesky(const Var<T>& A);
template <class T>
Tensor<T> cholesky(const Tensor<T>& A);
/// x with L L^T x = b for a Cholesky factor L (only its lower triangle is read).
template <class T>
Var<T> cholesky_solve(const Var<T>& L, const Var<T>& b);
template <class T>
Tensor<T> cholesky_solve(const Tensor<T>& L, const Tensor<T>& b);
/// x with S x = b, S = (A + A^T) / 2 symmetric positive definite (through cholesky).
template <class T>
Var<T> solve_spd(const Var<T>& A, const Var<T>& b);

/// x with op(T) x = b, T the lower (or upper) triangle of A (the other one is not read),
/// op(T) = T^T with `transpose`, and a unit diagonal (not read) with `unit`.
template <class T>
Var<T> triangular_solve(const Var<T>& A, const Var<T>& b, bool lower = true, bool transpose = false,
                        bool unit = false);
template <class T>
Tensor<T> triangular_solve(const Tensor<T>& A, const Tensor<T>& b, bool lower = true, bool transpose = false,
                           bool unit = false);

/// sign(det A) (a constant: -1, 0 or 1) and log|det A| (differentiable: d/dA = A^-T), one per
/// matrix of the batch. A singular A gives sign 0 and -inf; its derivative raises NumericalError.
template <class T>
std::pair<Tensor<T>, Var<T>> slogdet(const Var<T>& A);
template <class T>
std::pair<Tensor<T>, Tensor<T>> slogdet(const Tensor<T>& A);
/// sign * exp(log|det A|). Overflows for large n: prefer slogdet.
template <class T>
Var<T> det(const Var<T>& A);
template <class T>
Tensor<T> det(const Tensor<T>& A);
/// A^-1 (solve(A, I)). Avoid it: solve(A, b) is cheaper and more accurate than inv(A) @ b.
template <class T>
Var<T> inv(const Var<T>& A);
template <class T>
Tensor<T> inv(const Tensor<T>& A);

/// x minimizing ||A x - b||, A [batch..., m, n] with m >= n and full column rank (QR).
template <class T>
Var<T> lstsq(const Var<T>& A, const Var<T>& b);
template <class T>
Tensor<T> lstsq(const Tensor<T>& A, const Tensor<T>& b);

/// Eigenvalues (ascending) of S = (A + A^T) / 2.
template <class T>
Var<T> eigvalsh(const Var<T>& A);
template <class T>
Tensor<T> eigvalsh(const Tensor<T>& A);
/// Eigenvalues w (ascending) and eigenvectors V (columns; each with its largest-magnitude component
/// positive) of S = (A + A^T) / 2. V's derivative needs distinct eigenvalues (NumericalError
/// naming the tied pair otherwise).
template <class T>
std::pair<Var<T>, Var<T>> eigh(const Var<T>& A);
template <class T>
std::pair<Tensor<T>, Tensor<T>> eigh(const Tensor<T>& A);

/// Reduced QR (values only): Q [.., m, min(m,n)] with orthonormal columns, R [.., min(m,n), n].
template <class T>
std::pair<Tensor<T>, Tensor<T>> qr(const Tensor<T>& A);
/// Singular values, descending, [batch..., min(m, n)].
template <class T>
Var<T> svdvals(const Var<T>& A);
template <class T>
Tensor<T> svdvals(const Tensor<T>& A);
/// Thin SVD (values only): U [.., m, k], s [.., k], Vt [.., k, n], k = min(m, n).
template <class T>
struct SvdResult {
    Tensor<T> U, s, Vt;
};
template <class T>
SvdResult<T> svd(const Tensor<T>& A);
/// The 2-norm condition number sigma_max / sigma_min (exact, through the SVD; inf if singular).
template <class T>
Var<T> cond(const Var<T>& A);
template <class T>
Tensor<T> cond(const Tensor<T>& A);
/// A cheap estimate of the 1-norm condition number ||A||_1 ||A^-1||_1 (LAPACK gecon on the LU:
/// O(n^2) beyond the factorization; within a small factor of the truth). inf if A is singular.
template <class T>
Tensor<T> cond_estimate(const Tensor<T>& A);

}  // namespace tg
