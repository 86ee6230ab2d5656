#pragma once
// Concatenation and indexing with integer data (Attrs::index). All linear in x: each one's VJP is
// its transpose (concat <-> slices, index_select <-> index_add, gather <-> scatter_add) and its
// JVP is itself applied to the tangent. Kernels: tensor/shape_index.cpp.
#include <memory>

#include "../tensor/shape_index.hpp"
#include "shape_index_functions.hpp"
#include "shape_ops.hpp"

namespace tg::ops {

inline Attrs index_attrs(int axis, Shape shape, std::vector<index_t> data, Shape full = {}) {
    Attrs a;
    a.axis = axis;
    a.shape = full;
    a.index = std::make_shared<const IndexArray>(IndexArray{shape, std::move(data)});
    return a;
}

// y = [x0, x1] along axis     vjp: x0bar = ybar[:n0], x1bar = ybar[n0:]     jvp: dy = [dx0, dx1]
// Binary: n inputs are a balanced tree of these (concat in shape_index_functions.cpp).
struct Concat {
    static constexpr const char* name = "concat";
    static constexpr int arity = 2;
    static constexpr unsigned saves = 0;  // the VJP reads shapes only
    template <class T>
    static Tensor<T> forward(const Attrs& a, const Tensor<T>& x0, const Tensor<T>& x1) {
        return tg::concat(std::vector<Tensor<T>>{x0, x1}, a.axis);
    }
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        const index_t n0 = a.x[0].shape()[a.attrs.axis], n = a.gy.shape()[a.attrs.axis];
        if (a.need(0)) c[0] = slice(a.gy, a.attrs.axis, 0, n0);
        if (a.need(1)) c[1] = slice(a.gy, a.attrs.axis, n0, n);
    }
    template <class T>
    static Var<T> jvp(const JvpArgs<T>& a) {
        if (!a.dx[0].defined() && !a.dx[1].defined()) return Var<T>();
        auto or_zero = [&](int i) { return a.dx[i].defined() ? a.dx[i] : Var<T>(Tensor<T>(a.x[i].shape())); };
        return apply<Concat, T>(a.attrs, or_zero(0), or_zero(1));
    }
    static Samples samples() {
        auto ax = [](int axis) {
            Attrs a;
            a.axis = axis;
            return a;
        };
        return {sample({{{2, 3}}, {{4, 3}}}, "axis 0", ax(0)),
                sample({{{3, 2}}, {{3, 3}}}, "axis 1", ax(1)),
                sample({{{2, 3, 4}}, {{2, 1, 4}}}, "3-D axis 1", ax(1)),
                sample({{{3}}, {{3}}}, "1-D", ax(0)),
                sample({{{0, 3}}, {{2, 3}}}, "empty first", ax(0)),
                sample({{{4, 3}, Domain::any, true}, {{4, 2}}}, "transposed view, axis 1", ax(1))};
    }
};

inline const index_t* index_data(const Attrs& a) { return a.index->data.data(); }
inline index_t index_count(const Attrs& a) { return a.index->shape.numel(); }

// y = x.take(idx, axis)        vjp: xbar = index_add(ybar) (repeated indices accumulate)
struct IndexSelect : Linear<IndexSelect> {
    static constexpr const char* name = "index_select";
    template <class T>
    static Tensor<T> forward(const Attrs& a, const Tensor<T>& x) {
        return tg::index_select(x, a.axis, index_data(a), index_count(a), name);
    }
    template <class T>
    static Var<T> apply_to(const Var<T>& d, const Attrs& a) {
        return apply<IndexSelect, T>(a, d);
    }
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        Attrs t = a.attrs;
        t.shape = a.x[0].shape();
        c[0] = apply<IndexAdd, T>(t, a.gy);
    }
    static Samples samples() {
        return {sample({{{5, 3}}}, "rows with repeats", index_attrs(0, {6}, {4, 0, 2, 2, 4, 1})),
                sample({{{2, 5, 3}}}, "3-D axis 1, repeats", index_attrs(1, {3}, {1, 1, 3})),
                sample({{{4, 6}, Domain::any, true}}, "transposed view, axis 1", index_attrs(1, {3}, {5, 0, 5})),
                sample({{{4}}}, "1-D reversed", index_attrs(0, {4}, {3, 2, 1, 0})),
                sample({{{3, 2}}}, "no indices", index_attrs(0, {0}, {}))};
    }
};

