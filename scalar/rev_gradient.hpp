#pragma once
// tg::gradient for generic scalar code on tg::Rev (the type and its tape are in rev.hpp): one
// recording of f on this thread's tape, in a segment of its own, and one reverse sweep.
#include <algorithm>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "rev.hpp"
#include "scalar_call.hpp"

namespace tg {
/// f(x) and its gradient, as returned by tg::gradient: `auto [y, g] = tg::gradient(f, x);`
template <class T>
struct RevGradient {
    T value;
    std::vector<T> gradient;
};

namespace detail {
// NOTE [rev segments]: tg::gradient records on top of whatever the thread's tape holds, in a
// segment with a fresh epoch, sweeps only that segment, and on exit (normal or by exception) drops
// exactly what it recorded and restores the enclosing state. On an empty tape that is "clear before
// and after"; a gradient call inside f (nested) leaves the enclosing records intact. Revs of
// the enclosing segment used inside a nested call are foreign (NOTE [rev epochs]): an error, as
// the nested result is returned as plain numbers and could not carry their derivative.
template <class T>
RevTapeState<T> rev_open();  // rev.cpp: starts a segment, returns the state to restore
template <class T>
void rev_close(const RevTapeState<T>& saved) noexcept;
template <class T>
struct RevSegment {
    RevTapeState<T> saved = rev_open<T>();
    RevSegment() = default;
    RevSegment(const RevSegment&) = delete;
    RevSegment& operator=(const RevSegment&) = delete;
    ~RevSegment() { rev_close<T>(saved); }
};

}  // namespace detail

/// Value and gradient of a scalar function f: vector<S> -> S at x, by one recording and one reverse
/// sweep on this thread's tape (S = Rev<T>). Thread-safe (one tape per thread); f may itself call
/// tg::gradient on plain numbers. @throws AutogradError if f uses a Rev recorded outside this call
/// or returns one; anything f throws passes through, and the tape is left as it was.
template <class F, std::floating_point T>
RevGradient<T> gradient(F&& f, std::span<const T> x) {
    using S = Rev<T>;
    detail::RevSegment<T> segment;
    auto& t = detail::rev_tape<T>();
    std::vector<S>& xs = detail::rev_leaves<T>(t.depth);
    xs.resize(x.size());
    detail::RevCore<T>::variables(x.data(), x.size(), xs.data());
    const auto y = detail::call_on(f, static_cast<const std::vector<S>&>(xs));
    using R = std::remove_cvref_t<decltype(y)>;
    static_assert(std::is_same_v<R, S> || std::is_arithmetic_v<R>,
                  "tg::gradient: f must return one scalar of the type it is given (a tg::Rev<T>)");
    RevGradient<T> out{T(0), {}};
    const std::uint32_t first = t.base;  // the variables are the segment's first records
    if constexpr (std::is_same_v<R, S>) {
        out.value = y.value();
        if (!y.is_constant()) {
            // the variables [first, first + n) have nothing to propagate: the sweep stops above them
            detail::RevCore<T>::check_output(y, "tg::gradient");
            detail::rev_sweep(t, y.index(), first + std::uint32_t(x.size()) - 1);
            // a variable recorded after y (f returned an earlier one) did not reach y: gradient 0
            const std::size_t reached = std::min<std::size_t>(x.size(), t.swept_hi - first);
            out.gradient.assign(t.adj + first, t.adj + first + reached);
        }
    } else {
        out.value = static_cast<T>(y);
    }
    out.gradient.resize(x.size(), T(0));
    return out;
}

template <class F, std::floating_point T>
RevGradient<T> gradient(F&& f, const std::vector<T>& x) {
    return gradient(std::forward<F>(f), std::span<const T>(x));
}

}  // namespace tg
