#pragma once
// layer_norm with its affine parameters as ONE op: y = normalize(x) w + b over the trailing
// w.shape() axes. Composed (normalize, * w, + b) an iteration makes about 12 passes over x-sized
// memory and 5 temporaries; fused, the forward is the moments plus one pass and the plain
// backward one pass that writes all three cotangents (docs/performance.md, nn family).
//   vjp: xbar = normalize's rule applied to g w;  wbar = sum over rows of g xhat;  bbar = sum of g
//   jvp: dy = normalize's rule applied to dx, times w, + xhat dw + db      (xhat = normalize(x))
// The recorded rules are Var ops (normalize recomputed as an op), so the second order is exact.
#include "norm.hpp"

namespace tg::ops {

struct LayerNorm {
    static constexpr const char* name = "layer_norm";
    static constexpr int arity = 3;
    // Normalize's attributes for the same statistics: the trailing w.dim() axes of x.
    static Attrs stats(const Shape& x, const Shape& w, double eps) {
        Shape axes;
        for (int i = x.size() - w.size(); i < x.size(); ++i) axes.push_back(i);
        return Normalize::over(axes, eps);
    }
    template <class T>
    static Tensor<T> forward(const Attrs& a, const Tensor<T>& x, const Tensor<T>& w, const Tensor<T>& b) {
        const Shape &xs = x.shape(), &ws = w.shape();
        bool ok = xs.size() >= ws.size() && b.shape() == ws;
        for (int i = 0; ok && i < ws.size(); ++i) ok = xs[xs.size() - ws.size() + i] == ws[i];
        if (!ok)
            throw ShapeError("layer_norm: input of shape " + xs.str() + ", weight " + ws.str() + " and bias " +
                             b.shape().str() + ": weight and bias must both have the input's trailing shape");
        return kernels::layer_norm(x, w, b, a.scalar);
    }
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        const Var<T>&x = a.x[0], &w = a.x[1];
        if (plain_mode()) {
            auto g = kernels::layer_norm_vjp(x.value(), w.value(), a.gy.value(), a.attrs.scalar, a.need(0),
                                             a.need(1) || a.need(2));
            if (a.need(0)) c[0] = Var<T>(g.x);
            if (a.need(1)) c[1] = Var<T>(g.w);
            if (a.need(2)) c[2] = Var<T>(g.b);
            return;
        }
        const Attrs s = stats(x.shape(), w.shape(), a.attrs.scalar);
        const Var<T> xhat = apply<Normalize, T>(s, x);
        if (a.need(0)) c[0] = Normalize::rule(x, xhat, a.gy * w, s);
        if (a.need(1)) c[1] = sum_to(a.gy * xhat, w.shape());
        if (a.need(2)) c[2] = sum_to(a.gy, w.shape());
    }
    template <class T>
    static Var<T> jvp(const JvpArgs<T>& a) {
        const Var<T>&x = a.x[0], &w = a.x[1];
        const Attrs s = stats(x.shape(), w.shape(), a.attrs.scalar);
        const Var<T> xhat = apply<Normalize, T>(s, x);
        return tangent_add(
            tangent_add(
                tangent_map(a.dx[0], [&](const Var<T>& d) { return Normalize::rule(x, xhat, d, s) * w; }),
                tangent_map(a.dx[1], [&](const Var<T>& d) { return xhat * d; })),
            a.dx[2]);
    }
    static Attrs with_eps(double eps = 1e-5) {
        Attrs a;
        a.scalar = eps;
        return a;
    }
    static Samples samples() {
        return {sample({{{3, 5}}, {{5}}, {{5}}}, "last axis", with_eps()),
                sample({{{2, 3, 4}}, {{3, 4}}, {{3, 4}}}, "last two axes", with_eps()),
                sample({{{3, 5}, Domain::any, true}, {{5}}, {{5}}}, "transposed view", with_eps(0.1)),
                sample({{{1, 6}}, {{6}}, {{6}}}, "one row", with_eps()),
                sample({{{4}}, {{4}}, {{4}}}, "a single vector", with_eps(0.5)),
                sample({{{0, 4}}, {{4}}, {{4}}}, "empty batch", with_eps())};
    }
};

}  // namespace tg::ops
