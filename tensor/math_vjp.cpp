// Fused derivative kernels for the elementwise ops' plain backward (see math.hpp). Each formula
// is the one the op's differentiable VJP rule evaluates, in the same order, as one xsimd loop.
#include "detail/elementwise.hpp"
#include "math.hpp"

namespace tg {

template <class T>
Tensor<T> unary_vjp(DerivKernel k, const Tensor<T>& x, const Tensor<T>& y, const Tensor<T>& g, T p) {
    const T one(1), two(2), half(0.5), zero(0);
    switch (k) {
        case DerivKernel::square:
            return detail::map<T>(
                "square", [=](const auto& g_, const auto& x_) { return g_ * (two * x_); }, g, x);
        case DerivKernel::sqrt:
            return detail::map<T>(
                "sqrt", [=](const auto& g_, const auto& y_) { return g_ * (half / y_); }, g, y);
        case DerivKernel::log:
            return detail::map<T>(
                "log", [=](const auto& g_, const auto& x_) { return g_ * (one / x_); }, g, x);
        case DerivKernel::abs:  // sign(x) keeps 0, -0 and NaN, as tg::sign does
            return detail::map<T>(
                "abs",
                [=](const auto& g_, const auto& x_) {
                    return g_ * xt::where(x_ > zero, one, xt::where(x_ < zero, -one, x_));
                },
                g, x);
        case DerivKernel::sin:
            return detail::map<T>(
                "sin", [](const auto& g_, const auto& x_) { return g_ * xt::cos(x_); }, g, x);
        case DerivKernel::cos:
            return detail::map<T>(
                "cos", [](const auto& g_, const auto& x_) { return g_ * -xt::sin(x_); }, g, x);
        case DerivKernel::tanh: {  // Tanh::dfdx: 1 - y^2 for |x| < 1, else 4e / (1 + e)^2, e = exp(-2|x|)
            const Tensor<T> e = detail::map<T>(
                "tanh", [](const auto& x_) { return xt::exp(T(-2) * xt::abs(x_)); }, x);
            return detail::map<T>(
                "tanh",
                [=](const auto& g_, const auto& x_, const auto& y_, const auto& e_) {
                    return g_ *
                           xt::where(xt::abs(x_) < one, one - y_ * y_, T(4) * e_ / ((one + e_) * (one + e_)));
                },
                g, x, y, e);
        }
        case DerivKernel::sigmoid:  // Sigmoid::dfdx: (1 - tanh(x/2)^2) / 4 for |x| < 2, else y s(-x)
            return detail::map<T>(
                "sigmoid",
                [=](const auto& g_, const auto& x_, const auto& y_) {
                    return g_ * xt::where(xt::abs(x_) < two,
                                          T(0.25) * (one - xt::tanh(half * x_) * xt::tanh(half * x_)),
                                          y_ * (one / (one + xt::exp(-(-x_)))));
                },
                g, x, y);
        case DerivKernel::relu:  // g * step(x): a NaN or infinite g still gives NaN where x <= 0
            return detail::map<T>(
                "relu", [=](const auto& g_, const auto& x_) { return g_ * xt::where(x_ > zero, one, zero); },
                g, x);
        case DerivKernel::pow_scalar:
            return detail::map<T>(
                "pow_scalar", [=](const auto& g_, const auto& x_) { return g_ * (p * xt::pow(x_, p - one)); },
                g, x);
    }
    throw Error("unary_vjp: unknown kernel");
}

template <class T>
Tensor<T> div_rhs_vjp(const Tensor<T>& g, const Tensor<T>& y, const Tensor<T>& b) {
    return detail::map<T>(
        "div", [](const auto& g_, const auto& y_, const auto& b_) { return -(g_ * y_) / b_; }, g, y, b);
}

template <class T>
Tensor<T> pow_lhs_vjp(const Tensor<T>& g, const Tensor<T>& a, const Tensor<T>& b) {
    return detail::map<T>(
        "pow", [](const auto& g_, const auto& a_, const auto& b_) { return g_ * b_ * xt::pow(a_, b_ - T(1)); },
        g, a, b);
}

template <class T>
Tensor<T> pow_rhs_vjp(const Tensor<T>& g, const Tensor<T>& y, const Tensor<T>& a) {
    return detail::map<T>(
        "pow",
        [](const auto& g_, const auto& y_, const auto& a_) {
            return g_ * y_ * xt::log(a_ + xt::where(xt::equal(a_, T(0)), T(1), T(0)));
        },
        g, y, a);
}

#define TG_INSTANTIATE(T)                                                                                  \
    template Tensor<T> unary_vjp<T>(DerivKernel, const Tensor<T>&, const Tensor<T>&, const Tensor<T>&, T); \
    template Tensor<T> div_rhs_vjp<T>(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&);               \
    template Tensor<T> pow_lhs_vjp<T>(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&);               \
    template Tensor<T> pow_rhs_vjp<T>(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&);
TG_INSTANTIATE(float)
TG_INSTANTIATE(double)
#undef TG_INSTANTIATE

}  // namespace tg
