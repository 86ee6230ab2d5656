#pragma once
// Losses that need kernels of their own: cross-entropy from logits with class indices (one fused
// pass forward and backward, no log-probability tensor), and binary cross-entropy from logits in
// the stable softplus form. The other losses are compositions of registered ops
// (ops/nn_functions.cpp).
#include "../tensor/math.hpp"
#include "jvp_util.hpp"
#include "nn_kernels.hpp"
#include "samples.hpp"
#include "softmax.hpp"

namespace tg::ops {

// Per-sample cross-entropy, logits x (N, C, d...) or (C), class index t (Attrs::index), label
// smoothing s (Attrs::scalar), ignored index (Attrs::start):
//   y = -(1 - s) log softmax(x)[t] - s/C sum_c log softmax(x)[c]        (0 where t is ignored)
//   vjp: xbar = ybar (m softmax(x) - q)      jvp: dy = sum_c (m softmax(x) - q) dx
// with q = (1 - s) onehot(t) + s/C and m the row mask (both 0 on ignored rows).
struct CrossEntropyIndex {
    static constexpr const char* name = "cross_entropy";
    static constexpr int arity = 1;
    static constexpr unsigned saves = 1u;  // x only
    static int class_axis(int rank) { return rank == 1 ? 0 : 1; }
    template <class T>
    static Tensor<T> forward(const Attrs& a, const Tensor<T>& x) {
        return kernels::cross_entropy_index(x, *a.index, a.scalar, a.start);
    }
    template <class T>
    static Var<T> slope(const Var<T>& x, const Attrs& a) {
        const int ca = class_axis(x.dim());
        const auto [q, m] = kernels::cross_entropy_targets<T>(x.shape(), *a.index, a.scalar, a.start);
        return apply<Softmax, T>(axis_attrs(ca), x) * Var<T>(m) - Var<T>(q);
    }
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        if (plain_mode()) {
            c[0] = Var<T>(kernels::cross_entropy_index_vjp(a.x[0].value(), *a.attrs.index, a.gy.value(),
                                                           a.attrs.scalar, a.attrs.start));
            return;
        }
        Shape k = a.x[0].shape();
        k[class_axis(k.size())] = 1;
        c[0] = reshape(a.gy, k) * slope(a.x[0], a.attrs);
    }
    template <class T>
    static Var<T> jvp(const JvpArgs<T>& a) {
        return tangent_map(a.dx[0], [&](const Var<T>& d) {
            return sum(slope(a.x[0], a.attrs) * d, Shape{class_axis(a.x[0].dim())}, false);
        });
    }
    static Attrs targets(Shape shape, std::vector<index_t> t, double smoothing = 0, index_t ignore = -100) {
        Attrs a;
        a.index = std::make_shared<const IndexArray>(IndexArray{shape, std::move(t)});
        a.scalar = smoothing;
        a.start = ignore;
        return a;
    }
    static Samples samples() {
        return {sample({{{4, 5}}}, "(N, C)", targets({4}, {0, 3, 4, 1})),
                sample({{{4, 5}}}, "label smoothing 0.2", targets({4}, {2, 2, 0, 4}, 0.2)),
                sample({{{4, 5}}}, "ignore_index 3", targets({4}, {3, 1, 3, 0}, 0.1, 3)),
                sample({{{2, 3, 4}}}, "(N, C, d)", targets({2, 4}, {0, 2, 1, 1, 2, 0, 0, 1})),
                sample({{{5}}}, "(C), scalar target", targets({}, {4})),
                sample({{{3, 4}, Domain::any, true}}, "transposed logits", targets({3}, {1, 0, 3})),
                sample({{{0, 3}}}, "empty batch", targets({0}, {}))};
    }
};

// y = (1 - t) x + l softplus(-x),  l = 1 + (w - 1) t  (w: pos_weight), softplus(-x) = sp(-x)
//   vjp: xbar = ybar ((1 - t) - l sigmoid(-x)),  tbar = ybar ((w - 1) sp(-x) - x),  wbar = ybar t sp(-x)
// sp(-x) is this op itself at (-x, 0, 1), so the rules are differentiable at every order.
struct BinaryCrossEntropyWithLogits {
    static constexpr const char* name = "binary_cross_entropy_with_logits";
    static constexpr int arity = 3;
    template <class T>
    static Tensor<T> forward(const Attrs&, const Tensor<T>& x, const Tensor<T>& t, const Tensor<T>& w) {
        return kernels::bce_logits(x, t, w);
    }
    template <class T>
    static Var<T> softplus_neg(const Var<T>& x) {
        return apply<BinaryCrossEntropyWithLogits, T>(Attrs{}, -x, Var<T>(T(0)), Var<T>(T(1)));
    }
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        const auto &x = a.x[0], &t = a.x[1], &w = a.x[2];
        if (plain_mode()) {
            const Tensor<T>&xv = x.value(), &tv = t.value(), &wv = w.value(), &g = a.gy.value();
            if (a.need(0)) c[0] = Var<T>(kernels::bce_logits_dx(g, xv, tv, wv));
            if (a.need(1) || a.need(2)) {
                const Tensor<T> sp = kernels::bce_logits(tg::neg(xv), Tensor<T>::scalar(0),
                                                         Tensor<T>::scalar(1));
                if (a.need(1)) c[1] = Var<T>(g * ((wv - T(1)) * sp - xv));
                if (a.need(2)) c[2] = Var<T>(g * tv * sp);
            }
            return;
        }
        if (a.need(0)) c[0] = a.gy * ((T(1) - t) - (T(1) + (w - T(1)) * t) * sigmoid(-x));
        if (a.need(1) || a.need(2)) {
            const Var<T> sp = softplus_neg(x);
            if (a.need(1)) c[1] = a.gy * ((w - T(1)) * sp - x);
            if (a.need(2)) c[2] = a.gy * t * sp;
        }
    }
    template <class T>
    static Var<T> jvp(const JvpArgs<T>& a) {
        const auto &x = a.x[0], &t = a.x[1], &w = a.x[2];
        Var<T> sp;
        if (a.dx[1].defined() || a.dx[2].defined()) sp = softplus_neg(x);
        return tangent_add(
            tangent_add(tangent_map(a.dx[0],
                                    [&](const Var<T>& d) {
                                        return d * ((T(1) - t) - (T(1) + (w - T(1)) * t) * sigmoid(-x));
                                    }),
                        tangent_map(a.dx[1], [&](const Var<T>& d) { return d * ((w - T(1)) * sp - x); })),
            tangent_map(a.dx[2], [&](const Var<T>& d) { return d * t * sp; }));
    }
    static Samples samples() {
        return {sample({{{3, 4}}, {{3, 4}}, {{3, 4}, Domain::positive}}, "same shape"),
                sample({{{3, 4}}, {{4}}, {{}, Domain::positive}}, "broadcast targets, scalar pos_weight"),
                sample({{{}}, {{}}, {{}, Domain::positive}}, "scalars"),
                sample({{{2, 3}}, {{2, 3}}, {{3}, Domain::positive}}, "pos_weight per class"),
                sample({{{4, 3}, Domain::any, true}, {{4, 3}}, {{3}, Domain::positive}}, "transposed logits"),
                sample({{{0, 3}}, {{0, 3}}, {{3}, Domain::positive}}, "empty")};
    }
};

}  // namespace tg::ops
