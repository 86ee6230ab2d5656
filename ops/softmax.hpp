#pragma once
// The softmax family along one axis (logsumexp: any set of axes), shifted by the maximum so that
// logits of 1e4 give finite values and gradients. Fused row kernels (ops/nn_kernels.cpp) run the
// forward and, in plain sweeps, the VJP; the recorded rules below use Var ops (second order).
#include "../tensor/math.hpp"
#include "jvp_util.hpp"
#include "nn_kernels.hpp"
#include "reduce.hpp"
#include "samples.hpp"

namespace tg::ops {

inline Attrs axis_attrs(int axis) {
    Attrs a;
    a.axis = axis;
    return a;
}

inline Samples softmax_samples() {
    return {sample({{{3, 5}}}, "axis -1", axis_attrs(-1)),
            sample({{{3, 5}}}, "axis 0", axis_attrs(0)),
            sample({{{2, 3, 4}}}, "3-D, middle axis", axis_attrs(1)),
            sample({{{6}}}, "1-D", axis_attrs(0)),
            sample({{{4, 3}, Domain::any, true}}, "transposed view, axis 1", axis_attrs(1)),
            sample({{{1, 1}}}, "one class", axis_attrs(1)),
            sample({{{0, 3}}}, "empty batch", axis_attrs(1))};
}

// y = exp(x) / sum_axis exp(x)   vjp: xbar = y (ybar - sum(ybar y))   jvp: dy = y (dx - sum(dx y))
struct Softmax {
    static constexpr const char* name = "softmax";
    static constexpr int arity = 1;
    static constexpr unsigned saves = detail::saves_output;  // the rules read y only
    template <class T>
    static Tensor<T> forward(const Attrs& a, const Tensor<T>& x) {
        return kernels::softmax(x, normalize_axis(a.axis, x.dim(), name));
    }
    template <class T>
    static Var<T> rule(const Var<T>& y, const Var<T>& d, const Attrs& a) {
        return y * (d - sum(d * y, Shape{a.axis}, true));
    }
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        if (plain_mode()) {
            c[0] = Var<T>(kernels::softmax_vjp(a.y.value(), a.gy.value(),
                                               normalize_axis(a.attrs.axis, a.y.dim(), name)));
            return;
        }
        c[0] = rule(a.y, a.gy, a.attrs);
    }
    template <class T>
    static Var<T> jvp(const JvpArgs<T>& a) {
        return tangent_map(a.dx[0], [&](const Var<T>& d) { return rule(a.y, d, a.attrs); });
    }
    static Samples samples() { return softmax_samples(); }
};

// y = x - log sum_axis exp(x)   vjp: xbar = ybar - exp(y) sum(ybar)   jvp: dy = dx - sum(exp(y) dx)
struct LogSoftmax {
    static constexpr const char* name = "log_softmax";
    static constexpr int arity = 1;
    static constexpr unsigned saves = detail::saves_output;
    template <class T>
    static Tensor<T> forward(const Attrs& a, const Tensor<T>& x) {
        return kernels::log_softmax(x, normalize_axis(a.axis, x.dim(), name));
    }
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        if (plain_mode()) {
            c[0] = Var<T>(kernels::log_softmax_vjp(a.y.value(), a.gy.value(),
                                                   normalize_axis(a.attrs.axis, a.y.dim(), name)));
            return;
        }
        c[0] = a.gy - exp(a.y) * sum(a.gy, Shape{a.attrs.axis}, true);
    }
    template <class T>
    static Var<T> jvp(const JvpArgs<T>& a) {
        return tangent_map(a.dx[0],
                           [&](const Var<T>& d) { return d - sum(exp(a.y) * d, Shape{a.attrs.axis}, true); });
    }
    static Samples samples() { return softmax_samples(); }
};

// y = log sum_axes exp(x)   vjp: xbar = ybar exp(x - y)   jvp: dy = sum_axes(exp(x - y) dx)
// (ybar and y reshaped to the keepdims shape and broadcast over the reduced axes)
struct LogSumExp {
    static constexpr const char* name = "logsumexp";
    static constexpr int arity = 1;
    template <class T>
    static Tensor<T> forward(const Attrs& a, const Tensor<T>& x) {
        return kernels::logsumexp(x, a.axes, a.keepdims);
    }
    template <class T, class A>
    static Var<T> kept(const Var<T>& v, const A& a) {
        return reshape(v, kept_shape(a.x[0].shape(), a.attrs));
    }
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        if (plain_mode()) {
            const Shape k = kept_shape(a.x[0].shape(), a.attrs);
            c[0] = Var<T>(
                kernels::logsumexp_vjp(a.x[0].value(), a.y.value().reshape(k), a.gy.value().reshape(k)));
            return;
        }
        c[0] = kept(a.gy, a) * exp(a.x[0] - kept(a.y, a));
    }
    template <class T>
    static Var<T> jvp(const JvpArgs<T>& a) {
        return tangent_map(a.dx[0], [&](const Var<T>& d) {
            return sum(exp(a.x[0] - kept(a.y, a)) * d, a.attrs.axes, a.attrs.keepdims);
        });
    }
    static Samples samples() {
        Samples s = reduce_samples();
        s.push_back(sample({{{2, 3, 4}}}, "axes 2,0 (unordered)", axes_attrs({2, 0}, false)));
        return s;
    }
};

}  // namespace tg::ops
