#pragma once
// Dense linear algebra ops (LAPACK through lapack.hpp), each differentiated implicitly: the rules
// come from the condition the result satisfies, and are written with registered ops (these ones
// included), so second derivatives and forward-over-reverse work through them.
//
// Conventions (docs/guide.md, "Solvers: dense"):
// - Matrices have shape [batch..., n, n]; b is [batch..., n] (a vector) or [batch..., n, k].
// - cholesky, eigvalsh and eigh_vectors read the symmetric part S = (A + A^T) / 2, so their
//   derivative in A is the symmetric gradient (both triangles share it) and finite differences in
//   any single entry agree. triangular_solve reads only its triangle (gradient zero elsewhere).
#include "../ops/jvp_util.hpp"
#include "../ops/samples.hpp"
#include "../tensor/math.hpp"
#include "lapack.hpp"
#include "solver_list.hpp"

namespace tg::solvers {

using ops::tangent_add;
using ops::tangent_map;

namespace dense_detail {

inline bool flag(const Attrs& a, int i) { return a.ints.size() > i && a.ints[i] != 0; }
inline Attrs flags(std::initializer_list<index_t> f) {
    Attrs a;
    a.ints = Shape(f);
    return a;
}

template <class T>
Var<T> mT(const Var<T>& x) {
    return transpose(x, -2, -1);
}
template <class T>
Var<T> col(const Var<T>& v) {  // [..., n] -> [..., n, 1]
    Shape s = v.shape();
    s.push_back(1);
    return reshape(v, s);
}
template <class T>
Var<T> row(const Var<T>& v) {  // [..., n] -> [..., 1, n]
    Shape s = v.shape();
    s.insert(s.size() - 1, 1);
    return reshape(v, s);
}
template <class T>
Var<T> drop_last(const Var<T>& v) {  // [..., n, 1] -> [..., n]
    Shape s;
    for (int i = 0; i + 1 < v.shape().size(); ++i) s.push_back(v.shape()[i]);
    return reshape(v, s);
}
/// M x, for x a vector [..., n] (`vec`) or columns [..., n, k].
template <class T>
Var<T> mv(const Var<T>& M, const Var<T>& x, bool vec) {
    return vec ? drop_last(matmul(M, col(x))) : matmul(M, x);
}
/// u v^T, for vectors (`vec`) or matrices of columns (then the sum of the columns' outer products).
template <class T>
Var<T> outer(const Var<T>& u, const Var<T>& v, bool vec) {
    return vec ? matmul(col(u), row(v)) : matmul(u, mT(v));
}
template <class T>
Var<T> sym(const Var<T>& x) {
    return (x + mT(x)) * T(0.5);
}

/// The n x n mask of a triangle: 1 on the lower (or upper) triangle, the diagonal `diag`.
template <class T>
Tensor<T> tri_mask(index_t n, bool lower, T diag) {
    Tensor<T> m(Shape{n, n});
    for (index_t i = 0; i < n; ++i)
        for (index_t j = 0; j < n; ++j)
            m.set({i, j}, i == j ? diag : ((lower ? j < i : j > i) ? T(1) : T(0)));
    return m;
}

/// A constant identity of A's shape (batch axes included).
template <class T>
Var<T> identity_like(const Shape& s) {
    return Var<T>(eye<T>(s[s.size() - 1]).broadcast_to(s).contiguous());
}

/// Throws NumericalError naming the closest pair of eigenvalues when two of them (ascending in w,
/// last axis) are too close for the eigenvectors to be differentiable (1 / (w_j - w_i) diverges).
template <class T>
void require_distinct(const Tensor<T>& w, const char* op);

}  // namespace dense_detail

// x = op(A)^-1 b with op(A) = A, or A^T when ints[0] = 1 (LU with partial pivoting).
// Implicit condition op(A) x = b: op(A) dx = db - op(dA) x.
// vjp: lambda = op(A)^-T xbar (the same op, transpose flipped); bbar = lambda; Abar = -lambda x^T
//      (A^T: -x lambda^T).                     jvp: dx = op(A)^-1 (db - op(dA) x)
// attrs.index may carry the LU of A (pack_lu), so the backward solve reuses the factorization.
struct Solve {
    static constexpr const char* name = "solve";
    static constexpr int arity = 2;
    template <class T>
    static Tensor<T> forward(const Attrs& a, const Tensor<T>& A, const Tensor<T>& b);
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        using namespace dense_detail;
        const bool t = flag(a.attrs, 0), vec = a.x[1].dim() == a.x[0].dim() - 1;
        Attrs flipped = a.attrs;
        flipped.ints = Shape{t ? 0 : 1};
        const Var<T> lambda = apply<Solve, T>(flipped, a.x[0], a.gy);
        if (a.need(1)) c[1] = lambda;
        // The sign goes on the short side (n entries, not n^2).
        if (a.need(0)) c[0] = t ? outer(a.y, -lambda, vec) : outer(-lambda, a.y, vec);
    }
    template <class T>
    static Var<T> jvp(const JvpArgs<T>& a) {
        using namespace dense_detail;
        const bool t = flag(a.attrs, 0), vec = a.x[1].dim() == a.x[0].dim() - 1;
        const Var<T> rhs = tangent_add(
            a.dx[1], tangent_map(a.dx[0], [&](const Var<T>& d) { return -mv(t ? mT(d) : d, a.y, vec); }));
        return tangent_map(rhs, [&](const Var<T>& r) { return apply<Solve, T>(a.attrs, a.x[0], r); });
    }
    static Samples samples() {
        using ops::sample;
        const Domain W = Domain::well_conditioned;
        return {sample({{{3, 3}, W}, {{3}}}, "b a vector"),
                sample({{{3, 3}, W}, {{3, 2}}}, "b two columns"),
                sample({{{3, 3}, W}, {{3, 3}}}, "b square"),
                sample({{{2, 3, 3}, W}, {{2, 3}}}, "batched, b vectors"),
                sample({{{2, 3, 3}, W}, {{2, 3, 2}}}, "batched, b columns"),
                sample({{{3, 3}, W, true}, {{3, 2}, Domain::any, true}}, "transposed views"),
                sample({{{1, 1}, W}, {{1}}}, "1x1"),
                sample({{{3, 3}, W}, {{3, 2}}}, "A^T x = b", dense_detail::flags({1})),
                sample({{{2, 3, 3}, W}, {{2, 3}}}, "batched A^T x = b", dense_detail::flags({1}))};
    }
};

