// The core family's fused kernels (xtensor expressions) for float: ops/fused_kernels_impl.hpp.
#include "core_ops.hpp"
// (the family's op headers first: the kernel tables need every op of the list complete)
#include "fused_kernels_impl.hpp"

TG_FUSED_KERNELS(float, CoreOps)
