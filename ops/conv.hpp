#pragma once
// Convolution: three bilinear ops that are each other's adjoints, so every VJP and JVP is written
// with the other two and differentiates again (double backward, forward-over-reverse).
//   y  = conv2d(x, w)              B(x, w, y') = <conv2d(x, w), y'>
//   z  = conv_transpose2d(g, w)    = d/dx B(x, w, g)    (the adjoint of conv2d in x)
//   gw = conv2d_weight(x, gy)      = d/dw B(x, w, gy)   (the adjoint of conv2d in w)
// Attrs::ints = {sh, sw, ph, pw, dh, dw, groups} (conv_attrs); Attrs::shape = the target: the
// output's spatial size {H, W} for conv_transpose2d (output_padding follows from it), the kernel
// size {kh, kw} for conv2d_weight.
#include "../tensor/conv.hpp"
#include "jvp_util.hpp"
#include "samples.hpp"

namespace tg::ops {

inline Attrs conv_attrs(Conv2dParams p, Shape target = {}) {
    Attrs a;
    a.ints = {p.sh, p.sw, p.ph, p.pw, p.dh, p.dw, p.groups};
    a.shape = target;
    return a;
}
inline Conv2dParams conv_params(const Attrs& a) {
    const Shape& i = a.ints;
    return {i[0], i[1], i[2], i[3], i[4], i[5], i[6]};
}
inline Attrs with_target(Attrs a, Shape target) {
    a.shape = target;
    return a;
}
/// conv_transpose2d's parameters with the output_padding that gives the target size {H, W} for
/// input g and weight w (the tensor kernel refuses one outside [0, stride)).
inline Conv2dParams transpose_params(const Attrs& a, const Shape& g, const Shape& w) {
    Conv2dParams p = conv_params(a);
    if (g.size() == 4 && w.size() == 4 && a.shape.size() == 2) {
        // Checked: parameters near int64's limits are an error, never a wrapped (undefined) size.
        const char* op = "conv_transpose2d";
        auto sub = [&](index_t x, index_t y) {
            index_t r;
            if (__builtin_sub_overflow(x, y, &r)) [[unlikely]]
                index_overflow(op, x, '-', y);
            return r;
        };
        auto extent = [&](index_t gi, index_t s, index_t pad, index_t d, index_t wi) {
            const index_t span = checked_add(checked_mul(gi - 1, s, op), checked_mul(d, wi - 1, op), op);
            return checked_add(sub(span, checked_mul(2, pad, op)), 1, op);
        };
        p.oph = sub(a.shape[0], extent(g[2], p.sh, p.ph, p.dh, w[2]));
        p.opw = sub(a.shape[1], extent(g[3], p.sw, p.pw, p.dw, w[3]));
    }
    return p;
}

struct Conv2dWeight;
struct ConvTranspose2d;

// y = conv2d(x, w)     vjp: xbar = conv_transpose2d(ybar, w), wbar = conv2d_weight(x, ybar)
//                      jvp: dy = conv2d(dx, w) + conv2d(x, dw)
struct Conv2d {
    static constexpr const char* name = "conv2d";
    static constexpr int arity = 2;
    template <class T>
    static Tensor<T> forward(const Attrs& a, const Tensor<T>& x, const Tensor<T>& w) {
        return tg::conv2d(x, w, conv_params(a));
    }
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        const Shape &xs = a.x[0].shape(), &ws = a.x[1].shape();
        if (a.need(0)) c[0] = apply<ConvTranspose2d, T>(with_target(a.attrs, {xs[2], xs[3]}), a.gy, a.x[1]);
        if (a.need(1)) c[1] = apply<Conv2dWeight, T>(with_target(a.attrs, {ws[2], ws[3]}), a.x[0], a.gy);
    }
    template <class T>
    static Var<T> jvp(const JvpArgs<T>& a) {
        return tangent_add(
            tangent_map(a.dx[0], [&](const Var<T>& d) { return apply<Conv2d, T>(a.attrs, d, a.x[1]); }),
            tangent_map(a.dx[1], [&](const Var<T>& d) { return apply<Conv2d, T>(a.attrs, a.x[0], d); }));
    }
    static Samples samples();
};

