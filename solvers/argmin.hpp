#pragma once
// x* = argmin_x L(x, theta), x of any shape, L one element:
//   gradient descent: d = -grad L; L-BFGS: d = -H grad L by the two-loop recursion over the last
//   m pairs (s, y) = (x_{k+1} - x_k, grad_{k+1} - grad_k), H0 = (s^T y / y^T y) I; a pair with
//   s^T y <= 1e-10 |s| |y| (no positive curvature seen) is not stored, and a direction that is not
//   a descent one restarts from -grad. Step: backtracking Armijo on L (line_search.hpp); the
//   first trial is 1 for L-BFGS and twice the last accepted step for gradient descent.
// Differentiable in theta by the implicit function theorem on the optimality condition
// F(x, theta) = grad_x L(x, theta) = 0 (implicit_root.hpp): J = the Hessian of L in x, symmetric
// positive definite at a strict minimum. Dense path: the Hessian by reverse-over-reverse and one
// LU; matrix-free path (n > dense_limit): CG on Hessian-vector products (reverse-over-reverse for
// J^T u, forward-over-reverse for J v), no Hessian formed. F_theta^T lambda is a mixed second
// derivative, by reverse over the recorded gradient.
#include "line_search.hpp"
#include "nonlinear.hpp"

namespace tg::solvers {

enum class Optimizer { gradient_descent, lbfgs };

struct ArgminOptions {
    Optimizer optimizer = Optimizer::lbfgs;
    int memory = 10;     ///< L-BFGS: pairs kept (>= 1)
    double gtol = 1e-8;  ///< converged when |grad L| <= max(gtol, rtol |grad L(x0)|), raised to 10 eps
    double rtol = 0;
    long long max_iter = 1000;
    ArmijoOptions armijo{};
    bool return_unconverged = false;  ///< as NewtonOptions
    ImplicitOptions implicit{};
};

/// The minimizer of L(., theta) reached from x0, recorded as one node differentiable in theta
/// (at most 4 Vars). report.residuals: |grad L| per iteration; report.values: L.
/// @throws ShapeError (empty x0, L not one element, more than 4 parameters), DomainError (x0 not
/// finite, memory < 1), NonFiniteError (L or its gradient NaN or inf at x0), NumericalError (the
/// line search found no decrease: iteration, L, |grad L|), ConvergenceError (the iteration limit:
/// iterations and |grad L| reached).
template <class T>
NonlinearResult<T> argmin(const NonlinearFn<T>& L, const Tensor<T>& x0, const std::vector<Var<T>>& theta,
                          const ArgminOptions& opts = {});

namespace detail {
/// grad_x L(x, theta) as a Var function of x and theta, recorded (create_graph) when x or theta
/// needs a gradient or carries a tangent: the residual of argmin's implicit rules.
template <class T>
NonlinearFn<T> gradient_residual(const NonlinearFn<T>& L);
}  // namespace detail

}  // namespace tg::solvers
