#pragma once
// Pooling. Average pooling is linear: its VJP is its transpose and its JVP is itself. Max pooling
// routes each output to one input element (the window's first maximum): its VJP scatters the
// cotangent to those elements and its JVP gathers the tangent from them, both linear ops whose
// routing (Attrs::index) is fixed, so the second derivative through the routing is zero (it is
// piecewise constant in x).
// Attrs::ints = {kh, kw, sh, sw, ph, pw, dh, dw} for max pooling (max_pool_attrs), {kh, kw, sh, sw,
// ph, pw, count_include_pad} for average pooling (avg_pool_attrs), {oh, ow} for adaptive pooling;
// Attrs::shape = the input's shape for the transposes and the scatter.
#include <memory>
#include <utility>

#include "../tensor/pool.hpp"
#include "jvp_util.hpp"
#include "samples.hpp"

namespace tg::ops {

inline Attrs max_pool_attrs(Pool2dParams p) {
    Attrs a;
    a.ints = {p.kh, p.kw, p.sh, p.sw, p.ph, p.pw, p.dh, p.dw};
    return a;
}
inline Attrs avg_pool_attrs(Pool2dParams p) {
    Attrs a;
    a.ints = {p.kh, p.kw, p.sh, p.sw, p.ph, p.pw, p.count_include_pad ? 1 : 0};
    return a;
}
inline Pool2dParams pool_params(const Attrs& a) {
    const Shape& i = a.ints;
    if (i.size() == 8) return {i[0], i[1], i[2], i[3], i[4], i[5], i[6], i[7], true};
    return {i[0], i[1], i[2], i[3], i[4], i[5], 1, 1, i[6] != 0};
}
inline Attrs with_shape(Attrs a, const Shape& s) {
    a.shape = s;
    return a;
}

struct MaxPool2dGather;
struct MaxPool2dScatter;
struct AvgPool2dTranspose;
struct AdaptiveAvgPool2dTranspose;

// y = max over each window     vjp: xbar = scatter(ybar) to each window's maximum
//                              jvp: dy = gather(dx) from each window's maximum
// Ties: the first maximal element in the window's row-major order gets the whole cotangent.
struct MaxPool2d {
    static constexpr const char* name = "max_pool2d";
    static constexpr int arity = 1;
    static constexpr unsigned saves = 1;  // x (the routing); the output is not read
    template <class T>
    static Tensor<T> forward(const Attrs& a, const Tensor<T>& x) {
        return tg::max_pool2d(x, pool_params(a));
    }
    /// Attrs of the gather / scatter along x's window maxima.
    template <class T>
    static Attrs routing(const Attrs& a, const Tensor<T>& x) {
        std::vector<index_t> idx;
        const Tensor<T> y = tg::max_pool2d(x, pool_params(a), &idx);
        Attrs r = with_shape(a, x.shape());
        r.index = std::make_shared<const IndexArray>(IndexArray{y.shape(), std::move(idx)});
        return r;
    }
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        c[0] = apply<MaxPool2dScatter, T>(routing(a.attrs, a.x[0].value()), a.gy);
    }
    template <class T>
    static Var<T> jvp(const JvpArgs<T>& a) {
        return tangent_map(a.dx[0], [&](const Var<T>& d) {
            return apply<MaxPool2dGather, T>(routing(a.attrs, a.x[0].value()), d);
        });
    }
    static Samples samples();
};

// y[n,c,k] = v[n,c,index[n,c,k]]       vjp: vbar = scatter(ybar)     jvp: dy = gather(dv)
struct MaxPool2dGather {
    static constexpr const char* name = "max_pool2d_gather";
    static constexpr int arity = 1;
    static constexpr unsigned saves = 0;
    template <class T>
    static Tensor<T> forward(const Attrs& a, const Tensor<T>& v) {
        return tg::pool_gather(v, a.index->data, a.index->shape);
    }
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        c[0] = apply<MaxPool2dScatter, T>(with_shape(a.attrs, a.x[0].shape()), a.gy);
    }
    template <class T>
    static Var<T> jvp(const JvpArgs<T>& a) {
        return tangent_map(a.dx[0], [&](const Var<T>& d) { return apply<MaxPool2dGather, T>(a.attrs, d); });
    }
    static Samples samples();
};

// x = zeros(shape); x[n,c,index[n,c,k]] += g[n,c,k]    vjp: gbar = gather(xbar)   jvp: dx = scatter(dg)
struct MaxPool2dScatter {
    static constexpr const char* name = "max_pool2d_scatter";
    static constexpr int arity = 1;
    static constexpr unsigned saves = 0;
    template <class T>
    static Tensor<T> forward(const Attrs& a, const Tensor<T>& g) {
        return tg::pool_scatter(g, a.index->data, a.shape);
    }
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        c[0] = apply<MaxPool2dGather, T>(a.attrs, a.gy);
    }
    template <class T>
    static Var<T> jvp(const JvpArgs<T>& a) {
        return tangent_map(a.dx[0], [&](const Var<T>& d) { return apply<MaxPool2dScatter, T>(a.attrs, d); });
    }
    static Samples samples();
};

