#include "conv_transpose.hpp"

#include "../tensor/error.hpp"
#include "init.hpp"

namespace tg::nn {

namespace {
std::string pair_str(Pair p) { return "(" + std::to_string(p[0]) + ", " + std::to_string(p[1]) + ")"; }
}  // namespace

template <class T>
ConvTranspose2d<T>::ConvTranspose2d(index_t in, index_t out, Pair k, const Conv2dOptions& o, bool with_bias,
                                    Generator& gen)
    : options(o) {
    if (in <= 0 || out <= 0 || o.groups <= 0 || in % o.groups != 0 || out % o.groups != 0)
        throw ShapeError("ConvTranspose2d: groups " + std::to_string(o.groups) + " must divide in " +
                         std::to_string(in) + " and out " + std::to_string(out) + " (both positive)");
    if (k[0] <= 0 || k[1] <= 0)
        throw ShapeError("ConvTranspose2d: kernel must be positive, got " + pair_str(k));
    Tensor<T> w = zeros<T>({in, out / o.groups, k[0], k[1]});
    init::default_weight_(w, gen);  // fan_in = size(1) kh kw = out / groups kh kw, as torch
    weight = this->register_parameter("weight", w);
    if (with_bias) {
        Tensor<T> b = zeros<T>({out});
        init::default_bias_(b, static_cast<double>(out / o.groups * k[0] * k[1]), gen);
        bias = this->register_parameter("bias", b);
    }
}

template <class T>
Var<T> ConvTranspose2d<T>::forward(const Var<T>& x) {
    return conv_transpose2d(x, weight, bias, options);
}

template <class T>
std::string ConvTranspose2d<T>::describe() const {
    const Shape& s = weight.shape();
    return "ConvTranspose2d(in=" + std::to_string(s[0]) + ", out=" + std::to_string(s[1] * options.groups) +
           ", kernel=" + pair_str({s[2], s[3]}) + ", stride=" + pair_str(options.stride) +
           ", padding=" + pair_str(options.padding) +
           (options.dilation != Pair{1, 1} ? ", dilation=" + pair_str(options.dilation) : "") +
           (options.output_padding != Pair{0, 0} ? ", output_padding=" + pair_str(options.output_padding) : "") +
           (options.groups != 1 ? ", groups=" + std::to_string(options.groups) : "") +
           ", bias=" + (bias.defined() ? "true" : "false") + ")";
}

template class ConvTranspose2d<float>;
template class ConvTranspose2d<double>;

}  // namespace tg::nn
