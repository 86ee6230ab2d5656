#pragma once
// Activation functions: elementwise unary ops with a forward expression `fx`, a differentiable
// `dfdx` and a fused plain-sweep `kernel` (ops/elementwise_unary.hpp explains the three). Where a
// function has a kink, the derivative there is the one PyTorch uses, pinned by kink samples.
// Masks such as [x > 0] are constants: piecewise-constant factors have no derivative of their own.
#include <cmath>
#include <limits>

#include "elementwise_unary.hpp"

namespace tg::ops {

/// `s` with `a` as every sample's attributes.
inline Samples with_attrs(Samples s, const Attrs& a) {
    for (auto& x : s) x.attrs = a;
    return s;
}
inline Samples concat(Samples a, const Samples& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}
inline Attrs scalars(double s, double s2 = 0) {
    Attrs a;
    a.scalar = s;
    a.scalar2 = s2;
    return a;
}
template <class T>
Var<T> mask_greater(const Var<T>& x, T c) {  // the constant [x > c]
    return Var<T>(tg::greater(x.value(), Tensor<T>::scalar(c)));
}

// y = x (x > 0), s x (x <= 0)   s = attrs.scalar     dy/dx = 1 or s; s at the kink x = 0
struct LeakyRelu : Unary<LeakyRelu> {
    static constexpr const char* name = "leaky_relu";
    template <class T>
    static auto fx(const auto& x, const Attrs& a) {
        return where(x > T(0), x, T(a.scalar) * x);
    }
    template <class T>
    static Var<T> dfdx(const Var<T>& x, const Var<T>&, const Attrs& a) {
        const Var<T> m = mask_greater(x, T(0));
        return Var<T>((m + (T(1) - m) * T(a.scalar)).value());  // piecewise constant
    }
    static constexpr Reads kernel_reads = Reads::x;
    template <class T>
    static auto kernel(const auto& g, const auto& x, const Attrs& a) {
        return g * where(x > T(0), T(1), T(a.scalar));
    }
    static Samples samples() {
        Samples k = with_attrs(kink_samples(0.2), scalars(0.2));
        return concat(with_attrs(unary_samples(Domain::nonzero), scalars(0.01)), k);
    }
};

// y = x (x > 0), alpha (e^x - 1) (x <= 0)     dy/dx = 1 or alpha e^x; alpha at the kink x = 0.
// e^(x [x <= 0]) never overflows in the unselected branch (no inf * 0).
struct Elu : Unary<Elu> {
    static constexpr const char* name = "elu";
    template <class T>
    static auto fx(const auto& x, const Attrs& a) {
        return where(x > T(0), x, T(a.scalar) * expm1(x));
    }
    template <class T>
    static Var<T> dfdx(const Var<T>& x, const Var<T>&, const Attrs& a) {
        const Var<T> m = mask_greater(x, T(0));
        return m + (T(1) - m) * (T(a.scalar) * exp(x * (T(1) - m)));
    }
    static constexpr Reads kernel_reads = Reads::x;
    template <class T>
    static auto kernel(const auto& g, const auto& x, const Attrs& a) {
        return g * where(x > T(0), T(1), T(a.scalar) * exp(x));
    }
    static Samples samples() {
        return concat(with_attrs(unary_samples(Domain::any), scalars(1.0)),
                      with_attrs(kink_samples(0.5), scalars(0.5)));
    }
};

// y = scale elu(x, alpha) with the self-normalizing constants   dy/dx = scale or scale alpha e^x;
// scale alpha at the kink x = 0
struct Selu : Unary<Selu> {
    static constexpr const char* name = "selu";
    static constexpr double alpha = 1.6732632423543772848170429916717;
    static constexpr double scale = 1.0507009873554804934193349852946;
    template <class T>
    static auto fx(const auto& x, const Attrs&) {
        return T(scale) * where(x > T(0), x, T(alpha) * expm1(x));
    }
    template <class T>
    static Var<T> dfdx(const Var<T>& x, const Var<T>&, const Attrs&) {
        const Var<T> m = mask_greater(x, T(0));
        return T(scale) * (m + (T(1) - m) * (T(alpha) * exp(x * (T(1) - m))));
    }
    static constexpr Reads kernel_reads = Reads::x;
    template <class T>
    static auto kernel(const auto& g, const auto& x, const Attrs&) {
        return g * (T(scale) * where(x > T(0), T(1), T(alpha) * exp(x)));
    }
    static Samples samples() { return concat(unary_samples(Domain::any), kink_samples(scale * alpha)); }
};

// y = x (x > 0), alpha (e^(x / alpha) - 1) (x <= 0), alpha != 0    dy/dx = 1 or e^(x / alpha)
// (continuous: 1 at 0)
struct Celu : Unary<Celu> {
    static constexpr const char* name = "celu";
    template <class T>
    static auto fx(const auto& x, const Attrs& a) {
        return where(x > T(0), x, T(a.scalar) * expm1(x / T(a.scalar)));
    }
    template <class T>
    static Var<T> dfdx(const Var<T>& x, const Var<T>&, const Attrs& a) {
        const Var<T> m = mask_greater(x, T(0));
        return m + (T(1) - m) * exp(x * (T(1) - m) / T(a.scalar));
    }
    static constexpr Reads kernel_reads = Reads::x;
    template <class T>
    static auto kernel(const auto& g, const auto& x, const Attrs& a) {
        return g * where(x > T(0), T(1), exp(x / T(a.scalar)));
    }
    static Samples samples() {
        return concat(with_attrs(unary_samples(Domain::any), scalars(1.0)),
                      with_attrs(kink_samples(1.0), scalars(0.7)));
    }
};

// y = x Phi(x) = x erfc(-x / sqrt 2) / 2 (erfc: no cancellation for x << 0)
// dy/dx = Phi(x) + x phi(x), phi(x) = e^(-x^2/2) / sqrt(2 pi)
struct Gelu : Unary<Gelu> {
    static constexpr const char* name = "gelu";
    static constexpr double rsqrt2 = 0.70710678118654752440, rsqrt2pi = 0.39894228040143267794;
    template <class T>
    static auto fx(const auto& x, const Attrs&) {
        return T(0.5) * x * erfc(-x * T(rsqrt2));
    }
    template <class T>
    static Var<T> dfdx(const Var<T>& x, const Var<T>&, const Attrs&) {
        return T(0.5) * erfc(-x * T(rsqrt2)) + x * exp(T(-0.5) * x * x) * T(rsqrt2pi);
    }
    static constexpr Reads kernel_reads = Reads::x;
    template <class T>
    static auto kernel(const auto& g, const auto& x, const Attrs&) {
        return g * (T(0.5) * erfc(-x * T(rsqrt2)) + x * exp(T(-0.5) * x * x) * T(rsqrt2pi));
    }
    static Samples samples() { return concat(unary_samples(Domain::any), unary_samples(Domain::wide)); }
};

// The tanh approximation: y = x (1 + tanh z) / 2 = x s(2z), z = k (x + c x^3) (s = sigmoid: no
// cancellation of 1 + tanh z for x << 0)   dy/dx = s(2z) + 2 x s(2z) s(-2z) k (1 + 3 c x^2)
struct GeluTanh : Unary<GeluTanh> {
    static constexpr const char* name = "gelu_tanh";
    static constexpr double k = 0.79788456080286535588, c = 0.044715;
    template <class T>
    static auto fx(const auto& x, const Attrs&) {
        return x / (T(1) + exp(T(-2 * k) * (x + T(c) * x * x * x)));
    }
    template <class T>
    static Var<T> dfdx(const Var<T>& x, const Var<T>&, const Attrs&) {
        const Var<T> z2 = T(2 * k) * (x + T(c) * x * x * x);
        return sigmoid(z2) + T(2 * k) * x * sigmoid(z2) * sigmoid(-z2) * (T(1) + T(3 * c) * x * x);
    }
    static constexpr Reads kernel_reads = Reads::x;
    template <class T>
    static auto kernel(const auto& g, const auto& x, const Attrs&) {
        auto z2 = [&] { return T(2 * k) * (x + T(c) * x * x * x); };
        return g * (T(1) / (T(1) + exp(-z2())) +
                    T(2 * k) * x / (T(1) + exp(-z2())) / (T(1) + exp(z2())) * (T(1) + T(3 * c) * x * x));
    }
    static Samples samples() { return concat(unary_samples(Domain::any), unary_samples(Domain::wide)); }
};

// y = x s(x) (silu, swish)    dy/dx = s(x) (1 + x s(-x))
struct Silu : Unary<Silu> {
    static constexpr const char* name = "silu";
    template <class T>
    static auto fx(const auto& x, const Attrs&) {
        return x / (T(1) + exp(-x));
    }
    template <class T>
    static Var<T> dfdx(const Var<T>& x, const Var<T>&, const Attrs&) {
        return sigmoid(x) * (T(1) + x * sigmoid(-x));
    }
    static constexpr Reads kernel_reads = Reads::x;
    template <class T>
    static auto kernel(const auto& g, const auto& x, const Attrs&) {
        return g * ((T(1) + x / (T(1) + exp(x))) / (T(1) + exp(-x)));
    }
    static Samples samples() { return concat(unary_samples(Domain::any), unary_samples(Domain::wide)); }
};

// softplus(x) = max(x, 0) + log1p(e^-|x|), never log(0) or overflow (beta = 1, no threshold)
#define TG_SOFTPLUS_EXPR(x) (where(x > T(0), x, T(0)) + log1p(exp(-abs(x))))

// y = x tanh(softplus x)    dy/dx = t + x s(x) (1 - t^2), t = tanh(softplus x)
struct Mish : Unary<Mish> {
    static constexpr const char* name = "mish";
    template <class T>
    static auto fx(const auto& x, const Attrs&) {
        return x * tanh(TG_SOFTPLUS_EXPR(x));
    }
    template <class T>
    static Var<T> dfdx(const Var<T>& x, const Var<T>&, const Attrs&) {
        const Var<T> t = tanh(softplus(x, T(1), std::numeric_limits<T>::infinity()));
        return t + x * sigmoid(x) * (T(1) - t * t);
    }
    static constexpr Reads kernel_reads = Reads::x;
    template <class T>
    static auto kernel(const auto& g, const auto& x, const Attrs&) {
        auto t = [&] { return tanh(TG_SOFTPLUS_EXPR(x)); };
        return g * (t() + x / (T(1) + exp(-x)) * (T(1) - t() * t()));
    }
    static Samples samples() { return concat(unary_samples(Domain::any), unary_samples(Domain::wide)); }
};

// y = softplus(b x) / b, or x where b x > threshold (as PyTorch)  b = attrs.scalar > 0,
// threshold = attrs.scalar2      dy/dx = s(b x), or 1 above the threshold
struct Softplus : Unary<Softplus> {
    static constexpr const char* name = "softplus";
    template <class T>
    static auto fx(const auto& x, const Attrs& a) {
        auto bx = [&] { return T(a.scalar) * x; };
        return where(bx() > T(a.scalar2), x, TG_SOFTPLUS_EXPR(bx()) / T(a.scalar));
    }
    template <class T>
    static Var<T> dfdx(const Var<T>& x, const Var<T>&, const Attrs& a) {
        const T b = T(a.scalar);
        const Var<T> m = mask_greater(Var<T>(mul(x.value(), Tensor<T>::scalar(b))), T(a.scalar2));
        return m + (T(1) - m) * sigmoid(b * x);
    }
    static constexpr Reads kernel_reads = Reads::x;
    template <class T>
    static auto kernel(const auto& g, const auto& x, const Attrs& a) {
        return g * where(T(a.scalar) * x > T(a.scalar2), T(1), T(1) / (T(1) + exp(-(T(a.scalar) * x))));
    }
    static Samples samples() {
        return concat(with_attrs(unary_samples(Domain::wide), scalars(1.0, 20.0)),
                      with_attrs(unary_samples(Domain::wide), scalars(4.0, 10.0)));
    }
};
#undef TG_SOFTPLUS_EXPR

// y = x / (1 + |x|)    dy/dx = 1 / (1 + |x|)^2
struct Softsign : Unary<Softsign> {
    static constexpr const char* name = "softsign";
    template <class T>
    static auto fx(const auto& x, const Attrs&) {
        return x / (T(1) + abs(x));
    }
    template <class T>
    static Var<T> dfdx(const Var<T>& x, const Var<T>&, const Attrs&) {
        return T(1) / square(T(1) + abs(x));
    }
    static constexpr Reads kernel_reads = Reads::x;
    template <class T>
    static auto kernel(const auto& g, const auto& x, const Attrs&) {
        return g / ((T(1) + abs(x)) * (T(1) + abs(x)));
    }
    static Samples samples() { return concat(unary_samples(Domain::nonzero), unary_samples(Domain::wide)); }
};

// y = min(max(x, lo), hi), lo = attrs.scalar <= hi = attrs.scalar2 (NaN stays NaN)
// hardtanh: dy/dx = [lo < x < hi], 0 at both ends (as PyTorch; relu6 = hardtanh(0, 6))
struct Hardtanh : Unary<Hardtanh> {
    static constexpr const char* name = "hardtanh";
    template <class T>
    static auto fx(const auto& x, const Attrs& a) {
        return where(x < T(a.scalar), T(a.scalar), where(x > T(a.scalar2), T(a.scalar2), x));
    }
    template <class T>
    static Var<T> dfdx(const Var<T>& x, const Var<T>&, const Attrs& a) {
        const Tensor<T>& v = x.value();
        return Var<T>(mul(greater(v, Tensor<T>::scalar(T(a.scalar))), less(v, Tensor<T>::scalar(T(a.scalar2)))));
    }
    static constexpr Reads kernel_reads = Reads::x;
    template <class T>
    static auto kernel(const auto& g, const auto& x, const Attrs& a) {
        return g * where(x > T(a.scalar), where(x < T(a.scalar2), T(1), T(0)), T(0));
    }
    static Samples samples() {
        return concat(with_attrs(unary_samples(Domain::wide), scalars(-1, 1)),
                      with_attrs(kink_samples(0.0), scalars(0, 6)));
    }
};

// clamp: the same values; dy/dx = [lo <= x <= hi], 1 at both ends (as PyTorch's clamp, unlike
// hardtanh: clamp(x, 0, inf) passes the gradient at 0, relu does not)
struct Clamp : Unary<Clamp> {
    static constexpr const char* name = "clamp";
    template <class T>
    static auto fx(const auto& x, const Attrs& a) {
        return where(x < T(a.scalar), T(a.scalar), where(x > T(a.scalar2), T(a.scalar2), x));
    }
    template <class T>
    static Var<T> dfdx(const Var<T>& x, const Var<T>&, const Attrs& a) {
        const Tensor<T>& v = x.value();
        return Var<T>(mul(greater_equal(v, Tensor<T>::scalar(T(a.scalar))),
                          greater_equal(Tensor<T>::scalar(T(a.scalar2)), v)));
    }
    static constexpr Reads kernel_reads = Reads::x;
    template <class T>
    static auto kernel(const auto& g, const auto& x, const Attrs& a) {
        return g * where(x >= T(a.scalar), where(x <= T(a.scalar2), T(1), T(0)), T(0));
    }
    static Samples samples() {
        return concat(with_attrs(unary_samples(Domain::wide), scalars(-1, 2.5)),
                      with_attrs(kink_samples(1.0), scalars(0, 2)));
    }
};

// y = relu6(x + 3) / 6    dy/dx = 1/6 on (-3, 3), else 0 (0 at the ends, as PyTorch)
struct Hardsigmoid : Unary<Hardsigmoid> {
    static constexpr const char* name = "hardsigmoid";
    template <class T>
    static auto fx(const auto& x, const Attrs&) {
        return where(x <= T(-3), T(0), where(x >= T(3), T(1), x / T(6) + T(0.5)));
    }
    template <class T>
    static Var<T> dfdx(const Var<T>& x, const Var<T>&, const Attrs&) {
        const Tensor<T>& v = x.value();
        return Var<T>(mul(mul(greater(v, Tensor<T>::scalar(T(-3))), less(v, Tensor<T>::scalar(T(3)))),
                          Tensor<T>::scalar(T(1) / T(6))));
    }
    static constexpr Reads kernel_reads = Reads::x;
    template <class T>
    static auto kernel(const auto& g, const auto& x, const Attrs&) {
        return g * where(x > T(-3), where(x < T(3), T(1) / T(6), T(0)), T(0));
    }
    static Samples samples() { return unary_samples(Domain::wide); }
};

// y = x relu6(x + 3) / 6    dy/dx = 0 (x < -3), x/3 + 1/2 (-3 <= x <= 3), 1 (x > 3), as PyTorch
struct Hardswish : Unary<Hardswish> {
    static constexpr const char* name = "hardswish";
    template <class T>
    static auto fx(const auto& x, const Attrs&) {
        return where(x <= T(-3), T(0), where(x >= T(3), x, x * (x + T(3)) / T(6)));
    }
    template <class T>
    static Var<T> dfdx(const Var<T>& x, const Var<T>&, const Attrs&) {
        const Tensor<T>& v = x.value();
        const Var<T> hi(greater(v, Tensor<T>::scalar(T(3)))), lo(less(v, Tensor<T>::scalar(T(-3))));
        return (T(1) - hi - lo) * (x / T(3) + T(0.5)) + hi;
    }
    static constexpr Reads kernel_reads = Reads::x;
    template <class T>
    static auto kernel(const auto& g, const auto& x, const Attrs&) {
        return g * where(x < T(-3), T(0), where(x <= T(3), x / T(3) + T(0.5), T(1)));
    }
    static Samples samples() { return unary_samples(Domain::wide); }
};

// y = log s(x) = min(x, 0) - log1p(e^-|x|): never log(0), no overflow    dy/dx = s(-x) = 1 / (1 + e^x)
struct LogSigmoid : Unary<LogSigmoid> {
    static constexpr const char* name = "log_sigmoid";
    template <class T>
    static auto fx(const auto& x, const Attrs&) {
        return where(x < T(0), x, T(0)) - log1p(exp(-abs(x)));
    }
    template <class T>
    static Var<T> dfdx(const Var<T>& x, const Var<T>&, const Attrs&) {
        return sigmoid(-x);
    }
    static constexpr Reads kernel_reads = Reads::x;
    template <class T>
    static auto kernel(const auto& g, const auto& x, const Attrs&) {
        return g / (T(1) + exp(x));
    }
    static Samples samples() { return concat(unary_samples(Domain::any), unary_samples(Domain::wide)); }
};

}  // namespace tg::ops
