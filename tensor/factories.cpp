// Factories (ones, full, arange, linspace, eye) and allclose.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>

#include "tensor.hpp"

namespace tg {

namespace {
template <class T>
Tensor<T> filled(const Shape& shape, T value, const char* op) {
    Tensor<T> t = Tensor<T>::empty(shape, op);
    std::fill(t.data(), t.data() + t.numel(), value);
    return t;
}

/// Shortest round-trip text of a value, for error messages.
std::string num(double v) {
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, res.ptr);
}
}  // namespace

template <class T>
Tensor<T> ones(const Shape& shape) {
    return filled<T>(shape, T(1), "ones");
}

template <class T>
Tensor<T> full(const Shape& shape, T value) {
    return filled<T>(shape, value, "full");
}

template <class T>
Tensor<T> arange(T start, T stop, T step) {
    if (step == T(0)) throw DomainError("arange: step is 0");
    if (!std::isfinite(start) || !std::isfinite(stop) || !std::isfinite(step))
        throw DomainError("arange: start, stop and step must be finite, got start=" + num(start) +
                          ", stop=" + num(stop) + ", step=" + num(step));
    const double n = std::ceil((static_cast<double>(stop) - start) / step);
    // Converting a double at or above 2^63 to int64 is undefined (it came out negative).
    if (!(n < 0x1p63))
        throw AllocationError("arange: start=" + num(start) + ", stop=" + num(stop) + ", step=" + num(step) +
                              " gives " + num(n) + " elements, more than a tensor can hold");
    const index_t len = n > 0 ? static_cast<index_t>(n) : 0;
    Tensor<T> t = Tensor<T>::empty(Shape{len}, "arange");
    T* p = t.data();
    for (index_t i = 0; i < len; ++i) p[i] = static_cast<T>(start + static_cast<double>(i) * step);
    return t;
}

template <class T>
Tensor<T> linspace(T start, T stop, index_t num) {
    if (num < 0) throw DomainError("linspace: negative number of points " + std::to_string(num));
    Tensor<T> t = Tensor<T>::empty(Shape{num}, "linspace");
    const double h = num > 1 ? (static_cast<double>(stop) - start) / static_cast<double>(num - 1) : 0.0;
    T* p = t.data();
    for (index_t i = 0; i < num; ++i) p[i] = static_cast<T>(start + h * static_cast<double>(i));
    if (num > 1) p[num - 1] = stop;
    return t;
}

template <class T>
Tensor<T> eye(index_t n) {
    Tensor<T> t = filled<T>(Shape{n, n}, T(0), "eye");
    T* p = t.data();
    for (index_t i = 0; i < n; ++i) p[i * n + i] = T(1);
    return t;
}

template <class T>
bool allclose(const Tensor<T>& a, const Tensor<T>& b, double rtol, double atol) {
    a.require_defined("allclose");
    b.require_defined("allclose");
    if (!(a.shape() == b.shape())) return false;
    const auto va = a.to_vector(), vb = b.to_vector();
    for (std::size_t i = 0; i < va.size(); ++i) {
        const double x = va[i], y = vb[i];
        if (std::isnan(x) || std::isnan(y)) return false;
        if (x == y) continue;  // equal infinities
        if (!(std::abs(x - y) <= atol + rtol * std::abs(y))) return false;
    }
    return true;
}

#define TG_INSTANTIATE(T)                                                          \
    template Tensor<T> ones<T>(const Shape&);                                      \
    template Tensor<T> full<T>(const Shape&, T);                                   \
    template Tensor<T> arange<T>(T, T, T);                                         \
    template Tensor<T> linspace<T>(T, T, index_t);                                 \
    template Tensor<T> eye<T>(index_t);                                            \
    template bool allclose<T>(const Tensor<T>&, const Tensor<T>&, double, double);
TG_INSTANTIATE(float)
TG_INSTANTIATE(double)

}  // namespace tg
