#pragma once
// Differentiable functions on Var<T>: each reaches its registered op through apply<Op>.
// Shapes broadcast as in NumPy; gradients are reduced back to each input's shape by the engine.
#include <type_traits>

#include <memory>

#include "../autodiff/attrs.hpp"
#include "../autodiff/var.hpp"
#include "../tensor/shape.hpp"

namespace tg {

// Unary functions, listed once with their registered op (ops/functions.cpp defines and
// instantiates each from this list): tg::name(const Var<T>&). Adding an op with no parameter is one
// entry here; one with parameters gets a declaration below and a few lines in
// ops/elementwise_functions.cpp.
#define TG_VAR_UNARY(X)                                                                                   \
    X(neg, Neg) X(square, Square) X(sqrt, Sqrt) X(exp, Exp) X(log, Log) X(abs, Abs) X(sin, Sin) X(cos, Cos) \
        X(tanh, Tanh) X(sigmoid, Sigmoid) X(relu, Relu) X(log1p, Log1p) X(expm1, Expm1)                   \
            X(reciprocal, Reciprocal) X(rsqrt, Rsqrt)
// The same, for ops without a Tensor function in tensor/math.hpp: these also give
// tg::name(const Tensor<T>&), the op's forward (no gradient).
#define TG_VAR_TENSOR_UNARY(X)                                                                               \
    X(log2, Log2) X(exp2, Exp2) X(erf, Erf) X(erfc, Erfc) X(lgamma, Lgamma) X(selu, Selu) X(silu, Silu)      \
        X(mish, Mish) X(softsign, Softsign) X(hardsigmoid, Hardsigmoid) X(hardswish, Hardswish)             \
            X(log_sigmoid, LogSigmoid)
#define TG_DECLARE_VAR_UNARY(name, Op) \
    template <class T>                 \
    Var<T> name(const Var<T>& x);
#define TG_DECLARE_TENSOR_UNARY(name, Op) \
    template <class T>                    \
    Tensor<T> name(const Tensor<T>& x);
TG_VAR_UNARY(TG_DECLARE_VAR_UNARY)
TG_VAR_TENSOR_UNARY(TG_DECLARE_VAR_UNARY)
TG_VAR_TENSOR_UNARY(TG_DECLARE_TENSOR_UNARY)
#undef TG_DECLARE_VAR_UNARY
#undef TG_DECLARE_TENSOR_UNARY

// Elementwise functions with parameters (ops/elementwise_functions.cpp). Each has a Var version
// (differentiable) and a Tensor version (the same values, no gradient). Conventions at kinks and
// domain edges: docs/guide.md, "Ops: elementwise".
/// x for x > 0, slope x otherwise; the derivative at 0 is slope.
template <class T> Var<T> leaky_relu(const Var<T>& x, std::type_identity_t<T> slope = T(0.01));
template <class T> Tensor<T> leaky_relu(const Tensor<T>& x, std::type_identity_t<T> slope = T(0.01));
/// x for x > 0, alpha (e^x - 1) otherwise; the derivative at 0 is alpha.
template <class T> Var<T> elu(const Var<T>& x, std::type_identity_t<T> alpha = T(1));
template <class T> Tensor<T> elu(const Tensor<T>& x, std::type_identity_t<T> alpha = T(1));
/// x for x > 0, alpha (e^(x/alpha) - 1) otherwise. @throws DomainError if alpha is 0 or NaN.
template <class T> Var<T> celu(const Var<T>& x, std::type_identity_t<T> alpha = T(1));
template <class T> Tensor<T> celu(const Tensor<T>& x, std::type_identity_t<T> alpha = T(1));
/// x Phi(x) (exact, through erfc), or with `approximate` the tanh form x (1 + tanh(k (x + 0.044715 x^3))) / 2.
template <class T> Var<T> gelu(const Var<T>& x, bool approximate = false);
template <class T> Tensor<T> gelu(const Tensor<T>& x, bool approximate = false);
/// log(1 + e^(beta x)) / beta, and x itself where beta x > threshold (as PyTorch); stable for any x.
/// @throws DomainError if beta <= 0 or NaN.
template <class T> Var<T> softplus(const Var<T>& x, std::type_identity_t<T> beta = T(1), std::type_identity_t<T> threshold = T(20));
template <class T> Tensor<T> softplus(const Tensor<T>& x, std::type_identity_t<T> beta = T(1), std::type_identity_t<T> threshold = T(20));
/// x clamped to [lo, hi]; derivative 1 inside (lo, hi), 0 outside AND at lo and hi (as PyTorch).
/// @throws DomainError if lo > hi or either is NaN.
template <class T> Var<T> hardtanh(const Var<T>& x, std::type_identity_t<T> lo = T(-1), std::type_identity_t<T> hi = T(1));
template <class T> Tensor<T> hardtanh(const Tensor<T>& x, std::type_identity_t<T> lo = T(-1), std::type_identity_t<T> hi = T(1));
/// hardtanh(x, 0, 6).
template <class T> Var<T> relu6(const Var<T>& x);
template <class T> Tensor<T> relu6(const Tensor<T>& x);
/// x clamped to [lo, hi] (either may be infinite); derivative 1 on [lo, hi] INCLUDING both ends,
/// 0 outside (as PyTorch's clamp; hardtanh differs at the ends). @throws DomainError if lo > hi or NaN.
template <class T> Var<T> clamp(const Var<T>& x, std::type_identity_t<T> lo, std::type_identity_t<T> hi);
template <class T> Tensor<T> clamp(const Tensor<T>& x, std::type_identity_t<T> lo, std::type_identity_t<T> hi);
/// psi^(n)(x), the n-th derivative of digamma (tg::polygamma's values). @throws DomainError if
/// n < 0 or n > 30.
template <class T> Var<T> polygamma(int n, const Var<T>& x);
template <class T> Tensor<T> polygamma(int n, const Tensor<T>& x);
template <class T> Var<T> digamma(const Var<T>& x);
template <class T> Tensor<T> digamma(const Tensor<T>& x);
/// Piecewise-constant functions: the result is a constant (not recorded), so their gradient is
/// exactly zero in every mode. round rounds half to even.
template <class T> Var<T> sign(const Var<T>& x);
template <class T> Var<T> floor(const Var<T>& x);
template <class T> Var<T> ceil(const Var<T>& x);
template <class T> Var<T> round(const Var<T>& x);
/// cond != 0 ? a : b elementwise, cond, a and b broadcasting together. The gradient SELECTS: a gets
/// ybar where cond holds and an exact 0 elsewhere, whatever a's own derivative is there, so
/// where(x > 0, sqrt(x), 0) has a finite gradient at x = 0. cond is a constant (copied).
/// @throws ShapeError if the shapes do not broadcast.
template <class T> Var<T> where(const Tensor<T>& cond, const Var<T>& a, const Var<T>& b);
/// where(mask, value, x): x with the elements where mask != 0 replaced by value (gradient 0 there).
template <class T> Var<T> masked_fill(const Var<T>& x, const Tensor<T>& mask, std::type_identity_t<T> value);
template <class T> Tensor<T> masked_fill(const Tensor<T>& x, const Tensor<T>& mask, std::type_identity_t<T> value);
/// Elementwise max / min with NaN propagation; a tie splits the gradient 1/2 : 1/2 (as PyTorch).
template <class T> Var<T> maximum(const Var<T>& a, const Var<T>& b);
template <class T> Var<T> minimum(const Var<T>& a, const Var<T>& b);
/// x for x > 0, w x otherwise, w learnable: one slope (shape [] or [1]) or one per channel
/// (shape [C], x of shape [N, C, ...], channel axis 1, as PyTorch). The derivative in x at 0 is w.
/// @throws ShapeError naming both shapes if w has neither form.
template <class T> Var<T> prelu(const Var<T>& x, const Var<T>& w);
/// atan2(a, b); the gradient at the origin is 0 (as tg::Dual and tg::Rev).
template <class T> Var<T> atan2(const Var<T>& a, const Var<T>& b);
/// sqrt(a^2 + b^2) without overflow; the gradient at the origin is 0.
template <class T> Var<T> hypot(const Var<T>& a, const Var<T>& b);
namespace detail {
/// where with the mask as shared index data (the Where op's own VJP and JVP use it).
template <class T>
Var<T> where_mask(const std::shared_ptr<const IndexArray>& mask, const Var<T>& a, const Var<T>& b);
}  // namespace detail

/// @throws ShapeError if the shapes do not broadcast, naming the op and both shapes.
template <class T> Var<T> add(const Var<T>& a, const Var<T>& b);
template <class T> Var<T> sub(const Var<T>& a, const Var<T>& b);
template <class T> Var<T> mul(const Var<T>& a, const Var<T>& b);
template <class T> Var<T> div(const Var<T>& a, const Var<T>& b);
/// a ** b elementwise; the derivative in b needs a > 0 (it is 0 where a == 0).
template <class T> Var<T> pow(const Var<T>& a, const Var<T>& b);
/// x ** p for a constant exponent p.
template <class T> Var<T> pow(const Var<T>& x, std::type_identity_t<T> p);

/// Sum over `axes` (all when empty), optionally keeping reduced axes as size 1.
template <class T> Var<T> sum(const Var<T>& x, const Shape& axes = {}, bool keepdims = false);
template <class T> Var<T> mean(const Var<T>& x, const Shape& axes = {}, bool keepdims = false);
/// Maximum along `axis`; the gradient goes to the first maximal element.
template <class T> Var<T> max(const Var<T>& x, int axis, bool keepdims = false);

/// NumPy matmul: 2-D, batched with broadcast batch axes, 1-D operands promoted.
/// @throws ShapeError "matmul: inner dimensions differ: [32,784] @ [256,10]"
template <class T> Var<T> matmul(const Var<T>& a, const Var<T>& b);

template <class T> Var<T> reshape(const Var<T>& x, const Shape& shape);
/// The same values in a buffer of the result's own (differentiable; the identity's derivative).
template <class T> Var<T> copy(const Var<T>& x);
template <class T> Var<T> permute(const Var<T>& x, const Shape& perm);
/// Swaps two axes (the last two by default).
template <class T> Var<T> transpose(const Var<T>& x, int a = -2, int b = -1);
template <class T> Var<T> broadcast_to(const Var<T>& x, const Shape& shape);
/// Sums x down to `shape` (the transpose of broadcast_to).
template <class T> Var<T> sum_to(const Var<T>& x, const Shape& shape);
/// Elements start, start+step, ... < stop along `axis` (negative bounds count from the end).
template <class T> Var<T> slice(const Var<T>& x, int axis, index_t start, index_t stop, index_t step = 1);

// Operators. Scalars and Tensors act as constants.
template <class T> Var<T> operator+(const Var<T>& a, const Var<T>& b) { return add(a, b); }
template <class T> Var<T> operator-(const Var<T>& a, const Var<T>& b) { return sub(a, b); }
template <class T> Var<T> operator*(const Var<T>& a, const Var<T>& b) { return mul(a, b); }
template <class T> Var<T> operator/(const Var<T>& a, const Var<T>& b) { return div(a, b); }
template <class T> Var<T> operator-(const Var<T>& a) { return neg(a); }
#define TG_VAR_SCALAR_OPERATOR(op, fn)                                                           \
    template <class T> Var<T> operator op(const Var<T>& a, std::type_identity_t<T> s) {          \
        return fn(a, Var<T>(s));                                                                 \
    }                                                                                            \
    template <class T> Var<T> operator op(std::type_identity_t<T> s, const Var<T>& a) {          \
        return fn(Var<T>(s), a);                                                                 \
    }                                                                                            \
    template <class T> Var<T> operator op(const Var<T>& a, const Tensor<T>& t) {                 \
        return fn(a, Var<T>(t));                                                                 \
    }                                                                                            \
    template <class T> Var<T> operator op(const Tensor<T>& t, const Var<T>& a) {                 \
        return fn(Var<T>(t), a);                                                                 \
    }
TG_VAR_SCALAR_OPERATOR(+, add)
TG_VAR_SCALAR_OPERATOR(-, sub)
TG_VAR_SCALAR_OPERATOR(*, mul)
TG_VAR_SCALAR_OPERATOR(/, div)
#undef TG_VAR_SCALAR_OPERATOR

template <class T> Var<T>& operator+=(Var<T>& a, const Var<T>& b) { return a = add(a, b); }
template <class T> Var<T>& operator-=(Var<T>& a, const Var<T>& b) { return a = sub(a, b); }
template <class T> Var<T>& operator*=(Var<T>& a, const Var<T>& b) { return a = mul(a, b); }

}  // namespace tg
