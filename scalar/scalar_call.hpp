#pragma once
// How the scalar drivers (tg::gradient on tg::Rev, the forward-mode drivers on tg::Dual) call a
// user's generic function: with a const std::vector<S>& or, failing that, a std::span<const S>.
#include <span>
#include <type_traits>
#include <vector>

namespace tg::detail {

template <class>
inline constexpr bool always_false = false;

template <class F, class S>
decltype(auto) call_on(F& f, const std::vector<S>& xs) {
    if constexpr (std::is_invocable_v<F&, const std::vector<S>&>) return f(xs);
    else if constexpr (std::is_invocable_v<F&, std::span<const S>>) return f(std::span<const S>(xs));
    else
        static_assert(always_false<F>,
                      "tg: f must be callable with a const std::vector<S>& or a std::span<const S>, S being "
                      "the tg::Rev or tg::Dual the driver passes (write f as a template or generic lambda)");
}

}  // namespace tg::detail
