#pragma once
// Standardization over a set of axes, the core of layer / batch / instance / group norm (their
// affine weight and bias are applied by composition in ops/nn_functions.cpp):
//   y = (x - mu) r,   mu = mean_axes(x),   r = (var_axes(x) + eps)^(-1/2)   (biased variance)
//   vjp: xbar = r (ybar - mean(ybar) - y mean(ybar y))    jvp: dy = r (dx - mean(dx) - y mean(dx y))
// The variance is two-pass (never E[x^2] - E[x]^2) and accumulated in double by the kernel; the
// recorded rules recompute r with Var ops, so the second order is exact.
#include "../tensor/math.hpp"
#include "jvp_util.hpp"
#include "nn_kernels.hpp"
#include "samples.hpp"

namespace tg::ops {

struct Normalize {
    static constexpr const char* name = "normalize";
    static constexpr int arity = 1;
    template <class T>
    static Tensor<T> forward(const Attrs& a, const Tensor<T>& x) {
        return kernels::normalize(x, a.axes, a.scalar);
    }
    template <class T>
    static Var<T> rstd(const Var<T>& x, const Attrs& a) {
        const Var<T> d = x - mean(x, a.axes, true);
        return pow(mean(d * d, a.axes, true) + T(a.scalar), T(-0.5));
    }
    template <class T>
    static Var<T> rule(const Var<T>& x, const Var<T>& y, const Var<T>& g, const Attrs& a) {
        return rstd(x, a) * (g - mean(g, a.axes, true) - y * mean(g * y, a.axes, true));
    }
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        if (plain_mode()) {
            c[0] = Var<T>(kernels::normalize_vjp(a.x[0].value(), a.y.value(), a.gy.value(), a.attrs.axes,
                                                 a.attrs.scalar));
            return;
        }
        c[0] = rule(a.x[0], a.y, a.gy, a.attrs);
    }
    template <class T>
    static Var<T> jvp(const JvpArgs<T>& a) {
        return tangent_map(a.dx[0], [&](const Var<T>& d) { return rule(a.x[0], a.y, d, a.attrs); });
    }
    static Attrs over(Shape axes, double eps = 1e-5) {
        Attrs a;
        a.axes = axes;
        a.scalar = eps;
        return a;
    }
    static Samples samples() {
        return {sample({{{3, 5}}}, "last axis (layer norm)", over({1})),
                sample({{{2, 3, 4}}}, "last two axes", over({1, 2})),
                sample({{{4, 3, 2, 2}}}, "N, H, W of NCHW (batch norm)", over({0, 2, 3})),
                sample({{{2, 3, 4}}}, "middle axis (kept axes not one run)", over({1}, 0.1)),
                sample({{{5, 3}, Domain::any, true}}, "transposed view, axis 0", over({0})),
                sample({{{3, 4}}}, "all axes, large eps", over({}, 0.5)),
                sample({{{0, 4}}}, "empty batch", over({1}))};
    }
};

}  // namespace tg::ops
