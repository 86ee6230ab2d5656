#pragma once
// The functional API: grad, value_and_grad, vjp (of one or several inputs). Each call records on a tape of its own, so it
// never disturbs (or releases) the caller's tape; Vars of the caller's graph that f captures are
// constants inside (NOTE [nesting] in tape.hpp). Results come from tg::gradients, never from
// .grad: a parameter that f captures gets no gradient accumulated behind the caller's back.
#include <concepts>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "../autodiff/gradients.hpp"
#include "../autodiff/tape.hpp"

namespace tg {

namespace detail {
template <class T>
[[noreturn]] void not_scalar(const char* api, const Shape& s) {
    throw AutogradError(std::string(api) + ": f must return a one-element Var, got shape " + s.str() +
                        " (use vjp for non-scalar functions)");
}
}  // namespace detail

/// Value and gradients of a scalar function of several tensors.
/// f: (const std::vector<Var<T>>&) -> Var<T> with one element.
/// @throws AutogradError if f's result is not a single element.
template <class T, class F>
    requires std::invocable<F&, const std::vector<Var<T>>&>
std::pair<T, std::vector<Tensor<T>>> value_and_grad(F&& f, const std::vector<Tensor<T>>& xs) {
    TapeScope<T> scope;
    EnableGrad on;
    std::vector<Var<T>> leaves;
    for (const auto& x : xs) leaves.emplace_back(x, true);
    const Var<T> y = f(static_cast<const std::vector<Var<T>>&>(leaves));
    if (!y.defined()) throw AutogradError("value_and_grad: f returned an undefined Var");
    if (y.numel() != 1) detail::not_scalar<T>("value_and_grad", y.shape());
    std::vector<Tensor<T>> g;
    if (y.requires_grad()) {
        // keep_graph: y may belong to the caller's graph (f returned one of its Vars); this scope's
        // own tape goes with the scope anyway.
        for (const auto& v : gradients(y, leaves, ones<T>(y.shape()), {.keep_graph = true}))
            g.push_back(v.value());
    } else {
        for (const auto& l : leaves) g.emplace_back(l.shape());
    }
    return {y.item(), std::move(g)};
}

/// Value and gradient of a scalar function of one tensor. f: (const Var<T>&) -> Var<T>.
template <class T, class F>
    requires std::invocable<F&, const Var<T>&>
std::pair<T, Tensor<T>> value_and_grad(F&& f, const Tensor<T>& x) {
    auto [v, g] = value_and_grad<T>([&](const std::vector<Var<T>>& v) { return f(v[0]); },
                                    std::vector<Tensor<T>>{x});
    return {v, std::move(g[0])};
}

/// Gradient of a scalar function of one tensor: tg::grad(f, x).
template <class T, class F>
    requires std::invocable<F&, const Var<T>&>
Tensor<T> grad(F&& f, const Tensor<T>& x) {
    return value_and_grad<T>(std::forward<F>(f), x).second;
}

/// Gradients of a scalar function of several tensors.
template <class T, class F>
    requires std::invocable<F&, const std::vector<Var<T>>&>
std::vector<Tensor<T>> grad(F&& f, const std::vector<Tensor<T>>& xs) {
    return value_and_grad<T>(std::forward<F>(f), xs).second;
}

/// y = f(x) and its pullback: pull(ybar) = J^T ybar, callable any number of times.
/// @throws ShapeError from pull if ybar's shape differs from y's.
template <class T, class F>
std::pair<Tensor<T>, std::function<Tensor<T>(const Tensor<T>&)>> vjp(F&& f, const Tensor<T>& x) {
    auto tape = std::make_shared<detail::Tape<T>>();
    detail::push_tape<T>(tape.get());
    // The leaf and the returned value are copies: the caller may write x or y afterwards without
    // invalidating the pullback's saved tensors (NOTE [versions]).
    Var<T> leaf(x.clone(), true), y;
    try {
        EnableGrad on;
        y = f(static_cast<const Var<T>&>(leaf));
    } catch (...) {
        detail::pop_tape<T>(tape.get());
        throw;
    }
    detail::pop_tape<T>(tape.get());
    if (!y.defined()) throw AutogradError("vjp: f returned an undefined Var");
    auto pull = [tape, leaf, y](const Tensor<T>& ybar) {
        if (!ybar.defined()) throw AutogradError("vjp: undefined cotangent");
        if (!(ybar.shape() == y.shape()))
            throw ShapeError("vjp: cotangent has shape " + ybar.shape().str() + " but the output has shape " +
                             y.shape().str());
        if (!y.requires_grad()) return Tensor<T>(leaf.shape());
        detail::push_tape<T>(tape.get());
        Var<T> g;
        try {
            g = gradients(y, {leaf}, ybar, {.keep_graph = true})[0];
        } catch (...) {
            detail::pop_tape<T>(tape.get());
            throw;
        }
        detail::pop_tape<T>(tape.get());
        return g.value();
    };
    return {y.value().clone(), std::function<Tensor<T>(const Tensor<T>&)>(pull)};
}

/// y = f(x...) and its pullback for a function of several tensors, as jvp takes several:
/// pull(ybar) = {J_0^T ybar, J_1^T ybar, ...}, one cotangent per input (zeros for an input y does
/// not depend on), callable any number of times. f: (const std::vector<Var<T>>&) -> Var<T>.
/// @throws ShapeError from pull if ybar's shape differs from y's.
template <class T, class F>
    requires std::invocable<F&, const std::vector<Var<T>>&>
std::pair<Tensor<T>, std::function<std::vector<Tensor<T>>(const Tensor<T>&)>> vjp(F&& f,
                                                                                 const std::vector<Tensor<T>>& xs) {
    auto tape = std::make_shared<detail::Tape<T>>();
    detail::push_tape<T>(tape.get());
    // Copies, as in the one-input vjp: the caller may write xs or y afterwards.
    std::vector<Var<T>> leaves;
    Var<T> y;
    try {
        EnableGrad on;
        for (const auto& x : xs) leaves.emplace_back(x.clone(), true);
        y = f(static_cast<const std::vector<Var<T>>&>(leaves));
    } catch (...) {
        detail::pop_tape<T>(tape.get());
        throw;
    }
    detail::pop_tape<T>(tape.get());
    if (!y.defined()) throw AutogradError("vjp: f returned an undefined Var");
    auto pull = [tape, leaves, y](const Tensor<T>& ybar) {
        if (!ybar.defined()) throw AutogradError("vjp: undefined cotangent");
        if (!(ybar.shape() == y.shape()))
            throw ShapeError("vjp: cotangent has shape " + ybar.shape().str() + " but the output has shape " +
                             y.shape().str());
        std::vector<Tensor<T>> out;
        if (!y.requires_grad()) {
            for (const auto& l : leaves) out.emplace_back(l.shape());
            return out;
        }
        detail::push_tape<T>(tape.get());
        std::vector<Var<T>> g;
        try {
            g = gradients(y, leaves, ybar, {.keep_graph = true});
        } catch (...) {
            detail::pop_tape<T>(tape.get());
            throw;
        }
        detail::pop_tape<T>(tape.get());
        for (const auto& v : g) out.push_back(v.value());
        return out;
    };
    return {y.value().clone(), std::function<std::vector<Tensor<T>>(const Tensor<T>&)>(pull)};
}

}  // namespace tg

