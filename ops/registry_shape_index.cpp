// The registry entries of the shape index family (ops/registry.hpp): its op headers alone.
#include "shape_index_ops.hpp"
#include "registry_impl.hpp"

template std::vector<tg::OpInfo> tg::detail_registry::family_entries<tg::ops::ShapeIndexOps>();
