// The registry entries of the shape index family (ops/registry.hpp): its op headers alone.
#include "index_ops.hpp"
#include "reduce_more.hpp"
#include "registry_impl.hpp"

template std::vector<tg::OpInfo> tg::detail_registry::family_entries<tg::ops::ShapeIndexOps>();
