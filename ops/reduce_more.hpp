#pragma once
// More reductions and scans: var, std, prod, cumsum, cumprod, amax / amin (several axes, ties split
// evenly), the Euclidean norm. Kernels: tensor/shape_index.cpp; the recorded VJPs are written with
// differentiable ops, the plain sweeps of prod and cumprod use the fused division-free kernels.
#include "../tensor/shape_index.hpp"
#include "reduce.hpp"
#include "shape_index_functions.hpp"
#include "shape_ops.hpp"

namespace tg::ops {

/// Elements per group of a reduction over a.axes (all when empty).
inline index_t group_size(const Shape& x, const Attrs& a) {
    const Shape k = kept_shape(x, a);
    index_t n = 1;
    for (int i = 0; i < x.size(); ++i)
        if (k[i] != x[i] || a.axes.empty()) n *= x[i];
    return n;
}

inline Attrs var_attrs(Shape axes, bool keepdims, double correction) {
    Attrs a = axes_attrs(axes, keepdims);
    a.scalar = correction;
    return a;
}

inline Samples var_samples() {
    return {sample({{{3, 4}}}, "all axes, unbiased", var_attrs({}, false, 1)),
            sample({{{3, 4}}}, "axis 1, biased", var_attrs({1}, false, 0)),
            sample({{{2, 3, 4}}}, "axes 0,2 keepdims", var_attrs({0, 2}, true, 1)),
            sample({{{4, 3}, Domain::any, true}}, "transposed, axis 0", var_attrs({0}, false, 1)),
            sample({{{2, 5}, Domain::positive}}, "positive, axis -1", var_attrs({-1}, false, 1))};
}

// c = (x - s) - mean(x - s) over the groups, s each group's first element (a constant): the same
// function as x - mean(x) and the same derivatives, but exactly 0 for a constant group.
template <class T>
Var<T> centered(const Var<T>& x, const Attrs& a) {
    const Var<T> d = x - Var<T>(tg::group_first(x.value(), a.axes));
    return d - mean(d, a.axes, true);
}

// y = sum(c^2) / (n - correction)      vjp: xbar = ybar 2 c / (n - correction)
// jvp: dy = 2 sum(c dx) / (n - correction)    (sum(c) = 0 drops the mean of dx)
struct Variance {
    static constexpr const char* name = "var";
    static constexpr int arity = 1;
    template <class T>
    static Tensor<T> forward(const Attrs& a, const Tensor<T>& x) {
        return tg::var(x, a.axes, a.scalar, a.keepdims);
    }
    template <class T>
    static T scale(const Var<T>& x, const Attrs& a) {
        return static_cast<T>(2 / (static_cast<double>(group_size(x.shape(), a)) - a.scalar));
    }
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        c[0] = reshape(a.gy, kept_shape(a.x[0].shape(), a.attrs)) * centered(a.x[0], a.attrs) *
               scale(a.x[0], a.attrs);
    }
    template <class T>
    static Var<T> jvp(const JvpArgs<T>& a) {
        return tangent_map(a.dx[0], [&](const Var<T>& d) {
            return sum(centered(a.x[0], a.attrs) * d, a.attrs.axes, a.attrs.keepdims) * scale(a.x[0], a.attrs);
        });
    }
    static Samples samples() { return var_samples(); }
};

// y = sqrt(var)     vjp: xbar = ybar c / ((n - correction) y)     jvp: dy = sum(c dx) / ((n - correction) y)
// At zero variance c is exactly 0 and the rule divides by 1 instead of y: the gradient is 0 (the
// smallest subgradient of the norm ||c|| / sqrt(n - correction) there), never NaN.
struct StdDev {
    static constexpr const char* name = "std";
    static constexpr int arity = 1;
    template <class T>
    static Tensor<T> forward(const Attrs& a, const Tensor<T>& x) {
        return tg::sqrt(tg::var(x, a.axes, a.scalar, a.keepdims));
    }
    template <class T>
    static Var<T> denominator(const Var<T>& x, const Var<T>& y, const Attrs& a) {
        const Var<T> k = reshape(y, kept_shape(x.shape(), a));
        const T dof = static_cast<T>(static_cast<double>(group_size(x.shape(), a)) - a.scalar);
        return (k + Var<T>(tg::equal(k.value(), Tensor<T>::scalar(T(0))))) * dof;
    }
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        c[0] = reshape(a.gy, kept_shape(a.x[0].shape(), a.attrs)) * centered(a.x[0], a.attrs) /
               denominator(a.x[0], a.y, a.attrs);
    }
    template <class T>
    static Var<T> jvp(const JvpArgs<T>& a) {
        return tangent_map(a.dx[0], [&](const Var<T>& d) {
            return reshape(sum(centered(a.x[0], a.attrs) * d, a.attrs.axes, true) /
                               denominator(a.x[0], a.y, a.attrs),
                           a.y.shape());
        });
    }
    static Samples samples() { return var_samples(); }
};

