#include "layers.hpp"

#include <cmath>
#include <sstream>

#include "../ops/custom_function.hpp"
#include "../ops/functions.hpp"
#include "../ops/nn_functions.hpp"
#include "../ops/shape_index_functions.hpp"
#include "../tensor/math.hpp"
#include "../tensor/matmul_bias.hpp"
#include "init.hpp"

namespace tg::nn {

namespace {
std::string pair_str(Pair p) { return "(" + std::to_string(p[0]) + ", " + std::to_string(p[1]) + ")"; }

// y = x w^T (+ b) for x (N, in) as ONE recorded function. Its VJP computes gw = gy^T x with one
// GEMM (BLAS's transpose flag), contiguous in w's (out, in) layout; composing matmul(x,
// transpose(w)) would give a transposed view that the engine must copy before w's gradient is
// stored. Every rule uses Var ops, so the result is differentiable again and has forward mode.
template <class T>
Var<T> linear2d(const Var<T>& x, const Var<T>& w, const Var<T>& b) {
    static const CustomFunction<T> with_bias = custom_function<T>(
        "linear", [](const std::vector<Tensor<T>>& v) { return tg::matmul_bias(v[0], v[1], v[2]); },
        [](const std::vector<Var<T>>& v, const Var<T>&, const Var<T>& gy) {
            return std::vector<Var<T>>{v[0].requires_grad() ? matmul(gy, v[1]) : Var<T>(),
                                       v[1].requires_grad() ? matmul(transpose(gy), v[0]) : Var<T>(),
                                       v[2].requires_grad() ? sum(gy, {0}) : Var<T>()};
        },
        [](const std::vector<Var<T>>& v, const Var<T>&, const std::vector<Var<T>>& d) {
            Var<T> dy;
            auto add = [&](const Var<T>& t) { dy = dy.defined() ? dy + t : t; };
            if (d[0].defined()) add(matmul(d[0], transpose(v[1])));
            if (d[1].defined()) add(matmul(v[0], transpose(d[1])));
            if (d[2].defined()) add(broadcast_to(d[2], {v[0].shape()[0], v[1].shape()[0]}));
            return dy;
        });
    static const CustomFunction<T> no_bias = custom_function<T>(
        "linear", [](const std::vector<Tensor<T>>& v) { return tg::matmul(v[0], v[1].transpose()); },
        [](const std::vector<Var<T>>& v, const Var<T>&, const Var<T>& gy) {
            return std::vector<Var<T>>{v[0].requires_grad() ? matmul(gy, v[1]) : Var<T>(),
                                       v[1].requires_grad() ? matmul(transpose(gy), v[0]) : Var<T>()};
        },
        [](const std::vector<Var<T>>& v, const Var<T>&, const std::vector<Var<T>>& d) {
            Var<T> dy;
            if (d[0].defined()) dy = matmul(d[0], transpose(v[1]));
            if (d[1].defined()) {
                Var<T> t = matmul(v[0], transpose(d[1]));
                dy = dy.defined() ? dy + t : t;
            }
            return dy;
        });
    return b.defined() ? with_bias({x, w, b}) : no_bias({x, w});
}
}  // namespace

template <class T>
Var<T> linear(const Var<T>& x, const Var<T>& w, const Var<T>& b) {
    if (w.dim() != 2) throw ShapeError("linear: weight must be (out, in), got " + w.shape().str());
    const index_t in = w.shape()[1], out = w.shape()[0];
    if (x.dim() < 1 || x.shape()[x.dim() - 1] != in)
        throw ShapeError("linear: input " + x.shape().str() + " does not end in in_features = " +
                         std::to_string(in) + " (weight " + w.shape().str() + ")");
    if (b.defined() && !(b.shape() == Shape{out}))
        throw ShapeError("linear: bias must be [" + std::to_string(out) + "], got " + b.shape().str());
    if (x.dim() == 2) return linear2d(x, w, b);
    Shape lead = x.shape();
    lead.resize(x.dim() - 1);
    Shape out_shape = lead;
    out_shape.push_back(out);
    return reshape(linear2d(reshape(x, {lead.numel(), in}), w, b), out_shape);
}

template <class T>
Linear<T>::Linear(index_t in, index_t out, bool with_bias, Generator& gen)
    : in_features(in), out_features(out) {
    if (in < 0 || out < 0)
        throw ShapeError("Linear: negative size (" + std::to_string(in) + ", " + std::to_string(out) + ")");
    Tensor<T> w = zeros<T>({out, in});
    init::default_weight_(w, gen);
    weight = this->register_parameter("weight", w);
    if (with_bias) {
        Tensor<T> b = zeros<T>({out});
        init::default_bias_(b, static_cast<double>(in), gen);
        bias = this->register_parameter("bias", b);
    }
}
template <class T>
Var<T> Linear<T>::forward(const Var<T>& x) {
    return linear(x, weight, bias);
}
template <class T>
std::string Linear<T>::describe() const {
    return "Linear(in=" + std::to_string(in_features) + ", out=" + std::to_string(out_features) +
           ", bias=" + (bias.defined() ? "true" : "false") + ")";
}

template <class T>
Conv2d<T>::Conv2d(index_t in, index_t out, Pair k, const Conv2dOptions& o, bool with_bias, Generator& gen)
    : options(o) {
    if (o.groups <= 0 || in % o.groups != 0 || out % o.groups != 0)
        throw ShapeError("Conv2d: groups " + std::to_string(o.groups) + " must divide in " +
                         std::to_string(in) + " and out " + std::to_string(out));
    Tensor<T> w = zeros<T>({out, in / o.groups, k[0], k[1]});
    init::default_weight_(w, gen);
    weight = this->register_parameter("weight", w);
    if (with_bias) {
        Tensor<T> b = zeros<T>({out});
        init::default_bias_(b, static_cast<double>(in / o.groups * k[0] * k[1]), gen);
        bias = this->register_parameter("bias", b);
    }
}
template <class T>
Var<T> Conv2d<T>::forward(const Var<T>& x) {
    return conv2d(x, weight, bias, options);
}
template <class T>
std::string Conv2d<T>::describe() const {
    const Shape& s = weight.shape();
    return "Conv2d(in=" + std::to_string(s[1] * options.groups) + ", out=" + std::to_string(s[0]) +
           ", kernel=" + pair_str({s[2], s[3]}) + ", stride=" + pair_str(options.stride) +
           ", padding=" + pair_str(options.padding) +
           (options.groups != 1 ? ", groups=" + std::to_string(options.groups) : "") +
           ", bias=" + (bias.defined() ? "true" : "false") + ")";
}

template <class T>
Conv1d<T>::Conv1d(index_t in, index_t out, index_t k, const Conv1dOptions& o, bool with_bias, Generator& gen)
    : options(o) {
    if (o.groups <= 0 || in % o.groups != 0 || out % o.groups != 0)
        throw ShapeError("Conv1d: groups " + std::to_string(o.groups) + " must divide in " +
                         std::to_string(in) + " and out " + std::to_string(out));
    Tensor<T> w = zeros<T>({out, in / o.groups, k});
    init::default_weight_(w, gen);
    weight = this->register_parameter("weight", w);
    if (with_bias) {
        Tensor<T> b = zeros<T>({out});
        init::default_bias_(b, static_cast<double>(in / o.groups * k), gen);
        bias = this->register_parameter("bias", b);
    }
}
template <class T>
Var<T> Conv1d<T>::forward(const Var<T>& x) {
    return conv1d(x, weight, bias, options);
}
template <class T>
std::string Conv1d<T>::describe() const {
    const Shape& s = weight.shape();
    return "Conv1d(in=" + std::to_string(s[1] * options.groups) + ", out=" + std::to_string(s[0]) +
           ", kernel=" + std::to_string(s[2]) + ", stride=" + std::to_string(options.stride) +
           ", padding=" + std::to_string(options.padding) + ", bias=" + (bias.defined() ? "true" : "false") +
           ")";
}

template <class T>
std::string MaxPool2d<T>::describe() const {
    return "MaxPool2d(kernel=" + pair_str(options.kernel) + ", stride=" + pair_str(options.stride) + ")";
}
template <class T>
std::string AvgPool2d<T>::describe() const {
    return "AvgPool2d(kernel=" + pair_str(options.kernel) + ", stride=" + pair_str(options.stride) + ")";
}
template <class T>
std::string AdaptiveAvgPool2d<T>::describe() const {
    return "AdaptiveAvgPool2d(output=" + pair_str(output_size) + ")";
}

template <class T>
Var<T> Flatten<T>::forward(const Var<T>& x) {
    return flatten(x, start, end);
}
template <class T>
std::string Flatten<T>::describe() const {
    return "Flatten(start=" + std::to_string(start) + ", end=" + std::to_string(end) + ")";
}

template <class T>
Dropout<T>::Dropout(double p, Generator& gen) : p(p), generator(gen.next_u64()) {
    if (!(p >= 0 && p <= 1))
        throw DomainError("Dropout: probability must be in [0, 1], got " + std::to_string(p));
}
template <class T>
Var<T> Dropout<T>::forward(const Var<T>& x) {
    if (!this->is_training() || p == 0) return x;
    return dropout(x, p, draw_seed(generator), true);
}
template <class T>
std::string Dropout<T>::describe() const {
    std::ostringstream os;
    os << "Dropout(p=" << p << ")";
    return os.str();
}

template <class T>
BatchNorm<T>::BatchNorm(index_t c, int min_rank, int max_rank, std::string kind, double eps, double momentum,
                        bool affine)
    : num_features(c),
      eps(eps),
      momentum(momentum),
      min_rank_(min_rank),
      max_rank_(max_rank),
      kind_(std::move(kind)) {
    if (c <= 0) throw ShapeError(kind_ + ": need a positive number of channels, got " + std::to_string(c));
    if (affine) {
        weight = this->register_parameter("weight", ones<T>({c}));
        bias = this->register_parameter("bias", zeros<T>({c}));
    }
    running_mean = this->register_buffer("running_mean", zeros<T>({c}));
    running_var = this->register_buffer("running_var", ones<T>({c}));
    num_batches_tracked = this->register_buffer("num_batches_tracked", zeros<T>({}));
}
template <class T>
Var<T> BatchNorm<T>::forward(const Var<T>& x) {
    if (x.dim() < min_rank_ || x.dim() > max_rank_ || x.shape()[1] != num_features)
        throw ShapeError(kind_ + ": expected " +
                         (min_rank_ == max_rank_ ? "(N, C, H, W)" : std::string("(N, C) or (N, C, L)")) +
                         " with C = " + std::to_string(num_features) + ", got " + x.shape().str());
    const bool training = this->is_training();
    if (training) num_batches_tracked.fill(num_batches_tracked.item() + T(1));
    return batch_norm(x, &running_mean, &running_var, weight, bias, training, momentum, eps);
}
template <class T>
std::string BatchNorm<T>::describe() const {
    std::ostringstream os;
    os << kind_ << "(" << num_features << ", eps=" << eps << ", momentum=" << momentum
       << ", affine=" << (weight.defined() ? "true" : "false") << ")";
    return os.str();
}

template <class T>
LayerNorm<T>::LayerNorm(const Shape& shape, double eps, bool affine) : normalized_shape(shape), eps(eps) {
    if (affine) {
        weight = this->register_parameter("weight", ones<T>(shape));
        bias = this->register_parameter("bias", zeros<T>(shape));
    }
}
template <class T>
Var<T> LayerNorm<T>::forward(const Var<T>& x) {
    return layer_norm(x, normalized_shape, weight, bias, eps);
}
template <class T>
std::string LayerNorm<T>::describe() const {
    std::ostringstream os;
    os << "LayerNorm(" << normalized_shape.str() << ", eps=" << eps << ")";
    return os.str();
}

template <class T>
GroupNorm<T>::GroupNorm(int groups, index_t channels, double eps, bool affine)
    : groups(groups), channels(channels), eps(eps) {
    if (groups <= 0 || channels % groups != 0)
        throw ShapeError("GroupNorm: groups " + std::to_string(groups) + " must divide the " +
                         std::to_string(channels) + " channels");
    if (affine) {
        weight = this->register_parameter("weight", ones<T>({channels}));
        bias = this->register_parameter("bias", zeros<T>({channels}));
    }
}
template <class T>
Var<T> GroupNorm<T>::forward(const Var<T>& x) {
    return group_norm(x, groups, weight, bias, eps);
}
template <class T>
std::string GroupNorm<T>::describe() const {
    std::ostringstream os;
    os << "GroupNorm(" << groups << ", " << channels << ", eps=" << eps << ")";
    return os.str();
}

template <class T>
RMSNorm<T>::RMSNorm(const Shape& shape, double eps, bool affine) : normalized_shape(shape), eps(eps) {
    if (affine) weight = this->register_parameter("weight", ones<T>(shape));
}
template <class T>
Var<T> RMSNorm<T>::forward(const Var<T>& x) {
    return rms_norm(x, normalized_shape, weight, eps);
}
template <class T>
std::string RMSNorm<T>::describe() const {
    std::ostringstream os;
    os << "RMSNorm(" << normalized_shape.str() << ", eps=" << eps << ")";
    return os.str();
}

template <class T>
Embedding<T>::Embedding(index_t num, index_t dim, Generator& gen) {
    Tensor<T> w = zeros<T>({num, dim});
    init::normal_(w, 0.0, 1.0, gen);
    weight = this->register_parameter("weight", w);
}
template <class T>
Var<T> Embedding<T>::forward(const IndexArray& idx) {
    return embedding(weight, idx);
}
template <class T>
Var<T> Embedding<T>::forward(const Var<T>& x) {
    IndexArray idx{x.shape(), {}};
    for (T v : x.value().to_vector()) {
        if (!(std::floor(v) == v && std::abs(v) < T(1e15)))  // also keeps the cast below defined
            throw DomainError("Embedding: an index must be an integer, got " + std::to_string(v));
        idx.data.push_back(static_cast<index_t>(v));
    }
    return embedding(weight, idx);
}
template <class T>
std::string Embedding<T>::describe() const {
    return "Embedding(" + std::to_string(weight.shape()[0]) + ", " + std::to_string(weight.shape()[1]) + ")";
}

#define TG_LAYERS_INSTANTIATE(T)                                            \
    template Var<T> linear<T>(const Var<T>&, const Var<T>&, const Var<T>&); \
    template class Linear<T>;                                               \
    template class Conv2d<T>;                                               \
    template class MaxPool2d<T>;                                            \
    template class AvgPool2d<T>;                                            \
    template class AdaptiveAvgPool2d<T>;                                    \
    template class Flatten<T>;                                              \
    template class Dropout<T>;                                              \
    template class BatchNorm<T>;                                            \
    template class LayerNorm<T>;                                            \
    template class Embedding<T>;                                            \
    template class Conv1d<T>;                                               \
    template class GroupNorm<T>;                                            \
    template class RMSNorm<T>;
TG_LAYERS_INSTANTIATE(float)
TG_LAYERS_INSTANTIATE(double)
#undef TG_LAYERS_INSTANTIATE

}  // namespace tg::nn
