// The registry entries of the core family (ops/registry.hpp): its op headers alone.
#include "elementwise_binary.hpp"
#include "elementwise_unary.hpp"
#include "matmul.hpp"
#include "reduce.hpp"
#include "registry_impl.hpp"
#include "shape_ops.hpp"

template std::vector<tg::OpInfo> tg::detail_registry::family_entries<tg::ops::CoreOps>();
