// The forward solve of the newton_cubic op (solvers/newton_cubic.hpp).
#include "newton_cubic.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "implicit_root.hpp"
#include "newton.hpp"

namespace tg::solvers {

template <class T>
Tensor<T> detail::newton_cubic_forward(const Tensor<T>& A, const Tensor<T>& b) {
    A.require_defined("newton_cubic"), b.require_defined("newton_cubic");
    if (A.dim() != 2 || b.dim() != 1 || A.size(0) != A.size(1) || A.size(0) != b.size(0))
        throw ShapeError("newton_cubic: needs A of shape [n, n] and b of shape [n], got A " +
                         A.shape().str() + " and b " + b.shape().str());
    const Var<T> Av(A.contiguous());
    const NonlinearFn<T> F = [Av](const Var<T>& x, const std::vector<Var<T>>& th) {
        return matmul(Av, x) + x * x * x - th[0];
    };
    const Tensor<T> bc = b.contiguous();
    double bmax = 0;
    for (index_t i = 0; i < bc.numel(); ++i) bmax = std::max(bmax, std::abs(double(bc.data()[i])));
    NewtonOptions o;
    o.atol = 50 * std::numeric_limits<T>::epsilon() * (1 + bmax);  // F's rounding, with |A| ~ 1
    o.rtol = 0;
    o.max_iter = 100;
    NoGrad plain;
    ForwardPause pause;
    return newton_root<T>(F, Tensor<T>(b.shape()), {Var<T>(bc)}, o).x.value();
}

template <class T>
Var<T> newton_cubic(const Var<T>& A, const Var<T>& b) {
    return apply<NewtonCubic, T>(Attrs{}, A, b);
}

template Tensor<float> detail::newton_cubic_forward(const Tensor<float>&, const Tensor<float>&);
template Tensor<double> detail::newton_cubic_forward(const Tensor<double>&, const Tensor<double>&);
template Var<float> newton_cubic(const Var<float>&, const Var<float>&);
template Var<double> newton_cubic(const Var<double>&, const Var<double>&);

}  // namespace tg::solvers
