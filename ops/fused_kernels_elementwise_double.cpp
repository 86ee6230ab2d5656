// The elementwise family's fused kernels (xtensor expressions) for double: ops/fused_kernels_impl.hpp.
#include "elementwise_ops.hpp"
// (the family's op headers first: the kernel tables need every op of the list complete)
#include "fused_kernels_impl.hpp"

TG_FUSED_KERNELS(double, ElementwiseOps)
