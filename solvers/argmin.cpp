// Gradient descent and L-BFGS with a backtracking Armijo line search (the method: argmin.hpp).
#include "argmin.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>

#include "../autodiff/forward.hpp"
#include "../autodiff/gradients.hpp"
#include "../transforms/functional.hpp"
#include "implicit_root.hpp"

namespace tg::solvers {

namespace {

using Vec = std::vector<double>;

double dotv(const Vec& a, const Vec& b) {
    double s = 0;
    for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
    return s;
}

template <class T>
Vec to_vec(const Tensor<T>& t) {
    const Tensor<T> c = t.contiguous();
    return Vec(c.data(), c.data() + c.numel());
}

template <class T>
Tensor<T> to_tensor(const Vec& v, const Shape& s) {
    Tensor<T> t(s);
    for (std::size_t i = 0; i < v.size(); ++i) t.data()[i] = T(v[i]);
    return t;
}

// d = -H g by the two-loop recursion.
Vec two_loop(const std::deque<Vec>& S, const std::deque<Vec>& Y, const Vec& g) {
    const std::size_t m = S.size();
    Vec q = g, alpha(m);
    for (std::size_t i = m; i-- > 0;) {
        alpha[i] = dotv(S[i], q) / dotv(Y[i], S[i]);
        for (std::size_t j = 0; j < q.size(); ++j) q[j] -= alpha[i] * Y[i][j];
    }
    if (m > 0) {
        const double gamma = dotv(S[m - 1], Y[m - 1]) / dotv(Y[m - 1], Y[m - 1]);
        for (double& v : q) v *= gamma;
    }
    for (std::size_t i = 0; i < m; ++i) {
        const double beta = dotv(Y[i], q) / dotv(Y[i], S[i]);
        for (std::size_t j = 0; j < q.size(); ++j) q[j] += (alpha[i] - beta) * S[i][j];
    }
    for (double& v : q) v = -v;
    return q;
}

}  // namespace

template <class T>
NonlinearFn<T> detail::gradient_residual(const NonlinearFn<T>& L) {
    return [L](const Var<T>& x, const std::vector<Var<T>>& th) -> Var<T> {
        bool record = grad_enabled() && x.requires_grad();
        bool tangents = forward_active() && tangent_of(x).defined();
        for (const auto& p : th) {
            record |= grad_enabled() && p.requires_grad();
            tangents |= forward_active() && tangent_of(p).defined();
        }
        if (!record && !tangents) {
            auto f = [&](const Var<T>& v) { return L(v, th); };
            return Var<T>(tg::grad<T>(f, x.value()));
        }
        // Recorded on the current tape (the caller's sweep differentiates it again); a constant x
        // becomes a leaf of its own that keeps x's tangent (forward-over-reverse).
        EnableGrad on;
        Var<T> xl = x;
        if (!x.requires_grad()) {
            xl = Var<T>(x.value(), true);
            if (forward_active() && tangent_of(x).defined()) set_tangent(xl, tangent_of(x));
        }
        const Var<T> l = L(xl, th);
        if (l.numel() != 1)
            throw ShapeError("argmin: the objective returned shape " + l.shape().str() +
                             " (must be one element)");
        if (!l.requires_grad()) return Var<T>(Tensor<T>(x.shape()));
        return gradients(l, {xl}, ones<T>(l.shape()), {.keep_graph = true, .create_graph = true})[0];
    };
}

template <class T>
NonlinearResult<T> argmin(const NonlinearFn<T>& L, const Tensor<T>& x0, const std::vector<Var<T>>& theta,
                          const ArgminOptions& o) {
    const std::string name = "argmin";
    detail::check_start(x0, theta, name);
    detail::check_tolerance(o.gtol, "gtol", name);
    detail::check_tolerance(o.rtol, "rtol", name);
    detail::check_armijo(o.armijo, name);
    if (o.memory < 1)
        throw DomainError(name + ": memory must be at least 1, got " + std::to_string(o.memory));
    const std::vector<Var<T>> c = detail::constants(theta);
    const bool lbfgs = o.optimizer == Optimizer::lbfgs;
    const double eps = std::numeric_limits<T>::epsilon();
    const Shape shape = x0.shape();
    NonlinearReport rep;
    rep.method = lbfgs ? "lbfgs(" + std::to_string(o.memory) + ")" : "gradient_descent";

    detail::evaluate(L, x0, c, name, 0, true);  // shape and finiteness of L at x0
    // L and its gradient at x; NaN if either is not finite (a failed line-search trial).
    auto value_grad = [&](const Vec& x, Vec& g) {
        ++rep.evaluations;
        auto f = [&](const Var<T>& v) { return L(v, c); };
        ForwardPause pause;
        auto [v, gt] = tg::value_and_grad<T>(f, to_tensor<T>(x, shape));
        g = to_vec(gt);
        double s = double(v);
        for (double gi : g) s += 0 * gi;
        return std::isfinite(s) ? double(v) : std::numeric_limits<double>::quiet_NaN();
    };
    Vec x = to_vec(x0), g;
    double fx = value_grad(x, g);
    if (!std::isfinite(fx)) {
        std::size_t i = 0;
        while (i < g.size() && std::isfinite(g[i])) ++i;
        throw NonFiniteError(name + ": the objective or its gradient is not finite at x0 (gradient element " +
                                 std::to_string(i) + ")",
                             0, (long long)i);
    }
    double gn = std::sqrt(dotv(g, g));
    rep.residuals.push_back(gn);
    rep.values.push_back(fx);
    rep.target = std::max({o.gtol, 10 * eps, o.rtol * gn});
    std::deque<Vec> S, Y;
    double last_alpha = 1;
    bool at_rounding = false;
    for (long long k = 1; gn > rep.target; ++k) {
        if (k > o.max_iter) {
            if (o.return_unconverged) break;
            throw ConvergenceError(name + " (" + rep.method + "): no convergence after " +
                                       std::to_string(o.max_iter) +
                                       " iterations: |grad L| = " + detail::num(gn) + " > target " +
                                       detail::num(rep.target) + " (L = " + detail::num(fx) + ")",
                                   o.max_iter, gn);
        }
        Vec d = lbfgs ? two_loop(S, Y, g) : g;
        if (!lbfgs)
            for (double& v : d) v = -v;
        double slope = dotv(g, d);
        if (!(slope < 0)) {  // not a descent direction: forget the curvature pairs
            S.clear(), Y.clear();
            d = g;
            for (double& v : d) v = -v;
            slope = -gn * gn;
        }
        // An L-BFGS step (a Newton step estimate once curvature is stored) below x's rounding: x
        // is the minimizer as closely as T holds it, and |grad L| there is its own rounding
        // (float32, x near 1e4: |grad| stays ~1e-3, above the target 10 eps, for 1000 iterations).
        if (lbfgs && !S.empty() && std::sqrt(dotv(d, d)) <= 4 * eps * std::sqrt(dotv(x, x))) {
            at_rounding = true;
            break;
        }
        Vec xn(x.size()), gnew;
        auto phi = [&](double a) {
            for (std::size_t i = 0; i < x.size(); ++i) xn[i] = x[i] + a * d[i];
            return value_grad(xn, gnew);
        };
        const double alpha0 = lbfgs && !S.empty() ? 1.0 : (lbfgs ? std::min(1.0, 1 / gn) : 2 * last_alpha);
        // Hager and Zhang's approximate Wolfe conditions: L no higher than its rounding allows and
        // the slope along d reduced to between 0.9 and -0.8 times its start (the minimum along d
        // bracketed), for when the Armijo test can no longer see the decrease.
        auto approx_wolfe = [&](double, double v) {
            const double s1 = dotv(gnew, d);
            return v <= fx + 1e-10 * std::abs(fx) + std::numeric_limits<double>::min() && s1 >= 0.9 * slope &&
                   s1 <= -0.8 * slope;
        };
        const LineSearchResult ls = armijo_backtrack(phi, fx, slope, alpha0, o.armijo, approx_wolfe);
        if (!ls.ok)
            throw NumericalError(name + " (" + rep.method +
                                 "): the line search found no decrease at iteration " + std::to_string(k) +
                                 " (L = " + detail::num(fx) + ", |grad L| = " + detail::num(gn) +
                                 ", last step " + detail::num(ls.alpha) + ")");
        last_alpha = ls.alpha;
        Vec s(x.size()), y(x.size());
        for (std::size_t i = 0; i < x.size(); ++i) s[i] = xn[i] - x[i], y[i] = gnew[i] - g[i];
        const double sy = dotv(s, y);
        if (lbfgs && sy > 1e-10 * std::sqrt(dotv(s, s) * dotv(y, y))) {
            S.push_back(std::move(s));
            Y.push_back(std::move(y));
            if (int(S.size()) > o.memory) S.pop_front(), Y.pop_front();
        }
        x = xn;
        g = gnew;
        fx = ls.value;
        gn = std::sqrt(dotv(g, g));
        rep.iterations = k;
        rep.residuals.push_back(gn);
        rep.values.push_back(fx);
        rep.steps.push_back(ls.alpha);
    }
    rep.residual = gn;
    rep.converged = gn <= rep.target || at_rounding;
    NonlinearResult<T> out{Var<T>(), rep, nullptr};
    out.x = detail::implicit_root(detail::gradient_residual(L), to_tensor<T>(x, shape), theta, o.implicit,
                                  name, true, &out.implicit);
    return out;
}

#define TG_ARGMIN_INSTANTIATE(T)                                                                            \
    template NonlinearFn<T> detail::gradient_residual(const NonlinearFn<T>&);                               \
    template NonlinearResult<T> argmin(const NonlinearFn<T>&, const Tensor<T>&, const std::vector<Var<T>>&, \
                                       const ArgminOptions&);
TG_ARGMIN_INSTANTIATE(float)
TG_ARGMIN_INSTANTIATE(double)
#undef TG_ARGMIN_INSTANTIATE

}  // namespace tg::solvers
