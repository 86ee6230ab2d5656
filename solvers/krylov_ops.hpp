#pragma once
// x = S^{-1} b with S = A(v) + shift I: A sparse, pattern in attrs.index, stored values v
// (input 0), b (input 1). Implicit rules, from the condition S x = b (never from the iterations
// or the factorization):
//   differentiate: dS x + S dx = db, with dS = A(dv) (the shift is a constant), so
//   jvp: dx = S^{-1} (db - A(dv) x)                          (one more solve, same method)
//   vjp: <xbar, dx> = <xbar, S^{-1}(db - A(dv) x)> = <lambda, db> - <lambda, A(dv) x>
//        with S^T lambda = xbar, so  bbar = lambda,  vbar_k = -lambda_i x_j  at stored (i, j)
//        (for symmetric storage both (i, j) and (j, i): -(lambda_i x_j + lambda_j x_i) off the
//        diagonal). S^T has the transposed pattern and permuted values (a symmetric S is its own).
// Both rules apply the SAME op again (and SpMV, index_select, mul), so they are differentiable
// themselves: Hessians through the solve are second-order exact. ImplicitSparseSolve holds them
// once for the Krylov solve (below) and the direct one (sparse_direct_ops.hpp).
#include "sparse_ops.hpp"

namespace tg::solvers {

namespace detail {
/// The adjoint and tangent solves never return an unconverged answer (Krylov attrs only).
inline Attrs always_throw(Attrs t) {
    if (t.ints.size() == 5) t.ints[4] = 0;
    return t;
}
}  // namespace detail

template <class Op>
struct ImplicitSparseSolve {
    static constexpr int arity = 2;
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        const SparsePattern p(a.attrs.index);
        Attrs t = detail::always_throw(a.attrs);
        t.index = p.transposed().encoded();
        const Var<T> lambda = apply<Op, T>(t, detail::transposed_values(p, a.x[0]), a.gy);
        if (a.need(1)) c[1] = lambda;
        if (a.need(0)) c[0] = reshape(-detail::entry_products(p, lambda, a.y), a.x[0].shape());
    }
    template <class T>
    static Var<T> jvp(const JvpArgs<T>& a) {
        Var<T> rhs = a.dx[1];
        if (a.dx[0].defined()) {
            const Var<T> dax = apply<SpMV, T>(a.attrs, a.dx[0], a.y);
            rhs = rhs.defined() ? rhs - dax : -dax;
        }
        if (!rhs.defined()) return rhs;
        return apply<Op, T>(detail::always_throw(a.attrs), a.x[0], rhs);
    }
};

// The Krylov method, preconditioner and tolerances are in attrs (detail::attrs_of).
struct KrylovSolve : ImplicitSparseSolve<KrylovSolve> {
    static constexpr const char* name = "krylov_solve";
    template <class T>
    static Tensor<T> forward(const Attrs& a, const Tensor<T>& v, const Tensor<T>& b) {
        return detail::krylov_forward(a, v, b);
    }
    static Samples samples() { return krylov_samples(); }
};

}  // namespace tg::solvers
