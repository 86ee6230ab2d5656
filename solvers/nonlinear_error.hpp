#pragma once
// solvers: nonlinear. The typed errors of the nonlinear solvers beyond those of solver_error.hpp
// (ConvergenceError at the iteration limit). Kept in this family's own header so no other TU
// rebuilds; they belong beside ConvergenceError at merge time.
#include <string>

#include "solver_error.hpp"

namespace tg {

/// A Newton iteration met a singular Jacobian (an exactly zero pivot of its LU), or the implicit
/// rules met one at the answer (iteration() is then -1: the derivative does not exist there).
class SingularJacobianError : public NumericalError {
public:
    SingularJacobianError(const std::string& what, long long iteration)
        : NumericalError(what), iteration_(iteration) {}
    long long iteration() const { return iteration_; }

private:
    long long iteration_;
};

/// The user's function returned a NaN or an infinity at the iterate of iteration() (0: at x0)
/// and element index() of its output.
class NonFiniteError : public NumericalError {
public:
    NonFiniteError(const std::string& what, long long iteration, long long index)
        : NumericalError(what), iteration_(iteration), index_(index) {}
    long long iteration() const { return iteration_; }
    long long index() const { return index_; }

private:
    long long iteration_, index_;
};

}  // namespace tg
