// Fixed-point iteration and Anderson acceleration (the method: fixed_point.hpp).
#include "fixed_point.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>

#include "../ops/functions.hpp"
#include "implicit_root.hpp"
#include "lapack.hpp"

namespace tg::solvers {

namespace {

using Vec = std::vector<double>;

template <class T>
Vec to_vec(const Tensor<T>& t) {
    const Tensor<T> c = t.contiguous();
    return Vec(c.data(), c.data() + c.numel());
}

double nrm(const Vec& v) {
    double s = 0;
    for (double a : v) s += a * a;
    return std::sqrt(s);
}

// gamma minimizing |f - dF gamma|^2 + reg |gamma|^2; false if the normal equations fail.
bool anderson_coefficients(const std::deque<Vec>& dF, const Vec& f, double reg, Vec& gamma) {
    const index_t m = index_t(dF.size());
    Tensor<double> A(Shape{m, m}), b(Shape{m});
    double* a = A.data();
    double* bb = b.data();
    double frob = 0;
    for (index_t i = 0; i < m; ++i) {
        for (index_t j = 0; j < m; ++j) {
            double s = 0;
            for (std::size_t q = 0; q < f.size(); ++q) s += dF[i][q] * dF[j][q];
            a[i * m + j] = s;
        }
        frob += a[i * m + i];
        double s = 0;
        for (std::size_t q = 0; q < f.size(); ++q) s += dF[i][q] * f[q];
        bb[i] = s;
    }
    for (index_t i = 0; i < m; ++i) a[i * m + i] += reg * frob + std::numeric_limits<double>::min();
    try {
        const Tensor<double> g = lapack::cholesky_solve(lapack::cholesky(A, "fixed_point"), b, "fixed_point");
        gamma = to_vec(g);
    } catch (const NumericalError&) {
        return false;
    }
    return std::all_of(gamma.begin(), gamma.end(), [](double v) { return std::isfinite(v); });
}

}  // namespace

template <class T>
NonlinearResult<T> fixed_point(const NonlinearFn<T>& g, const Tensor<T>& x0, const std::vector<Var<T>>& theta,
                               const FixedPointOptions& o) {
    const std::string name = "fixed_point";
    detail::check_start(x0, theta, name);
    detail::check_tolerance(o.atol, "atol", name);
    detail::check_tolerance(o.rtol, "rtol", name);
    if (o.memory < 1)
        throw DomainError(name + ": memory must be at least 1, got " + std::to_string(o.memory));
    if (!(o.mixing > 0 && o.mixing <= 1))
        throw DomainError(name + ": mixing must be in (0, 1], got " + detail::num(o.mixing));
    const std::vector<Var<T>> c = detail::constants(theta);
    const bool anderson = o.method == FixedPointMethod::anderson;
    const double eps = std::numeric_limits<T>::epsilon(), beta = o.mixing;
    NonlinearReport rep;
    rep.method = anderson ? "anderson(" + std::to_string(o.memory) + ")" : "plain";

    Tensor<T> xt = x0.clone();
    Vec x = to_vec(xt), gx = to_vec(detail::evaluate(g, xt, c, name, 0));
    ++rep.evaluations;
    const std::size_t n = x.size();
    Vec f(n);
    for (std::size_t i = 0; i < n; ++i) f[i] = gx[i] - x[i];
    double fn = nrm(f);
    rep.residuals.push_back(fn);
    rep.target = std::max({o.atol, 10 * eps, std::max(o.rtol, 10 * eps) * fn});
    std::deque<Vec> dF, dG;
    Vec f_prev, g_prev;
    for (long long k = 1; fn > rep.target; ++k) {
        if (k > o.max_iter) {
            if (o.return_unconverged) break;
            throw ConvergenceError(
                name + " (" + rep.method + "): no convergence after " + std::to_string(o.max_iter) +
                    " iterations: |g(x) - x| = " + detail::num(fn) + " > target " + detail::num(rep.target),
                o.max_iter, fn);
        }
        Vec xn(n);
        bool mixed = false;
        if (anderson) {
            if (!f_prev.empty()) {
                Vec df(n), dg(n);
                for (std::size_t i = 0; i < n; ++i) df[i] = f[i] - f_prev[i], dg[i] = gx[i] - g_prev[i];
                dF.push_back(std::move(df));
                dG.push_back(std::move(dg));
                if (int(dF.size()) > o.memory) dF.pop_front(), dG.pop_front();
            }
            f_prev = f;
            g_prev = gx;
            Vec gamma;
            if (!dF.empty()) {
                if (anderson_coefficients(dF, f, o.regularization, gamma)) {
                    for (std::size_t i = 0; i < n; ++i) {
                        double gi = gx[i], fi = f[i];
                        for (std::size_t j = 0; j < gamma.size(); ++j)
                            gi -= gamma[j] * dG[j][i], fi -= gamma[j] * dF[j][i];
                        xn[i] = gi - (1 - beta) * fi;
                    }
                    mixed = true;
                } else {
                    dF.clear(), dG.clear();
                }
            }
        }
        if (!mixed)
            for (std::size_t i = 0; i < n; ++i) xn[i] = x[i] + beta * f[i];
        x = std::move(xn);
        xt = Tensor<T>(x0.shape());  // a fresh buffer: the previous one may be held by the user's F
        for (std::size_t i = 0; i < n; ++i) xt.data()[i] = T(x[i]);
        gx = to_vec(detail::evaluate(g, xt, c, name, k));
        ++rep.evaluations;
        for (std::size_t i = 0; i < n; ++i) x[i] = double(xt.data()[i]), f[i] = gx[i] - x[i];
        fn = nrm(f);
        rep.iterations = k;
        rep.residuals.push_back(fn);
        rep.steps.push_back(beta);
    }
    rep.residual = fn;
    rep.converged = fn <= rep.target;
    const NonlinearFn<T> F = [g](const Var<T>& v, const std::vector<Var<T>>& th) { return g(v, th) - v; };
    NonlinearResult<T> out{Var<T>(), rep, nullptr};
    out.x = detail::implicit_root(F, xt, theta, o.implicit, name, false, &out.implicit);
    return out;
}

template NonlinearResult<float> fixed_point(const NonlinearFn<float>&, const Tensor<float>&,
                                            const std::vector<Var<float>>&, const FixedPointOptions&);
template NonlinearResult<double> fixed_point(const NonlinearFn<double>&, const Tensor<double>&,
                                             const std::vector<Var<double>>&, const FixedPointOptions&);

}  // namespace tg::solvers
