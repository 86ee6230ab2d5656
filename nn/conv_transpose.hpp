#pragma once
// ConvTranspose2d: the adjoint of Conv2d in its input, in PyTorch's layout and init.
#include <string>

#include "../autodiff/attrs.hpp"
#include "../ops/conv_functions.hpp"
#include "module.hpp"

namespace tg::nn {

/// weight (in, out / groups, kh, kw), bias (out); both U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with
/// fan_in = out / groups * kh * kw (what torch computes from this layout). x (N, in, H, W) ->
/// (N, out, (H - 1) stride - 2 padding + dilation (kh - 1) + output_padding + 1, ...).
/// @throws ShapeError if groups does not divide in and out (construction), and as
/// conv_transpose2d on a wrong input
template <class T>
class ConvTranspose2d : public Module<T> {
public:
    ConvTranspose2d(index_t in, index_t out, Pair kernel, const Conv2dOptions& o = {}, bool bias = true,
                    Generator& gen = default_generator());
    Var<T> forward(const Var<T>& x) override;
    std::string describe() const override;
    TG_NN_REMAKE(std::make_shared<ConvTranspose2d<U>>(weight.shape()[0], weight.shape()[1] * options.groups,
                                                      Pair{weight.shape()[2], weight.shape()[3]}, options,
                                                      bias.defined()))
    Var<T> weight, bias;
    Conv2dOptions options;
};

extern template class ConvTranspose2d<float>;
extern template class ConvTranspose2d<double>;

}  // namespace tg::nn
