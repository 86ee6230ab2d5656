#pragma once
// Jacobians, Hessian-vector products and Hessians of functions of one tensor.
//   jacfwd: one forward-mode pass per input element (cheap when inputs are few);
//   jacrev: one reverse sweep per output element over a graph recorded once;
//   jacobian: whichever needs fewer passes.
//   hvp: reverse-over-reverse by default (record the gradient, differentiate <grad, v>): measured
//        1.3x faster than forward-over-reverse (one pass carrying v through the backward sweep,
//        which computes a tangent beside every op of both passes) on Rosenbrock, n = 10,000
//        (bench_tensor_ad, docs/performance.md). Forward-over-reverse on request.
//   hessian: reverse-over-reverse: the gradient is recorded once (create_graph) and swept once
//        per input element.
// Results have shape y.shape ++ x.shape (Jacobian) and x.shape ++ x.shape (Hessian).
#include <utility>

#include "../autodiff/gradients.hpp"
#include "../ops/functions.hpp"
#include "functional.hpp"

namespace tg {

namespace detail {
template <class T>
Tensor<T> basis(const Shape& shape, index_t j) {
    Tensor<T> e(shape);
    e.data()[j] = T(1);
    return e;
}
inline Shape concat(const Shape& a, const Shape& b) {
    Shape s = a;
    for (index_t d : b) s.push_back(d);
    return s;
}
template <class T>
void require_scalar(const Var<T>& y, const char* api) {
    if (y.numel() != 1)
        throw AutogradError(std::string(api) + ": f must return a one-element Var, got shape " + y.shape().str());
}
}  // namespace detail

/// Jacobian by forward mode. f: (const Var<T>&) -> Var<T>.
template <class T, class F>
Tensor<T> jacfwd(F&& f, const Tensor<T>& x) {
    const index_t n = x.numel();
    Tensor<T> y0;
    std::vector<Tensor<T>> cols;
    for (index_t j = 0; j < n; ++j) {
        auto [y, dy] = jvp<T>(f, x, detail::basis<T>(x.shape(), j));
        y0 = y;
        cols.push_back(dy);
    }
    if (n == 0) {
        NoGrad g;
        y0 = f(Var<T>(x)).value();
    }
    const index_t m = y0.numel();
    Tensor<T> J(detail::concat(y0.shape(), x.shape()));
    T* out = J.data();
    for (index_t j = 0; j < n; ++j) {
        const T* col = std::as_const(cols[static_cast<std::size_t>(j)]).data();
        for (index_t i = 0; i < m; ++i) out[i * n + j] = col[i];
    }
    return J;
}

/// Jacobian by reverse mode. f: (const Var<T>&) -> Var<T>.
template <class T, class F>
Tensor<T> jacrev(F&& f, const Tensor<T>& x) {
    auto [y, pull] = vjp<T>(f, x);
    const index_t m = y.numel(), n = x.numel();
    Tensor<T> J(detail::concat(y.shape(), x.shape()));
    for (index_t i = 0; i < m; ++i) {
        const Tensor<T> row = pull(detail::basis<T>(y.shape(), i)).contiguous();
        std::copy(row.data(), row.data() + n, J.data() + i * n);
    }
    return J;
}

/// Jacobian, by forward mode when x has no more elements than f(x), else by reverse mode.
template <class T, class F>
Tensor<T> jacobian(F&& f, const Tensor<T>& x) {
    index_t m;
    {
        NoGrad g;
        m = f(Var<T>(x)).numel();
    }
    return x.numel() <= m ? jacfwd<T>(f, x) : jacrev<T>(f, x);
}

enum class HvpMode { forward_over_reverse, reverse_over_reverse };

/// H v for a scalar f, without forming H. f: (const Var<T>&) -> Var<T> with one element.
/// @throws AutogradError if f is not scalar; ShapeError if v's shape differs from x's.
template <class T, class F>
Tensor<T> hvp(F&& f, const Tensor<T>& x, const Tensor<T>& v, HvpMode mode = HvpMode::reverse_over_reverse) {
    if (!(v.shape() == x.shape()))
        throw ShapeError("hvp: v has shape " + v.shape().str() + " but x has shape " + x.shape().str());
    TapeScope<T> scope;
    EnableGrad on;
    Var<T> leaf(x, true);
    if (mode == HvpMode::forward_over_reverse) {
        ForwardScope forward;
        set_tangent(leaf, Var<T>(v));
        const Var<T> y = f(static_cast<const Var<T>&>(leaf));
        detail::require_scalar(y, "hvp");
        if (!y.requires_grad()) return Tensor<T>(x.shape());
        const Var<T> g = gradients(y, {leaf}, ones<T>(y.shape()))[0];
        const Var<T> hv = tangent_of(g);
        return hv.defined() ? hv.value().broadcast_to(x.shape()).contiguous() : Tensor<T>(x.shape());
    }
    const Var<T> y = f(static_cast<const Var<T>&>(leaf));
    detail::require_scalar(y, "hvp");
    if (!y.requires_grad()) return Tensor<T>(x.shape());
    const Var<T> g = gradients(y, {leaf}, ones<T>(y.shape()), {.create_graph = true})[0];
    const Var<T> s = sum(g * Var<T>(v));
    if (!s.requires_grad()) return Tensor<T>(x.shape());
    return gradients(s, {leaf}, ones<T>(s.shape()))[0].value().contiguous();
}

/// The Hessian of a scalar f, shape x.shape ++ x.shape.
/// @throws AutogradError if f is not scalar.
template <class T, class F>
Tensor<T> hessian(F&& f, const Tensor<T>& x) {
    TapeScope<T> scope;
    EnableGrad on;
    Var<T> leaf(x, true);
    const Var<T> y = f(static_cast<const Var<T>&>(leaf));
    detail::require_scalar(y, "hessian");
    const index_t n = x.numel();
    Tensor<T> H(detail::concat(x.shape(), x.shape()));
    if (!y.requires_grad()) return H;
    const Var<T> g = gradients(y, {leaf}, ones<T>(y.shape()), {.create_graph = true})[0];
    if (!g.requires_grad()) return H;  // f is affine in x
    for (index_t i = 0; i < n; ++i) {
        const Tensor<T> row =
            gradients(g, {leaf}, detail::basis<T>(x.shape(), i), {.keep_graph = true})[0].value().contiguous();
        std::copy(row.data(), row.data() + n, H.data() + i * n);
    }
    return H;
}

}  // namespace tg