// x = op(T)^-1 b, T the lower (ints[0] = 1) or upper triangle of A, op(T) = T^T when ints[1] = 1,
// unit diagonal (not read) when ints[2] = 1. Only T is read, so Abar is masked to its triangle.
// vjp: lambda = op(T)^-T xbar; bbar = lambda; Abar = mask(-lambda x^T) (T^T: mask(-x lambda^T))
// jvp: dx = op(T)^-1 (db - op(mask(dA)) x)
struct TriangularSolve {
    static constexpr const char* name = "triangular_solve";
    static constexpr int arity = 2;
    template <class T>
    static Tensor<T> forward(const Attrs& a, const Tensor<T>& A, const Tensor<T>& b) {
        using dense_detail::flag;
        return lapack::triangular_solve(A, b, flag(a, 0), flag(a, 1), flag(a, 2), name);
    }
    template <class T>
    static Tensor<T> mask(const Attrs& a, index_t n) {
        using dense_detail::flag;
        return dense_detail::tri_mask<T>(n, flag(a, 0), flag(a, 2) ? T(0) : T(1));
    }
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        using namespace dense_detail;
        const bool t = flag(a.attrs, 1), vec = a.x[1].dim() == a.x[0].dim() - 1;
        Attrs flipped = a.attrs;
        flipped.ints = Shape{flag(a.attrs, 0), t ? 0 : 1, flag(a.attrs, 2)};
        const Var<T> lambda = apply<TriangularSolve, T>(flipped, a.x[0], a.gy);
        if (a.need(1)) c[1] = lambda;
        const Tensor<T> m = mask<T>(a.attrs, a.x[0].shape().back());
        if (a.need(0)) c[0] = -(t ? outer(a.y, lambda, vec) : outer(lambda, a.y, vec)) * m;
    }
    template <class T>
    static Var<T> jvp(const JvpArgs<T>& a) {
        using namespace dense_detail;
        const bool t = flag(a.attrs, 1), vec = a.x[1].dim() == a.x[0].dim() - 1;
        const Var<T> rhs = tangent_add(a.dx[1], tangent_map(a.dx[0], [&](const Var<T>& d) {
                                           const Var<T> dT = d * mask<T>(a.attrs, a.x[0].shape().back());
                                           return -mv(t ? mT(dT) : dT, a.y, vec);
                                       }));
        return tangent_map(rhs, [&](const Var<T>& r) { return apply<TriangularSolve, T>(a.attrs, a.x[0], r); });
    }
    static Samples samples() {
        using dense_detail::flags;
        using ops::sample;
        const Domain W = Domain::well_conditioned;
        return {sample({{{3, 3}, W}, {{3}}}, "lower, b a vector", flags({1, 0, 0})),
                sample({{{3, 3}, W}, {{3, 2}}}, "upper, b columns", flags({0, 0, 0})),
                sample({{{3, 3}, W}, {{3, 2}}}, "lower transposed", flags({1, 1, 0})),
                sample({{{3, 3}, W}, {{3}}}, "upper transposed", flags({0, 1, 0})),
                sample({{{3, 3}, W}, {{3, 2}}}, "lower unit diagonal", flags({1, 0, 1})),
                sample({{{2, 3, 3}, W}, {{2, 3, 2}}}, "batched upper unit transposed", flags({0, 1, 1})),
                sample({{{3, 3}, W, true}, {{3, 2}, Domain::any, true}}, "transposed views", flags({1, 0, 0})),
                sample({{{1, 1}, W}, {{1}}}, "1x1", flags({1, 0, 0}))};
    }
};

