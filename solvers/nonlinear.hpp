#pragma once
// Nonlinear solvers on Var functions, differentiable in their parameters theta by the implicit
// function theorem (never by unrolling): the common types. The solvers: newton.hpp (F(x, theta) = 0),
// fixed_point.hpp (x = g(x, theta)), argmin.hpp (argmin_x L(x, theta)); the implicit rules:
// implicit_root.hpp. Instantiated for float and double in the .cpp files; no xtensor here.
//
// The iterations run on plain tensors, off the tape. The answer is recorded as ONE node (a custom
// function, ops/custom_function.hpp) whose inputs are theta, with the rules of the root x*(theta)
// of F(x, theta) = 0 (F = g - x for a fixed point, F = grad_x L for argmin):
//   jvp: dx = -J^{-1} (F_theta dtheta)           J = F_x at (x*, theta)
//   vjp: J^T lambda = xbar,  thetabar = -F_theta^T lambda   (a VJP of F in theta)
// Every differentiable parameter must be passed in theta: a captured Var requiring grad is refused.
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "../autodiff/var.hpp"
#include "nonlinear_error.hpp"

namespace tg::solvers {

/// F(x, theta): a residual of x's shape (root finding), a map of x's shape (fixed point) or a
/// one-element objective (argmin). Called with Vars; must be written with Var ops.
template <class T>
using NonlinearFn = std::function<Var<T>(const Var<T>& x, const std::vector<Var<T>>& theta)>;

/// How the linear systems with J = F_x at the answer are solved by the implicit rules.
enum class AdjointMode {
    automatic,  ///< dense up to dense_limit unknowns, matrix-free above
    dense,      ///< J materialized by autodiff, one LU, reused by every VJP and JVP of the node
    krylov      ///< matrix-free: GMRES (CG for argmin) on J^T u by VJPs and J v by JVPs
};

/// The implicit differentiation of a solve (the options of the recorded node).
struct ImplicitOptions {
    AdjointMode adjoint = AdjointMode::automatic;
    long long dense_limit = 200;  ///< automatic: dense for n <= dense_limit
    double rtol = 1e-10;          ///< matrix-free adjoint and tangent solves (relative residual)
    int restart = 50;             ///< GMRES(m)
    long long max_iter = 0;       ///< 0: the Krylov default (10 n + 100)
    /// Second order exact in reverse mode (Hessians through the solve): one Newton step in Var
    /// arithmetic from the recorded root, x1 = x* - J(x*, theta)^{-1} F(x*, theta), with J built by
    /// autodiff with create_graph (n recorded reverse sweeps: dense, for small n). Without it
    /// (default) the node is first order: its rules run on plain tensors, and a second derivative
    /// through it (create_graph, hessian, hvp) is refused with AutogradError.
    bool second_order = false;
};

/// How the Jacobian F_x of a Newton iteration is computed by autodiff. F is square, so both need
/// n passes; reverse mode records F once and sweeps n times, forward mode runs F n times with one
/// tangent. automatic picks reverse: bench_newton (n = 100) measured a whole Newton solve at 1.4 ms
/// with reverse-mode Jacobians against 2.3 ms with forward-mode ones (docs/performance.md).
enum class JacobianMode { automatic, forward, reverse };

/// What a nonlinear solve did.
struct NonlinearReport {
    std::string method;  ///< "newton", "newton-krylov", "anderson(5)", "lbfgs(10)", ...
    bool converged = false;
    long long iterations = 0;
    double residual = 0;  ///< last residual norm (|F|, |g(x) - x| or |grad L|, 2-norm)
    double target = 0;    ///< the tolerance it was held to
    /// residuals[k]: the residual norm after k iterations (residuals[0] at x0). For Newton the
    /// ratios log(r[k+1]) / log(r[k]) approach 2 near the root (quadratic convergence).
    std::vector<double> residuals;
    /// steps[k]: the step length accepted at iteration k + 1 (the line search's alpha; 1 for a
    /// full step, or the mixing factor of a fixed-point iteration).
    std::vector<double> steps;
    /// argmin: L at every iterate (values[0] at x0).
    std::vector<double> values;
    long long evaluations = 0;  ///< calls of the user's function (Jacobians not counted)
    std::string str() const;    ///< one line: method, converged, iterations, residual / target
};

/// What the implicit rules of one recorded answer did so far (updated by every VJP and JVP of the
/// node, from any thread).
struct ImplicitStats {
    bool dense = true;                            ///< the dense path (else matrix-free)
    std::atomic<long long> vjps{0};               ///< adjoint solves J^T lambda = xbar
    std::atomic<long long> jvps{0};               ///< tangent solves J dx = -F_theta dtheta
    std::atomic<long long> factorizations{0};     ///< dense: LUs of J (at most one)
    std::atomic<long long> krylov_iterations{0};  ///< matrix-free: GMRES/CG iterations, all solves
};

template <class T>
struct NonlinearResult {
    Var<T> x;  ///< the answer, recorded as one node differentiable in theta
    NonlinearReport report;
    /// The backward (and forward-mode) work of the node; null when nothing depends on theta.
    std::shared_ptr<const ImplicitStats> implicit;
};

}  // namespace tg::solvers
