#pragma once
// Linear shape ops: each one's VJP is its transpose (reshape <-> reshape, permute <-> inverse
// permute, broadcast_to <-> sum_to, slice <-> slice_transpose) and its JVP is itself.
#include "../tensor/math.hpp"
#include "jvp_util.hpp"
#include "samples.hpp"

namespace tg::ops {

template <class D>
struct Linear {
    static constexpr int arity = 1;
    static constexpr unsigned saves = 0;  // the transpose reads shapes only
    template <class T> static Var<T> jvp(const JvpArgs<T>& a) {
        return tangent_map(a.dx[0], [&](const Var<T>& d) { return D::apply_to(d, a.attrs); });
    }
};

// y = reshape(x, shape)        vjp: xbar = reshape(ybar, x.shape)
struct Reshape : Linear<Reshape> {
    static constexpr const char* name = "reshape";
    template <class T> static Tensor<T> forward(const Attrs& a, const Tensor<T>& x) { return x.reshape(a.shape); }
    template <class T> static Var<T> apply_to(const Var<T>& d, const Attrs& a) { return reshape(d, a.shape); }
    template <class T> static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        c[0] = reshape(a.gy, a.x[0].shape());
    }
    static Samples samples() {
        auto to = [](Shape s) {
            Attrs a;
            a.shape = s;
            return a;
        };
        return {sample({{{3, 4}}}, "to [2,6]", to({2, 6})), sample({{{2, 3, 4}}}, "to [-1]", to({-1})),
                sample({{{}}}, "scalar to [1,1]", to({1, 1})),
                sample({{{4, 3}, Domain::any, true}}, "transposed to [12]", to({12}))};
    }
};

// y = copy(x): the same values in a buffer of its own      vjp: xbar = ybar
struct Copy : Linear<Copy> {
    static constexpr const char* name = "copy";
    template <class T> static Tensor<T> forward(const Attrs&, const Tensor<T>& x) { return x.clone(); }
    template <class T> static Var<T> apply_to(const Var<T>& d, const Attrs&) { return copy(d); }
    template <class T> static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) { c[0] = a.gy; }
    static Samples samples() {
        return {sample({{{3, 4}}}, "2-D"), sample({{{}}}, "scalar"),
                sample({{{4, 3}, Domain::any, true}}, "of a transposed view"), sample({{{0, 3}}}, "empty")};
    }
};

// y = permute(x, p)            vjp: xbar = permute(ybar, p^-1)
struct Permute : Linear<Permute> {
    static constexpr const char* name = "permute";
    template <class T> static Tensor<T> forward(const Attrs& a, const Tensor<T>& x) { return x.permute(a.axes); }
    template <class T> static Var<T> apply_to(const Var<T>& d, const Attrs& a) { return permute(d, a.axes); }
    template <class T> static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        Shape inv = a.attrs.axes;
        for (int i = 0; i < inv.size(); ++i) inv[normalize_axis(a.attrs.axes[i], inv.size(), "permute")] = i;
        c[0] = permute(a.gy, inv);
    }
    static Samples samples() {
        return {sample({{{3, 4}}}, "2-D transpose", axes_attrs({1, 0}, false)),
                sample({{{2, 3, 4}}}, "3-D [2,0,1]", axes_attrs({2, 0, 1}, false)),
                sample({{{4, 3}, Domain::any, true}}, "of a transposed view", axes_attrs({1, 0}, false))};
    }
};

// y = broadcast_to(x, shape)   vjp: xbar = sum_to(ybar, x.shape)
struct BroadcastTo : Linear<BroadcastTo> {
    static constexpr const char* name = "broadcast_to";
    template <class T> static Tensor<T> forward(const Attrs& a, const Tensor<T>& x) { return x.broadcast_to(a.shape); }
    template <class T> static Var<T> apply_to(const Var<T>& d, const Attrs& a) { return broadcast_to(d, a.shape); }
    template <class T> static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) { c[0] = sum_to(a.gy, a.x[0].shape()); }
    static Samples samples() {
        auto to = [](Shape s) {
            Attrs a;
            a.shape = s;
            return a;
        };
        return {sample({{{4}}}, "[4] to [3,4]", to({3, 4})), sample({{{3, 1}}}, "[3,1] to [2,3,5]", to({2, 3, 5})),
                sample({{{}}}, "scalar to [2,2]", to({2, 2}))};
    }
};