// L = cholesky(S), S = (A + A^T) / 2, L lower with S = L L^T.
// Implicit condition: dS = dL L^T + L dL^T, so L^-1 dS L^-T = X + X^T with X = L^-1 dL lower:
// jvp: dL = L Phi(L^-1 dS L^-T), Phi = the lower triangle with the diagonal halved.
// vjp (its transpose): Abar = sym(L^-T Phi(L^T Lbar) L^-1).
struct Cholesky {
    static constexpr const char* name = "cholesky";
    static constexpr int arity = 1;
    template <class T>
    static Tensor<T> forward(const Attrs&, const Tensor<T>& A) {
        return lapack::cholesky(A, name);
    }
    template <class T>
    static Var<T> tsolve(const Var<T>& L, const Var<T>& b, bool trans) {
        return apply<TriangularSolve, T>(dense_detail::flags({1, trans ? 1 : 0, 0}), L, b);
    }
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        using namespace dense_detail;
        const Var<T>& L = a.y;
        const Var<T> P = matmul(mT(L), a.gy) * tri_mask<T>(L.shape().back(), true, T(0.5));
        const Var<T> Z = tsolve(L, P, true);       // L^-T P
        const Var<T> St = tsolve(L, mT(Z), true);  // L^-T P^T L^-1 = S^T
        c[0] = sym(St);
    }
    template <class T>
    static Var<T> jvp(const JvpArgs<T>& a) {
        using namespace dense_detail;
        return tangent_map(a.dx[0], [&](const Var<T>& d) {
            const Var<T>& L = a.y;
            const Var<T> X = tsolve(L, sym(d), false);  // L^-1 dS
            const Var<T> Y = tsolve(L, mT(X), false);   // L^-1 dS L^-T (dS symmetric)
            return matmul(L, Y * tri_mask<T>(L.shape().back(), true, T(0.5)));
        });
    }
    static Samples samples() {
        using ops::sample;
        const Domain P = Domain::spd;
        return {sample({{{3, 3}, P}}, "3x3"), sample({{{1, 1}, P}}, "1x1"),
                sample({{{2, 4, 4}, P}}, "batched"), sample({{{3, 3}, P, true}}, "transposed view")};
    }
};

