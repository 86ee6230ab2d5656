#pragma once
// Binary elementwise ops that select or combine two inputs: where, maximum, minimum, prelu,
// atan2, hypot. NumPy broadcasting; the engine sums cotangents back to each input's shape.
// Where a rule must choose between branches it SELECTS (where), never multiplies by a 0/1 mask:
// the unselected branch's cotangent is then an exact zero even where the other branch's
// derivative is infinite (the "double-where trap": where(x > 0, sqrt(x), 0) at x = 0).
#include <memory>

#include "activations.hpp"

namespace tg::ops {

/// The mask of a where (attrs.index, 0 / nonzero) as a Tensor of 0 / 1.
template <class T>
Tensor<T> index_mask(const Attrs& a) {
    if (!a.index) throw ShapeError("where: no mask (attrs.index is null)");
    std::vector<T> v(a.index->data.size());
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = a.index->data[i] != 0 ? T(1) : T(0);
    return Tensor<T>::from_vector(v, a.index->shape);
}

// y = where(c, a, b): a where the mask c (attrs.index, broadcast with a and b) is nonzero, else b
// vjp: abar = where(c, ybar, 0), bbar = where(c, 0, ybar)       jvp: dy = where(c, da, db)
struct Where {
    static constexpr const char* name = "where";
    static constexpr int arity = 2;
    static constexpr unsigned saves = 0;  // the rules read the mask and the cotangent only
    template <class T>
    static Tensor<T> forward(const Attrs& at, const Tensor<T>& a, const Tensor<T>& b) {
        return tg::where(index_mask<T>(at), a, b);
    }
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        if (a.need(0)) c[0] = detail::where_mask(a.attrs.index, a.gy, Var<T>(T(0)));
        if (a.need(1)) c[1] = detail::where_mask(a.attrs.index, Var<T>(T(0)), a.gy);
    }
    template <class T>
    static Var<T> jvp(const JvpArgs<T>& a) {
        if (!a.dx[0].defined() && !a.dx[1].defined()) return Var<T>();
        return detail::where_mask(a.attrs.index, a.dx[0].defined() ? a.dx[0] : Var<T>(T(0)),
                                  a.dx[1].defined() ? a.dx[1] : Var<T>(T(0)));
    }
    static Attrs mask(const Shape& shape) {  // a fixed pattern: 2 of 3 elements select a
        auto m = std::make_shared<IndexArray>();
        m->shape = shape;
        m->data.resize(static_cast<std::size_t>(shape.numel()));
        for (std::size_t i = 0; i < m->data.size(); ++i) m->data[i] = (i * 7 + 3) % 3 != 0;
        Attrs a;
        a.index = std::move(m);
        return a;
    }
    static Samples samples() {
        return {sample({{{3, 4}}, {{3, 4}}}, "same shape", mask({3, 4})),
                sample({{{3, 4}}, {{}}}, "scalar b", mask({3, 4})),
                sample({{{3, 1}}, {{1, 4}}}, "mask broadcasts a and b", mask({3, 4})),
                sample({{{3, 4}}, {{3, 4}}}, "row mask", mask({4})),
                sample({{{4, 3}, Domain::any, true}, {{3}}}, "transposed view", mask({4, 3})),
                sample({{{}}, {{}}}, "scalars", mask({})),
                sample({{{0, 3}}, {{3}}}, "empty", mask({0, 3}))};
    }
};

// y = max(a, b)   vjp: abar = w ybar, bbar = (1 - w) ybar with w = [a > b] + [a == b] / 2: a tie
// splits the cotangent evenly (as PyTorch). NaN in either input propagates to y.
// minimum is the same with w = [a < b] + [a == b] / 2.
template <bool Max>
struct ExtremumRules {
    static constexpr int arity = 2;
    template <class T>
    static Tensor<T> forward(const Attrs&, const Tensor<T>& a, const Tensor<T>& b) {
        return Max ? tg::maximum(a, b) : tg::minimum(a, b);
    }
    template <class T>
    static Tensor<T> weight(const Tensor<T>& a, const Tensor<T>& b) {  // of a; piecewise constant
        const Tensor<T> wins = Max ? greater(a, b) : less(a, b);
        return add(wins, mul(equal(a, b), Tensor<T>::scalar(T(0.5))));
    }
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        const Tensor<T> w = weight(a.x[0].value(), a.x[1].value());
        if (a.need(0)) c[0] = a.gy * Var<T>(w);
        if (a.need(1)) c[1] = a.gy * Var<T>(sub(Tensor<T>::scalar(T(1)), w));
    }
    template <class T>
    static Var<T> jvp(const JvpArgs<T>& a) {
        const Tensor<T> w = weight(a.x[0].value(), a.x[1].value());
        return tangent_add(tangent_map(a.dx[0], [&](const Var<T>& d) { return d * Var<T>(w); }),
                           tangent_map(a.dx[1], [&](const Var<T>& d) {
                               return d * Var<T>(sub(Tensor<T>::scalar(T(1)), w));
                           }));
    }
    static Samples samples() { return binary_samples(Domain::any, Domain::any); }
};
struct Maximum : ExtremumRules<true> {
    static constexpr const char* name = "maximum";
};
struct Minimum : ExtremumRules<false> {
    static constexpr const char* name = "minimum";
};

