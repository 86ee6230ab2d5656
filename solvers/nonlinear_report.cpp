#include "implicit_root.hpp"

namespace tg::solvers {

std::string NonlinearReport::str() const {
    return method + ": " + (converged ? "converged" : "NOT converged") + " after " +
           std::to_string(iterations) + " iterations, residual " + detail::num(residual) + " (target " +
           detail::num(target) + "), " + std::to_string(evaluations) + " evaluations";
}

}  // namespace tg::solvers