// y = log |det A| (per matrix of the batch; -inf for a singular one, whose derivative is then
// refused: the VJP's solve raises the singular-matrix error). attrs.index may carry A's LU.
// d log|det A| = tr(A^-1 dA):   vjp: Abar = ybar A^-T      jvp: dy = tr(A^-1 dA)
struct LogAbsDet {
    static constexpr const char* name = "slogdet";
    static constexpr int arity = 1;
    template <class T>
    static Tensor<T> forward(const Attrs& a, const Tensor<T>& A);
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        using namespace dense_detail;
        Attrs t = a.attrs;
        t.ints = Shape{1};
        const Shape& s = a.x[0].shape();
        const Var<T> inv_t = apply<Solve, T>(t, a.x[0], identity_like<T>(s));
        c[0] = inv_t * col(col(a.gy));
    }
    template <class T>
    static Var<T> jvp(const JvpArgs<T>& a) {
        using namespace dense_detail;
        return tangent_map(a.dx[0], [&](const Var<T>& d) {
            Attrs t = a.attrs;
            t.ints = Shape{0};
            const Shape& s = a.x[0].shape();
            const Var<T> X = apply<Solve, T>(t, a.x[0], d);
            return sum(X * Var<T>(eye<T>(s.back())), Shape{-2, -1});
        });
    }
    static Samples samples() {
        using ops::sample;
        const Domain W = Domain::well_conditioned;
        return {sample({{{3, 3}, W}}, "3x3"), sample({{{1, 1}, W}}, "1x1"),
                sample({{{2, 3, 3}, W}}, "batched"), sample({{{3, 3}, W, true}}, "transposed view"),
                sample({{{4, 4}, Domain::any}}, "general 4x4")};
    }
};

// x = argmin ||A x - b||, A m x n (m >= n, full column rank), by Householder QR.
// Implicit condition (normal equations): A^T (A x - b) = 0, so with r = A x - b
//   A^T A dx = A^T (db - dA x) - dA^T r.
// vjp: lambda = (A^T A)^-1 xbar; bbar = A lambda; Abar = -(A lambda) x^T - r lambda^T
// jvp: dx = (A^T A)^-1 (A^T (db - dA x) - dA^T r)
// (The adjoint solve goes through the normal matrix: fine for the well-conditioned A lstsq is for.)
struct Lstsq {
    static constexpr const char* name = "lstsq";
    static constexpr int arity = 2;
    template <class T>
    static Tensor<T> forward(const Attrs&, const Tensor<T>& A, const Tensor<T>& b) {
        return lapack::lstsq(A, b, name);
    }
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        using namespace dense_detail;
        const Var<T>& A = a.x[0];
        const bool vec = a.x[1].dim() == A.dim() - 1;
        const Var<T> lambda = apply<Solve, T>(Attrs{}, matmul(mT(A), A), a.gy);
        const Var<T> Al = mv(A, lambda, vec);
        if (a.need(1)) c[1] = Al;
        if (a.need(0)) {
            const Var<T> r = mv(A, a.y, vec) - a.x[1];
            c[0] = -(outer(Al, a.y, vec) + outer(r, lambda, vec));
        }
    }
    template <class T>
    static Var<T> jvp(const JvpArgs<T>& a) {
        using namespace dense_detail;
        const Var<T>& A = a.x[0];
        const bool vec = a.x[1].dim() == A.dim() - 1;
        Var<T> rhs = tangent_add(a.dx[1],
                                 tangent_map(a.dx[0], [&](const Var<T>& d) { return -mv(d, a.y, vec); }));
        rhs = tangent_map(rhs, [&](const Var<T>& v) { return mv(mT(A), v, vec); });
        rhs = tangent_add(rhs, tangent_map(a.dx[0], [&](const Var<T>& d) {
                              return -mv(mT(d), mv(A, a.y, vec) - a.x[1], vec);
                          }));
        return tangent_map(rhs, [&](const Var<T>& v) { return apply<Solve, T>(Attrs{}, matmul(mT(A), A), v); });
    }
    static Samples samples() {
        using ops::sample;
        const Domain W = Domain::well_conditioned;
        return {sample({{{5, 3}}, {{5}}}, "tall, b a vector"),
                sample({{{5, 3}}, {{5, 2}}}, "tall, b columns"),
                sample({{{3, 3}, W}, {{3}}}, "square"),
                sample({{{2, 4, 2}}, {{2, 4, 3}}}, "batched"),
                sample({{{4, 3}, Domain::any, true}, {{4}}}, "transposed view"),
                sample({{{3, 1}}, {{3}}}, "one column")};
    }
};

