#pragma once
// Differentiable convolution and pooling on NCHW Vars (PyTorch's conventions and defaults), each
// reaching its registered op (ops/conv.hpp, ops/pool.hpp). The forward-only Tensor kernels are
// tg::conv2d / conv_transpose2d / max_pool2d / avg_pool2d / adaptive_avg_pool2d on Tensor
// (tensor/conv.hpp, tensor/pool.hpp).
#include <array>

#include "../autodiff/var.hpp"
#include "../tensor/conv.hpp"
#include "../tensor/pool.hpp"

namespace tg {

using Pair = std::array<index_t, 2>;  ///< {rows, columns}

struct Conv2dOptions {
    Pair stride{1, 1};
    Pair padding{0, 0};  ///< zeros on both sides
    Pair dilation{1, 1};
    index_t groups = 1;         ///< channels split into groups; groups == C is depthwise
    Pair output_padding{0, 0};  ///< conv_transpose2d only: rows / columns added at the end (< stride)
};

/// y[n,o] = bias[o] + sum_c w[o,c] * x[n, group of o] (cross-correlation, as PyTorch's conv2d).
/// x [N,C,H,W], w [O,C/groups,kh,kw], bias [O] or undefined -> [N,O,Ho,Wo] with
/// Ho = (H + 2 padding - dilation (kh - 1) - 1) / stride + 1 (floor).
/// Differentiable in x, w and bias, to any order.
/// @throws ShapeError naming conv2d and the numbers: ranks, weight channels vs input channels,
/// groups not dividing the channels, kernel larger than the padded input, non-positive stride,
/// dilation or groups, negative padding, bias not [O]
template <class T>
Var<T> conv2d(const Var<T>& x, const Var<T>& w, const Var<T>& bias = Var<T>(), const Conv2dOptions& o = {});

/// The adjoint of conv2d in x (a "deconvolution"): x [N,O,H,W], w [O,C/groups,kh,kw] (PyTorch's
/// layout: in_channels first), bias [C*...] -> [N, C, (H-1) stride - 2 padding + dilation (kh-1)
/// + output_padding + 1, ...]. output_padding must be smaller than the stride (PyTorch also
/// allows it below the dilation).
/// @throws ShapeError as conv2d, and for output_padding outside [0, stride)
template <class T>
Var<T> conv_transpose2d(const Var<T>& x, const Var<T>& w, const Var<T>& bias = Var<T>(),
                        const Conv2dOptions& o = {});

struct Conv1dOptions {
    index_t stride = 1, padding = 0, dilation = 1, groups = 1;
};
/// x [N,C,L], w [O,C/groups,k], bias [O] -> [N,O,Lo]: conv2d over a unit row axis.
/// @throws ShapeError naming conv1d (ranks) or conv2d (the rest, with the unit axis shown)
template <class T>
Var<T> conv1d(const Var<T>& x, const Var<T>& w, const Var<T>& bias = Var<T>(), const Conv1dOptions& o = {});

struct Pool2dOptions {
    Pair kernel{1, 1};
    Pair stride{0, 0};              ///< {0, 0} (the default): equal to the kernel, as in PyTorch
    Pair padding{0, 0};             ///< at most half the kernel
    Pair dilation{1, 1};            ///< max_pool2d only
    bool count_include_pad = true;  ///< avg_pool2d only: divide by kh kw even where padding is read
};

/// Maximum over each window (padding reads as -inf). The gradient goes to the first maximal
/// element of each window in row-major order (ties), and a NaN in a window propagates.
/// @throws ShapeError naming max_pool2d (rank, non-positive kernel / stride / dilation, padding
/// above half the kernel, window larger than the padded input)
template <class T>
Var<T> max_pool2d(const Var<T>& x, const Pool2dOptions& o);
/// Average over each window; count_include_pad (default) divides by kh kw everywhere.
/// @throws ShapeError as max_pool2d
template <class T>
Var<T> avg_pool2d(const Var<T>& x, const Pool2dOptions& o);
/// Averages over windows [floor(i H / oh), ceil((i+1) H / oh)) x (the same for columns).
/// @throws ShapeError on a non-positive output size, an empty plane or a rank other than 4
template <class T>
Var<T> adaptive_avg_pool2d(const Var<T>& x, Pair output_size);

}  // namespace tg
