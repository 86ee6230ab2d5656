#pragma once
// The layers: PyTorch's modules with PyTorch's layouts and default initializations, drawn from
// the generator given (the thread's default generator unless said otherwise, so tg::manual_seed
// makes a model reproducible).
#include <cstdint>
#include <memory>
#include <string>

#include "../autodiff/attrs.hpp"
#include "../ops/conv_functions.hpp"
#include "module.hpp"

namespace tg::nn {

/// y = x W^T + b with W (out, in) and b (out): x (..., in) -> (..., out). Init: W and b
/// U(-1/sqrt(in), 1/sqrt(in)) (torch's default). The weight gradient is computed as gy^T x in one
/// GEMM, so it arrives contiguous in W's own layout (no transposed copy before the optimizer).
/// @throws ShapeError if x's last axis is not `in`
template <class T>
class Linear : public Module<T> {
public:
    Linear(index_t in, index_t out, bool bias = true, Generator& gen = default_generator());
    Var<T> forward(const Var<T>& x) override;
    std::string describe() const override;
    TG_NN_REMAKE(std::make_shared<Linear<U>>(in_features, out_features, bias.defined()))
    Var<T> weight, bias;  ///< bias undefined when built without one
    index_t in_features, out_features;
};

/// y = linear(x, w, b) = x w^T + b as one differentiable function (any order, forward mode too);
/// b may be undefined.
template <class T>
Var<T> linear(const Var<T>& x, const Var<T>& w, const Var<T>& b = {});

/// 2-D convolution, weight (out, in / groups, kh, kw), bias (out); torch's default init.
template <class T>
class Conv2d : public Module<T> {
public:
    Conv2d(index_t in, index_t out, Pair kernel, const Conv2dOptions& o = {}, bool bias = true,
           Generator& gen = default_generator());
    Var<T> forward(const Var<T>& x) override;
    std::string describe() const override;
    TG_NN_REMAKE(std::make_shared<Conv2d<U>>(weight.shape()[1] * options.groups, weight.shape()[0],
                                             Pair{weight.shape()[2], weight.shape()[3]}, options,
                                             bias.defined()))
    Var<T> weight, bias;
    Conv2dOptions options;
};

/// 1-D convolution, weight (out, in / groups, k), bias (out); torch's default init.
template <class T>
class Conv1d : public Module<T> {
public:
    Conv1d(index_t in, index_t out, index_t kernel, const Conv1dOptions& o = {}, bool bias = true,
           Generator& gen = default_generator());
    Var<T> forward(const Var<T>& x) override;
    std::string describe() const override;
    TG_NN_REMAKE(std::make_shared<Conv1d<U>>(weight.shape()[1] * options.groups, weight.shape()[0],
                                             weight.shape()[2], options, bias.defined()))
    Var<T> weight, bias;
    Conv1dOptions options;
};

template <class T>
class MaxPool2d : public Module<T> {
public:
    explicit MaxPool2d(const Pool2dOptions& o) : options(o) {}
    Var<T> forward(const Var<T>& x) override { return max_pool2d(x, options); }
    std::string describe() const override;
    TG_NN_REMAKE(std::make_shared<MaxPool2d<U>>(options))
    Pool2dOptions options;
};

template <class T>
class AvgPool2d : public Module<T> {
public:
    explicit AvgPool2d(const Pool2dOptions& o) : options(o) {}
    Var<T> forward(const Var<T>& x) override { return avg_pool2d(x, options); }
    std::string describe() const override;
    TG_NN_REMAKE(std::make_shared<AvgPool2d<U>>(options))
    Pool2dOptions options;
};

template <class T>
class AdaptiveAvgPool2d : public Module<T> {
public:
    explicit AdaptiveAvgPool2d(Pair output_size) : output_size(output_size) {}
    Var<T> forward(const Var<T>& x) override { return adaptive_avg_pool2d(x, output_size); }
    std::string describe() const override;
    TG_NN_REMAKE(std::make_shared<AdaptiveAvgPool2d<U>>(output_size))
    Pair output_size;
};

/// Flattens axes start..end (torch's default: all but the batch axis).
template <class T>
class Flatten : public Module<T> {
public:
    explicit Flatten(int start = 1, int end = -1) : start(start), end(end) {}
    Var<T> forward(const Var<T>& x) override;
    std::string describe() const override;
    TG_NN_REMAKE(std::make_shared<Flatten<U>>(start, end))
    int start, end;
};

/// Inverted dropout, active in training mode only. Each forward call in training mode draws a
/// fresh seed from the module's own generator (seeded at construction from `seed`, or from the
/// generator given), so a run is reproducible and successive batches get different masks.
/// @throws DomainError if p is outside [0, 1]
template <class T>
class Dropout : public Module<T> {
public:
    explicit Dropout(double p = 0.5, Generator& gen = default_generator());
    Var<T> forward(const Var<T>& x) override;
    std::string describe() const override;
    TG_NN_REMAKE([this] {  // the mask stream continues where this one is
        auto d = std::make_shared<Dropout<U>>(p);
        d->generator = generator;
        return d;
    }())
    double p;
    Generator generator;
};

/// Batch normalization over the channel axis 1: (N, C) or (N, C, L) for BatchNorm1d,
/// (N, C, H, W) for BatchNorm2d. Buffers running_mean (0), running_var (1), num_batches_tracked;
/// weight 1 and bias 0 when affine. Training uses and updates batch statistics; eval uses the
/// running ones. @throws ShapeError on the wrong rank or channel count
template <class T>
class BatchNorm : public Module<T> {
public:
    BatchNorm(index_t channels, int min_rank, int max_rank, std::string kind, double eps, double momentum,
              bool affine);
    Var<T> forward(const Var<T>& x) override;
    std::string describe() const override;
    TG_NN_REMAKE(std::make_shared<BatchNorm<U>>(num_features, min_rank_, max_rank_, kind_, eps, momentum,
                                                weight.defined()))
    Var<T> weight, bias;
    Tensor<T> running_mean, running_var, num_batches_tracked;
    index_t num_features;
    double eps, momentum;

private:
    int min_rank_, max_rank_;
    std::string kind_;
};
template <class T>
class BatchNorm1d : public BatchNorm<T> {
public:
    explicit BatchNorm1d(index_t c, double eps = 1e-5, double momentum = 0.1, bool affine = true)
        : BatchNorm<T>(c, 2, 3, "BatchNorm1d", eps, momentum, affine) {}
    TG_NN_REMAKE(std::make_shared<BatchNorm1d<U>>(this->num_features, this->eps, this->momentum,
                                                  this->weight.defined()))
};
template <class T>
class BatchNorm2d : public BatchNorm<T> {
public:
    explicit BatchNorm2d(index_t c, double eps = 1e-5, double momentum = 0.1, bool affine = true)
        : BatchNorm<T>(c, 4, 4, "BatchNorm2d", eps, momentum, affine) {}
    TG_NN_REMAKE(std::make_shared<BatchNorm2d<U>>(this->num_features, this->eps, this->momentum,
                                                  this->weight.defined()))
};

/// Normalizes over the last normalized_shape.size() axes; weight 1, bias 0 of normalized_shape.
template <class T>
class LayerNorm : public Module<T> {
public:
    explicit LayerNorm(const Shape& normalized_shape, double eps = 1e-5, bool affine = true);
    Var<T> forward(const Var<T>& x) override;
    std::string describe() const override;
    TG_NN_REMAKE(std::make_shared<LayerNorm<U>>(normalized_shape, eps, weight.defined()))
    Var<T> weight, bias;
    Shape normalized_shape;
    double eps;
};

/// Group normalization of (N, C, ...) with C / groups channels per group; weight 1, bias 0 (C).
/// @throws ShapeError if groups does not divide channels
template <class T>
class GroupNorm : public Module<T> {
public:
    GroupNorm(int groups, index_t channels, double eps = 1e-5, bool affine = true);
    Var<T> forward(const Var<T>& x) override;
    std::string describe() const override;
    TG_NN_REMAKE(std::make_shared<GroupNorm<U>>(groups, channels, eps, weight.defined()))
    Var<T> weight, bias;
    int groups;
    index_t channels;
    double eps;
};

/// RMS normalization over the last normalized_shape.size() axes; weight 1 of normalized_shape.
template <class T>
class RMSNorm : public Module<T> {
public:
    explicit RMSNorm(const Shape& normalized_shape, double eps = 1e-6, bool affine = true);
    Var<T> forward(const Var<T>& x) override;
    std::string describe() const override;
    TG_NN_REMAKE(std::make_shared<RMSNorm<U>>(normalized_shape, eps, weight.defined()))
    Var<T> weight;
    Shape normalized_shape;
    double eps;
};

/// A lookup table: weight (num, dim) ~ N(0, 1) (torch's default). forward(indices) takes the
/// indices as an IndexArray; forward(Var) accepts a Var holding integer values (for Sequential).
/// @throws IndexError for an index outside [0, num); DomainError for a non-integer value
template <class T>
class Embedding : public Module<T> {
public:
    Embedding(index_t num, index_t dim, Generator& gen = default_generator());
    Var<T> forward(const IndexArray& idx);
    Var<T> forward(const Var<T>& x) override;
    std::string describe() const override;
    TG_NN_REMAKE(std::make_shared<Embedding<U>>(weight.shape()[0], weight.shape()[1]))
    Var<T> weight;
};

extern template class Linear<float>;
extern template class Linear<double>;
extern template class Conv2d<float>;
extern template class Conv2d<double>;
extern template class MaxPool2d<float>;
extern template class MaxPool2d<double>;
extern template class AvgPool2d<float>;
extern template class AvgPool2d<double>;
extern template class AdaptiveAvgPool2d<float>;
extern template class AdaptiveAvgPool2d<double>;
extern template class Flatten<float>;
extern template class Flatten<double>;
extern template class Dropout<float>;
extern template class Dropout<double>;
extern template class BatchNorm<float>;
extern template class BatchNorm<double>;
extern template class LayerNorm<float>;
extern template class LayerNorm<double>;
extern template class Embedding<float>;
extern template class Conv1d<float>;
extern template class Conv1d<double>;
extern template class GroupNorm<float>;
extern template class GroupNorm<double>;
extern template class RMSNorm<float>;
extern template class RMSNorm<double>;
extern template class Embedding<double>;

}  // namespace tg::nn
