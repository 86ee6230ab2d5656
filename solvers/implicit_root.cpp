// The implicit rules of a root x*(theta) of F(x, theta) = 0 (the math: implicit_root.hpp).
#include "implicit_root.hpp"

#include <charconv>
#include <cmath>
#include <memory>
#include <mutex>

#include "../autodiff/forward.hpp"
#include "../autodiff/gradients.hpp"
#include "../ops/custom_function.hpp"
#include "../ops/functions.hpp"
#include "../ops/shape_index_functions.hpp"
#include "../transforms/functional.hpp"
#include "../transforms/jacobian.hpp"
#include "dense_functions.hpp"
#include "krylov.hpp"
#include "lapack.hpp"

namespace tg::solvers::detail {

std::string num(double v) {
    if (std::isnan(v)) return "nan";  // to_chars writes the sign bit of a NaN ("-nan")
    char buf[32];
    const auto res = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, res.ptr);
}

template <class T>
double norm2(const Tensor<T>& t) {
    const Tensor<T> c = t.contiguous();
    const T* p = c.data();
    double s = 0;
    for (index_t i = 0; i < c.numel(); ++i) s += double(p[i]) * double(p[i]);
    return std::sqrt(s);
}

template <class T>
std::vector<Var<T>> constants(const std::vector<Var<T>>& theta) {
    std::vector<Var<T>> c;
    c.reserve(theta.size());
    for (const auto& p : theta) c.emplace_back(p.value());
    return c;
}

template <class T>
Tensor<T> evaluate(const NonlinearFn<T>& F, const Tensor<T>& x, const std::vector<Var<T>>& consts,
                   const std::string& name, long long iteration, bool scalar) {
    Var<T> y;
    if (iteration == 0 && (grad_enabled() || forward_active())) {
        // x and consts neither require grad nor carry tangents: only a captured Var can.
        y = F(Var<T>(x), consts);
        if (y.defined() && (y.requires_grad() || (forward_active() && tangent_of(y).defined())))
            throw AutogradError(name +
                                ": the function depends on a Var that requires grad and is not in theta (or "
                                "carries a tangent): its derivative would be dropped; pass it in theta, or "
                                "capture a constant copy (Var(w.value()))");
    } else {
        ForwardPause pause;
        NoGrad plain;
        y = F(Var<T>(x), consts);
    }
    if (!y.defined()) throw ShapeError(name + ": the function returned an undefined Var");
    if (scalar ? y.numel() != 1 : !(y.shape() == x.shape()))
        throw ShapeError(name + ": the function returned shape " + y.shape().str() + " for x of shape " +
                         x.shape().str() +
                         (scalar ? " (an objective must return one element)" : " (must be x's)"));
    const Tensor<T> v = y.value().contiguous();
    const T* p = v.data();
    for (index_t i = 0; i < v.numel(); ++i)
        if (!std::isfinite(double(p[i])))
            throw NonFiniteError(name + ": the function returned " + num(double(p[i])) + " at element " +
                                     std::to_string(i) + " at iteration " + std::to_string(iteration) +
                                     " (|x| = " + num(norm2(x)) + ")",
                                 iteration, i);
    return v;
}

template <class T>
Tensor<T> jacobian_matrix(const NonlinearFn<T>& F, const Tensor<T>& x, const std::vector<Var<T>>& consts,
                          JacobianMode mode) {
    ForwardPause pause;
    auto f = [&](const Var<T>& v) { return F(v, consts); };
    const Tensor<T> J = mode == JacobianMode::forward ? jacfwd<T>(f, x) : jacrev<T>(f, x);
    const index_t n = x.numel();
    if (J.numel() != n * n)
        throw ShapeError("jacobian: the function returned " +
                         std::to_string(J.numel() / std::max<index_t>(n, 1)) + " elements for x of " +
                         std::to_string(n));
    return J.contiguous().reshape(Shape{n, n});
}

void check_tolerance(double v, const char* what, const std::string& name) {
    if (std::isnan(v)) throw DomainError(name + ": " + what + " must be a number, got nan");
}

