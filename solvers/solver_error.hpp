#pragma once
// solvers: sparse and Krylov. The error of an iterative solver that stopped at its limit.
// (Kept here rather than in tensor/error.hpp only because that header is included by every TU:
// appending to it rebuilds the whole library. It belongs there at merge time.)
#include "../tensor/error.hpp"

namespace tg {

/// An iterative solver stopped at its iteration limit: the iterations done and the residual norm
/// reached (and the target it missed) are in the message and here.
class ConvergenceError : public NumericalError {
public:
    ConvergenceError(const std::string& what, long long iterations, double residual)
        : NumericalError(what), iterations_(iterations), residual_(residual) {}
    long long iterations() const { return iterations_; }
    double residual() const { return residual_; }

private:
    long long iterations_;
    double residual_;
};

}  // namespace tg
