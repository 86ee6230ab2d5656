#pragma once
// Fixed points x = g(x, theta), x of any shape: plain iteration x_{k+1} = x_k + beta f_k and
// Anderson acceleration (type II, depth m), f_k = g(x_k) - x_k the residual:
//   gamma = argmin |f_k - dF gamma|^2 + reg |dF|_F^2 |gamma|^2   (dF, dG: the last m differences
//           of f and g, columns; normal equations, Cholesky, m x m)
//   x_{k+1} = g_k - dG gamma - (1 - beta)(f_k - dF gamma)
// The Tikhonov term keeps the small least-squares problem solvable when the differences are
// nearly collinear (they are near convergence); if it still fails the history is dropped and a
// plain step taken. Differentiable in theta by the implicit function theorem on
// F(x, theta) = g(x, theta) - x (implicit_root.hpp): J = g_x - I.
#include "nonlinear.hpp"

namespace tg::solvers {

enum class FixedPointMethod { plain, anderson };

struct FixedPointOptions {
    FixedPointMethod method = FixedPointMethod::anderson;
    int memory = 5;                 ///< Anderson depth m (>= 1)
    double regularization = 1e-10;  ///< relative Tikhonov weight of the least-squares problem
    double mixing = 1;              ///< beta in (0, 1]: damping (1: x_{k+1} = g(x_k) for plain)
    double atol = 1e-10;            ///< converged when |g(x) - x| <= max(atol, rtol |g(x0) - x0|)
    double rtol = 1e-12;            ///< (both raised to 10 eps of T)
    long long max_iter = 1000;
    bool return_unconverged = false;  ///< as NewtonOptions
    ImplicitOptions implicit{};
};

/// The fixed point x* = g(x*, theta) reached from x0, recorded as one node differentiable in theta.
/// @throws ShapeError (empty x0, g's shape differs, more than 4 parameters), DomainError (x0 not
/// finite; memory < 1 or mixing outside (0, 1]), NonFiniteError (g NaN or inf: iteration and
/// element), ConvergenceError (the iteration limit: iterations and |g(x) - x| reached).
template <class T>
NonlinearResult<T> fixed_point(const NonlinearFn<T>& g, const Tensor<T>& x0, const std::vector<Var<T>>& theta,
                               const FixedPointOptions& opts = {});

}  // namespace tg::solvers