void check_armijo(const ArmijoOptions& o, const std::string& name) {
    if (!(o.shrink > 0 && o.shrink < 1))
        throw DomainError(name + ": armijo.shrink must be in (0, 1), got " + num(o.shrink));
    if (!(o.c > 0 && o.c < 1)) throw DomainError(name + ": armijo.c must be in (0, 1), got " + num(o.c));
    if (o.max_backtracks < 0)
        throw DomainError(name + ": armijo.max_backtracks must be >= 0, got " +
                          std::to_string(o.max_backtracks));
}

template <class T>
void check_start(const Tensor<T>& x0, const std::vector<Var<T>>& theta, const std::string& name) {
    if (!x0.defined() || x0.numel() == 0)
        throw ShapeError(name + ": x0 is empty (shape " + (x0.defined() ? x0.shape().str() : "undefined") + ")");
    const Tensor<T> c = x0.contiguous();
    for (index_t i = 0; i < c.numel(); ++i)
        if (!std::isfinite(double(c.data()[i])))
            throw DomainError(name + ": x0 contains " + num(double(c.data()[i])) + " at element " +
                              std::to_string(i));
    if (theta.size() > 4)
        throw ShapeError(name + ": at most 4 parameters theta (pack them into fewer Vars), got " +
                         std::to_string(theta.size()));
    for (std::size_t i = 0; i < theta.size(); ++i)
        if (!theta[i].defined())
            throw ShapeError(name + ": parameter " + std::to_string(i) + " is undefined");
}

namespace {

template <class T>
Tensor<T> scaled(const Tensor<T>& t, T a) {
    Tensor<T> out = t.clone();
    T* p = out.data();
    for (index_t i = 0; i < out.numel(); ++i) p[i] *= a;
    return out;
}

template <class T>
struct State {
    NonlinearFn<T> F;
    Tensor<T> x;
    Shape shape;
    index_t n = 0;
    ImplicitOptions opts;
    std::string name;
    bool symmetric = false;
    bool dense = true;
    std::mutex m;
    std::unique_ptr<lapack::LUFactor<T>> lu;  // dense: J's LU at the answer, made on first use
    std::shared_ptr<ImplicitStats> stats = std::make_shared<ImplicitStats>();

    const lapack::LUFactor<T>& factor(const std::vector<Var<T>>& consts) {
        std::lock_guard<std::mutex> g(m);
        if (!lu) {
            const Tensor<T> J = jacobian_matrix(F, x, consts, JacobianMode::reverse);
            try {
                lu = std::make_unique<lapack::LUFactor<T>>(lapack::lu_factor(J, name.c_str()));
                ++stats->factorizations;
            } catch (const NumericalError& e) {
                throw SingularJacobianError(name +
                                                ": the implicit derivative needs J = F_x at the answer, which is "
                                                "singular (" +
                                                e.what() + ")",
                                            -1);
            }
        }
        return *lu;
    }

    // A with A v = b by the Krylov method (GMRES, or CG when J is symmetric), from zero.
    Tensor<T> krylov_solve(const LinearOperator<T>& A, const Tensor<T>& b) const {
        KrylovOptions k;
        k.method = symmetric ? KrylovMethod::cg : KrylovMethod::gmres;
        k.rtol = opts.rtol;
        k.restart = opts.restart;
        k.max_iter = opts.max_iter;
        const Tensor<T> bc = b.contiguous();
        Tensor<T> out(shape);
        // The Krylov errors name gmres or cg only; say which solve's derivative failed, and type a
        // breakdown as the dense path types its zero pivot (a singular J at the answer).
        const std::string who = name + ": the implicit derivative (matrix-free) ";
        try {
            stats->krylov_iterations += krylov(A, static_cast<const PreconditionerOp<T>*>(nullptr), bc.data(),
                                               out.data(), n, k)
                                            .iterations;
        } catch (const ConvergenceError& e) {
            throw ConvergenceError(who + "did not converge: " + e.what(), e.iterations(), e.residual());
        } catch (const DomainError& e) {
            throw DomainError(who + "got a non-finite input: " + e.what());
        } catch (const NumericalError& e) {
            const std::string w = e.what();
            if (w.find("non-finite") != std::string::npos) throw NumericalError(who + "failed: " + w);
            throw SingularJacobianError(who + "needs J = F_x at the answer, which is singular" +
                                            (symmetric ? " or not positive definite" : "") + " (" + w + ")",
                                        -1);
        }
        return out;
    }

