#pragma once
// xtensor 0.24.3 maps an xarray shape (svector<size_t, 4>) to xarray<T> only when
// __cplusplus == 201703L (upstream xtensor#1970). Under C++20 every temporary computed from an
// xarray expression becomes xtensor<T, 4>: wrong rank, bad_alloc, segfaults in eval/sum/pad.
// One full specialization restores the C++17 behaviour. It must precede any xtensor use, so the
// build force-includes this file into every TU of the library (cmake/TensorgradDeps.cmake).
// A partial specialization svector<X, N, A, B> would be ambiguous with S<X, N>: keep it full.
#if defined(__cplusplus) && __cplusplus > 201703L
#include <xtensor/xstorage.hpp>
#include <xtensor/xexpression_traits.hpp>

namespace xt::detail
{
    template <>
    struct xtype_for_shape<xt::svector<std::size_t, 4, std::allocator<std::size_t>, true>>
    {
        template <class T, layout_type L>
        using type = xarray<T, L>;
    };
}
#endif
