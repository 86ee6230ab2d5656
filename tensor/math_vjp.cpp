// Fused derivative kernels for the binary elementwise ops' plain backward (see math.hpp). Each
// formula is the one the op's differentiable VJP rule evaluates, in the same order, as one xsimd
// loop. The unary ops' kernels live in their own declarations (ops/elementwise_unary.hpp).
#include "detail/elementwise.hpp"
#include "math.hpp"

namespace tg {

template <class T>
Tensor<T> div_rhs_vjp(const Tensor<T>& g, const Tensor<T>& y, const Tensor<T>& b) {
    return detail::map<T>(
        "div", [](const auto& g_, const auto& y_, const auto& b_) { return -(g_ * y_) / b_; }, g, y, b);
}

template <class T>
Tensor<T> pow_lhs_vjp(const Tensor<T>& g, const Tensor<T>& a, const Tensor<T>& b) {
    return detail::map<T>(
        "pow",
        [](const auto& g_, const auto& a_, const auto& b_) {
            // b = 0: 0 * a^1, never 0 * inf at a = 0; g = 0 wins (NOTE [zero cotangents])
            return xt::where(xt::equal(g_, T(0)), T(0),
                             g_ * b_ * xt::pow(a_, b_ - xt::where(xt::equal(b_, T(0)), T(0), T(1))));
        },
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
    template Tensor<T> div_rhs_vjp<T>(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&);               \
    template Tensor<T> pow_lhs_vjp<T>(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&);               \
    template Tensor<T> pow_rhs_vjp<T>(const Tensor<T>&, const Tensor<T>&, const Tensor<T>&);
TG_INSTANTIATE(float)
TG_INSTANTIATE(double)
#undef TG_INSTANTIATE

}  // namespace tg