// y = prod x over axes      vjp: xbar = ybar * (product of the other elements of the group)
// jvp: dy = sum(others * dx). `others` never divides by x: exclusive prefix and suffix products,
// so one zero (its own gradient is the product of the rest) and two zeros (all gradients 0) are exact.
struct Prod {
    static constexpr const char* name = "prod";
    static constexpr int arity = 1;
    template <class T>
    static Tensor<T> forward(const Attrs& a, const Tensor<T>& x) {
        return tg::prod(x, a.axes, a.keepdims);
    }
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        const Var<T> gy = reshape(a.gy, kept_shape(a.x[0].shape(), a.attrs));
        if (plain_mode()) c[0] = Var<T>(tg::prod_vjp(a.x[0].value(), a.attrs.axes, gy.value()));
        else c[0] = gy * detail::others_product(a.x[0], a.attrs.axes);
    }
    template <class T>
    static Var<T> jvp(const JvpArgs<T>& a) {
        return tangent_map(a.dx[0], [&](const Var<T>& d) {
            const Tensor<T> others = tg::prod_vjp(a.x[0].value(), a.attrs.axes,
                                                  ones<T>(kept_shape(a.x[0].shape(), a.attrs)));
            return sum(Var<T>(others) * d, a.attrs.axes, a.attrs.keepdims);
        });
    }
    static Samples samples() {
        return {sample({{{3, 4}, Domain::some_zeros}}, "axis 1, one zero per row", axes_attrs({1}, false)),
                sample({{{2, 7}, Domain::some_zeros}}, "axis -1, two zeros per row", axes_attrs({-1}, true)),
                sample({{{4, 3}, Domain::some_zeros}}, "axis 0: no zero, one, two", axes_attrs({0}, false)),
                sample({{{5}, Domain::some_zeros}}, "1-D, one zero", axes_attrs({}, false)),
                sample({{{2, 3, 2}}}, "axes 0,2, no zeros", axes_attrs({0, 2}, false)),
                sample({{{4, 3}, Domain::nonzero, true}}, "transposed, axis 1", axes_attrs({1}, false)),
                sample({{{2, 1}}}, "groups of one", axes_attrs({1}, false))};
    }
};

inline Attrs scan_attrs(int axis, index_t direction = 1) {
    Attrs a;
    a.axis = axis;
    a.step = direction;
    return a;
}

// y_k = sum_{j<=k} x_j (step = -1: sum_{j>=k}, from the end)
// vjp: xbar = the same scan in the other direction      jvp: dy = cumsum(dx)
struct Cumsum : Linear<Cumsum> {
    static constexpr const char* name = "cumsum";
    template <class T>
    static Tensor<T> forward(const Attrs& a, const Tensor<T>& x) {
        return tg::cumsum(x, a.axis, a.step < 0);
    }
    template <class T>
    static Var<T> apply_to(const Var<T>& d, const Attrs& a) {
        return apply<Cumsum, T>(a, d);
    }
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        Attrs t = a.attrs;
        t.step = -t.step;
        c[0] = apply<Cumsum, T>(t, a.gy);
    }
    static Samples samples() {
        return {sample({{{5}}}, "1-D", scan_attrs(0)), sample({{{3, 4}}}, "axis 1", scan_attrs(1)),
                sample({{{3, 4}}}, "axis 0 reversed", scan_attrs(0, -1)),
                sample({{{4, 3}, Domain::any, true}}, "transposed, axis 1", scan_attrs(1)),
                sample({{{0, 3}}}, "empty", scan_attrs(0))};
    }
};

// y_k = prod_{j<=k} x_j     jvp: dy_k = dy_{k-1} x_k + y_{k-1} dx_k
// vjp: xbar_k = y_{k-1} S_k, S_k = ybar_k + x_{k+1} S_{k+1} (plain sweeps, O(n), no division).
// Recorded (create_graph): xbar_k = y_{k-1} sum_{i>=k} ybar_i prod_{k<j<=i} x_j, as a cumprod over
// an (n, n) table, O(n^2) per scanned line: differentiable again, exact with zeros.
struct Cumprod {
    static constexpr const char* name = "cumprod";
    static constexpr int arity = 1;
    template <class T>
    static Tensor<T> forward(const Attrs& a, const Tensor<T>& x) {
        return tg::cumprod(x, a.axis);
    }
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        if (plain_mode())
            c[0] = Var<T>(tg::cumprod_vjp(a.x[0].value(), a.y.value(), a.gy.value(), a.attrs.axis));
        else c[0] = detail::cumprod_vjp_recorded(a.x[0], a.y, a.gy, a.attrs.axis);
    }
    template <class T>
    static Var<T> jvp(const JvpArgs<T>& a) {
        return tangent_map(a.dx[0], [&](const Var<T>& d) {
            return Var<T>(tg::cumprod_jvp(a.x[0].value(), a.y.value(), d.value(), a.attrs.axis));
        });
    }
    static Samples samples() {
        return {sample({{{5}, Domain::some_zeros}}, "1-D, one zero", scan_attrs(0)),
                sample({{{2, 7}, Domain::some_zeros}}, "axis 1, two zeros per row", scan_attrs(1)),
                sample({{{4, 3}, Domain::some_zeros}}, "axis 0: no zero, one, two", scan_attrs(0)),
                sample({{{3, 4}}}, "axis 1, no zeros", scan_attrs(1)),
                sample({{{4, 3}, Domain::nonzero, true}}, "transposed, axis 0", scan_attrs(0)),
                sample({{{0, 3}}}, "empty", scan_attrs(0))};
    }
};

