#pragma once
// Gradient clipping, in place on the parameters' .grad tensors (each a dense buffer of its own
// leaf, so scaling it changes nothing else). Parameters without a gradient (has_grad() false) are
// skipped. Non-finite gradients: clip_grad_norm_ raises (default) or, with
// error_if_nonfinite = false, returns the non-finite norm and leaves every gradient UNCHANGED
// (the caller decides to skip the step; PyTorch would multiply them all by NaN).
#include <vector>

#include "../autodiff/var.hpp"

namespace tg::nn {

struct ClipNormOptions {
    /// p of the norm: 2 (default), 1, any p > 0, or infinity (max |g|).
    double norm_type = 2.0;
    bool error_if_nonfinite = true;
};

/// Scales every gradient by max_norm / (total + 1e-6) when the total norm (of all gradients
/// together, as one vector) exceeds max_norm. Returns the total norm before clipping.
/// @throws NumericalError naming the first parameter (index, shape) with a non-finite gradient;
/// DomainError if max_norm < 0 or norm_type <= 0
template <class T>
double clip_grad_norm_(const std::vector<Var<T>>& params, double max_norm, const ClipNormOptions& o = {});

/// Clamps every gradient element to [-clip, clip]; NaN elements stay NaN.
/// @throws DomainError if clip < 0 or NaN
template <class T>
void clip_grad_value_(const std::vector<Var<T>>& params, double clip);

/// Multiplies every gradient by s: the unscaling half of loss scaling (scale the loss by S before
/// backward, call scale_grads_(params, 1 / S) before clipping and the step). Returns false, and
/// leaves the gradients unscaled, if any is non-finite (an overflow: skip this step, lower S).
template <class T>
bool scale_grads_(const std::vector<Var<T>>& params, double s);

}  // namespace tg::nn
