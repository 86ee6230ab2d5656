#pragma once
// y = x1^T A x2 + b per output feature: y[n, o] = sum_ij x1[n, i] A[o, i, j] x2[n, j] + b[o], in
// PyTorch's layout A (out, in1, in2), b (out), and its init U(-1/sqrt(in1), 1/sqrt(in1)) for both.
#include <string>

#include "module.hpp"

namespace tg::nn {

/// The function: x1 (..., in1), x2 (..., in2) with the same leading axes -> (..., out); b may be
/// undefined. Computed as one GEMM of x2 against A seen as (out in1, in2) (so A's gradient arrives
/// in its own layout), a product with x1 and a sum.
/// @throws ShapeError naming bilinear and every shape when they do not fit
template <class T>
Var<T> bilinear(const Var<T>& x1, const Var<T>& x2, const Var<T>& weight, const Var<T>& bias = {});

template <class T>
class Bilinear : public Module<T> {
public:
    Bilinear(index_t in1, index_t in2, index_t out, bool bias = true, Generator& gen = default_generator());
    /// @throws AutogradError: a bilinear layer takes two inputs, call forward(x1, x2).
    Var<T> forward(const Var<T>& x) override;
    Var<T> forward(const Var<T>& x1, const Var<T>& x2) { return bilinear(x1, x2, weight, bias); }
    std::string describe() const override;
    TG_NN_REMAKE(std::make_shared<Bilinear<U>>(in1_features, in2_features, out_features, bias.defined()))
    Var<T> weight, bias;
    index_t in1_features, in2_features, out_features;
};

extern template class Bilinear<float>;
extern template class Bilinear<double>;

}  // namespace tg::nn
