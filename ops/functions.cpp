// Public differentiable functions: each reaches its op through apply<Op> (ops/op.hpp), for float
// and double, instantiated here once.
#include "functions.hpp"

#include "../autodiff/engine_ops.hpp"
#include "core_ops.hpp"
#include "elementwise_ops.hpp"  // the unary functions of ops/functions.hpp span two families

namespace tg {

#define TG_DEFINE_VAR_UNARY(fn, Op)                                 \
    template <class T>                                              \
    Var<T> fn(const Var<T>& x) {                                    \
        return apply<ops::Op, T>(Attrs{}, x);                       \
    }                                                               \
    template Var<float> fn<float>(const Var<float>&);               \
    template Var<double> fn<double>(const Var<double>&);
TG_VAR_UNARY(TG_DEFINE_VAR_UNARY)
TG_VAR_TENSOR_UNARY(TG_DEFINE_VAR_UNARY)
#undef TG_DEFINE_VAR_UNARY
#define TG_DEFINE_TENSOR_UNARY(fn, Op)                              \
    template <class T>                                              \
    Tensor<T> fn(const Tensor<T>& x) {                              \
        return ops::Op::forward(Attrs{}, x);                        \
    }                                                               \
    template Tensor<float> fn<float>(const Tensor<float>&);         \
    template Tensor<double> fn<double>(const Tensor<double>&);
TG_VAR_TENSOR_UNARY(TG_DEFINE_TENSOR_UNARY)
#undef TG_DEFINE_TENSOR_UNARY

template <class T> Var<T> add(const Var<T>& a, const Var<T>& b) { return apply<ops::Add, T>(Attrs{}, a, b); }
template <class T> Var<T> sub(const Var<T>& a, const Var<T>& b) { return apply<ops::Sub, T>(Attrs{}, a, b); }
template <class T> Var<T> mul(const Var<T>& a, const Var<T>& b) { return apply<ops::Mul, T>(Attrs{}, a, b); }
template <class T> Var<T> div(const Var<T>& a, const Var<T>& b) { return apply<ops::Div, T>(Attrs{}, a, b); }
template <class T> Var<T> pow(const Var<T>& a, const Var<T>& b) { return apply<ops::Pow, T>(Attrs{}, a, b); }

template <class T>
Var<T> pow(const Var<T>& x, std::type_identity_t<T> p) {
    Attrs a;
    a.scalar = p;
    return apply<ops::PowScalar, T>(a, x);
}

template <class T>
Var<T> sum(const Var<T>& x, const Shape& axes, bool keepdims) {
    return apply<ops::Sum, T>(ops::axes_attrs(axes, keepdims), x);
}

template <class T>
Var<T> mean(const Var<T>& x, const Shape& axes, bool keepdims) {
    return apply<ops::Mean, T>(ops::axes_attrs(axes, keepdims), x);
}

template <class T>
Var<T> max(const Var<T>& x, int axis, bool keepdims) {
    Attrs a;
    a.axis = normalize_axis(axis, x.dim(), "max");
    a.keepdims = keepdims;
    return apply<ops::MaxAxis, T>(a, x);
}

template <class T>
Var<T> matmul(const Var<T>& a, const Var<T>& b) {
    if (a.dim() == 0 || b.dim() == 0)
        throw ShapeError("matmul: operands must have at least 1 axis: " + a.shape().str() + " @ " + b.shape().str());
    if (a.dim() >= 2 && b.dim() >= 2) return apply<ops::MatMul, T>(Attrs{}, a, b);
    // NumPy promotion of 1-D operands, expressed with reshapes so gradients flow unchanged.
    if (a.dim() == 1 && b.dim() >= 1 && a.shape()[0] != b.shape()[b.dim() >= 2 ? b.dim() - 2 : 0])
        throw ShapeError("matmul: inner dimensions differ: " + a.shape().str() + " @ " + b.shape().str());
    if (b.dim() == 1 && a.shape()[a.dim() - 1] != b.shape()[0])
        throw ShapeError("matmul: inner dimensions differ: " + a.shape().str() + " @ " + b.shape().str());
    const Var<T> a2 = a.dim() == 1 ? reshape(a, {1, a.shape()[0]}) : a;
    const Var<T> b2 = b.dim() == 1 ? reshape(b, {b.shape()[0], 1}) : b;
    const Var<T> y = apply<ops::MatMul, T>(Attrs{}, a2, b2);
    Shape s(std::span<const index_t>(y.shape().data(), static_cast<std::size_t>(y.dim() - 2)));
    if (a.dim() != 1) s.push_back(y.shape()[y.dim() - 2]);
    if (b.dim() != 1) s.push_back(y.shape()[y.dim() - 1]);
    return reshape(y, s);
}

template <class T>
Var<T> reshape(const Var<T>& x, const Shape& shape) {
    if (x.shape() == shape) return x;
    Attrs a;
    a.shape = shape;
    return apply<ops::Reshape, T>(a, x);
}

template <class T>
Var<T> permute(const Var<T>& x, const Shape& perm) {
    return apply<ops::Permute, T>(ops::axes_attrs(perm, false), x);
}

template <class T>
Var<T> transpose(const Var<T>& x, int a, int b) {
    if (x.dim() < 2) throw ShapeError("transpose: needs at least 2 axes, got shape " + x.shape().str());
    Shape perm;
    for (int i = 0; i < x.dim(); ++i) perm.push_back(i);
    std::swap(perm[normalize_axis(a, x.dim(), "transpose")], perm[normalize_axis(b, x.dim(), "transpose")]);
    return permute(x, perm);
}

template <class T>
Var<T> broadcast_to(const Var<T>& x, const Shape& shape) {
    if (x.shape() == shape) return x;
    Attrs a;
    a.shape = shape;
    return apply<ops::BroadcastTo, T>(a, x);
}

template <class T>
Var<T> copy(const Var<T>& x) {
    return apply<ops::Copy, T>(Attrs{}, x);
}

template <class T>
Var<T> detail::engine_add(const Var<T>& a, const Var<T>& b) {
    return add(a, b);
}
template <class T>
Var<T> detail::engine_copy(const Var<T>& x) {
    return copy(x);
}

template <class T>
Var<T> sum_to(const Var<T>& x, const Shape& shape) {
    if (x.shape() == shape) return x;
    Attrs a;
    a.shape = shape;
    return apply<ops::SumTo, T>(a, x);
}

template <class T>
Var<T> slice(const Var<T>& x, int axis, index_t start, index_t stop, index_t step) {
    const int ax = normalize_axis(axis, x.dim(), "slice");
    if (step <= 0) throw IndexError("slice: step must be positive, got " + std::to_string(step));
    const index_t n = x.shape()[ax];
    auto clampi = [n](index_t i) { return std::clamp<index_t>(i < 0 ? i + n : i, 0, n); };
    return apply<ops::Slice, T>(ops::slice_attrs(ax, clampi(start), clampi(stop), step), x);
}

#define TG_INSTANTIATE(T)                                                                \
    template Var<T> add<T>(const Var<T>&, const Var<T>&);                                \
    template Var<T> sub<T>(const Var<T>&, const Var<T>&);                                \
    template Var<T> mul<T>(const Var<T>&, const Var<T>&);                                \
    template Var<T> div<T>(const Var<T>&, const Var<T>&);                                \
    template Var<T> pow<T>(const Var<T>&, const Var<T>&);                                \
    template Var<T> pow<T>(const Var<T>&, std::type_identity_t<T>);                      \
    template Var<T> sum<T>(const Var<T>&, const Shape&, bool);                           \
    template Var<T> mean<T>(const Var<T>&, const Shape&, bool);                          \
    template Var<T> max<T>(const Var<T>&, int, bool);                                    \
    template Var<T> matmul<T>(const Var<T>&, const Var<T>&);                             \
    template Var<T> reshape<T>(const Var<T>&, const Shape&);                             \
    template Var<T> copy<T>(const Var<T>&);                                              \
    template Var<T> detail::engine_add<T>(const Var<T>&, const Var<T>&);                 \
    template Var<T> detail::engine_copy<T>(const Var<T>&);                               \
    template Var<T> permute<T>(const Var<T>&, const Shape&);                             \
    template Var<T> transpose<T>(const Var<T>&, int, int);                               \
    template Var<T> broadcast_to<T>(const Var<T>&, const Shape&);                        \
    template Var<T> sum_to<T>(const Var<T>&, const Shape&);                              \
    template Var<T> slice<T>(const Var<T>&, int, index_t, index_t, index_t);
TG_INSTANTIATE(float)
TG_INSTANTIATE(double)

}  // namespace tg
