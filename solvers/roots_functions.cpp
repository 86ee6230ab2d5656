// The roots family's tensor-level functions (roots_functions.hpp), for float and double.
#include "roots_functions.hpp"

#include <cmath>
#include <string>

#include "kepler.hpp"
#include "roots.hpp"

namespace tg::solvers {

namespace detail {
template <class T>
Tensor<T> kepler_forward(const Tensor<T>& M, const Tensor<T>& e) {
    M.require_defined("kepler"), e.require_defined("kepler");
    const Shape shape = broadcast_shapes(M.shape(), e.shape(), "kepler");
    const Tensor<T> m = M.broadcast_to(shape).contiguous(), ec = e.broadcast_to(shape).contiguous();
    Tensor<T> out(shape);
    const T *pm = m.data(), *pe = ec.data();
    T* po = out.data();
    for (index_t i = 0; i < out.numel(); ++i) {
        const T Mi = pm[i], ei = pe[i];
        if (!std::isfinite(Mi) || !std::isfinite(ei) || !(std::abs(ei) < 1))
            throw DomainError("kepler: needs a finite M and |e| < 1, got M = " + num(double(Mi)) +
                              ", e = " + num(double(ei)) + " at element " + std::to_string(i));
        // f(M - |e|) <= 0 <= f(M + |e|): a bracket for every M and |e| < 1
        const T r = std::abs(ei);
        po[i] = brent([&](T E) { return E - ei * std::sin(E) - Mi; }, Mi - r, Mi + r).root;
    }
    return out;
}
template Tensor<float> kepler_forward(const Tensor<float>&, const Tensor<float>&);
template Tensor<double> kepler_forward(const Tensor<double>&, const Tensor<double>&);
}  // namespace detail

template <class T>
Var<T> kepler(const Var<T>& M, const Var<T>& e) {
    return apply<Kepler, T>(Attrs{}, M, e);
}
template <class T>
Tensor<T> kepler(const Tensor<T>& M, const Tensor<T>& e) {
    return detail::kepler_forward(M, e);
}

template Var<float> kepler(const Var<float>&, const Var<float>&);
template Var<double> kepler(const Var<double>&, const Var<double>&);
template Tensor<float> kepler(const Tensor<float>&, const Tensor<float>&);
template Tensor<double> kepler(const Tensor<double>&, const Tensor<double>&);

}  // namespace tg::solvers