// y = avg_pool2d(x) (linear)   vjp: xbar = avg_pool2d_transpose(ybar)   jvp: dy = avg_pool2d(dx)
struct AvgPool2d {
    static constexpr const char* name = "avg_pool2d";
    static constexpr int arity = 1;
    static constexpr unsigned saves = 0;
    template <class T>
    static Tensor<T> forward(const Attrs& a, const Tensor<T>& x) {
        return tg::avg_pool2d(x, pool_params(a));
    }
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        c[0] = apply<AvgPool2dTranspose, T>(with_shape(a.attrs, a.x[0].shape()), a.gy);
    }
    template <class T>
    static Var<T> jvp(const JvpArgs<T>& a) {
        return tangent_map(a.dx[0], [&](const Var<T>& d) { return apply<AvgPool2d, T>(a.attrs, d); });
    }
    static Samples samples();
};

// x = avg_pool2d_transpose(g) to Attrs::shape     vjp: gbar = avg_pool2d(xbar)     jvp: itself
struct AvgPool2dTranspose {
    static constexpr const char* name = "avg_pool2d_transpose";
    static constexpr int arity = 1;
    static constexpr unsigned saves = 0;
    template <class T>
    static Tensor<T> forward(const Attrs& a, const Tensor<T>& g) {
        return tg::avg_pool2d_transpose(g, pool_params(a), a.shape[2], a.shape[3]);
    }
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        c[0] = apply<AvgPool2d, T>(a.attrs, a.gy);
    }
    template <class T>
    static Var<T> jvp(const JvpArgs<T>& a) {
        return tangent_map(a.dx[0], [&](const Var<T>& d) { return apply<AvgPool2dTranspose, T>(a.attrs, d); });
    }
    static Samples samples();
};

// y = adaptive_avg_pool2d(x) to ints = {oh, ow}    vjp: its transpose    jvp: itself
struct AdaptiveAvgPool2d {
    static constexpr const char* name = "adaptive_avg_pool2d";
    static constexpr int arity = 1;
    static constexpr unsigned saves = 0;
    template <class T>
    static Tensor<T> forward(const Attrs& a, const Tensor<T>& x) {
        return tg::adaptive_avg_pool2d(x, a.ints[0], a.ints[1]);
    }
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        c[0] = apply<AdaptiveAvgPool2dTranspose, T>(with_shape(a.attrs, a.x[0].shape()), a.gy);
    }
    template <class T>
    static Var<T> jvp(const JvpArgs<T>& a) {
        return tangent_map(a.dx[0], [&](const Var<T>& d) { return apply<AdaptiveAvgPool2d, T>(a.attrs, d); });
    }
    static Samples samples();
};

// x = adaptive_avg_pool2d_transpose(g) to Attrs::shape     vjp: adaptive_avg_pool2d     jvp: itself
struct AdaptiveAvgPool2dTranspose {
    static constexpr const char* name = "adaptive_avg_pool2d_transpose";
    static constexpr int arity = 1;
    static constexpr unsigned saves = 0;
    template <class T>
    static Tensor<T> forward(const Attrs& a, const Tensor<T>& g) {
        return tg::adaptive_avg_pool2d_transpose(g, a.shape[2], a.shape[3]);
    }
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        c[0] = apply<AdaptiveAvgPool2d, T>(a.attrs, a.gy);
    }
    template <class T>
    static Var<T> jvp(const JvpArgs<T>& a) {
        return tangent_map(a.dx[0],
                           [&](const Var<T>& d) { return apply<AdaptiveAvgPool2dTranspose, T>(a.attrs, d); });
    }
    static Samples samples();
};

inline Attrs pool_a(index_t kh, index_t kw, index_t sh, index_t sw, index_t ph = 0, index_t pw = 0,
                    index_t dh = 1, index_t dw = 1) {
    return max_pool_attrs({kh, kw, sh, sw, ph, pw, dh, dw, true});
}
inline Attrs avg_a(index_t kh, index_t kw, index_t sh, index_t sw, index_t ph = 0, index_t pw = 0,
                   bool include_pad = true) {
    return avg_pool_attrs({kh, kw, sh, sw, ph, pw, 1, 1, include_pad});
}
inline Attrs adaptive_a(index_t oh, index_t ow, Shape input = {}) {
    Attrs a;
    a.ints = {oh, ow};
    a.shape = input;
    return a;
}
inline Attrs routing_a(Shape x, Shape y, std::vector<index_t> idx) {
    Attrs a;
    a.shape = x;
    a.index = std::make_shared<const IndexArray>(IndexArray{y, std::move(idx)});
    return a;
}

