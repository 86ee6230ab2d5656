#pragma once
// Pooling kernels on NCHW tensors (no gradients). Windows follow PyTorch's floor mode:
//   Ho = (H + 2 ph - dh (kh - 1) - 1) / sh + 1 (floor), Wo likewise.
// max_pool2d: padding counts as -inf; the maximum's position is the first in the window's
// row-major scan order among equal values (a NaN wins: it propagates, as in PyTorch). A dilated
// window can read only padding (H = 2, kernel 2, padding 1, dilation 3): it gives -inf, index -1.
// avg_pool2d: with count_include_pad (PyTorch's default) every window divides by kh kw, zeros of
// the padding included; without it, by the number of input elements the window covers.
// adaptive_avg_pool2d: output row i averages input rows floor(i H / Ho) .. ceil((i+1) H / Ho) - 1.
#include <vector>

#include "tensor.hpp"

namespace tg {

struct Pool2dParams {
    index_t kh = 1, kw = 1;         ///< kernel size
    index_t sh = 1, sw = 1;         ///< stride
    index_t ph = 0, pw = 0;         ///< padding (at most half the kernel, as in PyTorch)
    index_t dh = 1, dw = 1;         ///< dilation (max_pool2d only)
    bool count_include_pad = true;  ///< avg_pool2d only
};

/// Max over each window; `argmax`, when given, receives the plane-local flat index (ih W + iw)
/// of each output's maximum, in y's element order, or -1 for a window holding no input element.
/// @throws ShapeError naming the op (rank, non-positive kernel / stride / dilation, padding above
/// half the kernel, window larger than the padded input, window or padded input above int64)
template <class T>
Tensor<T> max_pool2d(const Tensor<T>& x, const Pool2dParams& p, std::vector<index_t>* argmax = nullptr);
/// y[n,c,k] = v[n,c,idx[n,c,k]] with y of `y_shape` [N,C,Ho,Wo] and v [N,C,H,W] (idx plane-local;
/// -1 reads 0). @throws IndexError if an index lies outside v's plane and is not -1
template <class T>
Tensor<T> pool_gather(const Tensor<T>& v, const std::vector<index_t>& idx, const Shape& y_shape);
/// The transpose of pool_gather: x of `x_shape` with x[n,c,idx[n,c,k]] += g[n,c,k] (-1: dropped).
template <class T>
Tensor<T> pool_scatter(const Tensor<T>& g, const std::vector<index_t>& idx, const Shape& x_shape);

template <class T>
Tensor<T> avg_pool2d(const Tensor<T>& x, const Pool2dParams& p);
/// The adjoint of avg_pool2d for an input of H x W.
template <class T>
Tensor<T> avg_pool2d_transpose(const Tensor<T>& g, const Pool2dParams& p, index_t H, index_t W);
/// @throws ShapeError if oh or ow is not positive or the input plane is empty
template <class T>
Tensor<T> adaptive_avg_pool2d(const Tensor<T>& x, index_t oh, index_t ow);
/// The adjoint of adaptive_avg_pool2d for an input of H x W.
template <class T>
Tensor<T> adaptive_avg_pool2d_transpose(const Tensor<T>& g, index_t H, index_t W);

}  // namespace tg
