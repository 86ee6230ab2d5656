#pragma once
// Reductions. Their VJPs broadcast the cotangent back over the reduced axes.
#include "../tensor/math.hpp"
#include "jvp_util.hpp"
#include "samples.hpp"

namespace tg::ops {

/// x's shape with the reduced axes set to 1 (the keepdims shape).
inline Shape kept_shape(const Shape& x, const Attrs& a) {
    Shape k = x;
    if (a.axes.empty()) return Shape::filled(x.size(), 1);
    for (index_t ax : a.axes) k[normalize_axis(ax, x.size(), "sum")] = 1;
    return k;
}

inline Samples reduce_samples() {
    return {sample({{{3, 4}}}, "all axes", axes_attrs({}, false)),
            sample({{{3, 4}}}, "axis 0", axes_attrs({0}, false)),
            sample({{{3, 4}}}, "axis -1 keepdims", axes_attrs({-1}, true)),
            sample({{{2, 3, 4}}}, "axes 0,2", axes_attrs({0, 2}, false)),
            sample({{{2, 3, 4}}}, "axes 1,2 keepdims", axes_attrs({1, 2}, true)),
            sample({{{}}}, "scalar", axes_attrs({}, false)),
            sample({{{4, 3}, Domain::any, true}}, "transposed, axis 1", axes_attrs({1}, false))};
}

// y = sum_{axes} x      vjp: xbar = broadcast(ybar)      jvp: dy = sum_{axes} dx
struct Sum {
    static constexpr const char* name = "sum";
    static constexpr int arity = 1;
    static constexpr unsigned saves = 0;  // the VJP reads shapes only
    template <class T> static Tensor<T> forward(const Attrs& a, const Tensor<T>& x) {
        return tg::sum(x, a.axes, a.keepdims);
    }
    template <class T> static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        c[0] = broadcast_to(reshape(a.gy, kept_shape(a.x[0].shape(), a.attrs)), a.x[0].shape());
    }
    template <class T> static Var<T> jvp(const JvpArgs<T>& a) {
        return tangent_map(a.dx[0], [&](const Var<T>& d) { return sum(d, a.attrs.axes, a.attrs.keepdims); });
    }
    static Samples samples() { return reduce_samples(); }
};

// y = mean_{axes} x     vjp: xbar = broadcast(ybar) / n    jvp: dy = mean_{axes} dx
struct Mean {
    static constexpr const char* name = "mean";
    static constexpr int arity = 1;
    static constexpr unsigned saves = 0;  // the VJP reads shapes only
    template <class T> static Tensor<T> forward(const Attrs& a, const Tensor<T>& x) {
        return tg::mean(x, a.axes, a.keepdims);
    }
    template <class T> static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        const Shape& xs = a.x[0].shape();
        const T n = static_cast<T>(xs.numel() / std::max<index_t>(a.y.numel(), 1));
        c[0] = broadcast_to(reshape(a.gy, kept_shape(xs, a.attrs)), xs) / n;
    }
    template <class T> static Var<T> jvp(const JvpArgs<T>& a) {
        return tangent_map(a.dx[0], [&](const Var<T>& d) { return mean(d, a.attrs.axes, a.attrs.keepdims); });
    }
    static Samples samples() { return reduce_samples(); }
};

// y = max_axis x        vjp: xbar = onehot(argmax) * broadcast(ybar)     jvp: dy = sum(onehot * dx)
// Ties: the whole cotangent goes to the first maximal element (a valid subgradient).
struct MaxAxis {
    static constexpr const char* name = "max";
    static constexpr int arity = 1;
    template <class T> static Tensor<T> forward(const Attrs& a, const Tensor<T>& x) {
        return tg::max(x, a.axis, a.keepdims);
    }
    template <class T> static Var<T> mask(const Var<T>& x, const Attrs& a) {
        return Var<T>(tg::argmax_mask(x.value(), a.axis));
    }
    template <class T> static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        Shape k = a.x[0].shape();
        k[normalize_axis(a.attrs.axis, k.size(), "max")] = 1;
        c[0] = mask(a.x[0], a.attrs) * reshape(a.gy, k);
    }
    template <class T> static Var<T> jvp(const JvpArgs<T>& a) {
        return tangent_map(a.dx[0], [&](const Var<T>& d) {
            return sum(mask(a.x[0], a.attrs) * d, Shape{a.attrs.axis}, a.attrs.keepdims);
        });
    }
    static Samples samples() {
        auto ax = [](int axis, bool keep) {
            Attrs a;
            a.axis = axis;
            a.keepdims = keep;
            return a;
        };
        return {sample({{{3, 4}, Domain::distinct}}, "axis 0", ax(0, false)),
                sample({{{3, 4}, Domain::distinct}}, "axis -1 keepdims", ax(-1, true)),
                sample({{{2, 3, 4}, Domain::distinct}}, "3-D axis 1", ax(1, false)),
                sample({{{5}, Domain::distinct}}, "1-D", ax(0, false)),
                sample({{{4, 3}, Domain::distinct, true}}, "transposed, axis 1", ax(1, false))};
    }
};

}  // namespace tg::ops