    Tensor<T> from(const T* p) const {
        Tensor<T> t(shape);
        std::copy(p, p + n, t.data());
        return t;
    }
};

}  // namespace

template <class T>
Var<T> implicit_root(const NonlinearFn<T>& F, const Tensor<T>& xstar, const std::vector<Var<T>>& theta,
                     const ImplicitOptions& opts, const std::string& name, bool symmetric,
                     std::shared_ptr<const ImplicitStats>* stats) {
    if (theta.size() > 4)
        throw ShapeError(name + ": at most 4 parameters theta, got " + std::to_string(theta.size()));
    if (theta.empty()) return Var<T>(xstar);
    auto st = std::make_shared<State<T>>();
    st->F = F;
    st->x = xstar.contiguous();
    st->shape = xstar.shape();
    st->n = xstar.numel();
    st->opts = opts;
    st->name = name;
    st->symmetric = symmetric;
    st->dense = opts.adjoint == AdjointMode::dense ||
                (opts.adjoint == AdjointMode::automatic && st->n <= opts.dense_limit);
    st->stats->dense = st->dense;
    if (stats) *stats = st->stats;

    auto fwd = [st](const std::vector<Tensor<T>>&) { return st->x; };
    // J^T lambda = xbar, thetabar = -F_theta^T lambda.
    auto vjp = [st](const std::vector<Var<T>>& th, const Var<T>&, const Var<T>& gy) {
        // A create_graph sweep (grad on) or a forward-over-reverse one (tangents on the
        // cotangent or theta) differentiates this rule again; it returns constants, so without
        // the second-order step the second derivative would silently miss the solve's curvature.
        if (!st->opts.second_order) {
            bool tangents = false;
            if (forward_active()) {
                tangents = tangent_of(gy).defined();
                for (const auto& p : th) tangents |= tangent_of(p).defined();
            }
            if (grad_enabled() || tangents)
                throw AutogradError(st->name +
                                    ": a second derivative through the solve (create_graph, hessian, hvp) "
                                    "needs implicit.second_order = true; this answer's rules are first order");
        }
        ForwardPause pause;
        ++st->stats->vjps;
        const std::vector<Var<T>> c = constants(th);
        const Tensor<T> g = gy.value().contiguous().reshape(st->shape);
        Tensor<T> lambda;
        if (st->dense) {
            lambda = lapack::lu_solve(st->factor(c), g.reshape(Shape{st->n}), true, st->name.c_str())
                         .reshape(st->shape);
        } else {
            auto [val, pull] = tg::vjp<T>([&](const Var<T>& v) { return st->F(v, c); }, st->x);
            const LinearOperator<T> At = [&](const T* u, T* out) {
                const Tensor<T> r = pull(st->from(u)).contiguous();
                std::copy(r.data(), r.data() + st->n, out);
            };
            lambda = st->krylov_solve(At, g);
        }
        std::vector<Tensor<T>> tv;
        for (const auto& p : th) tv.push_back(p.value());
        const Var<T> xs(st->x);
        auto [val, pull] = tg::vjp<T>([&](const std::vector<Var<T>>& p) { return st->F(xs, p); }, tv);
        std::vector<Var<T>> out;
        for (const auto& t : pull(lambda)) out.emplace_back(scaled(t, T(-1)));
        return out;
    };
    // J dx = -F_theta dtheta.
    auto jvp = [st](const std::vector<Var<T>>& th, const Var<T>&, const std::vector<Var<T>>& dth) {
        std::vector<Tensor<T>> primals, tangents;
        bool any = false;
        for (std::size_t i = 0; i < th.size(); ++i) {
            primals.push_back(th[i].value());
            any |= dth[i].defined();
            tangents.push_back(dth[i].defined() ? dth[i].value().broadcast_to(th[i].shape()).contiguous()
                                                : Tensor<T>(th[i].shape()));
        }
        if (!any) return Var<T>();
        ++st->stats->jvps;
        const Var<T> xs(st->x);
        auto [val, dF] = tg::jvp<T>([&](const std::vector<Var<T>>& p) { return st->F(xs, p); }, primals,
                                    tangents);
        const Tensor<T> rhs = scaled(dF.reshape(st->shape), T(-1));
        if (st->dense)
            return Var<T>(lapack::lu_solve(st->factor(constants(th)), rhs.reshape(Shape{st->n}), false,
                                           st->name.c_str())
                              .reshape(st->shape));
        const std::vector<Var<T>> c = constants(th);
        const LinearOperator<T> A = [&](const T* v, T* out) {
            const Tensor<T> r = tg::jvp<T>([&](const Var<T>& x) { return st->F(x, c); }, st->x, st->from(v))
                                    .second.contiguous();
            std::copy(r.data(), r.data() + st->n, out);
        };
        return Var<T>(st->krylov_solve(A, rhs));
    };
    CustomFunction<T> node(CustomRules<T>{name, fwd, vjp, jvp});
    Var<T> x = node(theta);
    if (!opts.second_order || !grad_enabled() || !x.requires_grad()) return x;

    // One Newton step in Var arithmetic from the recorded root, J(x, theta) recorded
    // (create_graph): x1 = x - J(x, theta)^{-1} F(x, theta). Its value is x* up to rounding
    // (F(x*) ~ 0) and its first derivative -J^{-1} F_theta. Its second derivative is exact
    // although x's own rules are first order (they return constants): the cotangent reaching x,
    // xbar = x1bar - (d/dx J^{-1} F)^T x1bar = -(dJ^{-1}/dx F)^T x1bar, vanishes with F, and so does
    // its derivative, because J^{-1} J cancels as a recorded function of theta. (A chord step with
    // a constant J^{-1} does not: the cancellation then only holds at theta itself.)
    const index_t n = st->n;
    const Var<T> f = reshape(F(x, theta), Shape{n});
    std::vector<Var<T>> rows;
    for (index_t i = 0; i < n; ++i) {
        Tensor<T> e(Shape{n});
        e.data()[i] = T(1);
        rows.push_back(reshape(gradients(f, {x}, e, {.keep_graph = true, .create_graph = true})[0], Shape{n}));
    }
    return x - reshape(solve(stack(rows, 0), f), st->shape);
}

#define TG_IMPLICIT_INSTANTIATE(T)                                                                          \
    template double norm2(const Tensor<T>&);                                                                \
    template std::vector<Var<T>> constants(const std::vector<Var<T>>&);                                     \
    template Tensor<T> evaluate(const NonlinearFn<T>&, const Tensor<T>&, const std::vector<Var<T>>&,        \
                                const std::string&, long long, bool);                                       \
    template Tensor<T> jacobian_matrix(const NonlinearFn<T>&, const Tensor<T>&, const std::vector<Var<T>>&, \
                                       JacobianMode);                                                       \
    template void check_start(const Tensor<T>&, const std::vector<Var<T>>&, const std::string&);            \
    template Var<T> implicit_root(const NonlinearFn<T>&, const Tensor<T>&, const std::vector<Var<T>>&,      \
                                  const ImplicitOptions&, const std::string&, bool,                         \
                                  std::shared_ptr<const ImplicitStats>*);
TG_IMPLICIT_INSTANTIATE(float)
TG_IMPLICIT_INSTANTIATE(double)
#undef TG_IMPLICIT_INSTANTIATE

}  // namespace tg::solvers::detail
