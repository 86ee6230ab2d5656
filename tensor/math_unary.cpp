// Unary elementwise kernels: one fused xsimd expression each (detail::map).
#include "detail/elementwise.hpp"
#include "math.hpp"

namespace tg {

namespace {
// sigmoid as 1 / (1 + exp(-x)): exp overflows to inf for x < -88 (float), giving exactly 0;
// never inf/inf, so it is stable at both ends without a branch.
struct K {
    static auto neg(const auto& x) { return -x; }
    static auto square(const auto& x) { return x * x; }
    static auto sqrt(const auto& x) { return xt::sqrt(x); }
    static auto exp(const auto& x) { return xt::exp(x); }
    static auto log(const auto& x) { return xt::log(x); }
    static auto abs(const auto& x) { return xt::abs(x); }
    static auto sin(const auto& x) { return xt::sin(x); }
    static auto cos(const auto& x) { return xt::cos(x); }
    static auto tanh(const auto& x) { return xt::tanh(x); }
    template <class E> static auto sigmoid(const E& x) {
        using T = typename E::value_type;
        return T(1) / (T(1) + xt::exp(-x));
    }
    // where(x < 0, 0, x) rather than max(x, 0): NaN propagates.
    template <class E> static auto relu(const E& x) {
        using T = typename E::value_type;
        return xt::where(x < T(0), T(0), x);
    }
    template <class E> static auto sign(const E& x) {
        using T = typename E::value_type;
        return xt::where(x > T(0), T(1), xt::where(x < T(0), T(-1), x));  // keeps 0, -0 and NaN
    }
    static auto log1p(const auto& x) { return xt::log1p(x); }
    static auto expm1(const auto& x) { return xt::expm1(x); }
    template <class E> static auto reciprocal(const E& x) { return typename E::value_type(1) / x; }
    template <class E> static auto rsqrt(const E& x) { return typename E::value_type(1) / xt::sqrt(x); }
    static auto floor(const auto& x) { return xt::floor(x); }
    static auto ceil(const auto& x) { return xt::ceil(x); }
    static auto round(const auto& x) { return xt::nearbyint(x); }  // half to even (default rounding mode)
    template <class E> static auto step(const E& x) {
        using T = typename E::value_type;
        return xt::where(x > T(0), T(1), T(0));
    }
};
}  // namespace

#define TG_DEFINE_UNARY(name)                                                        \
    template <class T>                                                               \
    Tensor<T> name(const Tensor<T>& x) {                                             \
        return detail::map<T>(#name, [](const auto& a) { return K::name(a); }, x);   \
    }                                                                                \
    template Tensor<float> name<float>(const Tensor<float>&);                        \
    template Tensor<double> name<double>(const Tensor<double>&);
TG_UNARY_FUNCTIONS(TG_DEFINE_UNARY)
#undef TG_DEFINE_UNARY

template <class T>
Tensor<T> pow(const Tensor<T>& x, T p) {
    if (p == T(2)) return square(x);
    return detail::map<T>("pow", [p](const auto& a) { return xt::pow(a, p); }, x);
}
template Tensor<float> pow<float>(const Tensor<float>&, float);
template Tensor<double> pow<double>(const Tensor<double>&, double);

}  // namespace tg
