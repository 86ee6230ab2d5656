// CG, GMRES(m), BiCGSTAB over a linear operator (krylov.hpp). Textbook recurrences (Saad,
// "Iterative Methods for Sparse Linear Systems", 2nd ed.: alg. 6.18 CG, 9.1 PCG, 6.9 GMRES with
// Givens rotations, 7.7 BiCGSTAB; right preconditioning for GMRES and BiCGSTAB so their residual
// is the true one). Vectors are std::vector<T>; dot products accumulate in double.
#include "krylov.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

namespace tg::solvers {

const char* method_name(KrylovMethod m) {
    switch (m) {
        case KrylovMethod::cg:
            return "cg";
        case KrylovMethod::gmres:
            return "gmres";
        case KrylovMethod::bicgstab:
            return "bicgstab";
    }
    return "?";
}

const char* preconditioner_name(Preconditioner p) {
    switch (p) {
        case Preconditioner::none:
            return "none";
        case Preconditioner::jacobi:
            return "jacobi";
        case Preconditioner::ic0:
            return "ic0";
        case Preconditioner::ilu0:
            return "ilu0";
    }
    return "?";
}

std::string SolveReport::str() const {
    std::ostringstream os;
    os << method << ": " << (converged ? "converged" : "NOT converged") << " after " << iterations
       << " iterations, residual " << residual << " (target " << target << ")";
    return os.str();
}

namespace {

std::string num(double v) {
    std::ostringstream os;
    os.precision(6);
    os << v;
    return os.str();
}

template <class T>
double dot(const std::vector<T>& a, const std::vector<T>& b) {
    double s = 0;
    for (std::size_t i = 0; i < a.size(); ++i) s += static_cast<double>(a[i]) * b[i];
    return s;
}

template <class T>
double norm(const std::vector<T>& a) {
    return std::sqrt(dot(a, a));
}

template <class T>
void check_finite(const T* v, index_t n, const std::string& who, const char* what) {
    for (index_t i = 0; i < n; ++i)
        if (!std::isfinite(v[i]))
            throw DomainError(who + ": " + what + " has a non-finite value (" + num(v[i]) + ") at index " +
                              std::to_string(i));
}

// The operator's output must be finite, or the iteration would carry NaN to a "converged" answer.
template <class T>
void apply_op(const LinearOperator<T>& A, const std::vector<T>& x, std::vector<T>& y, const std::string& who,
              index_t it) {
    A(x.data(), y.data());
    for (std::size_t i = 0; i < y.size(); ++i)
        if (!std::isfinite(y[i]))
            throw NumericalError(who + ": the operator returned a non-finite value at index " +
                                 std::to_string(i) + " (iteration " + std::to_string(it) + ")");
}

template <class T>
void precondition(const PreconditionerOp<T>* M, const std::vector<T>& r, std::vector<T>& z) {
    if (M) M->apply(r.data(), z.data());
    else z = r;
}

struct Run {
    SolveReport& rep;
    const KrylovOptions& o;
    std::string who;
    bool done(double res) {
        rep.residual = res;
        rep.residuals.push_back(res);
        return res <= rep.target;
    }
};

template <class T>
void cg(const LinearOperator<T>& A, const PreconditionerOp<T>* M, const T* b, std::vector<T>& x,
        index_t maxit, Run& run) {
    const std::size_t n = x.size();
    std::vector<T> r(n), z(n), p(n), q(n);
    apply_op(A, x, q, run.who, 0);
    for (std::size_t i = 0; i < n; ++i) r[i] = b[i] - q[i];
    if (run.done(norm(r))) return run.rep.converged = true, void();
    precondition(M, r, z);
    p = z;
    double rz = dot(r, z);
    for (index_t k = 1; k <= maxit; ++k) {
        if (!(rz > 0))
            throw NumericalError(run.who + ": the preconditioner is not positive definite: r^T M^-1 r = " +
                                 num(rz) + " at iteration " + std::to_string(k - 1));
        apply_op(A, p, q, run.who, k);
        const double pq = dot(p, q);
        // CG needs A symmetric positive definite: p^T A p <= 0 proves A is not (p != 0 here).
        if (!(pq > 0))
            throw NumericalError(run.who + ": the operator is not positive definite: p^T A p = " + num(pq) +
                                 " (with p^T p = " + num(dot(p, p)) + ") at iteration " + std::to_string(k) +
                                 "; use gmres or bicgstab for indefinite systems");
        const double alpha = rz / pq;
        for (std::size_t i = 0; i < n; ++i) {
            x[i] += static_cast<T>(alpha) * p[i];
            r[i] -= static_cast<T>(alpha) * q[i];
        }
        run.rep.iterations = k;
        if (run.done(norm(r))) return run.rep.converged = true, void();
        precondition(M, r, z);
        const double rz1 = dot(r, z), beta = rz1 / rz;
        rz = rz1;
        for (std::size_t i = 0; i < n; ++i) p[i] = z[i] + static_cast<T>(beta) * p[i];
    }
}

template <class T>
void bicgstab(const LinearOperator<T>& A, const PreconditionerOp<T>* M, const T* b, std::vector<T>& x,
              index_t maxit, Run& run) {
    const std::size_t n = x.size();
    std::vector<T> r(n), r0(n), p(n), v(n), s(n), t(n), ph(n), sh(n);
    apply_op(A, x, v, run.who, 0);
    for (std::size_t i = 0; i < n; ++i) r[i] = b[i] - v[i];
    if (run.done(norm(r))) return run.rep.converged = true, void();
    r0 = r;
    double rho = dot(r0, r);
    p = r;
    for (index_t k = 1; k <= maxit; ++k) {
        precondition(M, p, ph);
        apply_op(A, ph, v, run.who, k);
        const double r0v = dot(r0, v);
        if (r0v == 0 || !std::isfinite(r0v))
            throw NumericalError(run.who + ": breakdown, r0^T A p = " + num(r0v) + " at iteration " +
                                 std::to_string(k) + " (residual " + num(run.rep.residual) + "); try gmres");
        const double alpha = rho / r0v;
        for (std::size_t i = 0; i < n; ++i) s[i] = r[i] - static_cast<T>(alpha) * v[i];
        run.rep.iterations = k;
        if (norm(s) <= run.rep.target) {  // half step suffices
            for (std::size_t i = 0; i < n; ++i) x[i] += static_cast<T>(alpha) * ph[i];
            run.done(norm(s));
            return run.rep.converged = true, void();
        }
        precondition(M, s, sh);
        apply_op(A, sh, t, run.who, k);
        const double tt = dot(t, t);
        const double omega = tt > 0 ? dot(t, s) / tt : 0;
        for (std::size_t i = 0; i < n; ++i) {
            x[i] += static_cast<T>(alpha) * ph[i] + static_cast<T>(omega) * sh[i];
            r[i] = s[i] - static_cast<T>(omega) * t[i];
        }
        if (run.done(norm(r))) return run.rep.converged = true, void();
        if (omega == 0)
            throw NumericalError(run.who + ": breakdown, omega = 0 at iteration " + std::to_string(k) +
                                 " (residual " + num(run.rep.residual) + "); try gmres");
        const double rho1 = dot(r0, r);
        if (rho1 == 0)
            throw NumericalError(run.who + ": breakdown, rho = r0^T r = 0 at iteration " + std::to_string(k) +
                                 " (residual " + num(run.rep.residual) + "); try gmres");
        const double beta = (rho1 / rho) * (alpha / omega);
        rho = rho1;
        for (std::size_t i = 0; i < n; ++i)
            p[i] = r[i] + static_cast<T>(beta) * (p[i] - static_cast<T>(omega) * v[i]);
    }
}

// GMRES(m), right preconditioned: x = x0 + M^{-1} V y, y minimizing ||beta e1 - H y|| (Givens).
// The Arnoldi basis is kept in double for float too (it is m vectors; orthogonality is what
// limits GMRES's accuracy).
template <class T>
void gmres(const LinearOperator<T>& A, const PreconditionerOp<T>* M, const T* b, std::vector<T>& x,
           index_t maxit, int m, Run& run) {
    const std::size_t n = x.size();
    std::vector<T> w(n), z(n), tmp(n);
    std::vector<std::vector<double>> V(static_cast<std::size_t>(m) + 1, std::vector<double>(n));
    std::vector<double> H(static_cast<std::size_t>((m + 1) * m)), cs(m), sn(m),
        g(static_cast<std::size_t>(m) + 1);
    auto h = [&](int i, int j) -> double& { return H[static_cast<std::size_t>(i * m + j)]; };
    auto residual = [&](index_t it) {
        apply_op(A, x, w, run.who, it);
        double s = 0;
        for (std::size_t i = 0; i < n; ++i) {
            V[0][i] = static_cast<double>(b[i]) - w[i];
            s += V[0][i] * V[0][i];
        }
        return std::sqrt(s);
    };
    double beta = residual(0);
    if (run.done(beta)) return run.rep.converged = true, void();
    index_t it = 0;
    while (it < maxit) {
        for (std::size_t i = 0; i < n; ++i) V[0][i] /= beta;
        std::fill(g.begin(), g.end(), 0.0);
        g[0] = beta;
        int j = 0;
        for (; j < m && it < maxit; ++j) {
            ++it;
            for (std::size_t i = 0; i < n; ++i) tmp[i] = static_cast<T>(V[j][i]);
            precondition(M, tmp, z);
            apply_op(A, z, w, run.who, it);
            std::vector<double>& vn = V[j + 1];
            for (std::size_t i = 0; i < n; ++i) vn[i] = w[i];
            for (int i = 0; i <= j; ++i) {  // modified Gram-Schmidt
                double s = 0;
                for (std::size_t q = 0; q < n; ++q) s += vn[q] * V[i][q];
                h(i, j) = s;
                for (std::size_t q = 0; q < n; ++q) vn[q] -= s * V[i][q];
            }
            double hn = 0;
            for (std::size_t q = 0; q < n; ++q) hn += vn[q] * vn[q];
            hn = std::sqrt(hn);
            h(j + 1, j) = hn;
            if (hn > 0)
                for (std::size_t q = 0; q < n; ++q) vn[q] /= hn;
            for (int i = 0; i < j; ++i) {  // earlier rotations on the new column
                const double a = h(i, j), c = h(i + 1, j);
                h(i, j) = cs[i] * a + sn[i] * c;
                h(i + 1, j) = -sn[i] * a + cs[i] * c;
            }
            const double a = h(j, j), c = h(j + 1, j), r = std::hypot(a, c);
            cs[j] = r > 0 ? a / r : 1;
            sn[j] = r > 0 ? c / r : 0;
            h(j, j) = r;
            h(j + 1, j) = 0;
            g[j + 1] = -sn[j] * g[j];
            g[j] = cs[j] * g[j];
            run.rep.iterations = it;
            run.done(std::abs(g[j + 1]));
            if (std::abs(g[j + 1]) <= run.rep.target || hn == 0) {
                ++j;
                break;
            }
        }
        // y = H^{-1} g (upper triangular j x j), x += M^{-1} V y.
        std::vector<double> y(static_cast<std::size_t>(j));
        for (int i = j - 1; i >= 0; --i) {
            double s = g[i];
            for (int q = i + 1; q < j; ++q) s -= h(i, q) * y[q];
            if (h(i, i) == 0)
                throw NumericalError(run.who +
                                     ": the operator is singular on the Krylov space (zero pivot at step " +
                                     std::to_string(i) + ", iteration " + std::to_string(it) + ")");
            y[i] = s / h(i, i);
        }
        std::vector<double> u(n, 0.0);
        for (int i = 0; i < j; ++i)
            for (std::size_t q = 0; q < n; ++q) u[q] += y[i] * V[i][q];
        for (std::size_t q = 0; q < n; ++q) tmp[q] = static_cast<T>(u[q]);
        precondition(M, tmp, z);
        for (std::size_t q = 0; q < n; ++q) x[q] += z[q];
        beta = residual(it);  // the true residual after each cycle
        run.rep.residual = beta;
        if (beta <= run.rep.target) return run.rep.converged = true, void();
    }
}

}  // namespace

template <class T>
SolveReport krylov(const LinearOperator<T>& A, const PreconditionerOp<T>* M, const T* b, T* x, index_t n,
                   const KrylovOptions& o) {
    SolveReport rep;
    rep.method = method_name(o.method);
    if (o.method == KrylovMethod::gmres) rep.method += "(" + std::to_string(o.restart) + ")";
    if (o.preconditioner != Preconditioner::none)
        rep.method += std::string("+") + preconditioner_name(o.preconditioner);
    const std::string who = rep.method;
    if (n < 0) throw ShapeError(who + ": negative size " + std::to_string(n));
    if (o.method == KrylovMethod::gmres && o.restart < 1)
        throw DomainError(who + ": restart must be at least 1, got " + std::to_string(o.restart));
    if (!(o.rtol >= 0) || !(o.atol >= 0))
        throw DomainError(who + ": tolerances must be >= 0, got rtol " + num(o.rtol) + ", atol " + num(o.atol));
    check_finite(b, n, who, "b");
    check_finite(x, n, who, "the initial guess");
    const double rtol = std::max(o.rtol, 10.0 * std::numeric_limits<T>::epsilon());
    double bn = 0;
    for (index_t i = 0; i < n; ++i) bn += static_cast<double>(b[i]) * b[i];
    rep.target = std::max(rtol * std::sqrt(bn), o.atol);
    const index_t maxit = o.max_iter > 0 ? o.max_iter : 10 * n + 100;
    std::vector<T> xv(x, x + n);
    Run run{rep, o, who};
    if (n > 0) {
        switch (o.method) {
            case KrylovMethod::cg:
                cg(A, M, b, xv, maxit, run);
                break;
            case KrylovMethod::bicgstab:
                bicgstab(A, M, b, xv, maxit, run);
                break;
            case KrylovMethod::gmres:
                gmres(A, M, b, xv, maxit, std::max(1, std::min<int>(o.restart, n)), run);
                break;
        }
    } else {
        rep.converged = true;
        rep.residuals.push_back(0);
    }
    std::copy(xv.begin(), xv.end(), x);
    if (!rep.converged && !o.return_unconverged)
        throw ConvergenceError(who + ": not converged after " + std::to_string(rep.iterations) +
                                   " iterations: residual " + num(rep.residual) + ", target " +
                                   num(rep.target) + " (||b|| = " + num(std::sqrt(bn)) + ")",
                               rep.iterations, rep.residual);
    return rep;
}

template <class T>
Tensor<T> krylov_solve(const CsrMatrix<T>& a, const Tensor<T>& b, const KrylovOptions& opts,
                       SolveReport* report) {
    b.require_defined("krylov_solve");
    if (a.rows() != a.cols() || b.dim() != 1 || b.numel() != a.rows())
        throw ShapeError(std::string("krylov_solve (") + method_name(opts.method) + "): matrix " +
                         a.pattern().str() + " and right-hand side of shape " + b.shape().str() +
                         " (expected a square matrix and [" + std::to_string(a.rows()) + "])");
    if (!std::isfinite(opts.shift)) throw DomainError("krylov_solve: shift is " + num(opts.shift));
    const CsrMatrix<T> as = opts.shift != 0 ? add_diagonal(a, static_cast<T>(opts.shift)) : a;
    const Tensor<T> bc = b.contiguous();
    const Tensor<T> v = as.values().contiguous();
    const SparsePattern& p = as.pattern();
    const LinearOperator<T> op = [&](const T* x, T* y) { spmv_raw(p, v.data(), x, y); };
    const auto M = make_preconditioner(as, opts.preconditioner);
    Tensor<T> x(Shape{a.rows()});
    SolveReport r = krylov(op, M.get(), bc.data(), x.data(), a.rows(), opts);
    if (report) *report = std::move(r);
    return x;
}

#define TG_KRYLOV_INSTANTIATE(T)                                                                             \
    template SolveReport krylov(const LinearOperator<T>&, const PreconditionerOp<T>*, const T*, T*, index_t, \
                                const KrylovOptions&);                                                       \
    template Tensor<T> krylov_solve(const CsrMatrix<T>&, const Tensor<T>&, const KrylovOptions&,             \
                                    SolveReport*);
TG_KRYLOV_INSTANTIATE(float)
TG_KRYLOV_INSTANTIATE(double)
#undef TG_KRYLOV_INSTANTIATE

}  // namespace tg::solvers
