// The elementwise functions with parameters (ops/functions.hpp): argument checks, then the
// registered op through apply<Op>, or its forward for the Tensor versions. Instantiated for float
// and double here.
#include <cmath>
#include <sstream>

#include "elementwise_ops.hpp"
#include "functions.hpp"

namespace tg {

namespace {

std::string num(double v) {
    std::ostringstream os;
    os << v;
    return os.str();
}

Attrs scalars(double s, double s2 = 0) {
    Attrs a;
    a.scalar = s;
    a.scalar2 = s2;
    return a;
}

Attrs bounds(const char* op, double lo, double hi) {
    if (std::isnan(lo) || std::isnan(hi) || lo > hi)
        throw DomainError(std::string(op) + ": needs lo <= hi, got lo = " + num(lo) + ", hi = " + num(hi));
    return scalars(lo, hi);
}

Attrs celu_attrs(double alpha) {
    if (alpha == 0 || std::isnan(alpha)) throw DomainError("celu: alpha must be nonzero, got " + num(alpha));
    return scalars(alpha);
}

Attrs softplus_attrs(double beta, double threshold) {
    if (!(beta > 0)) throw DomainError("softplus: beta must be positive, got " + num(beta));
    if (std::isnan(threshold)) throw DomainError("softplus: threshold is NaN");
    return scalars(beta, threshold);
}

Attrs polygamma_attrs(int n) {
    if (n < 0 || n > 30) throw DomainError("polygamma: order n must be in [0, 30], got " + std::to_string(n));
    Attrs a;
    a.ints = Shape{n};
    return a;
}

template <class T>
std::shared_ptr<const IndexArray> mask_of(const char* op, const Tensor<T>& cond) {
    cond.require_defined(op);
    auto m = std::make_shared<IndexArray>();
    m->shape = cond.shape();
    const Tensor<T> c = cond.contiguous();
    const T* p = std::as_const(c).data();
    m->data.resize(static_cast<std::size_t>(c.numel()));
    for (std::size_t i = 0; i < m->data.size(); ++i) m->data[i] = p[i] != T(0);  // NaN counts as true
    return m;
}

}  // namespace

// Both versions of a unary function with attributes `attrs` (an expression of x's type T).
#define TG_BOTH(Op, attrs)                                                           \
    {                                                                                \
        if constexpr (std::is_same_v<X, Var<T>>) return apply<ops::Op, T>(attrs, x); \
        else return ops::Op::forward(attrs, x);                                      \
    }

namespace {
template <class T, class X>
X leaky_relu_(const X& x, T slope) TG_BOTH(LeakyRelu, scalars(slope)) template <class T, class X>
X elu_(const X& x, T alpha) TG_BOTH(Elu, scalars(alpha)) template <class T, class X>
X celu_(const X& x, T alpha) TG_BOTH(Celu, celu_attrs(alpha)) template <class T, class X>
X gelu_(const X& x) TG_BOTH(Gelu, Attrs{}) template <class T, class X>
X gelu_tanh_(const X& x) TG_BOTH(GeluTanh, Attrs{}) template <class T, class X>
X softplus_(const X& x, T beta, T threshold)
    TG_BOTH(Softplus, softplus_attrs(beta, threshold)) template <class T, class X>
    X hardtanh_(const X& x, T lo, T hi)
        TG_BOTH(Hardtanh, bounds("hardtanh", lo, hi)) template <class T, class X>
        X clamp_(const X& x, T lo, T hi) TG_BOTH(Clamp, bounds("clamp", lo, hi)) template <class T, class X>
        X polygamma_(int n, const X& x) TG_BOTH(Polygamma, polygamma_attrs(n))
}  // namespace
#undef TG_BOTH

#define TG_PAIR(ret, name, params, call) \
    template <class T>                   \
    ret<T> name params {                 \
        return call;                     \
    }
// clang-format off
TG_PAIR(Var, leaky_relu, (const Var<T>& x, std::type_identity_t<T> s), (leaky_relu_<T>(x, s)))
TG_PAIR(Tensor, leaky_relu, (const Tensor<T>& x, std::type_identity_t<T> s), (leaky_relu_<T>(x, s)))
TG_PAIR(Var, elu, (const Var<T>& x, std::type_identity_t<T> a), (elu_<T>(x, a)))
TG_PAIR(Tensor, elu, (const Tensor<T>& x, std::type_identity_t<T> a), (elu_<T>(x, a)))
TG_PAIR(Var, celu, (const Var<T>& x, std::type_identity_t<T> a), (celu_<T>(x, a)))
TG_PAIR(Tensor, celu, (const Tensor<T>& x, std::type_identity_t<T> a), (celu_<T>(x, a)))
TG_PAIR(Var, gelu, (const Var<T>& x, bool approx), (approx ? gelu_tanh_<T>(x) : gelu_<T>(x)))
TG_PAIR(Tensor, gelu, (const Tensor<T>& x, bool approx), (approx ? gelu_tanh_<T>(x) : gelu_<T>(x)))
TG_PAIR(Var, softplus, (const Var<T>& x, std::type_identity_t<T> b, std::type_identity_t<T> t), (softplus_<T>(x, b, t)))
TG_PAIR(Tensor, softplus, (const Tensor<T>& x, std::type_identity_t<T> b, std::type_identity_t<T> t), (softplus_<T>(x, b, t)))
TG_PAIR(Var, hardtanh, (const Var<T>& x, std::type_identity_t<T> lo, std::type_identity_t<T> hi), (hardtanh_<T>(x, lo, hi)))
TG_PAIR(Tensor, hardtanh, (const Tensor<T>& x, std::type_identity_t<T> lo, std::type_identity_t<T> hi), (hardtanh_<T>(x, lo, hi)))
TG_PAIR(Var, relu6, (const Var<T>& x), (hardtanh_<T>(x, T(0), T(6))))
TG_PAIR(Tensor, relu6, (const Tensor<T>& x), (hardtanh_<T>(x, T(0), T(6))))
TG_PAIR(Var, clamp, (const Var<T>& x, std::type_identity_t<T> lo, std::type_identity_t<T> hi), (clamp_<T>(x, lo, hi)))
TG_PAIR(Tensor, clamp, (const Tensor<T>& x, std::type_identity_t<T> lo, std::type_identity_t<T> hi), (clamp_<T>(x, lo, hi)))
TG_PAIR(Var, polygamma, (int n, const Var<T>& x), (polygamma_<T>(n, x)))
TG_PAIR(Tensor, polygamma, (int n, const Tensor<T>& x), (polygamma_<T>(n, x)))
TG_PAIR(Var, digamma, (const Var<T>& x), (polygamma_<T>(0, x)))
TG_PAIR(Tensor, digamma, (const Tensor<T>& x), (polygamma_<T>(0, x)))
TG_PAIR(Var, sign, (const Var<T>& x), (Var<T>(sign(x.value()))))
TG_PAIR(Var, floor, (const Var<T>& x), (Var<T>(floor(x.value()))))
TG_PAIR(Var, ceil, (const Var<T>& x), (Var<T>(ceil(x.value()))))
TG_PAIR(Var, round, (const Var<T>& x), (Var<T>(round(x.value()))))
TG_PAIR(Var, maximum, (const Var<T>& a, const Var<T>& b), (apply<ops::Maximum, T>(Attrs{}, a, b)))
TG_PAIR(Var, minimum, (const Var<T>& a, const Var<T>& b), (apply<ops::Minimum, T>(Attrs{}, a, b)))
TG_PAIR(Var, atan2, (const Var<T>& a, const Var<T>& b), (apply<ops::Atan2, T>(Attrs{}, a, b)))
TG_PAIR(Var, hypot, (const Var<T>& a, const Var<T>& b), (apply<ops::Hypot, T>(Attrs{}, a, b)))
TG_PAIR(Var, where, (const Tensor<T>& c, const Var<T>& a, const Var<T>& b), (detail::where_mask(mask_of("where", c), a, b)))
TG_PAIR(Var, masked_fill, (const Var<T>& x, const Tensor<T>& m, std::type_identity_t<T> v), (detail::where_mask(mask_of("masked_fill", m), Var<T>(v), x)))
TG_PAIR(Tensor, masked_fill, (const Tensor<T>& x, const Tensor<T>& m, std::type_identity_t<T> v), (where(m, Tensor<T>::scalar(v), x)))
// clang-format on
#undef TG_PAIR

template <class T>
Var<T> detail::where_mask(const std::shared_ptr<const IndexArray>& mask, const Var<T>& a, const Var<T>& b) {
    Attrs at;
    at.index = mask;
    return apply<ops::Where, T>(at, a, b);
}

template <class T>
Var<T> prelu(const Var<T>& x, const Var<T>& w) {
    const index_t c = x.dim() >= 2 ? x.shape()[1] : 1;
    const bool one = w.numel() == 1 && w.dim() <= 1;
    if (one) return apply<ops::Prelu, T>(Attrs{}, x, reshape(w, {}));
    if (w.dim() != 1 || x.dim() < 2 || w.shape()[0] != c)
        throw ShapeError("prelu: the slope must have shape [] or [C] with C = x.shape[1]: x " +
                         x.shape().str() + ", slope " + w.shape().str());
    Shape s{c};
    for (int d = 2; d < x.dim(); ++d) s.push_back(1);
    return apply<ops::Prelu, T>(Attrs{}, x, reshape(w, s));
}

#define TG_INSTANTIATE(T)                                                                          \
    template Var<T> leaky_relu<T>(const Var<T>&, T);                                               \
    template Tensor<T> leaky_relu<T>(const Tensor<T>&, T);                                         \
    template Var<T> elu<T>(const Var<T>&, T);                                                      \
    template Tensor<T> elu<T>(const Tensor<T>&, T);                                                \
    template Var<T> celu<T>(const Var<T>&, T);                                                     \
    template Tensor<T> celu<T>(const Tensor<T>&, T);                                               \
    template Var<T> gelu<T>(const Var<T>&, bool);                                                  \
    template Tensor<T> gelu<T>(const Tensor<T>&, bool);                                            \
    template Var<T> softplus<T>(const Var<T>&, T, T);                                              \
    template Tensor<T> softplus<T>(const Tensor<T>&, T, T);                                        \
    template Var<T> hardtanh<T>(const Var<T>&, T, T);                                              \
    template Tensor<T> hardtanh<T>(const Tensor<T>&, T, T);                                        \
    template Var<T> relu6<T>(const Var<T>&);                                                       \
    template Tensor<T> relu6<T>(const Tensor<T>&);                                                 \
    template Var<T> clamp<T>(const Var<T>&, T, T);                                                 \
    template Tensor<T> clamp<T>(const Tensor<T>&, T, T);                                           \
    template Var<T> polygamma<T>(int, const Var<T>&);                                              \
    template Tensor<T> polygamma<T>(int, const Tensor<T>&);                                        \
    template Var<T> digamma<T>(const Var<T>&);                                                     \
    template Tensor<T> digamma<T>(const Tensor<T>&);                                               \
    template Var<T> sign<T>(const Var<T>&);                                                        \
    template Var<T> floor<T>(const Var<T>&);                                                       \
    template Var<T> ceil<T>(const Var<T>&);                                                        \
    template Var<T> round<T>(const Var<T>&);                                                       \
    template Var<T> maximum<T>(const Var<T>&, const Var<T>&);                                      \
    template Var<T> minimum<T>(const Var<T>&, const Var<T>&);                                      \
    template Var<T> atan2<T>(const Var<T>&, const Var<T>&);                                        \
    template Var<T> hypot<T>(const Var<T>&, const Var<T>&);                                        \
    template Var<T> where<T>(const Tensor<T>&, const Var<T>&, const Var<T>&);                      \
    template Var<T> masked_fill<T>(const Var<T>&, const Tensor<T>&, T);                            \
    template Tensor<T> masked_fill<T>(const Tensor<T>&, const Tensor<T>&, T);                      \
    template Var<T> detail::where_mask<T>(const std::shared_ptr<const IndexArray>&, const Var<T>&, \
                                          const Var<T>&);                                          \
    template Var<T> prelu<T>(const Var<T>&, const Var<T>&);
TG_INSTANTIATE(float)
TG_INSTANTIATE(double)
#undef TG_INSTANTIATE

}  // namespace tg