struct EighVectors;

// w = eigenvalues of S = (A + A^T) / 2, ascending. Implicit condition S v_i = w_i v_i, |v_i| = 1:
// dw_i = v_i^T dS v_i.   vjp: Abar = V diag(wbar) V^T     jvp: dw = diag(V^T dA V)
// V comes from eigh_vectors, so the rule is differentiable again.
struct Eigvalsh {
    static constexpr const char* name = "eigvalsh";
    static constexpr int arity = 1;
    template <class T>
    static Tensor<T> forward(const Attrs&, const Tensor<T>& A) {
        return lapack::eigh(A, false, name).w;
    }
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c);
    template <class T>
    static Var<T> jvp(const JvpArgs<T>& a);
    static Samples samples() {
        using ops::sample;
        return {sample({{{3, 3}, Domain::spd}}, "3x3"), sample({{{1, 1}}}, "1x1"),
                sample({{{2, 4, 4}, Domain::spd}}, "batched"),
                sample({{{3, 3}, Domain::any, true}}, "transposed, indefinite")};
    }
};

// V = eigenvectors of S = (A + A^T) / 2 (columns, in eigenvalue order, largest component
// positive). Implicit condition as for eigvalsh; with F_ij = 1 / (w_j - w_i) (i != j), F_ii = 0:
// jvp: dV = V (F o (V^T dS V))        vjp: Abar = sym(V (F o (V^T Vbar)) V^T)
// Needs distinct eigenvalues: at a (near) tie the rules raise NumericalError naming the pair.
struct EighVectors {
    static constexpr const char* name = "eigh_vectors";
    static constexpr int arity = 1;
    template <class T>
    static Tensor<T> forward(const Attrs&, const Tensor<T>& A) {
        return lapack::eigh(A, true, name).V;
    }
    template <class T>
    static Var<T> gaps(const Var<T>& A) {  // F, from differentiable eigenvalues
        using namespace dense_detail;
        const Var<T> w = apply<Eigvalsh, T>(Attrs{}, A);
        require_distinct(w.value(), name);
        const index_t n = A.shape().back();
        const Tensor<T> I = eye<T>(n);
        return Var<T>(tg::ones<T>({n, n}) - I) / (row(w) - col(w) + Var<T>(I));
    }
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        using namespace dense_detail;
        const Var<T>& V = a.y;
        c[0] = sym(matmul(matmul(V, gaps(a.x[0]) * matmul(mT(V), a.gy)), mT(V)));
    }
    template <class T>
    static Var<T> jvp(const JvpArgs<T>& a) {
        using namespace dense_detail;
        return tangent_map(a.dx[0], [&](const Var<T>& d) {
            const Var<T>& V = a.y;
            return matmul(V, gaps(a.x[0]) * matmul(matmul(mT(V), sym(d)), V));
        });
    }
    static Samples samples() {
        using ops::sample;
        return {sample({{{3, 3}, Domain::spd}}, "3x3"), sample({{{1, 1}}}, "1x1"),
                sample({{{2, 3, 3}, Domain::spd}}, "batched"),
                sample({{{3, 3}, Domain::any, true}}, "transposed, indefinite")};
    }
};

