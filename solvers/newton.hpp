#pragma once
// Vector Newton for F(x, theta) = 0, x of any shape (n elements), F of x's shape:
//   J_k p = -F(x_k)  (J = F_x by autodiff: nonlinear.hpp, JacobianMode; dense LU, lapack.hpp)
//   x_{k+1} = x_k + alpha p,  alpha by backtracking Armijo on phi = 0.5 |F|^2, whose slope along
//   the Newton direction is grad phi . p = F^T J p = -|F|^2.
// Newton-Krylov: the same with p from GMRES on v -> J v computed by a JVP (tg::jvp), J never
// materialized; the inner tolerance follows Eisenstat-Walker's first choice (eta_k =
// |F_k - F_{k-1} - J_{k-1} p_{k-1}| / |F_{k-1}|, capped at eta_max) so the outer convergence
// stays superlinear, and the line search uses the slope F^T (J p) of the computed direction.
// The answer is differentiable in theta by the implicit function theorem (implicit_root.hpp).
#include "line_search.hpp"
#include "nonlinear.hpp"

namespace tg::solvers {

struct NewtonOptions {
    double atol = 1e-10;  ///< converged when |F| <= max(atol, rtol |F(x0)|), both raised to 10 eps
    double rtol = 1e-12;  ///< (or when no step of length <= 4 eps |x| decreases |F|: F's rounding)
    long long max_iter = 50;
    bool line_search = true;  ///< false: always the full step
    ArmijoOptions armijo{};
    JacobianMode jacobian = JacobianMode::automatic;
    bool krylov = false;   ///< Newton-Krylov (GMRES on JVPs) instead of the dense LU step
    double eta_max = 0.1;  ///< Newton-Krylov: the largest inner relative tolerance
    int restart = 50;      ///< Newton-Krylov: GMRES(m)
    /// At the iteration limit: false throws ConvergenceError; true returns the last iterate with
    /// report.converged == false (differentiable all the same: the rules then hold only approximately).
    bool return_unconverged = false;
    ImplicitOptions implicit{};
};

/// The root x* of F(x, theta) = 0 near x0, recorded as one node differentiable in theta (at most
/// 4 Vars) by the implicit function theorem.
/// @throws ShapeError (empty x0, F's shape differs from x's, more than 4 parameters), DomainError
/// (x0 not finite), NonFiniteError (F is NaN or inf at x0: the element and the iteration),
/// SingularJacobianError (an exactly zero pivot: the iteration), NumericalError (the line search
/// found no decrease: the iteration, |F| and the last step), ConvergenceError (the iteration limit:
/// iterations and |F| reached).
template <class T>
NonlinearResult<T> newton_root(const NonlinearFn<T>& F, const Tensor<T>& x0, const std::vector<Var<T>>& theta,
                               const NewtonOptions& opts = {});

/// newton_root with opts.krylov set: Newton-Krylov (matrix-free).
template <class T>
NonlinearResult<T> newton_krylov_root(const NonlinearFn<T>& F, const Tensor<T>& x0,
                                      const std::vector<Var<T>>& theta, NewtonOptions opts = {});

/// The root of A x + x^3 = b (cube elementwise), A [n, n], b [n], by newton_root from x0 = 0: a
/// fixed system registered as the solver op `newton_cubic` (newton_cubic.hpp), so opcheck checks
/// the vector implicit rules (reverse, forward, second order). Differentiable in A and b.
/// @throws ShapeError unless A is [n, n] and b [n]; the errors of newton_root.
template <class T>
Var<T> newton_cubic(const Var<T>& A, const Var<T>& b);

}  // namespace tg::solvers
