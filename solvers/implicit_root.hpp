#pragma once
// The implicit derivative of a root x*(theta) of F(x, theta) = 0, shared by the nonlinear solvers.
//
// Differentiate F(x*(theta), theta) = 0:  J dx + F_theta dtheta = 0, J = F_x(x*, theta), so
//   jvp: dx = -J^{-1} (F_theta dtheta)        (F_theta dtheta: one JVP of F in theta)
//   vjp: <xbar, dx> = -<J^{-T} xbar, F_theta dtheta>: solve J^T lambda = xbar, then
//        thetabar = -F_theta^T lambda          (one VJP of F in theta)
// Dense path (n <= dense_limit): J by reverse-mode autodiff, one LU at the answer, made on first
// use and shared by every VJP and JVP of the node (both systems reuse it: J and J^T). Matrix-free
// path: GMRES on u -> J^T u (the VJP of F in x, recorded once) and v -> J v (a JVP of F in x);
// CG for a symmetric J (argmin: J is the Hessian, J v a Hessian-vector product).
// These rules run on plain tensors: first order in reverse and forward mode. The option
// second_order adds one Newton step in Var arithmetic (nonlinear.hpp, ImplicitOptions).
#include <string>
#include <vector>

#include "line_search.hpp"
#include "nonlinear.hpp"

namespace tg::solvers::detail {

/// x* (a root of F found by a solver) recorded as one node with inputs theta (at most 4 Vars)
/// and the implicit rules above. `symmetric`: J is symmetric (CG in the matrix-free path).
/// @throws ShapeError with more than 4 parameters.
template <class T>
Var<T> implicit_root(const NonlinearFn<T>& F, const Tensor<T>& xstar, const std::vector<Var<T>>& theta,
                     const ImplicitOptions& opts, const std::string& name, bool symmetric = false,
                     std::shared_ptr<const ImplicitStats>* stats = nullptr);

/// theta's values as constants (no gradient, no tangent).
template <class T>
std::vector<Var<T>> constants(const std::vector<Var<T>>& theta);

/// F(x, theta) on plain values (no recording), checked: its shape must be x's (`scalar`: one
/// element) and every element finite (NonFiniteError naming the iteration and the element). At
/// iteration 0 F is run once with recording (and tangents) on, to catch a Var that F captures and
/// that requires grad or carries a tangent: the answer's rules differentiate theta only, so its
/// derivative would silently be zero (AutogradError).
template <class T>
Tensor<T> evaluate(const NonlinearFn<T>& F, const Tensor<T>& x, const std::vector<Var<T>>& consts,
                   const std::string& name, long long iteration, bool scalar = false);

/// The Jacobian F_x at x as an n x n matrix (n = x.numel()), by autodiff.
template <class T>
Tensor<T> jacobian_matrix(const NonlinearFn<T>& F, const Tensor<T>& x, const std::vector<Var<T>>& consts,
                          JacobianMode mode);

/// Refuses a NaN tolerance: every comparison with it is false, so a solve would stop at x0 and
/// differentiate a point that is not an answer. @throws DomainError naming the option.
void check_tolerance(double v, const char* what, const std::string& name);

/// Refuses line-search options outside their ranges: shrink 0 would try alpha = 0 forever (a
/// "step" that never moves), shrink >= 1 never shrinks, c outside (0, 1) breaks the sufficient
/// decrease test. @throws DomainError naming the option and its value.
void check_armijo(const ArmijoOptions& o, const std::string& name);

/// Checks x0 (non-empty, finite) and theta (at most 4, defined). @throws ShapeError, DomainError.
template <class T>
void check_start(const Tensor<T>& x0, const std::vector<Var<T>>& theta, const std::string& name);

/// The shortest text that reads back as v.
std::string num(double v);
/// 2-norm, accumulated in double.
template <class T>
double norm2(const Tensor<T>& t);

}  // namespace tg::solvers::detail
