// The registry entries of the core family (ops/registry.hpp): its op headers alone.
#include "core_ops.hpp"
#include "registry_impl.hpp"

template std::vector<tg::OpInfo> tg::detail_registry::family_entries<tg::ops::CoreOps>();
