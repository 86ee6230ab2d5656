#pragma once
// Convolution kernels on NCHW tensors (no gradients): im2col + BLAS GEMM, parallel over the batch.
//
//   y = conv2d(x, w)             x [N,C,H,W], w [O,C/g,kh,kw] -> y [N,O,Ho,Wo]
//   y = conv2d_bias(x, w, b)     the same plus b [O] on each output channel
//       Ho = (H + 2 ph - dh (kh - 1) - 1) / sh + 1 (floor), Wo likewise
//   z = conv_transpose2d(g, w)   g [N,O,Hi,Wi], w [O,C/g,kh,kw] -> z [N,C,H,W] with
//       H = (Hi - 1) sh - 2 ph + dh (kh - 1) + oph + 1: the adjoint of conv2d in x
//   gw = conv2d_weight(x, gy)    x [N,C,H,W], gy [N,O,Ho,Wo] -> [O,C/g,kh,kw]: the adjoint of
//       conv2d in w, sum_n gy[n] cols(x[n])^T
//
// Threads: the batch is split over TBB when the work is large enough; inside that loop OpenBLAS is
// held at one thread (NOTES-deps section 5: never nest BLAS threads inside TBB tasks), and its
// previous thread count is restored afterwards. Other threads' BLAS calls made meanwhile run on
// one thread too (OpenBLAS 0.3.21 has one process-wide setting).
#include "tensor.hpp"

namespace tg {

/// Integer parameters shared by the three convolution kernels (each a pair: rows, columns).
struct Conv2dParams {
    index_t sh = 1, sw = 1;  ///< stride
    index_t ph = 0, pw = 0;  ///< zero padding on both sides
    index_t dh = 1, dw = 1;  ///< dilation
    index_t groups = 1;
    index_t oph = 0, opw = 0;  ///< output_padding (conv_transpose2d only); must be < stride
};

/// The output size of a convolution along one axis, or -1 when the dilated kernel is larger
/// than the padded input.
/// @throws ShapeError naming `op` and `axis` when the dilated kernel or the padded input overflows
/// int64 (shared by convolution and pooling; call it before conv_out_size).
void check_extent(const char* op, const char* axis, index_t in, index_t kernel, index_t pad, index_t dilation);
index_t conv_out_size(index_t in, index_t kernel, index_t stride, index_t pad, index_t dilation);

/// @throws ShapeError naming the op (rank, channels vs weight, groups, kernel larger than the
/// padded input, non-positive stride / dilation / groups, negative padding).
template <class T>
Tensor<T> conv2d(const Tensor<T>& x, const Tensor<T>& w, const Conv2dParams& p);
/// conv2d(x, w, p) + b[o] on every pixel of output channel o, in the same pass.
/// @throws ShapeError (as conv2d, and if b is not [O]).
template <class T>
Tensor<T> conv2d_bias(const Tensor<T>& x, const Tensor<T>& w, const Tensor<T>& b, const Conv2dParams& p);
/// @throws ShapeError (as conv2d, and output_padding outside [0, stride)).
template <class T>
Tensor<T> conv_transpose2d(const Tensor<T>& g, const Tensor<T>& w, const Conv2dParams& p);
/// The weight gradient of conv2d for kernel size kh x kw. @throws ShapeError if gy is not the
/// shape conv2d gives for x and such a weight.
template <class T>
Tensor<T> conv2d_weight(const Tensor<T>& x, const Tensor<T>& gy, const Conv2dParams& p, index_t kh, index_t kw);

}  // namespace tg
