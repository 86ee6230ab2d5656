#pragma once
// Elementwise unary ops. Each declares, in one place:
//   dfdx(x, y, attrs)           its derivative written with differentiable Var ops: Unary derives
//                               jvp: dy = dfdx * dx   and   vjp: xbar = dfdx * ybar   from it, so
//                               double backward and forward-over-reverse work;
//   f(attrs, x) or fx<T>(x, a)  its forward value: a Tensor function, or an xtensor expression
//                               that its family's fused-kernel TUs run as one xsimd pass;
//   kernel<T>(g, x|y, a)        optionally, the same VJP as one fused xsimd pass, for plain sweeps
//                               (nothing recorded, no tangent travelling); `kernel_reads` says
//                               which saved tensors it reads. The registry checks both paths:
//                               reverse mode runs the kernel, second order the dfdx formula.
// Expressions (fx, kernel) call math functions unqualified (exp, where, abs): they resolve to
// xtensor's by argument-dependent lookup, in the TUs that instantiate them. Constants in them are
// prvalues (T(a.scalar), a lambda returning a subexpression), never named locals: xtensor keeps
// lvalue operands by reference, which would dangle once the expression is returned.
//
// NOTE [zero cotangents]: an op whose derivative is infinite (or NaN) at the edge of its domain
// (sqrt and log at 0, pow, reciprocal, the gamma functions at their poles) declares `singular`.
// Its chain rule then lets an exact zero cotangent or tangent win: 0 * inf is 0, not NaN, in the
// fused kernel, the recorded VJP and the JVP, as tg::Dual (NOTE [zero tangents]) and tg::Rev
// (NOTE [zero adjoints]) do. A direction in which the input does not move cannot move the output;
// a moving one gets the IEEE value (+-inf). docs/guide.md, "Derivatives at the edge of a domain".
#include "../tensor/math.hpp"
#include "fused_kernels.hpp"
#include "jvp_util.hpp"
#include "samples.hpp"

namespace tg::ops {

template <class D>
constexpr bool is_singular() {
    if constexpr (requires { D::singular; }) return D::singular;
    else return false;
}

/// u * d, where an exact zero u gives 0 whatever d is (NOTE [zero cotangents]).
template <class T>
Var<T> mul_zero_wins(const Var<T>& u, const Var<T>& d) {
    return u * where(equal(u.value(), Tensor<T>::scalar(T(0))), Var<T>(T(0)), d);
}

template <class D>
struct Unary {
    static constexpr int arity = 1;
    template <class T>
    static Tensor<T> forward(const Attrs& a, const Tensor<T>& x) {
        if constexpr (requires { D::f(a, x); }) return D::f(a, x);
        else return fused_forward<D, T>(x, a);
    }
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        if constexpr (requires { D::kernel_reads; }) {
            if (plain_mode()) {  // the same formula in one pass (D::kernel, ops/fused_kernels.hpp)
                c[0] = Var<T>(fused_vjp<D, T>(a.gy.value(), a.x[0].value(), a.y.value(), a.attrs));
                return;
            }
        }
        c[0] = chain(a.gy, D::dfdx(a.x[0], a.y, a.attrs));
    }
    template <class T>
    static Var<T> jvp(const JvpArgs<T>& a) {
        return tangent_map(a.dx[0], [&](const Var<T>& d) { return chain(d, D::dfdx(a.x[0], a.y, a.attrs)); });
    }
    template <class T>
    static Var<T> chain(const Var<T>& u, const Var<T>& dfdx) {
        if constexpr (is_singular<D>()) return mul_zero_wins(u, dfdx);
        else return u * dfdx;
    }
};

// y = -x   (linear: vjp xbar = -ybar, jvp dy = -dx)
struct Neg {
    static constexpr const char* name = "neg";
    static constexpr int arity = 1;
    static constexpr unsigned saves = 0;
    template <class T>
    static Tensor<T> forward(const Attrs&, const Tensor<T>& x) {
        return tg::neg(x);
    }
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        c[0] = -a.gy;
    }
    template <class T>
    static Var<T> jvp(const JvpArgs<T>& a) {
        return tangent_map(a.dx[0], [](const Var<T>& d) { return -d; });
    }
    static Samples samples() { return unary_samples(Domain::any); }
};

// y = x^2        dy/dx = 2x
struct Square : Unary<Square> {
    static constexpr const char* name = "square";
    template <class T>
    static Tensor<T> f(const Attrs&, const Tensor<T>& x) {
        return tg::square(x);
    }
    template <class T>
    static Var<T> dfdx(const Var<T>& x, const Var<T>&, const Attrs&) {
        return T(2) * x;
    }
    static constexpr Reads kernel_reads = Reads::x;
    template <class T>
    static auto kernel(const auto& g, const auto& x, const Attrs&) {
        return g * (T(2) * x);
    }
    static Samples samples() { return unary_samples(Domain::any); }
};