// y = x (x > 0), w x (x <= 0), w broadcast (per channel: tg::prelu reshapes it)
// dy/dx = [x > 0] + [x <= 0] w (w at the kink x = 0, as leaky_relu)    dy/dw = [x <= 0] x
struct Prelu {
    static constexpr const char* name = "prelu";
    static constexpr int arity = 2;
    template <class T>
    static Tensor<T> forward(const Attrs&, const Tensor<T>& x, const Tensor<T>& w) {
        return tg::where(greater(x, Tensor<T>::scalar(T(0))), x, mul(w, x));
    }
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        const Var<T> m = mask_greater(a.x[0], T(0));
        if (a.need(0)) c[0] = a.gy * (m + (T(1) - m) * a.x[1]);
        if (a.need(1)) c[1] = a.gy * ((T(1) - m) * a.x[0]);
    }
    template <class T>
    static Var<T> jvp(const JvpArgs<T>& a) {
        const Var<T> m = mask_greater(a.x[0], T(0));
        return tangent_add(tangent_map(a.dx[0], [&](const Var<T>& d) { return d * (m + (T(1) - m) * a.x[1]); }),
                           tangent_map(a.dx[1], [&](const Var<T>& d) { return d * ((T(1) - m) * a.x[0]); }));
    }
    static Samples samples() {
        return {sample({{{2, 3, 4}, Domain::nonzero}, {{3, 1}}}, "per channel (N, C, L)"),
                sample({{{3, 4}, Domain::nonzero}, {{}}}, "one slope"),
                sample({{{4, 3}, Domain::nonzero, true}, {{3}}}, "transposed, per column"),
                sample({{{0, 3}, Domain::nonzero}, {{3}}}, "empty")};
    }
};

// y = atan2(a, b), the angle of (b, a)    da: b / (a^2 + b^2), db: -a / (a^2 + b^2); 0 at the
// origin (as tg::Dual and tg::Rev), where the denominator is replaced by 1
struct Atan2 {
    static constexpr const char* name = "atan2";
    static constexpr int arity = 2;
    template <class T>
    static Tensor<T> forward(const Attrs&, const Tensor<T>& a, const Tensor<T>& b) {
        return tg::atan2(a, b);
    }
    template <class T>
    static Var<T> r2(const Var<T>& a, const Var<T>& b) {
        const Var<T> r = a * a + b * b;
        return r + Var<T>(equal(r.value(), Tensor<T>::scalar(T(0))));
    }
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        const Var<T> r = r2(a.x[0], a.x[1]);
        if (a.need(0)) c[0] = a.gy * a.x[1] / r;
        if (a.need(1)) c[1] = -(a.gy * a.x[0]) / r;
    }
    template <class T>
    static Var<T> jvp(const JvpArgs<T>& a) {
        const Var<T> r = r2(a.x[0], a.x[1]);
        return tangent_add(tangent_map(a.dx[0], [&](const Var<T>& d) { return d * a.x[1] / r; }),
                           tangent_map(a.dx[1], [&](const Var<T>& d) { return -(d * a.x[0]) / r; }));
    }
    // a away from 0: the branch cut (a = 0, b < 0) is outside the samples
    static Samples samples() { return binary_samples(Domain::nonzero, Domain::any); }
};

// h = hypot(a, b) = sqrt(a^2 + b^2) without overflow or underflow    da: a / h, db: b / h; 0 at
// the origin (as tg::Dual and tg::Rev), where h is replaced by 1
struct Hypot {
    static constexpr const char* name = "hypot";
    static constexpr int arity = 2;
    template <class T>
    static Tensor<T> forward(const Attrs&, const Tensor<T>& a, const Tensor<T>& b) {
        return tg::hypot(a, b);
    }
    template <class T>
    static Var<T> safe(const Var<T>& h) {
        return h + Var<T>(equal(h.value(), Tensor<T>::scalar(T(0))));
    }
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        const Var<T> h = safe(a.y);
        if (a.need(0)) c[0] = a.gy * a.x[0] / h;
        if (a.need(1)) c[1] = a.gy * a.x[1] / h;
    }
    template <class T>
    static Var<T> jvp(const JvpArgs<T>& a) {
        const Var<T> h = safe(a.y);
        return tangent_add(tangent_map(a.dx[0], [&](const Var<T>& d) { return d * a.x[0] / h; }),
                           tangent_map(a.dx[1], [&](const Var<T>& d) { return d * a.x[1] / h; }));
    }
    static Samples samples() { return binary_samples(Domain::nonzero, Domain::any); }
};

}  // namespace tg::ops
