#pragma once
// y = A(v) x, A a sparse matrix with pattern P (attrs.index, NOTE [pattern encoding] in
// sparse.cpp) and stored values v (input 0, nnz elements); x of shape (cols) or (cols, k).
// Bilinear in (v, x):
//   jvp: dy = A(dv) x + A(v) dx
//   vjp: xbar = A(v)^T ybar (the transpose's pattern, values permuted);
//        vbar_k = sum_q ybar[i_k, q] x[j_k, q] at each stored (i_k, j_k)
//        (symmetric storage: entry k also stands for (j_k, i_k), whose term is added off the diagonal)
#include "samples_sparse.hpp"
#include "sparse_functions.hpp"

namespace tg::solvers {

struct SpMV {
    static constexpr const char* name = "spmv";
    static constexpr int arity = 2;
    template <class T>
    static Tensor<T> forward(const Attrs& a, const Tensor<T>& v, const Tensor<T>& x) {
        return spmv(SparsePattern(a.index), v, x);
    }
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        const SparsePattern p(a.attrs.index);
        if (a.need(0)) c[0] = reshape(detail::entry_products(p, a.gy, a.x[1]), a.x[0].shape());
        if (a.need(1)) {
            Attrs t = a.attrs;
            t.index = p.transposed().encoded();
            c[1] = apply<SpMV, T>(t, detail::transposed_values(p, a.x[0]), a.gy);
        }
    }
    template <class T>
    static Var<T> jvp(const JvpArgs<T>& a) {
        Var<T> dy;
        if (a.dx[0].defined()) dy = apply<SpMV, T>(a.attrs, a.dx[0], a.x[1]);
        if (a.dx[1].defined()) {
            Var<T> d = apply<SpMV, T>(a.attrs, a.x[0], a.dx[1]);
            dy = dy.defined() ? dy + d : d;
        }
        return dy;
    }
    static Samples samples() { return spmv_samples(); }
};

}  // namespace tg::solvers