// y = conv2d(x, w) + b     (b [O] on each output channel, added by the GEMM itself: no second pass
//                           over y, no broadcast add recorded)
//   vjp: xbar, wbar as conv2d's; bbar = sum of ybar over the batch and the pixels
//   jvp: dy = conv2d(dx, w) + conv2d(x, dw) + db on each output channel
struct Conv2dBias {
    static constexpr const char* name = "conv2d_bias";
    static constexpr int arity = 3;
    template <class T>
    static Tensor<T> forward(const Attrs& a, const Tensor<T>& x, const Tensor<T>& w, const Tensor<T>& b) {
        return tg::conv2d_bias(x, w, b, conv_params(a));
    }
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        Conv2d::vjp(a, c);
        if (a.need(2)) c[2] = sum(a.gy, {0, 2, 3});
    }
    template <class T>
    static Var<T> jvp(const JvpArgs<T>& a) {
        const Var<T> d = Conv2d::jvp(a);
        return tangent_add(d, tangent_map(a.dx[2], [&](const Var<T>& db) {
                               return broadcast_to(reshape(db, {db.shape()[0], 1, 1}), a.y.shape());
                           }));
    }
    static Samples samples();
};

// z = conv_transpose2d(g, w)   vjp: gbar = conv2d(zbar, w), wbar = conv2d_weight(zbar, g)
//                              jvp: dz = conv_transpose2d(dg, w) + conv_transpose2d(g, dw)
struct ConvTranspose2d {
    static constexpr const char* name = "conv_transpose2d";
    static constexpr int arity = 2;
    template <class T>
    static Tensor<T> forward(const Attrs& a, const Tensor<T>& g, const Tensor<T>& w) {
        return tg::conv_transpose2d(g, w, transpose_params(a, g.shape(), w.shape()));
    }
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        const Shape& ws = a.x[1].shape();
        if (a.need(0)) c[0] = apply<Conv2d, T>(with_target(a.attrs, {}), a.gy, a.x[1]);
        if (a.need(1)) c[1] = apply<Conv2dWeight, T>(with_target(a.attrs, {ws[2], ws[3]}), a.gy, a.x[0]);
    }
    template <class T>
    static Var<T> jvp(const JvpArgs<T>& a) {
        return tangent_add(
            tangent_map(a.dx[0], [&](const Var<T>& d) { return apply<ConvTranspose2d, T>(a.attrs, d, a.x[1]); }),
            tangent_map(a.dx[1],
                        [&](const Var<T>& d) { return apply<ConvTranspose2d, T>(a.attrs, a.x[0], d); }));
    }
    static Samples samples();
};

// gw = conv2d_weight(x, gy)    vjp: xbar = conv_transpose2d(gy, gwbar), gybar = conv2d(x, gwbar)
//                              jvp: dgw = conv2d_weight(dx, gy) + conv2d_weight(x, dgy)
struct Conv2dWeight {
    static constexpr const char* name = "conv2d_weight";
    static constexpr int arity = 2;
    template <class T>
    static Tensor<T> forward(const Attrs& a, const Tensor<T>& x, const Tensor<T>& gy) {
        if (a.shape.size() != 2)
            throw ShapeError("conv2d_weight: Attrs::shape must be the kernel size {kh, kw}");
        return tg::conv2d_weight(x, gy, conv_params(a), a.shape[0], a.shape[1]);
    }
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        const Shape& xs = a.x[0].shape();
        if (a.need(0)) c[0] = apply<ConvTranspose2d, T>(with_target(a.attrs, {xs[2], xs[3]}), a.x[1], a.gy);
        if (a.need(1)) c[1] = apply<Conv2d, T>(with_target(a.attrs, {}), a.x[0], a.gy);
    }
    template <class T>
    static Var<T> jvp(const JvpArgs<T>& a) {
        return tangent_add(
            tangent_map(a.dx[0], [&](const Var<T>& d) { return apply<Conv2dWeight, T>(a.attrs, d, a.x[1]); }),
            tangent_map(a.dx[1], [&](const Var<T>& d) { return apply<Conv2dWeight, T>(a.attrs, a.x[0], d); }));
    }
    static Samples samples();
};

inline Conv2dParams conv_p(index_t sh, index_t sw, index_t ph, index_t pw, index_t dh = 1, index_t dw = 1,
                           index_t groups = 1) {
    return {sh, sw, ph, pw, dh, dw, groups};
}

