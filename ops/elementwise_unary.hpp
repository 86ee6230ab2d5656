#pragma once
// Elementwise unary ops. Each gives its primal f and its derivative dfdx, written with
// differentiable ops; Unary derives   jvp: dy = dfdx * dx   and   vjp: xbar = dfdx * ybar.
// `kernel` names the fused Tensor kernel of the same VJP, used when nothing is recorded; the
// registry checks both (reverse mode runs the kernel, second order the dfdx formula).
#include "../tensor/math.hpp"
#include "jvp_util.hpp"
#include "samples.hpp"

namespace tg::ops {

template <class D>
struct Unary {
    static constexpr int arity = 1;
    template <class T>
    static Tensor<T> forward(const Attrs& a, const Tensor<T>& x) {
        return D::f(a, x);
    }
    template <class T>
    static void vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
        if constexpr (requires { D::kernel; }) {
            if (plain_mode()) {  // the same formula in one pass (tensor/math_vjp.cpp)
                c[0] = Var<T>(
                    unary_vjp(D::kernel, a.x[0].value(), a.y.value(), a.gy.value(), T(a.attrs.scalar)));
                return;
            }
        }
        c[0] = a.gy * D::dfdx(a.x[0], a.y, a.attrs);
    }
    template <class T>
    static Var<T> jvp(const JvpArgs<T>& a) {
        return tangent_map(a.dx[0], [&](const Var<T>& d) { return d * D::dfdx(a.x[0], a.y, a.attrs); });
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
    static constexpr DerivKernel kernel = DerivKernel::square;
    template <class T>
    static Tensor<T> f(const Attrs&, const Tensor<T>& x) {
        return tg::square(x);
    }
    template <class T>
    static Var<T> dfdx(const Var<T>& x, const Var<T>&, const Attrs&) {
        return T(2) * x;
    }
    static Samples samples() { return unary_samples(Domain::any); }
};

// y = sqrt(x)    dy/dx = 1 / (2 y)
struct Sqrt : Unary<Sqrt> {
    static constexpr const char* name = "sqrt";
    static constexpr DerivKernel kernel = DerivKernel::sqrt;
    template <class T>
    static Tensor<T> f(const Attrs&, const Tensor<T>& x) {
        return tg::sqrt(x);
    }
    template <class T>
    static Var<T> dfdx(const Var<T>&, const Var<T>& y, const Attrs&) {
        return T(0.5) / y;
    }
    static Samples samples() { return unary_samples(Domain::positive); }
};

// y = exp(x)     dy/dx = y
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

// y = log(x)     dy/dx = 1 / x
struct Log : Unary<Log> {
    static constexpr const char* name = "log";
    static constexpr DerivKernel kernel = DerivKernel::log;
    template <class T>
    static Tensor<T> f(const Attrs&, const Tensor<T>& x) {
        return tg::log(x);
    }
    template <class T>
    static Var<T> dfdx(const Var<T>& x, const Var<T>&, const Attrs&) {
        return T(1) / x;
    }
    static Samples samples() { return unary_samples(Domain::positive); }
};

// y = |x|        dy/dx = sign(x), taken as 0 at x = 0 (the subgradient of least norm)
struct Abs : Unary<Abs> {
    static constexpr const char* name = "abs";
    static constexpr DerivKernel kernel = DerivKernel::abs;
    template <class T>
    static Tensor<T> f(const Attrs&, const Tensor<T>& x) {
        return tg::abs(x);
    }
    template <class T>
    static Var<T> dfdx(const Var<T>& x, const Var<T>&, const Attrs&) {
        return Var<T>(tg::sign(x.value()));  // piecewise constant: no second derivative
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
    static constexpr DerivKernel kernel = DerivKernel::sin;
    template <class T>
    static Tensor<T> f(const Attrs&, const Tensor<T>& x) {
        return tg::sin(x);
    }
    template <class T>
    static Var<T> dfdx(const Var<T>& x, const Var<T>&, const Attrs&) {
        return cos(x);
    }
    static Samples samples() { return unary_samples(Domain::any); }
};

// y = cos(x)     dy/dx = -sin(x)
struct Cos : Unary<Cos> {
    static constexpr const char* name = "cos";
    static constexpr DerivKernel kernel = DerivKernel::cos;
    template <class T>
    static Tensor<T> f(const Attrs&, const Tensor<T>& x) {
        return tg::cos(x);
    }
    template <class T>
    static Var<T> dfdx(const Var<T>& x, const Var<T>&, const Attrs&) {
        return -sin(x);
    }
    static Samples samples() { return unary_samples(Domain::any); }
};

// y = tanh(x)    dy/dx = 1 / cosh^2 x: 1 - y^2 for |x| < 1 (its derivative -2 y y' is accurate
// near 0), 4e / (1 + e)^2 with e = exp(-2|x|) beyond (1 - y^2 cancels there: 0 for |x| > 19, where
// the derivative is 1e-16 .. 1e-310). The mask is a constant; tests/test_tensor_reference.cpp.
struct Tanh : Unary<Tanh> {
    static constexpr const char* name = "tanh";
    static constexpr DerivKernel kernel = DerivKernel::tanh;
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
    static Samples samples() { return unary_samples(Domain::any); }
};

// y = s(x) = 1 / (1 + exp(-x))    dy/dx = s(x) s(-x): (1 - t^2) / 4 with t = tanh(x / 2) for
// |x| < 2 (its derivative is accurate near 0), y s(-x) beyond (y (1 - y) cancels there: 0 for
// x > 37). The mask is a constant; tests/test_tensor_reference.cpp.
struct Sigmoid : Unary<Sigmoid> {
    static constexpr const char* name = "sigmoid";
    static constexpr DerivKernel kernel = DerivKernel::sigmoid;
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
    static Samples samples() { return unary_samples(Domain::any); }
};

// y = max(x, 0)  dy/dx = [x > 0], taken as 0 at x = 0
struct Relu : Unary<Relu> {
    static constexpr const char* name = "relu";
    static constexpr DerivKernel kernel = DerivKernel::relu;
    template <class T>
    static Tensor<T> f(const Attrs&, const Tensor<T>& x) {
        return tg::relu(x);
    }
    template <class T>
    static Var<T> dfdx(const Var<T>& x, const Var<T>&, const Attrs&) {
        return Var<T>(tg::step(x.value()));
    }
    static Samples samples() {
        Samples s = unary_samples(Domain::nonzero), k = kink_samples(0.0);  // relu'(0) = 0
        s.insert(s.end(), k.begin(), k.end());
        return s;
    }
};

// y = x^p (p constant)     dy/dx = p x^(p-1)
struct PowScalar : Unary<PowScalar> {
    static constexpr const char* name = "pow_scalar";
    static constexpr DerivKernel kernel = DerivKernel::pow_scalar;
    template <class T>
    static Tensor<T> f(const Attrs& a, const Tensor<T>& x) {
        return tg::pow(x, static_cast<T>(a.scalar));
    }
    template <class T>
    static Var<T> dfdx(const Var<T>& x, const Var<T>&, const Attrs& a) {
        const T p = static_cast<T>(a.scalar);
        return p * pow(x, p - T(1));
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
