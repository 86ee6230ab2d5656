#pragma once
// Elementwise special functions: logs and exponentials of other bases, erf, the gamma family,
// reciprocals. Layout as in elementwise_unary.hpp; `singular` ops follow NOTE [zero cotangents].
#include <cmath>
#include <numbers>
#include <utility>

#include "../scalar/polygamma.hpp"
#include "activations.hpp"

namespace tg::ops {

// y = log(1 + x)    dy/dx = 1 / (1 + x): +inf at -1 (singular)
struct Log1p : Unary<Log1p> {
    static constexpr const char* name = "log1p";
    static constexpr bool singular = true;
    template <class T>
    static Tensor<T> f(const Attrs&, const Tensor<T>& x) {
        return tg::log1p(x);
    }
    template <class T>
    static Var<T> dfdx(const Var<T>& x, const Var<T>&, const Attrs&) {
        return T(1) / (T(1) + x);
    }
    static constexpr Reads kernel_reads = Reads::x;
    template <class T>
    static auto kernel(const auto& g, const auto& x, const Attrs&) {
        return g / (T(1) + x);
    }
    static Samples samples() {
        return concat(unary_samples(Domain::open_unit), unary_samples(Domain::positive));
    }
};

// y = e^x - 1    dy/dx = e^x
struct Expm1 : Unary<Expm1> {
    static constexpr const char* name = "expm1";
    template <class T>
    static Tensor<T> f(const Attrs&, const Tensor<T>& x) {
        return tg::expm1(x);
    }
    template <class T>
    static Var<T> dfdx(const Var<T>& x, const Var<T>&, const Attrs&) {
        return exp(x);
    }
    static constexpr Reads kernel_reads = Reads::x;
    template <class T>
    static auto kernel(const auto& g, const auto& x, const Attrs&) {
        return g * exp(x);
    }
    static Samples samples() { return unary_samples(Domain::any); }
};

// y = log2 x    dy/dx = 1 / (x ln 2): +inf at 0 (singular)
struct Log2 : Unary<Log2> {
    static constexpr const char* name = "log2";
    static constexpr bool singular = true;
    template <class T>
    static auto fx(const auto& x, const Attrs&) {
        return log2(x);
    }
    template <class T>
    static Var<T> dfdx(const Var<T>& x, const Var<T>&, const Attrs&) {
        return T(1 / std::numbers::ln2) / x;
    }
    static constexpr Reads kernel_reads = Reads::x;
    template <class T>
    static auto kernel(const auto& g, const auto& x, const Attrs&) {
        return g * (T(1 / std::numbers::ln2) / x);
    }
    static Samples samples() { return unary_samples(Domain::positive); }
};

// y = 2^x    dy/dx = y ln 2
struct Exp2 : Unary<Exp2> {
    static constexpr const char* name = "exp2";
    template <class T>
    static auto fx(const auto& x, const Attrs&) {
        return exp2(x);
    }
    template <class T>
    static Var<T> dfdx(const Var<T>&, const Var<T>& y, const Attrs&) {
        return T(std::numbers::ln2) * y;
    }
    static constexpr Reads kernel_reads = Reads::y;
    template <class T>
    static auto kernel(const auto& g, const auto& y, const Attrs&) {
        return g * (T(std::numbers::ln2) * y);
    }
    static Samples samples() { return unary_samples(Domain::any); }
};

// y = erf x    dy/dx = 2 / sqrt(pi) e^(-x^2)
struct Erf : Unary<Erf> {
    static constexpr const char* name = "erf";
    template <class T>
    static auto fx(const auto& x, const Attrs&) {
        return erf(x);
    }
    template <class T>
    static Var<T> dfdx(const Var<T>& x, const Var<T>&, const Attrs&) {
        return T(2 * std::numbers::inv_sqrtpi) * exp(-(x * x));
    }
    static constexpr Reads kernel_reads = Reads::x;
    template <class T>
    static auto kernel(const auto& g, const auto& x, const Attrs&) {
        return g * (T(2 * std::numbers::inv_sqrtpi) * exp(-(x * x)));
    }
    static Samples samples() { return concat(unary_samples(Domain::any), unary_samples(Domain::wide)); }
};

// y = erfc x = 1 - erf x (accurate where erf x is near 1)    dy/dx = -2 / sqrt(pi) e^(-x^2)
struct Erfc : Unary<Erfc> {
    static constexpr const char* name = "erfc";
    template <class T>
    static auto fx(const auto& x, const Attrs&) {
        return erfc(x);
    }
    template <class T>
    static Var<T> dfdx(const Var<T>& x, const Var<T>&, const Attrs&) {
        return T(-2 * std::numbers::inv_sqrtpi) * exp(-(x * x));
    }
    static constexpr Reads kernel_reads = Reads::x;
    template <class T>
    static auto kernel(const auto& g, const auto& x, const Attrs&) {
        return g * (T(-2 * std::numbers::inv_sqrtpi) * exp(-(x * x)));
    }
    static Samples samples() { return concat(unary_samples(Domain::any), unary_samples(Domain::wide)); }
};

// y = psi^(n)(x), n = attrs.ints[0] >= 0 (digamma: n = 0)    dy/dx = psi^(n+1)(x); NaN at the
// poles 0, -1, -2, ... (singular). Values come from tg::polygamma (scalar/polygamma.hpp), in
// double, so tensors, tg::Dual and tg::Rev agree to the last bit of double.
struct Polygamma : Unary<Polygamma> {
    static constexpr const char* name = "polygamma";
    static constexpr bool singular = true;
    static int order(const Attrs& a) { return a.ints.size() ? static_cast<int>(a.ints[0]) : 0; }
    template <class T>
    static Tensor<T> f(const Attrs& a, const Tensor<T>& x) {
        const Tensor<T> c = x.contiguous();
        Tensor<T> y = Tensor<T>::empty(x.shape(), name);
        const T* p = std::as_const(c).data();
        T* q = y.data();
        const int n = order(a);
        for (index_t i = 0; i < y.numel(); ++i)
            q[i] = static_cast<T>(tg::polygamma(n, static_cast<double>(p[i])));
        return y;
    }
    template <class T>
    static Var<T> dfdx(const Var<T>& x, const Var<T>&, const Attrs& a) {
        return polygamma(order(a) + 1, x);
    }
    static Samples samples() {
        Attrs a0, a1, a2;
        a1.ints = Shape{1};
        a2.ints = Shape{2};
        Samples s = concat(with_attrs(unary_samples(Domain::positive), a0),
                           with_attrs(unary_samples(Domain::wide_positive), a0));
        return concat(concat(s, with_attrs(unary_samples(Domain::positive), a1)),
                      {sample({{{3, 4}, Domain::positive}}, "n = 2", a2)});
    }
};

// y = log |Gamma(x)|    dy/dx = digamma(x); NaN at the poles (singular). Computed in double
// (std::lgamma) for float too: xsimd's float lgamma was off by up to 190 (relative) on (0.1, 12).
struct Lgamma : Unary<Lgamma> {
    static constexpr const char* name = "lgamma";
    static constexpr bool singular = true;
    template <class T>
    static Tensor<T> f(const Attrs&, const Tensor<T>& x) {
        const Tensor<T> c = x.contiguous();
        Tensor<T> y = Tensor<T>::empty(x.shape(), name);
        const T* p = std::as_const(c).data();
        T* q = y.data();
        for (index_t i = 0; i < y.numel(); ++i) q[i] = static_cast<T>(std::lgamma(static_cast<double>(p[i])));
        return y;
    }
    template <class T>
    static Var<T> dfdx(const Var<T>& x, const Var<T>&, const Attrs&) {
        return polygamma(0, x);
    }
    static Samples samples() {
        return concat(unary_samples(Domain::positive), unary_samples(Domain::wide_positive));
    }
};

// y = 1 / x    dy/dx = -y^2: -inf at 0 (singular)
struct Reciprocal : Unary<Reciprocal> {
    static constexpr const char* name = "reciprocal";
    static constexpr bool singular = true;
    template <class T>
    static Tensor<T> f(const Attrs&, const Tensor<T>& x) {
        return tg::reciprocal(x);
    }
    template <class T>
    static Var<T> dfdx(const Var<T>&, const Var<T>& y, const Attrs&) {
        return -(y * y);
    }
    static constexpr Reads kernel_reads = Reads::y;
    template <class T>
    static auto kernel(const auto& g, const auto& y, const Attrs&) {
        return g * -(y * y);
    }
    static Samples samples() { return unary_samples(Domain::nonzero); }
};

// y = 1 / sqrt x    dy/dx = -y^3 / 2: -inf at 0 (singular)
struct Rsqrt : Unary<Rsqrt> {
    static constexpr const char* name = "rsqrt";
    static constexpr bool singular = true;
    template <class T>
    static Tensor<T> f(const Attrs&, const Tensor<T>& x) {
        return tg::rsqrt(x);
    }
    template <class T>
    static Var<T> dfdx(const Var<T>&, const Var<T>& y, const Attrs&) {
        return T(-0.5) * y * y * y;
    }
    static constexpr Reads kernel_reads = Reads::y;
    template <class T>
    static auto kernel(const auto& g, const auto& y, const Attrs&) {
        return g * (T(-0.5) * y * y * y);
    }
    static Samples samples() { return unary_samples(Domain::positive); }
};

}  // namespace tg::ops
