#pragma once
// Krylov solvers for A x = b, matrix-free over any linear operator (a callable y = A x on raw
// arrays), on plain data: CG and preconditioned CG, GMRES(m) with restarts, BiCGSTAB; the
// preconditioners Jacobi, IC(0) and ILU(0) built from a CSR matrix. Differentiable solves are in
// sparse_functions.hpp (recorded as one op, derivatives from A x = b, never from the iterations).
//
// Stopping test: ||r|| <= max(rtol ||b||, atol), r the (recurrence) residual. rtol is raised to
// at least 10 eps of the element type (1.2e-6 in float), which is what the arithmetic can reach.
// Dot products and norms accumulate in double, for float too.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "solver_error.hpp"
#include "sparse.hpp"

namespace tg::solvers {

enum class KrylovMethod { cg, gmres, bicgstab };
enum class Preconditioner { none, jacobi, ic0, ilu0 };

const char* method_name(KrylovMethod m);
const char* preconditioner_name(Preconditioner p);

struct KrylovOptions {
    KrylovMethod method = KrylovMethod::cg;
    Preconditioner preconditioner = Preconditioner::none;
    double rtol = 1e-10;
    double atol = 0;
    index_t max_iter = 0;  ///< 0: 10 n + 100 (GMRES counts inner iterations)
    int restart = 30;      ///< GMRES(m): m
    /// When the iteration limit is reached: false (default) throws ConvergenceError; true returns
    /// the last iterate with report.converged == false (the caller must look).
    bool return_unconverged = false;
    /// Matrix solves only: solve (A + shift I) x = b (implicit time steps, Tikhonov). The shift is
    /// a constant: no gradient flows to it.
    double shift = 0;
};

/// What a Krylov solve did. residuals[k] is ||r|| after k iterations (residuals[0] = ||b - A x0||).
struct SolveReport {
    std::string method;  ///< "cg", "cg+ic0", "gmres(30)+ilu0", ...
    bool converged = false;
    index_t iterations = 0;
    double residual = 0;  ///< last ||r||
    double target = 0;    ///< the tolerance it was held to: max(rtol ||b||, atol)
    std::vector<double> residuals;
    std::string str() const;  ///< one line: method, converged, iterations, residual / target
};

/// y = A x on arrays of length n (no aliasing of x and y).
template <class T>
using LinearOperator = std::function<void(const T* x, T* y)>;

/// z = M^{-1} r for a preconditioner M ~ A.
template <class T>
class PreconditionerOp {
public:
    virtual ~PreconditionerOp() = default;
    virtual void apply(const T* r, T* z) const = 0;
    virtual bool symmetric() const = 0;  ///< usable in CG (M symmetric positive definite)
};

/// The preconditioner of `kind` for the square matrix a (null for none).
/// @throws NumericalError naming the row and the pivot: a zero diagonal (Jacobi), a breakdown of
/// IC(0) (a pivot <= 0: not positive definite enough), a zero pivot of ILU(0).
template <class T>
std::unique_ptr<PreconditionerOp<T>> make_preconditioner(const CsrMatrix<T>& a, Preconditioner kind);

/// Solves A x = b for x (length n, used as the initial guess: zero it for a zero start).
/// @throws DomainError if b or the initial guess holds a NaN or infinity (naming the index);
/// ConvergenceError (iterations, residual reached) at the iteration limit unless
/// opts.return_unconverged; NumericalError when CG meets p^T A p <= 0 (an indefinite operator:
/// the message has the value and the iteration), when the preconditioner is not positive definite
/// in CG, on a breakdown of BiCGSTAB, or when the operator returns a NaN.
template <class T>
SolveReport krylov(const LinearOperator<T>& A, const PreconditionerOp<T>* M, const T* b, T* x, index_t n,
                   const KrylovOptions& opts);

/// x = A^{-1} b for a CSR matrix (a symmetric-storage one too), x starting at 0; the
/// preconditioner is built from A. @throws ShapeError if A is not square or b's length differs;
/// the errors of krylov().
template <class T>
Tensor<T> krylov_solve(const CsrMatrix<T>& a, const Tensor<T>& b, const KrylovOptions& opts = {},
                       SolveReport* report = nullptr);

}  // namespace tg::solvers
