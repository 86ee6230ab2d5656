#pragma once
// Tensor kernels of the nn family (softmax, cross-entropy, normalization, binary cross-entropy,
// dropout masks): plain values, no gradients. The ops of ops/softmax.hpp, ops/loss.hpp,
// ops/norm.hpp and ops/dropout.hpp run them forward and, in plain sweeps, as their fused VJPs.
// Defined once in ops/nn_kernels.cpp for float and double (xsimd rows, TBB over rows).
#include <cstdint>
#include <utility>

#include "../autodiff/attrs.hpp"
#include "../tensor/tensor.hpp"

namespace tg::kernels {

/// exp(x - max) / sum exp(x - max) along `axis` (normalized axis).
template <class T>
Tensor<T> softmax(const Tensor<T>& x, int axis);
/// x - max - log(sum exp(x - max)) along `axis`.
template <class T>
Tensor<T> log_softmax(const Tensor<T>& x, int axis);
/// g y - y sum(g y): the cotangent of softmax's input, y its output.
template <class T>
Tensor<T> softmax_vjp(const Tensor<T>& y, const Tensor<T>& g, int axis);
/// g - exp(y) sum(g): the cotangent of log_softmax's input, y its output.
template <class T>
Tensor<T> log_softmax_vjp(const Tensor<T>& y, const Tensor<T>& g, int axis);
/// log sum exp over `axes` (empty: all), shifted by the maximum; a slice whose maximum is
/// infinite is shifted by 0 instead (all -inf gives -inf, a +inf gives +inf).
template <class T>
Tensor<T> logsumexp(const Tensor<T>& x, const Shape& axes, bool keepdims);
/// g exp(x - y): the cotangent of logsumexp's input; g and y have the keepdims shape.
template <class T>
Tensor<T> logsumexp_vjp(const Tensor<T>& x, const Tensor<T>& y, const Tensor<T>& g);

/// Per-sample cross-entropy from logits x (N, C, d...) or (C) with class indices t (N, d...) or
/// (): -(1 - s) log p[t] - s/C sum_c log p[c]; 0 where t == ignore. Shape of t.
/// @throws IndexError naming the op, the index and the number of classes.
template <class T>
Tensor<T> cross_entropy_index(const Tensor<T>& x, const IndexArray& t, double smoothing, index_t ignore);
/// g (softmax(x) - q) with q = (1 - s) onehot(t) + s / C (rows of ignored targets: 0).
template <class T>
Tensor<T> cross_entropy_index_vjp(const Tensor<T>& x, const IndexArray& t, const Tensor<T>& g,
                                  double smoothing, index_t ignore);

/// q = (1 - s) onehot(t) + s / C along the class axis (rows of ignored targets: 0), and the row
/// mask (0 where the target is ignored, else 1) of x's shape with the class axis of size 1.
template <class T>
std::pair<Tensor<T>, Tensor<T>> cross_entropy_targets(const Shape& x, const IndexArray& t, double smoothing,
                                                      index_t ignore);

/// (x - mean) / sqrt(var + eps), the moments over `axes` (two-pass, accumulated in double).
template <class T>
Tensor<T> normalize(const Tensor<T>& x, const Shape& axes, double eps);
/// rstd (g - mean(g) - y mean(g y)), rstd recomputed from x: normalize's input cotangent.
template <class T>
Tensor<T> normalize_vjp(const Tensor<T>& x, const Tensor<T>& y, const Tensor<T>& g, const Shape& axes,
                        double eps);
/// ((x - mean) rstd) w + b over the trailing w.numel() elements of each row (layer_norm with its
/// affine parameters; moments two-pass in double). x's trailing shape is w's; b has w's shape.
template <class T>
Tensor<T> layer_norm(const Tensor<T>& x, const Tensor<T>& w, const Tensor<T>& b, double eps);
/// layer_norm's cotangents in one pass over the rows of x and g: x (if need_x), w and b (if
/// need_wb; summed over rows in double, independent of the thread count). Undefined if not needed.
template <class T>
struct LayerNormGrads {
    Tensor<T> x, w, b;
};
template <class T>
LayerNormGrads<T> layer_norm_vjp(const Tensor<T>& x, const Tensor<T>& w, const Tensor<T>& g, double eps,
                                 bool need_x, bool need_wb);
/// Mean and biased variance over `axes`, keepdims shape (two-pass, accumulated in double).
template <class T>
std::pair<Tensor<T>, Tensor<T>> moments(const Tensor<T>& x, const Shape& axes);

/// (1 - t) x + (1 + (w - 1) t) softplus(-x), softplus(-x) = max(-x, 0) + log1p(exp(-|x|)).
template <class T>
Tensor<T> bce_logits(const Tensor<T>& x, const Tensor<T>& t, const Tensor<T>& w);
/// g ((1 - t) - (1 + (w - 1) t) sigmoid(-x)): the logits' cotangent of bce_logits (broadcast shape).
template <class T>
Tensor<T> bce_logits_dx(const Tensor<T>& g, const Tensor<T>& x, const Tensor<T>& t, const Tensor<T>& w);

/// 0 with probability p, 1 / (1 - p) otherwise, from `seed` alone (the same mask on every call).
template <class T>
Tensor<T> dropout_mask(const Shape& shape, double p, std::uint64_t seed);

}  // namespace tg::kernels
