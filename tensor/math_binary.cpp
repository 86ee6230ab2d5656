// Binary elementwise kernels with NumPy broadcasting (detail::map).
#include "detail/elementwise.hpp"
#include "math.hpp"

namespace tg {

namespace {
template <class A, class B>
using common_t = std::common_type_t<xt::get_value_type_t<A>, xt::get_value_type_t<B>>;

struct K {
    static auto add(const auto& a, const auto& b) { return a + b; }
    static auto sub(const auto& a, const auto& b) { return a - b; }
    static auto mul(const auto& a, const auto& b) { return a * b; }
    static auto div(const auto& a, const auto& b) { return a / b; }
    static auto pow(const auto& a, const auto& b) { return xt::pow(a, b); }
    // NaN from either side propagates (as in NumPy): SIMD max/min would return the other operand.
    static auto maximum(const auto& a, const auto& b) { return xt::where(b > a || xt::isnan(b), b, a); }
    static auto minimum(const auto& a, const auto& b) { return xt::where(b < a || xt::isnan(b), b, a); }
    static auto atan2(const auto& a, const auto& b) { return xt::atan2(a, b); }
    // m sqrt(1 + (n / m)^2) with m = max(|a|, |b|), n = min: no overflow or underflow of the squares
    // (xsimd's hypot squares directly); 0 at the origin; an infinite side gives inf (n / m = 0).
    template <class A, class B>
    static auto hypot(const A& a, const B& b) {
        using T = common_t<A, B>;
        auto m = [&] { return xt::maximum(xt::abs(a), xt::abs(b)); };
        auto n = [&] { return xt::minimum(xt::abs(a), xt::abs(b)); };
        return xt::where(xt::equal(m(), T(0)) || xt::isinf(m()), m(),
                         m() * xt::sqrt(T(1) + (n() / m()) * (n() / m())));
    }
    template <class A, class B>
    static auto greater(const A& a, const B& b) {
        return xt::where(a > b, common_t<A, B>(1), common_t<A, B>(0));
    }
    template <class A, class B>
    static auto less(const A& a, const B& b) {
        return xt::where(a < b, common_t<A, B>(1), common_t<A, B>(0));
    }
    template <class A, class B>
    static auto equal(const A& a, const B& b) {
        return xt::where(xt::equal(a, b), common_t<A, B>(1), common_t<A, B>(0));
    }
    template <class A, class B>
    static auto greater_equal(const A& a, const B& b) {
        return xt::where(a >= b, common_t<A, B>(1), common_t<A, B>(0));
    }
};
}  // namespace

#define TG_DEFINE_BINARY(name)                                                        \
    template <class T>                                                                \
    Tensor<T> name(const Tensor<T>& a, const Tensor<T>& b) {                          \
        return detail::map<T>(                                                        \
            #name, [](const auto& x, const auto& y) { return K::name(x, y); }, a, b); \
    }                                                                                 \
    template Tensor<float> name<float>(const Tensor<float>&, const Tensor<float>&);   \
    template Tensor<double> name<double>(const Tensor<double>&, const Tensor<double>&);
TG_BINARY_FUNCTIONS(TG_DEFINE_BINARY)
#undef TG_DEFINE_BINARY

template <class T>
Tensor<T> where(const Tensor<T>& cond, const Tensor<T>& a, const Tensor<T>& b) {
    return detail::map<T>(
        "where",
        [](const auto& c, const auto& x, const auto& y) { return xt::where(xt::not_equal(c, 0), x, y); },
        cond, a, b);
}
template Tensor<float> where<float>(const Tensor<float>&, const Tensor<float>&, const Tensor<float>&);
template Tensor<double> where<double>(const Tensor<double>&, const Tensor<double>&, const Tensor<double>&);

// In place when this tensor is contiguous (one kernel, no temporary); a strided view of another
// tensor's storage (a slice, a transpose), or an update that reads this tensor's own storage,
// goes through a temporary.
template <class T>
template <class F>
Tensor<T>& Tensor<T>::update(const Tensor& o, const char* op, F f) {
    check_writable(op);
    o.require_defined(op);
    if (!(o.shape_ == shape_) && !(broadcast_shapes(shape_, o.shape(), op) == shape_))
        throw ShapeError(std::string(op) + ": cannot combine shape " + o.shape().str() + " into shape " +
                         shape_.str());
    // In place unless o views this tensor's storage (a += a.transpose() must read the old values).
    if (is_contiguous() && !o.shares_storage(*this)) detail::map_into<T>(*this, f, *this, o);
    else assign(detail::map<T>(op, f, *this, o));
    buf_.bump_version();
    return *this;
}

template <class T>
Tensor<T>& Tensor<T>::operator+=(const Tensor& o) {
    return update(o, "+=", [](const auto& x, const auto& y) { return x + y; });
}
template <class T>
Tensor<T>& Tensor<T>::operator-=(const Tensor& o) {
    return update(o, "-=", [](const auto& x, const auto& y) { return x - y; });
}
template <class T>
Tensor<T>& Tensor<T>::operator*=(T s) {
    return update(Tensor::scalar(s), "*=", [](const auto& x, const auto& y) { return x * y; });
}
#define TG_INSTANTIATE(T)                                        \
    template Tensor<T>& Tensor<T>::operator+=(const Tensor<T>&); \
    template Tensor<T>& Tensor<T>::operator-=(const Tensor<T>&); \
    template Tensor<T>& Tensor<T>::operator*=(T);
TG_INSTANTIATE(float)
TG_INSTANTIATE(double)
#undef TG_INSTANTIATE

}  // namespace tg
