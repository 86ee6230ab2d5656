#pragma once
// Tensor-level math (no gradients). Elementwise kernels are fused xtensor + xsimd expressions,
// split over TBB above a measured size threshold; matmul goes to BLAS.
#include <optional>

#include "tensor.hpp"

namespace tg {

// Unary elementwise functions, listed once (TG_UNARY_FUNCTIONS expands in the .cpp). round
// rounds half to even (as NumPy and PyTorch). More (erf, gelu, ...) are computed by their ops:
// ops/functions.hpp.
#define TG_UNARY_FUNCTIONS(X)                                                                        \
    X(neg)                                                                                           \
    X(square) X(sqrt) X(exp) X(log) X(abs) X(sin) X(cos) X(tanh) X(sigmoid) X(relu) X(sign) X(log1p) \
        X(expm1) X(reciprocal) X(rsqrt) X(step) X(floor) X(ceil) X(round)
#define TG_DECLARE_UNARY(name) \
    template <class T>         \
    Tensor<T> name(const Tensor<T>& x);
TG_UNARY_FUNCTIONS(TG_DECLARE_UNARY)
#undef TG_DECLARE_UNARY

// Binary elementwise functions with NumPy broadcasting. @throws ShapeError naming the op.
#define TG_BINARY_FUNCTIONS(X) \
    X(add) X(sub) X(mul) X(div) X(pow) X(maximum) X(minimum) X(greater) X(less) X(equal) X(greater_equal) \
        X(atan2) X(hypot)
#define TG_DECLARE_BINARY(name) \
    template <class T>          \
    Tensor<T> name(const Tensor<T>& a, const Tensor<T>& b);
TG_BINARY_FUNCTIONS(TG_DECLARE_BINARY)
#undef TG_DECLARE_BINARY

/// x ** p for a scalar exponent.
template <class T>
Tensor<T> pow(const Tensor<T>& x, T p);
/// Elementwise select: cond != 0 ? a : b (broadcast).
template <class T>
Tensor<T> where(const Tensor<T>& cond, const Tensor<T>& a, const Tensor<T>& b);

template <class T>
Tensor<T> operator+(const Tensor<T>& a, const Tensor<T>& b) {
    return add(a, b);
}
template <class T>
Tensor<T> operator-(const Tensor<T>& a, const Tensor<T>& b) {
    return sub(a, b);
}
template <class T>
Tensor<T> operator*(const Tensor<T>& a, const Tensor<T>& b) {
    return mul(a, b);
}
template <class T>
Tensor<T> operator/(const Tensor<T>& a, const Tensor<T>& b) {
    return div(a, b);
}
template <class T>
Tensor<T> operator-(const Tensor<T>& a) {
    return neg(a);
}
template <class T>
Tensor<T> operator+(const Tensor<T>& a, std::type_identity_t<T> s) {
    return add(a, Tensor<T>::scalar(s));
}
template <class T>
Tensor<T> operator+(std::type_identity_t<T> s, const Tensor<T>& a) {
    return add(Tensor<T>::scalar(s), a);
}
template <class T>
Tensor<T> operator-(const Tensor<T>& a, std::type_identity_t<T> s) {
    return sub(a, Tensor<T>::scalar(s));
}
template <class T>
Tensor<T> operator-(std::type_identity_t<T> s, const Tensor<T>& a) {
    return sub(Tensor<T>::scalar(s), a);
}
template <class T>
Tensor<T> operator*(const Tensor<T>& a, std::type_identity_t<T> s) {
    return mul(a, Tensor<T>::scalar(s));
}
template <class T>
Tensor<T> operator*(std::type_identity_t<T> s, const Tensor<T>& a) {
    return mul(Tensor<T>::scalar(s), a);
}
template <class T>
Tensor<T> operator/(const Tensor<T>& a, std::type_identity_t<T> s) {
    return div(a, Tensor<T>::scalar(s));
}
template <class T>
Tensor<T> operator/(std::type_identity_t<T> s, const Tensor<T>& a) {
    return div(Tensor<T>::scalar(s), a);
}

// Fused derivative kernels of the binary ops' plain backward (the unary ops declare theirs in
// their own struct: ops/elementwise_unary.hpp): one pass over memory where the differentiable
// formula takes two or three.
/// -(g y) / b: the cotangent of b in y = a / b.
template <class T>
Tensor<T> div_rhs_vjp(const Tensor<T>& g, const Tensor<T>& y, const Tensor<T>& b);
/// g b a^(b - 1): the cotangent of a in y = a^b; 0 where b == 0 (y is constant) or g == 0
/// (NOTE [zero cotangents] in ops/elementwise_unary.hpp), even at a = 0.
template <class T>
Tensor<T> pow_lhs_vjp(const Tensor<T>& g, const Tensor<T>& a, const Tensor<T>& b);
/// g y log(a), with log(a) taken as 0 where a == 0: the cotangent of b in y = a^b.
template <class T>
Tensor<T> pow_rhs_vjp(const Tensor<T>& g, const Tensor<T>& y, const Tensor<T>& a);

// Reductions. `axes` empty means all axes. Negative axes count from the end.
// Sums accumulate in double (float inputs too): blocked SIMD partial sums, then double.
template <class T>
Tensor<T> sum(const Tensor<T>& x, const Shape& axes = {}, bool keepdims = false);
template <class T>
Tensor<T> mean(const Tensor<T>& x, const Shape& axes = {}, bool keepdims = false);
/// Maximum along one axis. @throws ShapeError if that axis has size 0.
template <class T>
Tensor<T> max(const Tensor<T>& x, int axis, bool keepdims = false);
/// Index (as T) of the first maximum along `axis`.
template <class T>
Tensor<T> argmax(const Tensor<T>& x, int axis, bool keepdims = false);
/// One-hot of the first maximum along `axis` (same shape as x): the routing mask of max's VJP.
template <class T>
Tensor<T> argmax_mask(const Tensor<T>& x, int axis);
/// Sums `x` down to `shape` (the transpose of broadcasting). @throws ShapeError
template <class T>
Tensor<T> sum_to(const Tensor<T>& x, const Shape& shape);
/// Sum of all elements, accumulated in double.
template <class T>
double sum_all(const Tensor<T>& x);

/// Matrix product with NumPy semantics: 2-D, batched (..., m, k) @ (..., k, n) with broadcast
/// batch dimensions, and 1-D operands promoted as in NumPy. Runs on BLAS (sgemm / dgemm).
/// @throws ShapeError "matmul: inner dimensions differ: [32,784] @ [256,10]"
template <class T>
Tensor<T> matmul(const Tensor<T>& a, const Tensor<T>& b);

/// out = a @ b for 2-D a, b without allocating; used by the benchmarks and optimizers.
template <class T>
void matmul_into(const Tensor<T>& a, const Tensor<T>& b, Tensor<T>& out);

}  // namespace tg
