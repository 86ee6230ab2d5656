#include "bilinear.hpp"

#include <cmath>

#include "../ops/functions.hpp"
#include "../ops/shape_index_functions.hpp"
#include "../tensor/error.hpp"
#include "init.hpp"
#include "layers.hpp"

namespace tg::nn {

template <class T>
Var<T> bilinear(const Var<T>& x1, const Var<T>& x2, const Var<T>& w, const Var<T>& b) {
    auto fail = [&] {
        throw ShapeError("bilinear: need x1 (..., in1), x2 (..., in2) with the same leading axes, weight (out, "
                         "in1, in2), bias (out); got x1 " +
                         x1.shape().str() + ", x2 " + x2.shape().str() + ", weight " + w.shape().str() +
                         (b.defined() ? ", bias " + b.shape().str() : ""));
    };
    if (w.dim() != 3 || x1.dim() < 1 || x1.dim() != x2.dim()) fail();
    const index_t out = w.shape()[0], in1 = w.shape()[1], in2 = w.shape()[2];
    const int d = x1.dim();
    if (x1.shape()[d - 1] != in1 || x2.shape()[d - 1] != in2) fail();
    for (int k = 0; k + 1 < d; ++k)
        if (x1.shape()[k] != x2.shape()[k]) fail();
    if (b.defined() && !(b.shape() == Shape{out})) fail();
    Shape lead = x1.shape();
    lead.resize(d - 1);
    const index_t n = lead.numel();
    // (n, in2) x (out in1, in2)^T -> (n, out, in1); times x1 broadcast over out; sum over in1.
    Var<T> t = reshape(linear(reshape(x2, {n, in2}), reshape(w, {out * in1, in2})), {n, out, in1});
    Var<T> y = sum(t * unsqueeze(reshape(x1, {n, in1}), 1), {2});
    if (b.defined()) y = y + b;
    Shape out_shape = lead;
    out_shape.push_back(out);
    return reshape(y, out_shape);
}

template <class T>
Bilinear<T>::Bilinear(index_t in1, index_t in2, index_t out, bool with_bias, Generator& gen)
    : in1_features(in1), in2_features(in2), out_features(out) {
    if (in1 <= 0 || in2 <= 0 || out < 0)
        throw ShapeError("Bilinear: sizes must be positive, got (" + std::to_string(in1) + ", " +
                         std::to_string(in2) + ", " + std::to_string(out) + ")");
    const double bound = 1.0 / std::sqrt(static_cast<double>(in1));  // torch: 1 / sqrt(weight.size(1))
    Tensor<T> w = zeros<T>({out, in1, in2});
    init::uniform_(w, -bound, bound, gen);
    weight = this->register_parameter("weight", w);
    if (with_bias) {
        Tensor<T> bv = zeros<T>({out});
        init::uniform_(bv, -bound, bound, gen);
        bias = this->register_parameter("bias", bv);
    }
}

template <class T>
Var<T> Bilinear<T>::forward(const Var<T>&) {
    throw AutogradError("Bilinear: takes two inputs; call forward(x1, x2)");
}

template <class T>
std::string Bilinear<T>::describe() const {
    return "Bilinear(in1=" + std::to_string(in1_features) + ", in2=" + std::to_string(in2_features) +
           ", out=" + std::to_string(out_features) + ", bias=" + (bias.defined() ? "true" : "false") + ")";
}

template Var<float> bilinear<float>(const Var<float>&, const Var<float>&, const Var<float>&, const Var<float>&);
template Var<double> bilinear<double>(const Var<double>&, const Var<double>&, const Var<double>&,
                                      const Var<double>&);
template class Bilinear<float>;
template class Bilinear<double>;

}  // namespace tg::nn