// y = sqrt(x)    dy/dx = 1 / (2 y): +inf at 0 (singular: a zero cotangent gives 0)
struct Sqrt : Unary<Sqrt> {
    static constexpr const char* name = "sqrt";
    static constexpr bool singular = true;
    template <class T>
    static Tensor<T> f(const Attrs&, const Tensor<T>& x) {
        return tg::sqrt(x);
    }
    template <class T>
    static Var<T> dfdx(const Var<T>&, const Var<T>& y, const Attrs&) {
        return T(0.5) / y;
    }
    static constexpr Reads kernel_reads = Reads::y;
    template <class T>
    static auto kernel(const auto& g, const auto& y, const Attrs&) {
        return g * (T(0.5) / y);
    }
    static Samples samples() { return unary_samples(Domain::positive); }
};

// y = exp(x)     dy/dx = y   (the plain VJP g * y is already one pass)
struct Exp : Unary<Exp> {
    static constexpr const char* name = "exp";
    template <class T>
    static Tensor<T> f(const Attrs&, const Tensor<T>& x) {
        return tg::exp(x);
    }
    template <class T>
    static Var<T> dfdx(const Var<T>&, const Var<T>& y, const Attrs&) {
        return y;
    }
    static Samples samples() { return unary_samples(Domain::any); }
};

// y = log(x)     dy/dx = 1 / x: +inf at 0 (singular)
struct Log : Unary<Log> {
    static constexpr const char* name = "log";
    static constexpr bool singular = true;
    template <class T>
    static Tensor<T> f(const Attrs&, const Tensor<T>& x) {
        return tg::log(x);
    }
    template <class T>
    static Var<T> dfdx(const Var<T>& x, const Var<T>&, const Attrs&) {
        return T(1) / x;
    }
    static constexpr Reads kernel_reads = Reads::x;
    template <class T>
    static auto kernel(const auto& g, const auto& x, const Attrs&) {
        return g * (T(1) / x);
    }
    static Samples samples() { return unary_samples(Domain::positive); }
};

// y = |x|        dy/dx = sign(x), taken as 0 at x = 0 (the subgradient of least norm)
struct Abs : Unary<Abs> {
    static constexpr const char* name = "abs";
    template <class T>
    static Tensor<T> f(const Attrs&, const Tensor<T>& x) {
        return tg::abs(x);
    }
    template <class T>
    static Var<T> dfdx(const Var<T>& x, const Var<T>&, const Attrs&) {
        return Var<T>(tg::sign(x.value()));  // piecewise constant: no second derivative
    }
    static constexpr Reads kernel_reads = Reads::x;
    template <class T>  // sign(x) keeps 0, -0 and NaN, as tg::sign does
    static auto kernel(const auto& g, const auto& x, const Attrs&) {
        return g * where(x > T(0), T(1), where(x < T(0), T(-1), x));
    }
    static Samples samples() {
        Samples s = unary_samples(Domain::nonzero), k = kink_samples(0.0);  // abs'(0) = 0
        s.insert(s.end(), k.begin(), k.end());
        return s;
    }
};

// y = sin(x)     dy/dx = cos(x)
struct Sin : Unary<Sin> {
    static constexpr const char* name = "sin";
    template <class T>
    static Tensor<T> f(const Attrs&, const Tensor<T>& x) {
        return tg::sin(x);
    }
    template <class T>
    static Var<T> dfdx(const Var<T>& x, const Var<T>&, const Attrs&) {
        return cos(x);
    }
    static constexpr Reads kernel_reads = Reads::x;
    template <class T>
    static auto kernel(const auto& g, const auto& x, const Attrs&) {
        return g * cos(x);
    }
    static Samples samples() { return unary_samples(Domain::any); }
};

// y = cos(x)     dy/dx = -sin(x)
struct Cos : Unary<Cos> {
    static constexpr const char* name = "cos";
    template <class T>
    static Tensor<T> f(const Attrs&, const Tensor<T>& x) {
        return tg::cos(x);
    }
    template <class T>
    static Var<T> dfdx(const Var<T>& x, const Var<T>&, const Attrs&) {
        return -sin(x);
    }
    static constexpr Reads kernel_reads = Reads::x;
    template <class T>
    static auto kernel(const auto& g, const auto& x, const Attrs&) {
        return g * -sin(x);
    }
    static Samples samples() { return unary_samples(Domain::any); }
};

