#pragma once
// tg::gradcheck: checks reverse-mode gradients of any function against central finite
// differences in float64, and says exactly which element is wrong.
//
// The numeric side only evaluates f under NoGrad (the primal path: no VJP rule is involved).
// Step per element: h = cbrt(eps) * max(1, |x|), which balances truncation (~h^2) against
// rounding (~eps/h). With Richardson extrapolation, D(h) and D(h/2) give the estimate
// (4 D(h/2) - D(h)) / 3 and |D(h) - D(h/2)| bounds its finite-difference error, which widens the
// tolerance only where the differences themselves are unreliable.
// A non-scalar f is checked through <w, f> for a random w (one backward pass); every element of
// J^T w depends on every row of J, so a wrong entry anywhere shows up. Never all ones: a rule
// returning J w instead of J^T w is invisible to w = 1 whenever J's row sums equal its column sums.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "../autodiff/var.hpp"

namespace tg {

struct GradcheckOptions {
    /// Allowed |analytic - numeric| / max(1, |numeric|), on top of the estimated FD error.
    double tol = 1e-6;
    /// Richardson extrapolation of the central difference (4 evaluations per element instead of 2).
    bool richardson = true;
    /// Fast mode for large inputs: compare v^T J u for `directions` random u (and one random v)
    /// instead of every element: 1 backward and 2-4 evaluations per direction.
    bool fast = false;
    int directions = 3;
    /// Also check forward mode: for `directions` random u, J u from tg::jvp against central
    /// differences of f along u, element by element of the output (f must support forward mode).
    bool forward = false;
    std::uint64_t seed = 1234;
    /// At most this many mismatches are listed in the report.
    int max_report = 10;
    /// Optional names of the inputs, used in the report.
    std::vector<std::string> names;
};

struct GradcheckMismatch {
    int input = 0;        ///< which input (-1 in fast mode: a direction over all inputs; -2: the jvp)
    Shape index;          ///< multi-index of the element (fast mode: the direction; jvp: the output element)
    double analytic = 0;  ///< from backward
    double numeric = 0;   ///< from finite differences
    double error = 0;     ///< |analytic - numeric| / max(1, |numeric|)
    double fd_error = 0;  ///< estimated error of the finite difference, same scale
};

struct GradcheckReport {
    bool ok = true;
    std::size_t checked = 0;  ///< elements (or directions) compared
    std::size_t failed = 0;
    double worst_error = 0;  ///< largest error seen, passing or not
    double largest = 0;      ///< largest |numeric| derivative seen (0: f does not depend on x)
    std::vector<GradcheckMismatch> mismatches;  ///< the worst ones first
    std::vector<std::string> names;
    std::string problem;  ///< set when f itself is unusable (non-finite value, no gradient path)
    /// A readable report: verdict, then one line per mismatch naming input, element, both values.
    std::string str() const;
    explicit operator bool() const { return ok; }
};

template <class T>
using GradFnOf = std::function<Var<T>(const std::vector<Var<T>>&)>;
using GradFn = GradFnOf<double>;
using GradFnF32 = GradFnOf<float>;

/// Checks the gradient of f with respect to every input.
/// @throws ShapeError if f's output shape changes between evaluations.
GradcheckReport gradcheck(const GradFn& f, const std::vector<Tensor<double>>& inputs,
                          const GradcheckOptions& options = {});

/// float32: f and its gradients run in float, the differences too, with the float step
/// cbrt(eps_float) * max(1, |x|) (about 5e-3) and the rounding term scaled by float's eps. The
/// finite-difference error estimate then dominates the tolerance: expect agreement to about 1e-4
/// relative, not 1e-6 (docs/testing.md). A sign error or a 1% error is still caught.
GradcheckReport gradcheck(const GradFnF32& f, const std::vector<Tensor<float>>& inputs,
                          const GradcheckOptions& options = {});

/// One-input convenience form.
GradcheckReport gradcheck(const std::function<Var<double>(const Var<double>&)>& f, const Tensor<double>& x,
                          const GradcheckOptions& options = {});

}  // namespace tg
