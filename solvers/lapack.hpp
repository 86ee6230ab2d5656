#pragma once
// A thin LAPACK layer on tg::Tensor (float and double; lapack.cpp declares the Fortran symbols of
// OpenBLAS itself). Plain values, no tape: the differentiable ops (dense.hpp) and other solver
// families (adjoint solves of the nonlinear solvers) call it.
//
// Conventions shared by every function here:
// - A matrix argument has shape [batch..., m, n]; each trailing matrix is processed in turn.
//   Any layout is accepted (transposed views too); nothing is written into the arguments.
// - A right-hand side b of an n x n system has shape [batch..., n] (a vector: b.dim() == A.dim() - 1)
//   or [batch..., n, k] (k columns); its batch axes must equal A's. The result has b's shape.
// - `op` names the public caller in error messages.
// - Errors: ShapeError (not square, b rows != A rows, batch axes differ), DomainError (NaN or inf
//   in an input, with its position), NumericalError (a zero pivot, a non positive definite
//   leading minor, LAPACK not converging), each naming op, matrix (batch index) and the number.
#include <memory>
#include <vector>

#include "../autodiff/attrs.hpp"
#include "../tensor/tensor.hpp"

namespace tg::lapack {

/// LU with partial pivoting of every matrix of a batch. Stored as LAPACK leaves it: the factors
/// of the row-major buffer read column-major, i.e. of A^T (so solving with A uses the 'T' flag and
/// no copy is made into column-major order).
template <class T>
struct LUFactor {
    Shape batch;           ///< the batch axes of A
    index_t n = 0;         ///< order of each matrix
    std::vector<T> lu;     ///< batch x n x n, P L U of A^T per matrix (LAPACK column-major)
    std::vector<int> piv;  ///< batch x n, 1-based row interchanges
    std::vector<T> anorm;  ///< batch: the 1-norm of each A (for rcond)
    index_t count() const { return batch.numel(); }
};

/// A factor as op attributes (Attrs::index), so a recorded solve carries the LU of its A and its
/// backward solve reuses it (solvers/dense.hpp, Solve). The IndexArray holds no integers: it is
/// the handle of the factor, which lives as long as the handle (no copy is made).
/// The handle remembers which tensor A was factored (its data, shape, strides and version).
template <class T>
std::shared_ptr<const IndexArray> pack_lu(LUFactor<T>&& f, const Tensor<T>& A);
/// The factor behind a handle made by pack_lu, if `p` is one, of type T, made from this very A
/// (same data, shape, strides, unwritten since); else null (the caller factors A itself).
template <class T>
const LUFactor<T>* find_lu(const IndexArray* p, const Tensor<T>& A);

/// Factors A = P L U. @throws NumericalError "op: matrix is singular: U[i,i] = 0 at pivot i (of n)"
/// with the batch index, ShapeError, DomainError (NaN / inf in A).
template <class T>
LUFactor<T> lu_factor(const Tensor<T>& A, const char* op = "lu_factor");
/// Like lu_factor, but a singular matrix is not an error: `singular[i]` holds getrf's info for
/// matrix i (0: regular, k > 0: U[k-1,k-1] is exactly 0). For slogdet / det.
template <class T>
LUFactor<T> lu_factor_nothrow(const Tensor<T>& A, std::vector<int>& singular, const char* op = "lu_factor");
/// Solves A x = b (or A^T x = b with `transpose`) with a factor of A. b as in the conventions.
template <class T>
Tensor<T> lu_solve(const LUFactor<T>& f, const Tensor<T>& b, bool transpose = false,
                   const char* op = "lu_solve");
/// sign(det A) and log|det A| per matrix (shape: the batch axes), from a factor; a singular
/// matrix (info from lu_factor_nothrow) gives sign 0 and log|det| = -inf.
template <class T>
void lu_slogdet(const LUFactor<T>& f, const std::vector<int>& singular, Tensor<T>& sign, Tensor<T>& logabs);
/// Reciprocal 1-norm condition number estimate (LAPACK gecon): 1 / (||A||_1 ||A^-1||_1), cheap
/// (O(n^2) on top of the factor), a lower bound of the true value within a small factor.
template <class T>
Tensor<T> lu_rcond(const LUFactor<T>& f);

/// Cholesky factor L (lower, A = L L^T) of the symmetric part (A + A^T) / 2 of every matrix.
/// @throws NumericalError "op: matrix is not positive definite: leading minor of order k is not
/// positive" with the batch index.
template <class T>
Tensor<T> cholesky(const Tensor<T>& A, const char* op = "cholesky");
/// Solves L L^T x = b with a Cholesky factor L (lower; only its lower triangle is read).
template <class T>
Tensor<T> cholesky_solve(const Tensor<T>& L, const Tensor<T>& b, const char* op = "cholesky_solve");
/// Solves op(T) x = b, T the lower (or upper) triangle of A, op(T) = T or T^T; `unit`: the
/// diagonal is taken as 1 (not read). @throws NumericalError on an exactly zero diagonal element.
template <class T>
Tensor<T> triangular_solve(const Tensor<T>& A, const Tensor<T>& b, bool lower, bool transpose, bool unit,
                           const char* op = "triangular_solve");

/// Least squares: x minimizing ||A x - b||_2 for A m x n with m >= n of full column rank, by
/// Householder QR. b: [batch..., m] or [batch..., m, k]; x: [batch..., n] or [batch..., n, k].
/// @throws NumericalError if R has a diagonal element below n eps ||A|| (rank deficient),
/// ShapeError if m < n.
template <class T>
Tensor<T> lstsq(const Tensor<T>& A, const Tensor<T>& b, const char* op = "lstsq");

/// Reduced QR: A (m x n) = Q R, Q m x min(m,n) with orthonormal columns, R min(m,n) x n upper.
template <class T>
struct QR {
    Tensor<T> Q, R;
};
template <class T>
QR<T> qr(const Tensor<T>& A, const char* op = "qr");

/// Symmetric eigendecomposition of (A + A^T) / 2: eigenvalues ascending, eigenvector columns in V
/// (each with its largest-magnitude component positive, so V is a smooth function of A where the
/// eigenvalues are distinct). `vectors` false: V stays undefined.
template <class T>
struct Eigh {
    Tensor<T> w, V;
};
template <class T>
Eigh<T> eigh(const Tensor<T>& A, bool vectors, const char* op = "eigh");

/// Thin SVD A = U diag(s) V^T, s descending; `vectors` false: U and Vt stay undefined.
template <class T>
struct SVD {
    Tensor<T> U, s, Vt;
};
template <class T>
SVD<T> svd(const Tensor<T>& A, bool vectors, const char* op = "svd");

namespace detail {
/// The first NaN or inf of t, as "op: name contains nan at [i,j,k]"; returns normally if none.
template <class T>
void check_finite(const Tensor<T>& t, const char* op, const char* name);
/// Checks A [batch..., n, n] square and b's shape against it; returns true if b is a vector.
template <class T>
bool check_system(const Tensor<T>& A, const Tensor<T>& b, const char* op);
}  // namespace detail

}  // namespace tg::lapack