// y = tanh(x)    dy/dx = 1 / cosh^2 x: 1 - y^2 for |x| < 1 (its derivative -2 y y' is accurate
// near 0), 4e / (1 + e)^2 with e = exp(-2|x|) beyond (1 - y^2 cancels there: 0 for |x| > 19, where
// the derivative is 1e-16 .. 1e-310). The mask is a constant; tests/test_tensor_reference.cpp.
struct Tanh : Unary<Tanh> {
    static constexpr const char* name = "tanh";
    template <class T>
    static Tensor<T> f(const Attrs&, const Tensor<T>& x) {
        return tg::tanh(x);
    }
    template <class T>
    static Var<T> dfdx(const Var<T>& x, const Var<T>& y, const Attrs&) {
        const Var<T> m(tg::less(tg::abs(x.value()), Tensor<T>::scalar(T(1))));
        const Var<T> e = tg::exp(T(-2) * tg::abs(x));
        return m * (T(1) - y * y) + (T(1) - m) * (T(4) * e / ((T(1) + e) * (T(1) + e)));
    }
    // The kernel's tail is (1 / cosh x)^2, the same function with one transcendental (square
    // evaluates its argument once; squaring 1 / cosh keeps subnormal results, as at |x| = 360);
    // 4e / (1 + e)^2 would cost three exps in one pass (2x slower than the two-pass kernel it
    // replaced, measured) or a second pass.
    static constexpr Reads kernel_reads = Reads::x_and_y;
    template <class T>
    static auto kernel(const auto& g, const auto& x, const auto& y, const Attrs&) {
        return g * where(abs(x) < T(1), T(1) - y * y, square(T(1) / cosh(x)));
    }
    static Samples samples() { return unary_samples(Domain::any); }
};

// y = s(x) = 1 / (1 + exp(-x))    dy/dx = s(x) s(-x): (1 - t^2) / 4 with t = tanh(x / 2) for
// |x| < 2 (its derivative is accurate near 0), y s(-x) beyond (y (1 - y) cancels there: 0 for
// x > 37). The mask is a constant; tests/test_tensor_reference.cpp.
struct Sigmoid : Unary<Sigmoid> {
    static constexpr const char* name = "sigmoid";
    template <class T>
    static Tensor<T> f(const Attrs&, const Tensor<T>& x) {
        return tg::sigmoid(x);
    }
    template <class T>
    static Var<T> dfdx(const Var<T>& x, const Var<T>& y, const Attrs&) {
        const Var<T> m(tg::less(tg::abs(x.value()), Tensor<T>::scalar(T(2))));
        const Var<T> t = tg::tanh(T(0.5) * x);
        return m * (T(0.25) * (T(1) - t * t)) + (T(1) - m) * (y * tg::sigmoid(-x));
    }
    static constexpr Reads kernel_reads = Reads::x_and_y;
    template <class T>
    static auto kernel(const auto& g, const auto& x, const auto& y, const Attrs&) {
        return g * where(abs(x) < T(2), T(0.25) * (T(1) - tanh(T(0.5) * x) * tanh(T(0.5) * x)),
                         y * (T(1) / (T(1) + exp(-(-x)))));
    }
    static Samples samples() { return unary_samples(Domain::any); }
};

// y = max(x, 0)  dy/dx = [x > 0], taken as 0 at x = 0
struct Relu : Unary<Relu> {
    static constexpr const char* name = "relu";
    template <class T>
    static Tensor<T> f(const Attrs&, const Tensor<T>& x) {
        return tg::relu(x);
    }
    template <class T>
    static Var<T> dfdx(const Var<T>& x, const Var<T>&, const Attrs&) {
        return Var<T>(tg::step(x.value()));
    }
    static constexpr Reads kernel_reads = Reads::x;
    template <class T>  // g * step(x): a NaN or infinite g still gives NaN where x <= 0
    static auto kernel(const auto& g, const auto& x, const Attrs&) {
        return g * where(x > T(0), T(1), T(0));
    }
    static Samples samples() {
        Samples s = unary_samples(Domain::nonzero), k = kink_samples(0.0);  // relu'(0) = 0
        s.insert(s.end(), k.begin(), k.end());
        return s;
    }
};

// y = x^p (p constant)     dy/dx = p x^(p-1); exactly 0 when p = 0 (y is the constant 1, also at
// x = 0, where p x^(p-1) would be 0 * inf); singular (+-inf at x = 0 for p < 1).
struct PowScalar : Unary<PowScalar> {
    static constexpr const char* name = "pow_scalar";
    static constexpr bool singular = true;
    template <class T>
    static Tensor<T> f(const Attrs& a, const Tensor<T>& x) {
        return tg::pow(x, static_cast<T>(a.scalar));
    }
    template <class T>
    static Var<T> dfdx(const Var<T>& x, const Var<T>&, const Attrs& a) {
        const T p = static_cast<T>(a.scalar);
        if (p == T(0)) return Var<T>(T(0));
        return p * pow(x, p - T(1));
    }
    static constexpr Reads kernel_reads = Reads::x;
    template <class T>  // p = 0: 0 * x^1, never 0 * inf. Scalars as prvalues: xtensor keeps lvalues by reference
    static auto kernel(const auto& g, const auto& x, const Attrs& a) {
        return g * (T(a.scalar) * pow(x, T(a.scalar) == T(0) ? T(1) : T(a.scalar) - T(1)));
    }
    static Samples samples() {
        Attrs cube, root, inv;
        cube.scalar = 3, root.scalar = 2.5, inv.scalar = -1.5;
        return {sample({{{3, 4}}}, "p = 3", cube), sample({{{}, Domain::positive}}, "p = 2.5, scalar", root),
                sample({{{2, 3}, Domain::positive}}, "p = 2.5", root),
                sample({{{4, 3}, Domain::positive, true}}, "p = -1.5, transposed", inv)};
    }
};

}  // namespace tg::ops
