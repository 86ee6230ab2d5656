// Public convolution and pooling functions: argument checks and the reshapes around the
// registered ops (bias as a broadcast add, conv1d as conv2d over a unit row axis).
#include "conv_functions.hpp"

#include <cstdint>
#include <string>

#include "conv_ops.hpp"  // only the conv family (ops/op_list.hpp, OpFamilies)

namespace tg {

namespace {

Conv2dParams params_of(const Conv2dOptions& o) {
    return {o.stride[0],   o.stride[1], o.padding[0],        o.padding[1],       o.dilation[0],
            o.dilation[1], o.groups,    o.output_padding[0], o.output_padding[1]};
}

template <class T>
Var<T> add_bias(const char* op, const Var<T>& y, const Var<T>& bias) {
    if (!bias.defined()) return y;
    const index_t channels = y.shape()[1];
    if (!(bias.shape() == Shape{channels}))
        throw ShapeError(std::string(op) + ": bias must be [" + std::to_string(channels) +
                         "] (one per output channel), got " + bias.shape().str());
    return y + reshape(bias, {channels, 1, 1});
}

Pool2dParams pool_of(const Pool2dOptions& o) {
    const Pair s = (o.stride[0] == 0 && o.stride[1] == 0) ? o.kernel : o.stride;
    return {o.kernel[0],   o.kernel[1],        s[0], s[1], o.padding[0], o.padding[1], o.dilation[0],
            o.dilation[1], o.count_include_pad};
}

}  // namespace

template <class T>
Var<T> conv2d(const Var<T>& x, const Var<T>& w, const Var<T>& bias, const Conv2dOptions& o) {
    // conv2d has no output_padding: the attrs do not carry it (o.output_padding is ignored).
    // A bias of the right shape goes into the convolution's own pass; any other reaches add_bias,
    // whose message names it.
    if (bias.defined() && w.dim() == 4 && bias.shape() == Shape{w.shape()[0]})
        return apply<ops::Conv2dBias, T>(ops::conv_attrs(params_of(o)), x, w, bias);
    return add_bias("conv2d", apply<ops::Conv2d, T>(ops::conv_attrs(params_of(o)), x, w), bias);
}

template <class T>
Var<T> conv_transpose2d(const Var<T>& x, const Var<T>& w, const Var<T>& bias, const Conv2dOptions& o) {
    if (x.dim() != 4)
        throw ShapeError("conv_transpose2d: input must be 4-D [N,O,H,W], got " + x.shape().str());
    if (w.dim() != 4)
        throw ShapeError("conv_transpose2d: weight must be 4-D [O,C/groups,kh,kw], got " + w.shape().str());
    // The op records its output size; the kernel derives output_padding back from it (and checks it).
    const Conv2dParams p = params_of(o);
    const Shape &xs = x.shape(), &ws = w.shape();
    // Computed modulo 2^64 (no signed overflow): the kernel recomputes the size with overflow checks
    // from the output_padding this target gives back, which is o.output_padding whatever the wrap.
    const auto size = [](index_t in, index_t s, index_t pad, index_t d, index_t k, index_t op) {
        using U = std::uint64_t;
        return static_cast<index_t>((U(in) - 1) * U(s) - 2 * U(pad) + U(d) * (U(k) - 1) + U(op) + 1);
    };
    const Shape target{size(xs[2], p.sh, p.ph, p.dh, ws[2], p.oph),
                       size(xs[3], p.sw, p.pw, p.dw, ws[3], p.opw)};
    return add_bias("conv_transpose2d", apply<ops::ConvTranspose2d, T>(ops::conv_attrs(p, target), x, w), bias);
}

template <class T>
Var<T> conv1d(const Var<T>& x, const Var<T>& w, const Var<T>& bias, const Conv1dOptions& o) {
    if (x.dim() != 3) throw ShapeError("conv1d: input must be 3-D [N,C,L], got " + x.shape().str());
    if (w.dim() != 3) throw ShapeError("conv1d: weight must be 3-D [O,C/groups,k], got " + w.shape().str());
    const Shape &xs = x.shape(), &ws = w.shape();
    Conv2dOptions o2;
    o2.stride = {1, o.stride}, o2.padding = {0, o.padding}, o2.dilation = {1, o.dilation}, o2.groups = o.groups;
    const Var<T> y = conv2d(reshape(x, {xs[0], xs[1], 1, xs[2]}), reshape(w, {ws[0], ws[1], 1, ws[2]}), bias,
                            o2);
    return reshape(y, {y.shape()[0], y.shape()[1], y.shape()[3]});
}

template <class T>
Var<T> max_pool2d(const Var<T>& x, const Pool2dOptions& o) {
    return apply<ops::MaxPool2d, T>(ops::max_pool_attrs(pool_of(o)), x);
}

template <class T>
Var<T> avg_pool2d(const Var<T>& x, const Pool2dOptions& o) {
    return apply<ops::AvgPool2d, T>(ops::avg_pool_attrs(pool_of(o)), x);  // no dilation (as in PyTorch)
}

template <class T>
Var<T> adaptive_avg_pool2d(const Var<T>& x, Pair output_size) {
    return apply<ops::AdaptiveAvgPool2d, T>(ops::adaptive_a(output_size[0], output_size[1]), x);
}

#define TG_INSTANTIATE(T)                                                                                   \
    template Var<T> conv2d<T>(const Var<T>&, const Var<T>&, const Var<T>&, const Conv2dOptions&);           \
    template Var<T> conv_transpose2d<T>(const Var<T>&, const Var<T>&, const Var<T>&, const Conv2dOptions&); \
    template Var<T> conv1d<T>(const Var<T>&, const Var<T>&, const Var<T>&, const Conv1dOptions&);           \
    template Var<T> max_pool2d<T>(const Var<T>&, const Pool2dOptions&);                                     \
    template Var<T> avg_pool2d<T>(const Var<T>&, const Pool2dOptions&);                                     \
    template Var<T> adaptive_avg_pool2d<T>(const Var<T>&, Pair);
TG_INSTANTIATE(float)
TG_INSTANTIATE(double)
#undef TG_INSTANTIATE

}  // namespace tg