// y = max (or min) over axes      vjp: xbar = w ybar      jvp: dy = sum(w dx)
// w = 1/k on each of the k elements equal to the extreme of their group (ties split evenly, so
// the gradient is the same whichever tied element a kernel meets first), 0 elsewhere.
template <bool IsMax>
struct Extreme {
    static constexpr int arity = 1;
    template <class T>
    static Tensor<T> forward(const Attrs& a, const Tensor<T>& x) {
        return IsMax ? tg::amax(x, a.axes, a.keepdims) : tg::amin(x, a.axes, a.keepdims);
    }
    template <class T>
    static Var<T> weights(const Var<T>& x, const Var<T>& y, const Attrs& a) {
        const Tensor<T> hit = tg::equal(x.value(), y.value().reshape(kept_shape(x.shape(), a)));
        return Var<T>(tg::div(hit, tg::sum(hit, a.axes, true)));
    }
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        c[0] = weights(a.x[0], a.y, a.attrs) * reshape(a.gy, kept_shape(a.x[0].shape(), a.attrs));
    }
    template <class T>
    static Var<T> jvp(const JvpArgs<T>& a) {
        return tangent_map(a.dx[0], [&](const Var<T>& d) {
            return sum(weights(a.x[0], a.y, a.attrs) * d, a.attrs.axes, a.attrs.keepdims);
        });
    }
    static Samples samples() {
        return {sample({{{3, 4}, Domain::distinct}}, "all", axes_attrs({}, false)),
                sample({{{3, 4}, Domain::distinct}}, "axis 1 keepdims", axes_attrs({1}, true)),
                sample({{{2, 3, 4}, Domain::distinct}}, "axes 0,2", axes_attrs({0, 2}, false)),
                sample({{{4, 3}, Domain::distinct, true}}, "transposed, axis 0", axes_attrs({0}, false)),
                sample({{{}, Domain::distinct}}, "scalar", axes_attrs({}, false))};
    }
};
struct Amax : Extreme<true> {
    static constexpr const char* name = "amax";
};
struct Amin : Extreme<false> {
    static constexpr const char* name = "amin";
};

// y = ||x||_2 over axes (scaled: no overflow)      vjp: xbar = ybar x / y      jvp: dy = sum(x dx) / y
// At y = 0 the rule divides by 1 instead: the gradient is 0 (the smallest subgradient), never NaN.
struct Norm2 {
    static constexpr const char* name = "norm";
    static constexpr int arity = 1;
    template <class T>
    static Tensor<T> forward(const Attrs& a, const Tensor<T>& x) {
        return tg::norm2(x, a.axes, a.keepdims);
    }
    template <class T>
    static Var<T> safe(const Var<T>& y, const Var<T>& x, const Attrs& a) {
        const Var<T> k = reshape(y, kept_shape(x.shape(), a));
        return k + Var<T>(tg::equal(k.value(), Tensor<T>::scalar(T(0))));
    }
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        c[0] = reshape(a.gy, kept_shape(a.x[0].shape(), a.attrs)) * a.x[0] / safe(a.y, a.x[0], a.attrs);
    }
    template <class T>
    static Var<T> jvp(const JvpArgs<T>& a) {
        return tangent_map(a.dx[0], [&](const Var<T>& d) {
            return reshape(sum(a.x[0] * d, a.attrs.axes, true) / safe(a.y, a.x[0], a.attrs), a.y.shape());
        });
    }
    static Samples samples() {
        return {sample({{{3, 4}}}, "all", axes_attrs({}, false)),
                sample({{{3, 4}}}, "axis 1 keepdims", axes_attrs({1}, true)),
                sample({{{2, 3, 4}}}, "axes -2,-1 (Frobenius per batch)", axes_attrs({-2, -1}, false)),
                sample({{{4, 3}, Domain::any, true}}, "transposed, axis 0", axes_attrs({0}, false)),
                sample({{{}, Domain::nonzero}}, "scalar", axes_attrs({}, false))};
    }
};

}  // namespace tg::ops
