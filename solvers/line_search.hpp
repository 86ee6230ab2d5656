#pragma once
// Backtracking line search with the Armijo (sufficient decrease) condition, shared by Newton
// (on phi = 0.5 |F|^2) and the argmin optimizers (on L):
//   accept the first alpha = alpha0 * shrink^k with  phi(alpha) <= phi(0) + c alpha slope,
// slope = phi'(0) < 0 along a descent direction. A trial whose value is NaN or infinite counts as
// a failed trial (the step left the function's domain) and is shrunk like any other.
#include <cmath>

namespace tg::solvers {

struct ArmijoOptions {
    double c = 1e-4;          ///< sufficient decrease constant, in (0, 1)
    double shrink = 0.5;      ///< backtracking factor, in (0, 1)
    int max_backtracks = 40;  ///< trials before giving up
};

struct LineSearchResult {
    bool ok = false;   ///< an alpha satisfying the condition was found
    double alpha = 0;  ///< the accepted (or last tried) step
    double value = 0;  ///< phi(alpha)
    int trials = 0;
};

/// phi: double(double alpha), evaluated at most max_backtracks + 1 times. `also(alpha, value)`:
/// a second acceptance test, called after phi when the Armijo condition fails (argmin.cpp uses the
/// approximate Wolfe conditions there, which still decide near the minimum where the decrease of
/// L falls below its rounding).
template <class Phi, class Also>
LineSearchResult armijo_backtrack(Phi&& phi, double phi0, double slope, double alpha0, const ArmijoOptions& o,
                                  Also&& also) {
    LineSearchResult r;
    double alpha = alpha0;
    for (int k = 0; k <= o.max_backtracks; ++k) {
        const double v = phi(alpha);
        r.alpha = alpha;
        r.value = v;
        r.trials = k + 1;
        if (std::isfinite(v) && (v <= phi0 + o.c * alpha * slope || also(alpha, v))) {
            r.ok = true;
            return r;
        }
        alpha *= o.shrink;
    }
    return r;
}

template <class Phi>
LineSearchResult armijo_backtrack(Phi&& phi, double phi0, double slope, double alpha0, const ArmijoOptions& o) {
    return armijo_backtrack(phi, phi0, slope, alpha0, o, [](double, double) { return false; });
}

}  // namespace tg::solvers
