#pragma once
// Shape, indexing and reduction kernels on plain tensors (no gradients): the forward passes of the
// ops in ops/index_ops.hpp and ops/reduce_more.hpp, the fused VJPs their plain sweeps use, and the
// forward-only versions for Tensor users. Plain loops over contiguous (outer, n, inner) blocks: no
// xtensor, so this TU compiles in seconds. Indices are int64 (index_t) data, row-major.
#include <vector>

#include "tensor.hpp"

namespace tg {

/// Concatenation along `axis`; every other axis must agree. @throws ShapeError naming the shapes
template <class T>
Tensor<T> concat(const std::vector<Tensor<T>>& xs, int axis = 0);

/// y = x.take(idx, axis): the m = idx_count slices of x along axis, in idx order (repeats allowed).
/// @throws IndexError "<op>: index 7 is out of range for axis 0 of size 5"
template <class T>
Tensor<T> index_select(const Tensor<T>& x, int axis, const index_t* idx, index_t idx_count,
                       const char* op = "index_select");
/// The transpose of index_select: zeros with `n` slices along axis, src's slice k added into slice
/// idx[k] (repeated indices accumulate).
template <class T>
Tensor<T> index_add(const Tensor<T>& src, int axis, const index_t* idx, index_t idx_count, index_t n,
                    const char* op = "index_add");
/// torch.gather: y[..., i, ...] = x[..., idx[..., i, ...], ...] along axis; idx has x's rank and
/// idx.shape[d] <= x.shape[d] for d != axis; y has idx's shape. @throws IndexError, ShapeError
template <class T>
Tensor<T> gather(const Tensor<T>& x, int axis, const index_t* idx, const Shape& idx_shape,
                 const char* op = "gather");
/// The transpose of gather: zeros of `shape` with src (of idx's shape) added at the gathered places.
template <class T>
Tensor<T> scatter_add(const Tensor<T>& src, int axis, const index_t* idx, const Shape& idx_shape,
                      const Shape& shape, const char* op = "scatter_add");

/// Reverses x along each of `axes` (a copy).
template <class T>
Tensor<T> flip(const Tensor<T>& x, const Shape& axes);

/// Variance over `axes` (all when empty) with `correction` (1: unbiased): two passes over values
/// shifted by each group's first element (exact 0 for constant groups).
/// @throws DomainError when a group has no more than `correction` elements
template <class T>
Tensor<T> var(const Tensor<T>& x, const Shape& axes = {}, double correction = 1, bool keepdims = false);
/// Each group's first element along `axes` (the shift var uses), in the keepdims shape.
template <class T>
Tensor<T> group_first(const Tensor<T>& x, const Shape& axes);

/// Product over `axes` (all when empty); the empty product is 1.
template <class T>
Tensor<T> prod(const Tensor<T>& x, const Shape& axes = {}, bool keepdims = false);
/// For each element, the product of the OTHER elements of its group (no division: exact with
/// zeros), times gy (keepdims shape, broadcast): the plain VJP of prod.
template <class T>
Tensor<T> prod_vjp(const Tensor<T>& x, const Shape& axes, const Tensor<T>& gy_kept);

/// Running sum along axis (reverse: from the end).
template <class T>
Tensor<T> cumsum(const Tensor<T>& x, int axis, bool reverse = false);
/// Running product along axis.
template <class T>
Tensor<T> cumprod(const Tensor<T>& x, int axis);
/// xbar_k = y_{k-1} S_k with S_k = gy_k + x_{k+1} S_{k+1}: the plain VJP of cumprod, no division.
template <class T>
Tensor<T> cumprod_vjp(const Tensor<T>& x, const Tensor<T>& y, const Tensor<T>& gy, int axis);
/// dy_k = dy_{k-1} x_k + y_{k-1} dx_k: the JVP of cumprod, no division.
template <class T>
Tensor<T> cumprod_jvp(const Tensor<T>& x, const Tensor<T>& y, const Tensor<T>& dx, int axis);

/// Maximum / minimum over `axes` (all when empty); NaN propagates. @throws ShapeError on an empty group
template <class T>
Tensor<T> amax(const Tensor<T>& x, const Shape& axes = {}, bool keepdims = false);
template <class T>
Tensor<T> amin(const Tensor<T>& x, const Shape& axes = {}, bool keepdims = false);
/// Index (as T) of the first minimum along `axis`.
template <class T>
Tensor<T> argmin(const Tensor<T>& x, int axis, bool keepdims = false);

/// Euclidean norm over `axes`, scaled by the group's largest magnitude (no overflow or underflow
/// of the squares: ||(1e200, 1e200)|| = 1.41e200).
template <class T>
Tensor<T> norm2(const Tensor<T>& x, const Shape& axes = {}, bool keepdims = false);

}  // namespace tg
