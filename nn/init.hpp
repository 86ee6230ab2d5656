#pragma once
// Parameter initializers, in place and seeded: each fills an existing tensor (a parameter's value
// or any contiguous or strided, non-overlapping tensor) from a tg::Generator, so a seed gives the
// same model on every platform. Names and formulas follow torch.nn.init:
//   fan_in = size(1) * receptive field, fan_out = size(0) * receptive field (receptive field =
//   product of the sizes after the first two axes; fewer than 2 axes have no fans: ShapeError).
//   xavier_uniform: U(-a, a), a = gain sqrt(6 / (fan_in + fan_out));  xavier_normal: std = gain sqrt(2 /
//   (fan_in + fan_out)) kaiming_uniform: U(-b, b), b = gain sqrt(3 / fan);  kaiming_normal: std = gain /
//   sqrt(fan) orthogonal: Q of the QR factorization of a normal matrix with R's diagonal made positive
#include <string>

#include "../tensor/random.hpp"
#include "../tensor/tensor.hpp"

namespace tg::nn::init {

enum class FanMode { fan_in, fan_out };
enum class Nonlinearity { linear, sigmoid, tanh, relu, leaky_relu, selu };

/// The recommended gain: 1 (linear, sigmoid), 5/3 (tanh), sqrt(2) (relu),
/// sqrt(2 / (1 + slope^2)) (leaky_relu with negative slope `param`), 3/4 (selu).
double calculate_gain(Nonlinearity nl, double param = 0.01);
/// {fan_in, fan_out}. @throws ShapeError for fewer than 2 dimensions
std::pair<double, double> fans(const Shape& shape);

// Every initializer: @throws ShapeError if t cannot be written (undefined, overlapping view).
template <class T>
void zeros_(Tensor<T>& t);
template <class T>
void ones_(Tensor<T>& t);
template <class T>
void constant_(Tensor<T>& t, double value);
/// U(low, high). @throws DomainError if low > high
template <class T>
void uniform_(Tensor<T>& t, double low, double high, Generator& gen = default_generator());
/// N(mean, std^2). @throws DomainError if std < 0
template <class T>
void normal_(Tensor<T>& t, double mean, double std, Generator& gen = default_generator());
/// The fan-based ones: @throws ShapeError for fewer than 2 dimensions (as torch).
template <class T>
void xavier_uniform_(Tensor<T>& t, double gain = 1.0, Generator& gen = default_generator());
template <class T>
void xavier_normal_(Tensor<T>& t, double gain = 1.0, Generator& gen = default_generator());
/// `a` is the negative slope for leaky_relu (torch's default nonlinearity is leaky_relu with a = 0,
/// i.e. the relu gain).
template <class T>
void kaiming_uniform_(Tensor<T>& t, double a = 0, FanMode mode = FanMode::fan_in,
                      Nonlinearity nl = Nonlinearity::leaky_relu, Generator& gen = default_generator());
template <class T>
void kaiming_normal_(Tensor<T>& t, double a = 0, FanMode mode = FanMode::fan_in,
                     Nonlinearity nl = Nonlinearity::leaky_relu, Generator& gen = default_generator());
/// A (semi-)orthogonal matrix: rows orthonormal if rows <= columns, else columns orthonormal; a
/// tensor of rank > 2 is treated as (size(0), rest). Computed by modified Gram-Schmidt in double
/// (no LAPACK call: fine for the layer sizes of small models, O(rows cols min(rows, cols))).
/// @throws ShapeError for fewer than 2 dimensions
template <class T>
void orthogonal_(Tensor<T>& t, double gain = 1.0, Generator& gen = default_generator());

/// PyTorch's default for Linear and Conv weights: kaiming_uniform_ with a = sqrt(5), which is
/// U(-1/sqrt(fan_in), 1/sqrt(fan_in)); and for their bias: U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
template <class T>
void default_weight_(Tensor<T>& w, Generator& gen = default_generator());
template <class T>
void default_bias_(Tensor<T>& b, double fan_in, Generator& gen = default_generator());

}  // namespace tg::nn::init
