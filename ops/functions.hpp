#pragma once
// Differentiable functions on Var<T>: each reaches its registered op through apply<Op>.
// Shapes broadcast as in NumPy; gradients are reduced back to each input's shape by the engine.
#include <type_traits>

#include "../autodiff/var.hpp"
#include "../tensor/shape.hpp"

namespace tg {

#define TG_VAR_UNARY(X) \
    X(neg) X(square) X(sqrt) X(exp) X(log) X(abs) X(sin) X(cos) X(tanh) X(sigmoid) X(relu)
#define TG_DECLARE_VAR_UNARY(name) \
    template <class T>             \
    Var<T> name(const Var<T>& x);
TG_VAR_UNARY(TG_DECLARE_VAR_UNARY)
#undef TG_DECLARE_VAR_UNARY

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