#include "../autodiff/forward.hpp"

namespace tg {

/// Forward mode: y = f(x...) and its directional derivative dy = J dx, in one pass with the
/// tangents travelling beside the values. f: (const std::vector<Var<T>>&) -> Var<T>.
/// @throws ShapeError if the tangents do not match the primals in number or shape.
template <class T, class F>
    requires std::invocable<F&, const std::vector<Var<T>>&>
std::pair<Tensor<T>, Tensor<T>> jvp(F&& f, const std::vector<Tensor<T>>& primals,
                                        const std::vector<Tensor<T>>& tangents) {
    if (primals.size() != tangents.size())
        throw ShapeError("jvp: " + std::to_string(primals.size()) + " primals but " +
                         std::to_string(tangents.size()) + " tangents");
    for (std::size_t i = 0; i < primals.size(); ++i)
        if (!(primals[i].shape() == tangents[i].shape()))
            throw ShapeError("jvp: tangent " + std::to_string(i) + " has shape " + tangents[i].shape().str() +
                             " but its primal has shape " + primals[i].shape().str());
    ForwardScope forward;
    std::vector<Var<T>> xs;
    for (std::size_t i = 0; i < primals.size(); ++i) {
        xs.emplace_back(primals[i]);
        set_tangent(xs.back(), Var<T>(tangents[i]));
    }
    const Var<T> y = f(static_cast<const std::vector<Var<T>>&>(xs));
    const Var<T> dy = tangent_of(y);
    return {y.value(), dy.defined() ? dy.value().contiguous() : Tensor<T>(y.shape())};
}

/// Forward mode for a function of one tensor. f: (const Var<T>&) -> Var<T>.
template <class T, class F>
    requires std::invocable<F&, const Var<T>&>
std::pair<Tensor<T>, Tensor<T>> jvp(F&& f, const Tensor<T>& x, const Tensor<T>& dx) {
    return jvp<T>([&](const std::vector<Var<T>>& v) { return f(v[0]); }, std::vector<Tensor<T>>{x},
                  std::vector<Tensor<T>>{dx});
}

}  // namespace tg