// y = zeros(shape) with y.take(idx, axis) += x      vjp: xbar = index_select(ybar)
struct IndexAdd : Linear<IndexAdd> {
    static constexpr const char* name = "index_add";
    template <class T>
    static Tensor<T> forward(const Attrs& a, const Tensor<T>& x) {
        return tg::index_add(x, a.axis, index_data(a), index_count(a), a.shape[a.axis], name);
    }
    template <class T>
    static Var<T> apply_to(const Var<T>& d, const Attrs& a) {
        return apply<IndexAdd, T>(a, d);
    }
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        c[0] = apply<IndexSelect, T>(a.attrs, a.gy);
    }
    static Samples samples() {
        return {sample({{{6, 3}}}, "rows with repeats", index_attrs(0, {6}, {4, 0, 2, 2, 4, 1}, {5, 3})),
                sample({{{2, 3, 3}}}, "3-D axis 1, repeats", index_attrs(1, {3}, {1, 1, 3}, {2, 5, 3}))};
    }
};

// y[..i..] = x[..idx[..i..]..] along axis (torch.gather)     vjp: xbar = scatter_add(ybar)
struct Gather : Linear<Gather> {
    static constexpr const char* name = "gather";
    template <class T>
    static Tensor<T> forward(const Attrs& a, const Tensor<T>& x) {
        return tg::gather(x, a.axis, index_data(a), a.index->shape, name);
    }
    template <class T>
    static Var<T> apply_to(const Var<T>& d, const Attrs& a) {
        return apply<Gather, T>(a, d);
    }
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        Attrs t = a.attrs;
        t.shape = a.x[0].shape();
        c[0] = apply<ScatterAdd, T>(t, a.gy);
    }
    static Samples samples() {
        return {sample({{{4, 3}}}, "axis 0, repeats",
                       index_attrs(0, {5, 3}, {3, 0, 1, 0, 0, 2, 3, 3, 3, 1, 2, 0, 2, 1, 1})),
                sample({{{3, 5}}}, "axis 1, smaller index", index_attrs(1, {2, 2}, {4, 4, 0, 3})),
                sample({{{2, 3, 2}}}, "3-D axis 2, longer index",
                       index_attrs(2, {2, 2, 3}, {1, 0, 1, 1, 1, 1, 0, 0, 1, 1, 0, 1})),
                sample({{{3, 4}, Domain::any, true}}, "transposed view, axis 1",
                       index_attrs(1, {3, 2}, {3, 3, 0, 1, 2, 0}))};
    }
};

// y = zeros(shape) with y[..idx[..i..]..] += x[..i..] along axis    vjp: xbar = gather(ybar)
struct ScatterAdd : Linear<ScatterAdd> {
    static constexpr const char* name = "scatter_add";
    template <class T>
    static Tensor<T> forward(const Attrs& a, const Tensor<T>& x) {
        return tg::scatter_add(x, a.axis, index_data(a), a.index->shape, a.shape, name);
    }
    template <class T>
    static Var<T> apply_to(const Var<T>& d, const Attrs& a) {
        return apply<ScatterAdd, T>(a, d);
    }
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        c[0] = apply<Gather, T>(a.attrs, a.gy);
    }
    static Samples samples() {
        return {sample({{{5, 3}}}, "axis 0, repeats",
                       index_attrs(0, {5, 3}, {3, 0, 1, 0, 0, 2, 3, 3, 3, 1, 2, 0, 2, 1, 1}, {4, 3})),
                sample({{{2, 2, 3}}}, "3-D axis 2",
                       index_attrs(2, {2, 2, 3}, {1, 0, 1, 1, 1, 1, 0, 0, 1, 1, 0, 1}, {2, 3, 2}))};
    }
};

}  // namespace tg::ops
