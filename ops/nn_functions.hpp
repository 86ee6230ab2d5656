#pragma once
// The nn family's public functions: the softmax family, losses, normalization and dropout, on Var
// (differentiable, reaching the registered ops of ops/softmax.hpp, loss.hpp, norm.hpp, dropout.hpp
// or composed of registered ops) and, where it makes sense, on Tensor (forward only). Conventions
// follow PyTorch 1.13 (class axis 1, NCHW, reductions); docs/guide.md, "Ops: nn", has the table.
#include <cstdint>
#include <type_traits>
#include <vector>

#include "../autodiff/attrs.hpp"
#include "../autodiff/var.hpp"

namespace tg {

// ---- softmax family (stable for logits of magnitude 1e4 in float and double) ----

/// exp(x) / sum exp(x) along `axis`. A slice of all -inf gives NaN (0 / 0), as in PyTorch.
template <class T>
Var<T> softmax(const Var<T>& x, int axis = -1);
/// x - logsumexp(x) along `axis`.
template <class T>
Var<T> log_softmax(const Var<T>& x, int axis = -1);
/// log sum exp over `axes` (empty: all axes). All -inf gives -inf; an empty slice gives -inf.
template <class T>
Var<T> logsumexp(const Var<T>& x, const Shape& axes = {}, bool keepdims = false);
template <class T>
Tensor<T> softmax(const Tensor<T>& x, int axis = -1);
template <class T>
Tensor<T> log_softmax(const Tensor<T>& x, int axis = -1);
template <class T>
Tensor<T> logsumexp(const Tensor<T>& x, const Shape& axes = {}, bool keepdims = false);

// ---- losses ----

/// How a loss reduces its per-element values. `batchmean` (sum / batch size) is for kl_div only.
enum class Reduction { none, mean, sum, batchmean };

struct CrossEntropyOptions {
    Reduction reduction = Reduction::mean;
    /// Class weights (empty: all 1). With weights, `mean` divides by the sum of the weights of the
    /// targets of the non-ignored samples (PyTorch's weighted mean), not by the sample count.
    std::vector<double> weight;
    /// s in [0, 1]: the target becomes (1 - s) onehot + s / C.
    double label_smoothing = 0;
    /// Samples with this target contribute 0 and are not counted by `mean`.
    index_t ignore_index = -100;
};

/// Cross-entropy from logits (N, C), (N, C, d...) or (C) with class indices of shape (N, d...)
/// or () (`target.shape`). All samples ignored with `mean`: 0 / 0 = NaN, as in PyTorch.
/// @throws IndexError "cross_entropy: class index 7 out of range for 5 classes"; ShapeError on a
/// target shape that does not match; DomainError on a smoothing outside [0, 1] or a weight vector
/// of the wrong length.
template <class T>
Var<T> cross_entropy(const Var<T>& logits, const IndexArray& target, const CrossEntropyOptions& o = {});
/// The same with targets given as a flat list, for logits (N, C) (or (C) with one target).
template <class T>
Var<T> cross_entropy(const Var<T>& logits, const std::vector<index_t>& target,
                     const CrossEntropyOptions& o = {});
/// Cross-entropy with target probabilities of the logits' shape: -sum_c w_c t_c log softmax(x)_c;
/// `mean` divides by the number of samples (N d...), with or without weights, as PyTorch does.
/// Differentiable in the targets too. ignore_index does not apply.
template <class T>
Var<T> cross_entropy(const Var<T>& logits, const Var<T>& target_probs, const CrossEntropyOptions& o = {});
/// Negative log-likelihood of log-probabilities (N, C, d...) or (C): -w[t] x[t], with the same
/// weighted mean and ignore_index as cross_entropy (label_smoothing must be 0).
template <class T>
Var<T> nll_loss(const Var<T>& log_probs, const IndexArray& target, const CrossEntropyOptions& o = {});
template <class T>
Var<T> nll_loss(const Var<T>& log_probs, const std::vector<index_t>& target, const CrossEntropyOptions& o = {});

/// -(t log p + (1 - t) log(1 - p)) with each log clamped at -100 (PyTorch's convention: p = 0 or
/// 1 gives a finite loss, and the clamped log has derivative 0).
template <class T>
Var<T> binary_cross_entropy(const Var<T>& p, const Var<T>& t, Reduction r = Reduction::mean);
/// (1 - t) x + (1 + (w - 1) t) log(1 + exp(-x)), in the form max(-x, 0) + log1p(exp(-|x|)):
/// finite for logits of 1e4. pos_weight w broadcasts (per class); undefined means 1.
template <class T>
Var<T> binary_cross_entropy_with_logits(const Var<T>& x, const Var<T>& t, Reduction r = Reduction::mean,
                                        const Var<T>& pos_weight = {});
template <class T>
Var<T> mse_loss(const Var<T>& a, const Var<T>& b, Reduction r = Reduction::mean);
/// |a - b|; its derivative at a == b is 0 (abs'(0) = 0, PyTorch's sign(0)).
template <class T>
Var<T> l1_loss(const Var<T>& a, const Var<T>& b, Reduction r = Reduction::mean);
/// 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = a - b). beta = 0 is l1.
/// @throws DomainError if beta < 0.
template <class T>
Var<T> smooth_l1_loss(const Var<T>& a, const Var<T>& b, Reduction r = Reduction::mean, double beta = 1.0);
/// 0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta)  (= delta * smooth_l1 with beta = delta).
/// @throws DomainError if delta <= 0.
template <class T>
Var<T> huber_loss(const Var<T>& a, const Var<T>& b, Reduction r = Reduction::mean, double delta = 1.0);
/// KL divergence with PyTorch's argument convention: `input` holds log-probabilities log q and
/// `target` probabilities p (log-probabilities when log_target): p (log p - input), 0 where p = 0.
/// Use Reduction::batchmean for the mathematical KL(p || q) per sample; `mean` averages over all
/// elements, as PyTorch does.
template <class T>
Var<T> kl_div(const Var<T>& input, const Var<T>& target, Reduction r = Reduction::mean,
              bool log_target = false);
/// a.b / (max(|a|, eps) max(|b|, eps)) along `axis` (PyTorch 1.13's form), shapes broadcast.
template <class T>
Var<T> cosine_similarity(const Var<T>& a, const Var<T>& b, int axis = 1, double eps = 1e-8);
/// max(0, -y (x1 - x2) + margin), y = +1 or -1.
template <class T>
Var<T> margin_ranking_loss(const Var<T>& x1, const Var<T>& x2, const Var<T>& y, double margin = 0,
                           Reduction r = Reduction::mean);
/// x where y = 1, max(0, margin - x) where y = -1. @throws DomainError if y has other values.
template <class T>
Var<T> hinge_embedding_loss(const Var<T>& x, const Var<T>& y, double margin = 1, Reduction r = Reduction::mean);

// ---- normalization (PyTorch's layouts; weight and bias optional: pass an undefined Var) ----

/// Standardizes over the last normalized_shape.size() axes, whose sizes must equal
/// normalized_shape; weight and bias have normalized_shape. @throws ShapeError
template <class T>
Var<T> layer_norm(const Var<T>& x, const Shape& normalized_shape, const Var<T>& weight = {},
                  const Var<T>& bias = {}, double eps = 1e-5);
/// Batch norm over (N, C), (N, C, L) or (N, C, H, W...): statistics per channel over every other
/// axis. training: the batch's statistics, and the running buffers (caller-owned tensors of shape
/// (C), may be null) are updated in place without recording: r = (1 - momentum) r + momentum s,
/// with the unbiased variance for running_var. eval: the running statistics are used (both
/// required). @throws ShapeError, DomainError (eval without running statistics; one value per
/// channel in training)
template <class T>
Var<T> batch_norm(const Var<T>& x, std::type_identity_t<Tensor<T>>* running_mean,
                  std::type_identity_t<Tensor<T>>* running_var, const Var<T>& weight = {},
                  const Var<T>& bias = {}, bool training = true, double momentum = 0.1, double eps = 1e-5);
/// Group norm of (N, C, ...): statistics per sample and group of C / groups channels; weight and
/// bias per channel (C). @throws ShapeError if groups does not divide C
template <class T>
Var<T> group_norm(const Var<T>& x, int groups, const Var<T>& weight = {}, const Var<T>& bias = {},
                  double eps = 1e-5);
/// Instance norm of (N, C, ...): statistics per sample and channel (no running statistics).
template <class T>
Var<T> instance_norm(const Var<T>& x, const Var<T>& weight = {}, const Var<T>& bias = {}, double eps = 1e-5);
/// x / sqrt(mean(x^2) + eps) over the last normalized_shape.size() axes, times weight.
template <class T>
Var<T> rms_norm(const Var<T>& x, const Shape& normalized_shape, const Var<T>& weight = {}, double eps = 1e-6);

// ---- dropout ----

/// Inverted dropout: zero with probability p, scaled by 1 / (1 - p) otherwise; the mask comes
/// from `seed` alone (the same seed, the same mask, in forward, backward and every run). Identity
/// when !training or p == 0; p == 1 gives zeros. @throws DomainError if p < 0 or p > 1 (or NaN)
template <class T>
Var<T> dropout(const Var<T>& x, double p, std::uint64_t seed, bool training = true);

}  // namespace tg
