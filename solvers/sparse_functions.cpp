// The sparse and Krylov family's differentiable functions (sparse_functions.hpp), for float and
// double, and the pieces their ops' rules are made of.
#include "sparse_functions.hpp"

#include <cmath>

#include "../autodiff/gradients.hpp"
#include "../ops/custom_function.hpp"
#include "../ops/shape_index_functions.hpp"
#include "../transforms/functional.hpp"
#include "krylov_ops.hpp"
#include "sparse_direct_ops.hpp"
#include "sparse_ops.hpp"

namespace tg::solvers {

namespace detail {

namespace {
thread_local SolveReport tl_report;

std::vector<index_t> copy_of(const index_t* p, index_t n) { return std::vector<index_t>(p, p + n); }
}  // namespace

SolveReport& last_report() { return tl_report; }

Attrs attrs_of(const SparsePattern& p, const KrylovOptions& o) {
    Attrs a;
    a.index = p.encoded();
    a.ints = Shape{static_cast<index_t>(o.method), static_cast<index_t>(o.preconditioner), o.max_iter,
                   static_cast<index_t>(o.restart), o.return_unconverged ? 1 : 0};
    a.scalar = o.rtol;
    a.scalar2 = o.shift;
    return a;
}

KrylovOptions options_of(const Attrs& a) {
    if (a.ints.size() != 5 || a.ints[0] < 0 || a.ints[0] > 2 || a.ints[1] < 0 || a.ints[1] > 3)
        throw ShapeError("krylov_solve: attrs.ints does not hold solver options (detail::attrs_of makes them)");
    KrylovOptions o;
    o.method = static_cast<KrylovMethod>(a.ints[0]);
    o.preconditioner = static_cast<Preconditioner>(a.ints[1]);
    o.max_iter = a.ints[2];
    o.restart = static_cast<int>(std::min<index_t>(a.ints[3], 1 << 20));
    o.return_unconverged = a.ints[4] != 0;
    o.rtol = a.scalar;
    o.shift = a.scalar2;
    return o;
}

template <class T>
Var<T> entry_products(const SparsePattern& p, const Var<T>& left, const Var<T>& right) {
    const std::vector<index_t> r = copy_of(p.row_of(), p.nnz()), c = copy_of(p.col(), p.nnz());
    auto prod = [&](const std::vector<index_t>& i, const std::vector<index_t>& j) {
        Var<T> e = index_select(left, 0, i) * index_select(right, 0, j);
        return e.dim() == 2 ? sum(e, Shape{1}) : e;
    };
    Var<T> g = prod(r, c);
    if (!p.symmetric()) return g;
    // Entry k stands for (i, j) and (j, i): add the mirrored product, once on the diagonal.
    std::vector<T> w(static_cast<std::size_t>(p.nnz()));
    for (index_t k = 0; k < p.nnz(); ++k) w[k] = r[k] == c[k] ? T(0) : T(1);
    return g + prod(c, r) * Var<T>(Tensor<T>::from_vector(w, Shape{p.nnz()}));
}

template <class T>
Var<T> transposed_values(const SparsePattern& p, const Var<T>& values) {
    const Var<T> flat = reshape(values, Shape{p.nnz()});
    if (p.symmetric()) return flat;
    return index_select(flat, 0, copy_of(p.transpose_perm(), p.nnz()));
}

template <class T>
Tensor<T> krylov_forward(const Attrs& attrs, const Tensor<T>& values, const Tensor<T>& b) {
    const SparsePattern p(attrs.index);
    const KrylovOptions o = options_of(attrs);
    values.require_defined("krylov_solve");
    if (values.numel() != p.nnz())
        throw ShapeError("krylov_solve: values of shape " + values.shape().str() + " for a pattern " + p.str());
    const CsrMatrix<T> a(p, values.reshape(Shape{p.nnz()}).contiguous());
    return krylov_solve(a, b, o, &tl_report);
}

template <class T>
Tensor<T> direct_forward(const Attrs& attrs, const Tensor<T>& values, const Tensor<T>& b) {
    const SparsePattern p(attrs.index);
    values.require_defined("sparse_direct_solve");
    if (values.numel() != p.nnz())
        throw ShapeError("sparse_direct_solve: values of shape " + values.shape().str() + " for a pattern " +
                         p.str());
    return direct_solve(CsrMatrix<T>(p, values.reshape(Shape{p.nnz()}).contiguous()), b, attrs.scalar2);
}

}  // namespace detail

template <class T>
Var<T> direct_solve(const SparsePattern& pattern, const Var<T>& values, const Var<T>& b, double shift) {
    if (!pattern.defined()) throw ShapeError("sparse_direct_solve: undefined pattern");
    Attrs a;
    a.index = pattern.encoded();
    a.scalar2 = shift;
    return apply<SparseDirectSolve, T>(a, values, b);
}

template <class T>
Var<T> spmv(const SparsePattern& pattern, const Var<T>& values, const Var<T>& x) {
    if (!pattern.defined()) throw ShapeError("spmv: undefined pattern");
    Attrs a;
    a.index = pattern.encoded();
    return apply<SpMV, T>(a, values, x);
}

template <class T>
Var<T> spmv(const CsrMatrix<T>& a, const Var<T>& x) {
    return spmv(a.pattern(), Var<T>(a.values()), x);
}

template <class T>
KrylovResult<T> krylov_solve(const SparsePattern& pattern, const Var<T>& values, const Var<T>& b,
                             const KrylovOptions& opts) {
    if (!pattern.defined()) throw ShapeError("krylov_solve: undefined pattern");
    Var<T> x = apply<KrylovSolve, T>(detail::attrs_of(pattern, opts), values, b);
    return {x, detail::last_report()};
}

template <class T>
KrylovResult<T> krylov_solve(const CsrMatrix<T>& a, const Var<T>& b, const KrylovOptions& opts) {
    return krylov_solve(a.pattern(), Var<T>(a.values()), b, opts);
}

// Matrix-free: the operator on tensors is the user's function under NoGrad; the transposed
// product A^T u = grad_v <u, A v> is taken at v = 0 (A is linear in v, so any v gives the same).
namespace {

template <class T>
LinearOperator<T> forward_operator(const ParamOperator<T>& op, const std::vector<Var<T>>& params, index_t n) {
    return [&op, params, n](const T* v, T* y) {
        NoGrad ng;
        std::vector<T> vv(v, v + n);
        const Tensor<T> out = op(Var<T>(Tensor<T>::from_vector(vv, Shape{n})), params).value().contiguous();
        if (out.numel() != n)
            throw ShapeError("krylov_solve (matrix-free): the operator returned shape " + out.shape().str() +
                             " for a vector of " + std::to_string(n));
        std::copy(out.data(), out.data() + n, y);
    };
}

template <class T>
LinearOperator<T> transposed_operator(const ParamOperator<T>& op, const std::vector<Var<T>>& params, index_t n) {
    return [&op, params, n](const T* u, T* y) {
        std::vector<T> uu(u, u + n);
        const Tensor<T> ut = Tensor<T>::from_vector(uu, Shape{n});
        std::vector<Var<T>> consts;
        for (const auto& p : params) consts.push_back(p.detach());
        auto [val, pull] = tg::vjp<T>([&](const Var<T>& v) { return op(v, consts); }, Tensor<T>(Shape{n}));
        const Tensor<T> g = pull(ut).contiguous();
        std::copy(g.data(), g.data() + n, y);
    };
}

template <class T>
Tensor<T> solve_with(const LinearOperator<T>& A, const Tensor<T>& b, const KrylovOptions& o, SolveReport* rep) {
    const Tensor<T> bc = b.contiguous();
    Tensor<T> x(b.shape());
    SolveReport r = krylov(A, static_cast<const PreconditionerOp<T>*>(nullptr), bc.data(), x.data(),
                           b.numel(), o);
    if (rep) *rep = std::move(r);
    return x;
}

}  // namespace

template <class T>
KrylovResult<T> krylov_solve(const ParamOperator<T>& op, const std::vector<Var<T>>& params, const Var<T>& b,
                             const KrylovOptions& opts) {
    if (params.size() > 3)
        throw ShapeError("krylov_solve (matrix-free): at most 3 parameters, got " +
                         std::to_string(params.size()));
    if (b.dim() != 1)
        throw ShapeError("krylov_solve (matrix-free): b must be 1-D, got shape " + b.shape().str());
    if (opts.preconditioner != Preconditioner::none)
        throw DomainError("krylov_solve (matrix-free): a preconditioner needs a matrix");
    const index_t n = b.numel();
    auto rep = std::make_shared<SolveReport>();
    KrylovOptions adj = opts;
    adj.return_unconverged = false;
    auto fwd = [op, params, opts, rep, n](const std::vector<Tensor<T>>& x) {
        std::vector<Var<T>> ps(x.begin() + 1, x.end());
        return solve_with(forward_operator(op, ps, n), x[0], opts, rep.get());
    };
    // <xbar, dx> = <lambda, db - (dA) x>, A^T lambda = xbar: bbar = lambda and the parameters'
    // cotangents are those of -<lambda, A(params) x> with lambda and x held constant.
    auto vjp = [op, adj, n](const std::vector<Var<T>>& x, const Var<T>& y, const Var<T>& gy) {
        std::vector<Var<T>> ps(x.begin() + 1, x.end());
        const Tensor<T> lambda = solve_with(transposed_operator(op, ps, n), gy.value(), adj, nullptr);
        std::vector<Var<T>> out{Var<T>(lambda)};
        if (!ps.empty()) {
            const Var<T> l(lambda), xs = y.detach();
            std::vector<Var<T>> leaves;
            for (const auto& p : ps) leaves.emplace_back(p.value(), true);
            TapeScope<T> scope;
            EnableGrad on;
            const Var<T> s = -sum(op(xs, leaves) * l);
            if (!s.requires_grad()) {  // the operator does not depend on its parameters
                for (const auto& p : ps) out.push_back(Var<T>(Tensor<T>(p.shape())));
            } else {
                for (const auto& gi : gradients(s, leaves, Tensor<T>::scalar(T(1))))
                    out.push_back(Var<T>(gi.value()));
            }
        }
        return out;
    };
    // A dx = db - (dA) x, (dA) x the tangent of A(params) x along the parameters' tangents.
    auto jvp = [op, adj, n](const std::vector<Var<T>>& x, const Var<T>& y, const std::vector<Var<T>>& dx) {
        std::vector<Var<T>> ps(x.begin() + 1, x.end());
        Tensor<T> rhs = dx[0].defined() ? dx[0].value().contiguous().clone() : Tensor<T>(Shape{n});
        bool any = dx[0].defined();
        std::vector<Tensor<T>> primals, tangents;
        for (std::size_t i = 1; i < x.size(); ++i) {
            primals.push_back(x[i].value());
            tangents.push_back(dx[i].defined() ? dx[i].value() : Tensor<T>(x[i].shape()));
            any |= dx[i].defined();
        }
        if (!any) return Var<T>();
        if (!primals.empty()) {
            const Var<T> xs(y.value());
            auto f = [&](const std::vector<Var<T>>& p) { return op(xs, p); };
            auto [val, dax] = tg::jvp<T>(f, primals, tangents);
            rhs -= dax;
        }
        return Var<T>(solve_with(forward_operator(op, ps, n), rhs, adj, nullptr));
    };
    CustomFunction<T> f(CustomRules<T>{"krylov_solve (matrix-free)", fwd, vjp, jvp});
    std::vector<Var<T>> in{b};
    in.insert(in.end(), params.begin(), params.end());
    Var<T> x = f(in);
    return {x, *rep};
}

#define TG_SPARSE_FN_INSTANTIATE(T)                                                                  \
    template Var<T> detail::entry_products(const SparsePattern&, const Var<T>&, const Var<T>&);      \
    template Var<T> detail::transposed_values(const SparsePattern&, const Var<T>&);                  \
    template Tensor<T> detail::krylov_forward(const Attrs&, const Tensor<T>&, const Tensor<T>&);     \
    template Tensor<T> detail::direct_forward(const Attrs&, const Tensor<T>&, const Tensor<T>&);     \
    template Var<T> direct_solve(const SparsePattern&, const Var<T>&, const Var<T>&, double);        \
    template Var<T> spmv(const SparsePattern&, const Var<T>&, const Var<T>&);                        \
    template Var<T> spmv(const CsrMatrix<T>&, const Var<T>&);                                        \
    template KrylovResult<T> krylov_solve(const SparsePattern&, const Var<T>&, const Var<T>&,        \
                                          const KrylovOptions&);                                     \
    template KrylovResult<T> krylov_solve(const CsrMatrix<T>&, const Var<T>&, const KrylovOptions&); \
    template KrylovResult<T> krylov_solve(const ParamOperator<T>&, const std::vector<Var<T>>&,       \
                                          const Var<T>&, const KrylovOptions&);
TG_SPARSE_FN_INSTANTIATE(float)
TG_SPARSE_FN_INSTANTIATE(double)
#undef TG_SPARSE_FN_INSTANTIATE

}  // namespace tg::solvers
