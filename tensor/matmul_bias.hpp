#pragma once
// A dense layer's forward product with its bias, for nn::Linear (kept out of math.hpp, which
// every translation unit includes).
#include "tensor.hpp"

namespace tg {

/// x @ w^T + b for x (m, k), w (n, k), b (n). The bias is copied into the output's rows and gemm
/// adds the product onto it (beta = 1): one pass and one allocation fewer than matmul then +.
/// @throws ShapeError "linear: x [32,64], w [128,65], b [128] (expected x (m, k), w (n, k), b (n))"
template <class T>
Tensor<T> matmul_bias(const Tensor<T>& x, const Tensor<T>& w, const Tensor<T>& b);

}  // namespace tg
