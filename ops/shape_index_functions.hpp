#pragma once
// Differentiable shape, indexing and reduction functions on Var<T> (the shape_index family):
// concat / stack / split, squeeze / unsqueeze / flatten, flip, pad, tile, index_select, gather,
// scatter_add, embedding, var / std, prod, cumsum / cumprod, amax / amin, norms, einsum.
// Each reaches registered ops (ops/index_ops.hpp, ops/reduce_more.hpp) or composes existing ones,
// so every derivative below is checked by the registry. Instantiated for float and double in
// shape_index_functions.cpp.
#include <initializer_list>
#include <string>
#include <type_traits>
#include <vector>

#include "../autodiff/attrs.hpp"
#include "../autodiff/var.hpp"
#include "../tensor/shape.hpp"

namespace tg {

// ---- shape -------------------------------------------------------------------------------------

/// Concatenation along `axis` (negative counts from the end); all other axes must agree.
/// Any number of inputs: a balanced tree of binary concat ops (a node takes at most 4 inputs).
/// @throws ShapeError "concat: shapes [2,3] and [2,4] differ outside axis 0"; no inputs; 0-d inputs
template <class T>
Var<T> concat(const std::vector<Var<T>>& xs, int axis = 0);
template <class T>
Var<T> concat(std::initializer_list<Var<T>> xs, int axis = 0) {
    return concat(std::vector<Var<T>>(xs), axis);
}
/// Stacks equal shapes along a new axis `axis` (0 .. rank). @throws ShapeError on differing shapes
template <class T>
Var<T> stack(const std::vector<Var<T>>& xs, int axis = 0);
template <class T>
Var<T> stack(std::initializer_list<Var<T>> xs, int axis = 0) {
    return stack(std::vector<Var<T>>(xs), axis);
}
/// Pieces of `size` elements along axis (the last one shorter if size does not divide it).
/// @throws ShapeError if size <= 0
template <class T>
std::vector<Var<T>> split(const Var<T>& x, index_t size, int axis = 0);
/// Pieces of the given sizes along axis. @throws ShapeError unless the sizes are >= 0 and add up
template <class T>
std::vector<Var<T>> split(const Var<T>& x, const std::vector<index_t>& sizes, int axis);
/// Drops every axis of size 1.
template <class T>
Var<T> squeeze(const Var<T>& x);
/// Drops `axis`. @throws ShapeError if its size is not 1
template <class T>
Var<T> squeeze(const Var<T>& x, int axis);
/// Inserts an axis of size 1 at `axis` (0 .. rank; negative counts from rank + 1).
template <class T>
Var<T> unsqueeze(const Var<T>& x, int axis);
/// Merges axes start..end (inclusive, negative from the end) into one; a 0-d x gives shape [1].
template <class T>
Var<T> flatten(const Var<T>& x, int start = 0, int end = -1);
/// Reverses the order of elements along each of `axes`.
template <class T>
Var<T> flip(const Var<T>& x, const Shape& axes);

enum class PadMode {
    constant,  ///< fill with `value`
    reflect,   ///< mirror without repeating the edge: [a b c] padded by 2 -> [c b a b c b a]
};
/// Pads axis i with widths[2i] elements before and widths[2i+1] after (NumPy's pad_width order).
/// @throws ShapeError unless widths has 2 * rank entries >= 0; reflect needs width < size
template <class T>
Var<T> pad(const Var<T>& x, const std::vector<index_t>& widths, PadMode mode = PadMode::constant,
           std::type_identity_t<T> value = 0);
/// NumPy tile / torch repeat: x repeated reps[i] times along axis i (reps may be longer than the
/// rank: x gets leading axes of size 1). @throws ShapeError on a negative or too short reps
template <class T>
Var<T> tile(const Var<T>& x, const Shape& reps);
template <class T>
Var<T> repeat(const Var<T>& x, const Shape& reps) {
    return tile(x, reps);
}

// ---- indexing (integer data: IndexArray, row-major int64) --------------------------------------

/// The slices idx[0], idx[1], ... of x along axis (repeats allowed; gradient accumulates).
/// @throws IndexError "index_select: index 7 is out of range for axis 0 of size 5"
template <class T>
Var<T> index_select(const Var<T>& x, int axis, const std::vector<index_t>& idx);
/// torch.gather: y[i][j] = x[idx[i][j]][j] (axis 0) or x[i][idx[i][j]] (axis 1), in any rank.
/// idx has x's rank, idx.shape[d] <= x.shape[d] for d != axis; y has idx's shape.
/// @throws IndexError out of range, ShapeError on shapes
template <class T>
Var<T> gather(const Var<T>& x, int axis, const IndexArray& idx);
/// torch.scatter_add (out of place): base + src added at base[..idx[..i..]..] along axis;
/// src has idx's shape. Differentiable in base and src. @throws IndexError, ShapeError
template <class T>
Var<T> scatter_add(const Var<T>& base, int axis, const IndexArray& idx, const Var<T>& src);
/// Rows of weight [V, D] for indices of any shape: result idx.shape + [D]. The gradient of a row
/// used several times is the sum of its uses. @throws IndexError naming the index and V
template <class T>
Var<T> embedding(const Var<T>& weight, const IndexArray& idx);

// ---- reductions and scans ----------------------------------------------------------------------

/// Variance over axes (all when empty), divided by n - correction (1: unbiased). Two passes over
/// values shifted by each group's first element. @throws DomainError if n - correction <= 0
template <class T>
Var<T> var(const Var<T>& x, const Shape& axes = {}, double correction = 1, bool keepdims = false);
/// sqrt(var). Its gradient at zero variance is 0 (never NaN).
template <class T>
Var<T> stddev(const Var<T>& x, const Shape& axes = {}, double correction = 1, bool keepdims = false);
/// Product over axes; gradients exact with zeros (no division).
template <class T>
Var<T> prod(const Var<T>& x, const Shape& axes = {}, bool keepdims = false);
/// Running sum along axis (reverse: from the end).
template <class T>
Var<T> cumsum(const Var<T>& x, int axis, bool reverse = false);
/// Running product along axis; gradients exact with zeros (no division).
template <class T>
Var<T> cumprod(const Var<T>& x, int axis);
/// Maximum / minimum over axes (all when empty). Ties share the gradient equally.
template <class T>
Var<T> amax(const Var<T>& x, const Shape& axes = {}, bool keepdims = false);
template <class T>
Var<T> amin(const Var<T>& x, const Shape& axes = {}, bool keepdims = false);
/// Maximum / minimum of all elements (ties share the gradient equally).
template <class T>
Var<T> max(const Var<T>& x);
template <class T>
Var<T> min(const Var<T>& x);
/// Minimum along one axis; the gradient goes to the first minimal element (as max(x, axis)).
template <class T>
Var<T> min(const Var<T>& x, int axis, bool keepdims = false);
/// Index of the first maximum / minimum along axis, as T (not differentiable).
template <class T>
Tensor<T> argmax(const Var<T>& x, int axis, bool keepdims = false);
template <class T>
Tensor<T> argmin(const Var<T>& x, int axis, bool keepdims = false);
/// Flat (row-major) index of the first maximum / minimum of all elements, as a 0-d T.
template <class T>
Tensor<T> argmax(const Var<T>& x);
template <class T>
Tensor<T> argmin(const Var<T>& x);
/// Vector norm over axes (all when empty): p = 1 (sum |x|), 2 (Euclidean, overflow-safe; gradient
/// 0 at x = 0), any p > 1 ((sum |x|^p)^(1/p), scaled by the largest |x| so nothing overflows;
/// gradient 0 for a group of zeros), INFINITY (max |x|; ties share), -INFINITY (min |x|), 0 (the
/// number of nonzeros, derivative 0). @throws DomainError for p < 1 other than 0, or NaN
template <class T>
Var<T> norm(const Var<T>& x, double p = 2, const Shape& axes = {}, bool keepdims = false);
/// Frobenius norm of the last two axes (of each matrix of a batch).
template <class T>
Var<T> frobenius_norm(const Var<T>& x);

// ---- einsum ------------------------------------------------------------------------------------

/// Einstein summation over 1 or more operands: "ij,jk->ik", "bij,bjk->bik", "ij->ji", "ii->i",
/// "ii->", "i,i->", "i,j->ij", "bhqd,bhkd->bhqk", "ij,jk,kl->il"; without "->" the output is the
/// letters used once, sorted. Built from reshape / permute / slice / sum / mul / matmul, so its
/// derivatives are theirs. No "..." (ellipsis).
/// @throws ShapeError naming the subscripts and the shapes when they do not match
template <class T>
Var<T> einsum(const std::string& subscripts, const std::vector<Var<T>>& xs);
template <class T>
Var<T> einsum(const std::string& subscripts, std::initializer_list<Var<T>> xs) {
    return einsum(subscripts, std::vector<Var<T>>(xs));
}

namespace detail {
/// For each element, the product of the other elements of its group over axes, as Var ops
/// (differentiable again; exact with zeros). Prod's recorded VJP.
template <class T>
Var<T> others_product(const Var<T>& x, const Shape& axes);
/// Cumprod's VJP as Var ops (an (n, n) table per scanned line; differentiable again).
template <class T>
Var<T> cumprod_vjp_recorded(const Var<T>& x, const Var<T>& y, const Var<T>& gy, int axis);
}  // namespace detail

}  // namespace tg