// Strides, paddings and dilations differ between rows and columns so a rule that swaps them
// fails; the strided samples leave input rows no window reads.
inline Samples Conv2d::samples() {
    return {sample({{{2, 3, 5, 5}}, {{4, 3, 3, 3}}}, "3x3, no padding", conv_attrs(conv_p(1, 1, 0, 0))),
            sample({{{1, 2, 6, 5}}, {{3, 2, 3, 2}}}, "stride 2x1, padding 1x0", conv_attrs(conv_p(2, 1, 1, 0))),
            sample({{{1, 2, 7, 6}}, {{2, 2, 2, 3}}}, "dilation 2x1, padding 1x2",
                   conv_attrs(conv_p(1, 1, 1, 2, 2, 1))),
            sample({{{2, 4, 4, 5}}, {{6, 2, 3, 3}}}, "groups 2, stride 1x2",
                   conv_attrs(conv_p(1, 2, 1, 1, 1, 1, 2))),
            sample({{{1, 3, 5, 4}}, {{6, 1, 3, 3}}}, "depthwise x2, padding 1",
                   conv_attrs(conv_p(1, 1, 1, 1, 1, 1, 3))),
            sample({{{2, 3, 3, 4}}, {{5, 3, 1, 1}}}, "1x1 (GEMM on x itself)", conv_attrs(conv_p(1, 1, 0, 0))),
            sample({{{1, 1, 7, 8}}, {{2, 1, 2, 2}}}, "stride 3, unread rows", conv_attrs(conv_p(3, 3, 0, 0))),
            sample({{{1, 2, 4, 5}, Domain::any, true}, {{3, 2, 3, 3}, Domain::any, true}}, "transposed views",
                   conv_attrs(conv_p(1, 1, 1, 0))),
            sample({{{0, 2, 4, 4}}, {{3, 2, 3, 3}}}, "empty batch", conv_attrs(conv_p(1, 1, 0, 0)))};
}

inline Samples Conv2dBias::samples() {
    return {sample({{{2, 3, 5, 5}}, {{4, 3, 3, 3}}, {{4}}}, "3x3, padding 1", conv_attrs(conv_p(1, 1, 1, 1))),
            sample({{{1, 2, 6, 5}}, {{3, 2, 3, 2}}, {{3}}}, "stride 2x1, padding 1x0",
                   conv_attrs(conv_p(2, 1, 1, 0))),
            sample({{{2, 4, 4, 5}}, {{6, 2, 3, 3}}, {{6}}}, "groups 2, stride 1x2",
                   conv_attrs(conv_p(1, 2, 1, 1, 1, 1, 2))),
            sample({{{2, 3, 3, 4}}, {{5, 3, 1, 1}}, {{5}}}, "1x1 (GEMM on x itself)",
                   conv_attrs(conv_p(1, 1, 0, 0))),
            sample({{{1, 2, 4, 5}, Domain::any, true}, {{3, 2, 3, 3}}, {{3}}}, "transposed input view",
                   conv_attrs(conv_p(1, 1, 1, 0))),
            sample({{{0, 2, 4, 4}}, {{3, 2, 3, 3}}, {{3}}}, "empty batch", conv_attrs(conv_p(1, 1, 0, 0)))};
}

inline Samples ConvTranspose2d::samples() {
    return {sample({{{2, 4, 3, 3}}, {{4, 3, 3, 3}}}, "3x3, no padding, to 5x5",
                   conv_attrs(conv_p(1, 1, 0, 0), {5, 5})),
            sample({{{1, 3, 3, 2}}, {{3, 2, 3, 2}}}, "stride 2x1, padding 1x0, output_padding 1x0 (6x3)",
                   conv_attrs(conv_p(2, 1, 1, 0), {6, 3})),
            sample({{{1, 2, 3, 4}}, {{2, 2, 2, 3}}}, "stride 3x2, dilation 2x1, output_padding 2x1 (9x8)",
                   conv_attrs(conv_p(3, 2, 1, 1, 2, 1), {9, 8})),
            sample({{{2, 6, 3, 2}}, {{6, 2, 3, 3}}}, "groups 2, stride 1x2, to 3x3",
                   conv_attrs(conv_p(1, 2, 1, 1, 1, 1, 2), {3, 3})),
            sample({{{1, 4, 3, 3}}, {{4, 3, 2, 2}, Domain::any, true}},
                   "transposed weight view, stride 2, to 6x6", conv_attrs(conv_p(2, 2, 0, 0), {6, 6})),
            sample({{{0, 2, 3, 3}}, {{2, 3, 3, 3}}}, "empty batch", conv_attrs(conv_p(1, 1, 0, 0), {5, 5}))};
}

inline Samples Conv2dWeight::samples() {
    return {sample({{{2, 3, 5, 5}}, {{2, 4, 3, 3}}}, "3x3, no padding", conv_attrs(conv_p(1, 1, 0, 0), {3, 3})),
            sample({{{1, 2, 6, 5}}, {{1, 3, 3, 4}}}, "3x2, stride 2x1, padding 1x0",
                   conv_attrs(conv_p(2, 1, 1, 0), {3, 2})),
            sample({{{2, 4, 4, 5}}, {{2, 6, 4, 3}}}, "groups 2, stride 1x2, padding 1",
                   conv_attrs(conv_p(1, 2, 1, 1, 1, 1, 2), {3, 3})),
            sample({{{1, 1, 7, 8}}, {{1, 2, 2, 2}}}, "stride 3, dilation 1x2",
                   conv_attrs(conv_p(3, 3, 0, 0, 1, 2), {2, 2}))};
}

}  // namespace tg::ops
