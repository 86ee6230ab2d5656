// Vector Newton and Newton-Krylov (the method: newton.hpp).
#include "newton.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "../autodiff/forward.hpp"
#include "../transforms/functional.hpp"
#include "implicit_root.hpp"
#include "krylov.hpp"
#include "lapack.hpp"

namespace tg::solvers {

namespace {

template <class T>
Tensor<T> axpy(const Tensor<T>& x, double a, const Tensor<T>& p) {
    Tensor<T> out(x.shape());
    const T* xp = x.data();
    const T* pp = p.data();
    T* o = out.data();
    for (index_t i = 0; i < x.numel(); ++i) o[i] = T(double(xp[i]) + a * double(pp[i]));
    return out;
}

template <class T>
double dot(const Tensor<T>& a, const Tensor<T>& b) {
    double s = 0;
    for (index_t i = 0; i < a.numel(); ++i) s += double(a.data()[i]) * double(b.data()[i]);
    return s;
}

// J v by one JVP of F in x (theta constant).
template <class T>
Tensor<T> jv(const NonlinearFn<T>& F, const Tensor<T>& x, const std::vector<Var<T>>& c, const Tensor<T>& v) {
    ForwardPause pause;
    return tg::jvp<T>([&](const Var<T>& z) { return F(z, c); }, x, v).second.contiguous().reshape(x.shape());
}

}  // namespace

template <class T>
NonlinearResult<T> newton_root(const NonlinearFn<T>& F, const Tensor<T>& x0, const std::vector<Var<T>>& theta,
                               const NewtonOptions& o) {
    const std::string name = o.krylov ? "newton_krylov_root" : "newton_root";
    detail::check_start(x0, theta, name);
    detail::check_tolerance(o.atol, "atol", name);
    detail::check_tolerance(o.rtol, "rtol", name);
    detail::check_armijo(o.armijo, name);
    const std::vector<Var<T>> c = detail::constants(theta);
    const index_t n = x0.numel();
    const double eps = std::numeric_limits<T>::epsilon();
    NonlinearReport rep;
    rep.method = o.krylov ? "newton-krylov" : "newton";

    Tensor<T> x = x0.clone();
    Tensor<T> f = detail::evaluate(F, x, c, name, 0);
    ++rep.evaluations;
    double fn = detail::norm2(f);
    rep.residuals.push_back(fn);
    rep.target = std::max({o.atol, 10 * eps, std::max(o.rtol, 10 * eps) * fn});
    double eta = o.eta_max, prev_fn = fn;
    bool at_rounding = false;
    Tensor<T> prev_pred;  // Newton-Krylov: F_{k-1} + J_{k-1} alpha p_{k-1}, for the forcing term
    for (long long k = 1; fn > rep.target; ++k) {
        if (k > o.max_iter) {
            if (o.return_unconverged) break;
            throw ConvergenceError(name + ": no convergence after " + std::to_string(o.max_iter) +
                                       " iterations: |F| = " + detail::num(fn) + " > target " +
                                       detail::num(rep.target),
                                   o.max_iter, fn);
        }
        Tensor<T> p, jp;
        if (!o.krylov) {
            const Tensor<T> J = detail::jacobian_matrix(F, x, c, o.jacobian);
            lapack::LUFactor<T> lu;
            try {
                lu = lapack::lu_factor(J, name.c_str());
            } catch (const NumericalError& e) {
                throw SingularJacobianError(name + ": singular Jacobian at iteration " + std::to_string(k) +
                                                " (|F| = " + detail::num(fn) + "): " + e.what(),
                                            k);
            }
            p = lapack::lu_solve(lu, axpy(Tensor<T>(Shape{n}), -1.0, f.reshape(Shape{n})), false, name.c_str())
                    .reshape(x.shape());
        } else {
            if (k > 1) {  // Eisenstat-Walker, choice 1, with the safeguard eta_k >= eta_{k-1}^phi
                const double e1 = detail::norm2(axpy(f, -1.0, prev_pred)) / prev_fn;
                const double safe = std::pow(eta, (1 + std::sqrt(5.0)) / 2);
                eta = std::min(o.eta_max, safe > 0.1 ? std::max(e1, safe) : e1);
            }
            KrylovOptions ko;
            ko.method = KrylovMethod::gmres;
            ko.rtol = eta;
            ko.restart = o.restart;
            ko.return_unconverged = true;  // an inexact step is still a step
            const Tensor<T> b = axpy(Tensor<T>(x.shape()), -1.0, f);
            p = Tensor<T>(x.shape());
            const LinearOperator<T> A = [&](const T* v, T* out) {
                Tensor<T> vt(x.shape());
                std::copy(v, v + n, vt.data());
                const Tensor<T> r = jv(F, x, c, vt);
                std::copy(r.data(), r.data() + n, out);
            };
            krylov(A, static_cast<const PreconditionerOp<T>*>(nullptr), b.data(), p.data(), n, ko);
            jp = jv(F, x, c, p);
        }
        // phi = 0.5 |F|^2; its slope along p is F^T J p (= -|F|^2 for the exact Newton step).
        const double phi0 = 0.5 * fn * fn;
        const double slope = o.krylov ? dot(f, jp) : -fn * fn;
        if (!(slope < 0))
            throw NumericalError(name + ": the step is not a descent direction at iteration " +
                                 std::to_string(k) + " (slope " + detail::num(slope) +
                                 ", |F| = " + detail::num(fn) + ")");
        Tensor<T> xn, fnew;
        auto phi = [&](double alpha) {
            xn = axpy(x, alpha, p);
            ++rep.evaluations;
            try {
                fnew = detail::evaluate(F, xn, c, name, k);
            } catch (const NonFiniteError&) {
                return std::numeric_limits<double>::quiet_NaN();
            }
            const double r = detail::norm2(fnew);
            return 0.5 * r * r;
        };
        ArmijoOptions ao = o.armijo;
        if (!o.line_search) ao.max_backtracks = 0;
        const LineSearchResult ls = armijo_backtrack(phi, phi0, slope, 1.0, ao);
        // No decrease along a step below x's rounding: x is the root as closely as T holds it and
        // F there is its own rounding (float32 x^3 = 1e6 stalls at |F| = 0.0625 = ulp(1e6), above
        // the target 10 eps |F(x0)|). Converged, not a failure.
        if (!ls.ok && detail::norm2(p) <= 4 * eps * detail::norm2(x)) {
            at_rounding = true;
            break;
        }
        if (!ls.ok && (o.line_search || !std::isfinite(ls.value)))
            throw NumericalError(name + ": the line search found no decrease of |F| at iteration " +
                                 std::to_string(k) + " (|F| = " + detail::num(fn) + ", last step " +
                                 detail::num(ls.alpha) + ", |F| there " +
                                 detail::num(std::sqrt(2 * std::max(0.0, ls.value))) + ")");
        if (o.krylov) {
            prev_pred = axpy(f, ls.alpha, jp);
            prev_fn = fn;
        }
        x = xn;
        f = fnew;
        fn = detail::norm2(f);
        rep.iterations = k;
        rep.residuals.push_back(fn);
        rep.steps.push_back(ls.alpha);
    }
    rep.residual = fn;
    rep.converged = fn <= rep.target || at_rounding;
    NonlinearResult<T> out{Var<T>(), rep, nullptr};
    out.x = detail::implicit_root(F, x, theta, o.implicit, name, false, &out.implicit);
    return out;
}

template <class T>
NonlinearResult<T> newton_krylov_root(const NonlinearFn<T>& F, const Tensor<T>& x0,
                                      const std::vector<Var<T>>& theta, NewtonOptions opts) {
    opts.krylov = true;
    return newton_root(F, x0, theta, opts);
}

#define TG_NEWTON_INSTANTIATE(T)                                                               \
    template NonlinearResult<T> newton_root(const NonlinearFn<T>&, const Tensor<T>&,           \
                                            const std::vector<Var<T>>&, const NewtonOptions&); \
    template NonlinearResult<T> newton_krylov_root(const NonlinearFn<T>&, const Tensor<T>&,    \
                                                   const std::vector<Var<T>>&, NewtonOptions);
TG_NEWTON_INSTANTIATE(float)
TG_NEWTON_INSTANTIATE(double)
#undef TG_NEWTON_INSTANTIATE

}  // namespace tg::solvers
