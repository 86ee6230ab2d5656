// The elementwise ops' xtensor expressions for float (ops/fused_kernels_impl.hpp).
#include "fused_kernels_impl.hpp"

namespace tg::ops {
template Tensor<float> unary_forward<float>(std::size_t, const Tensor<float>&, const Attrs&);
template Tensor<float> unary_fused_vjp<float>(std::size_t, const Tensor<float>&, const Tensor<float>&,
                                              const Tensor<float>&, const Attrs&);
}  // namespace tg::ops