template <class T>
void Eigvalsh::vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
    using namespace dense_detail;
    const Var<T> V = apply<EighVectors, T>(Attrs{}, a.x[0]);
    c[0] = matmul(V * row(a.gy), mT(V));
}
template <class T>
Var<T> Eigvalsh::jvp(const JvpArgs<T>& a) {
    using namespace dense_detail;
    return tangent_map(a.dx[0], [&](const Var<T>& d) {
        const Var<T> V = apply<EighVectors, T>(Attrs{}, a.x[0]);
        return sum(V * matmul(d, V), Shape{-2});
    });
}

// s = singular values of A, descending. With V the right singular vectors (eigenvectors of
// A^T A for m >= n; for m < n the same through A^T) and u_k = A v_k / s_k: ds_k = u_k^T dA v_k.
// vjp: Abar = A V diag(sbar / s) V^T       jvp: ds_k = (A v_k)^T dA v_k / s_k
// V from eigh_vectors keeps the rule differentiable; it needs distinct, nonzero singular values.
struct SvdVals {
    static constexpr const char* name = "svdvals";
    static constexpr int arity = 1;
    template <class T>
    static Tensor<T> forward(const Attrs&, const Tensor<T>& A) {
        return lapack::svd(A, false, name).s;
    }
    // Eigenvectors of the smaller Gram matrix, in descending eigenvalue order (s's order).
    template <class T>
    static Var<T> gram_vectors(const Var<T>& A, bool tall) {
        using namespace dense_detail;
        const Var<T> G = tall ? matmul(mT(A), A) : matmul(A, mT(A));
        const index_t k = G.shape().back();
        Tensor<T> J(Shape{k, k});
        for (index_t i = 0; i < k; ++i) J.set({i, k - 1 - i}, T(1));
        return matmul(apply<EighVectors, T>(Attrs{}, G), Var<T>(J));
    }
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        using namespace dense_detail;
        const Var<T>& A = a.x[0];
        const bool tall = A.shape()[A.dim() - 2] >= A.shape().back();
        const Var<T> W = gram_vectors(A, tall), scaled = W * row(a.gy / a.y);
        c[0] = tall ? matmul(matmul(A, scaled), mT(W)) : matmul(matmul(scaled, mT(W)), A);
    }
    template <class T>
    static Var<T> jvp(const JvpArgs<T>& a) {
        using namespace dense_detail;
        return tangent_map(a.dx[0], [&](const Var<T>& d) {
            const Var<T>& A = a.x[0];
            const bool tall = A.shape()[A.dim() - 2] >= A.shape().back();
            const Var<T> W = gram_vectors(A, tall);
            const Var<T> p = tall ? matmul(A, W) * matmul(d, W) : matmul(mT(A), W) * matmul(mT(d), W);
            return sum(p, Shape{-2}) / a.y;
        });
    }
    static Samples samples() {
        using ops::sample;
        const Domain W = Domain::well_conditioned;
        return {sample({{{3, 3}, W}}, "square"),
                sample({{{4, 2}}}, "tall"),
                sample({{{2, 4}}}, "wide"),
                sample({{{2, 3, 3}, W}}, "batched"),
                sample({{{3, 4}, Domain::any, true}}, "transposed view"),
                sample({{{1, 1}, W}}, "1x1")};
    }
};

}  // namespace tg::solvers