// y = sum_to(x, shape)         vjp: xbar = broadcast_to(ybar, x.shape)
struct SumTo : Linear<SumTo> {
    static constexpr const char* name = "sum_to";
    template <class T> static Tensor<T> forward(const Attrs& a, const Tensor<T>& x) { return tg::sum_to(x, a.shape); }
    template <class T> static Var<T> apply_to(const Var<T>& d, const Attrs& a) { return sum_to(d, a.shape); }
    template <class T> static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        c[0] = broadcast_to(a.gy, a.x[0].shape());
    }
    static Samples samples() {
        auto to = [](Shape s) {
            Attrs a;
            a.shape = s;
            return a;
        };
        return {sample({{{3, 4}}}, "[3,4] to [4]", to({4})), sample({{{2, 3, 5}}}, "[2,3,5] to [3,1]", to({3, 1})),
                sample({{{2, 2}}}, "to scalar", to({}))};
    }
};

inline Attrs slice_attrs(int axis, index_t start, index_t stop, index_t step, Shape full = {}) {
    Attrs a;
    a.axis = axis, a.start = start, a.stop = stop, a.step = step, a.shape = full;
    return a;
}

// y = x[start:stop:step] along axis    vjp: xbar = slice_transpose(ybar) (zeros elsewhere)
struct Slice : Linear<Slice> {
    static constexpr const char* name = "slice";
    template <class T> static Tensor<T> forward(const Attrs& a, const Tensor<T>& x) {
        return x.slice(a.axis, a.start, a.stop, a.step);
    }
    template <class T> static Var<T> apply_to(const Var<T>& d, const Attrs& a) {
        return slice(d, a.axis, a.start, a.stop, a.step);
    }
    template <class T> static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        Attrs t = a.attrs;
        t.shape = a.x[0].shape();
        c[0] = apply<SliceTranspose, T>(t, a.gy);
    }
    // Plain sweeps: into[region] += ybar, in place (no zero tensor of x's shape per slice).
    template <class T> static void add_cotangent_into(const Attrs& a, const Tensor<T>& gy, Tensor<T>& into) {
        Tensor<T> region = into.slice(a.axis, a.start, a.stop, a.step);
        region += gy;
    }
    static Samples samples() {
        return {sample({{{5, 4}}}, "rows 1:4", slice_attrs(0, 1, 4, 1)),
                sample({{{3, 7}}}, "cols 0:7:3", slice_attrs(1, 0, 7, 3)),
                sample({{{2, 3, 4}}}, "3-D axis 1, 2:3", slice_attrs(1, 2, 3, 1)),
                sample({{{4, 6}, Domain::any, true}}, "transposed, axis 0, 1:5:2", slice_attrs(0, 1, 5, 2))};
    }
};

// y = zeros(shape) with y[start:stop:step] = x along axis    vjp: xbar = slice(ybar)
struct SliceTranspose : Linear<SliceTranspose> {
    static constexpr const char* name = "slice_transpose";
    template <class T> static Tensor<T> forward(const Attrs& a, const Tensor<T>& x) {
        Tensor<T> y(a.shape);
        y.slice(a.axis, a.start, a.stop, a.step).assign(x);
        return y;
    }
    template <class T> static Var<T> apply_to(const Var<T>& d, const Attrs& a) {
        return apply<SliceTranspose, T>(a, d);
    }
    template <class T> static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        c[0] = slice(a.gy, a.attrs.axis, a.attrs.start, a.attrs.stop, a.attrs.step);
    }
    static Samples samples() {
        return {sample({{{3, 4}}}, "rows 1:4 of [5,4]", slice_attrs(0, 1, 4, 1, {5, 4})),
                sample({{{3, 3}}}, "cols 0:7:3 of [3,7]", slice_attrs(1, 0, 7, 3, {3, 7}))};
    }
};

}  // namespace tg::ops
