// The elementwise ops' xtensor expressions for double (ops/fused_kernels_impl.hpp).
#include "fused_kernels_impl.hpp"

namespace tg::ops {
template Tensor<double> unary_forward<double>(std::size_t, const Tensor<double>&, const Attrs&);
template Tensor<double> unary_fused_vjp<double>(std::size_t, const Tensor<double>&, const Tensor<double>&,
                                                const Tensor<double>&, const Attrs&);
}  // namespace tg::ops