// Distinct values: no ties, so finite differences see one maximum per window.
inline Samples MaxPool2d::samples() {
    const Domain d = Domain::distinct;
    return {sample({{{2, 3, 4, 4}, d}}, "2x2, stride 2", pool_a(2, 2, 2, 2)),
            sample({{{1, 2, 5, 6}, d}}, "3x3, stride 2, padding 1", pool_a(3, 3, 2, 2, 1, 1)),
            sample({{{1, 2, 7, 6}, d}}, "2x3, stride 1x2, dilation 2x1, padding 1x1",
                   pool_a(2, 3, 1, 2, 1, 1, 2, 1)),
            sample({{{1, 1, 5, 5}, d}}, "overlapping 3x3 windows, stride 1", pool_a(3, 3, 1, 1)),
            sample({{{1, 2, 4, 5}, d, true}}, "transposed view, 2x2, stride 1x2", pool_a(2, 2, 1, 2)),
            sample({{{0, 2, 4, 4}, d}}, "empty batch", pool_a(2, 2, 2, 2))};
}
// Repeated indices: two outputs routed to one element (overlapping windows sharing a maximum).
inline Samples MaxPool2dGather::samples() {
    return {
        sample({{{1, 2, 4, 4}}}, "8 outputs, one index twice",
               routing_a({1, 2, 4, 4}, {1, 2, 2, 2}, {0, 3, 9, 15, 5, 5, 10, 14})),
        sample({{{2, 1, 3, 3}}}, "batch 2", routing_a({2, 1, 3, 3}, {2, 1, 2, 2}, {0, 4, 4, 8, 1, 2, 7, 8}))};
}
inline Samples MaxPool2dScatter::samples() {
    return {
        sample({{{1, 2, 2, 2}}}, "8 outputs, one index twice",
               routing_a({1, 2, 4, 4}, {1, 2, 2, 2}, {0, 3, 9, 15, 5, 5, 10, 14})),
        sample({{{2, 1, 2, 2}}}, "batch 2", routing_a({2, 1, 3, 3}, {2, 1, 2, 2}, {0, 4, 4, 8, 1, 2, 7, 8}))};
}
inline Samples AvgPool2d::samples() {
    return {sample({{{2, 3, 4, 4}}}, "2x2, stride 2", avg_a(2, 2, 2, 2)),
            sample({{{1, 2, 5, 6}}}, "3x3, stride 2, padding 1, count_include_pad", avg_a(3, 3, 2, 2, 1, 1)),
            sample({{{1, 2, 5, 6}}}, "3x3, stride 2, padding 1, pad excluded", avg_a(3, 3, 2, 2, 1, 1, false)),
            sample({{{1, 2, 5, 7}}}, "2x3, stride 1x2, padding 0x1", avg_a(2, 3, 1, 2, 0, 1)),
            sample({{{1, 2, 4, 5}, Domain::any, true}}, "transposed view", avg_a(2, 2, 2, 1))};
}
inline Samples AvgPool2dTranspose::samples() {
    return {
        sample({{{1, 2, 3, 3}}}, "to [1,2,5,6], 3x3, stride 2, padding 1",
               with_shape(avg_a(3, 3, 2, 2, 1, 1), {1, 2, 5, 6})),
        sample({{{1, 2, 3, 3}}}, "the same, pad excluded",
               with_shape(avg_a(3, 3, 2, 2, 1, 1, false), {1, 2, 5, 6})),
        sample({{{2, 1, 2, 2}}}, "to [2,1,4,5], 2x2, stride 2", with_shape(avg_a(2, 2, 2, 2), {2, 1, 4, 5}))};
}
inline Samples AdaptiveAvgPool2d::samples() {
    return {sample({{{1, 2, 5, 7}}}, "5x7 to 3x4 (overlapping windows)", adaptive_a(3, 4)),
            sample({{{2, 3, 4, 4}}}, "global, to 1x1", adaptive_a(1, 1)),
            sample({{{1, 1, 3, 3}}}, "to the same size", adaptive_a(3, 3)),
            sample({{{1, 2, 4, 3}}}, "4x3 to 6x5 (upsampling)", adaptive_a(6, 5)),
            sample({{{1, 2, 4, 5}, Domain::any, true}}, "transposed view, to 2x3", adaptive_a(2, 3))};
}
inline Samples AdaptiveAvgPool2dTranspose::samples() {
    return {sample({{{1, 2, 3, 4}}}, "3x4 to [1,2,5,7]", adaptive_a(3, 4, {1, 2, 5, 7})),
            sample({{{2, 1, 1, 1}}}, "global, to [2,1,3,2]", adaptive_a(1, 1, {2, 1, 3, 2}))};
}

}  // namespace tg::ops
