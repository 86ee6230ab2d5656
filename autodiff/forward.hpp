#pragma once
// Forward mode over tensors. While a ForwardScope is open on a thread, every op applied to an
// input that carries a tangent also runs its JVP rule and attaches the output's tangent: the
// tangent travels beside the value, through the SAME jvp rules the registry checks.
//
// NOTE [forward rules run paused]: a JVP rule is evaluated with propagation paused, so the ops
// inside the rule compute plain values instead of tangents of tangents. Propagation is ON inside a
// backward sweep, which is what makes forward-over-reverse Hessian-vector products work: the VJP
// rules' ops carry the tangent of the gradient.
#include "var.hpp"

namespace tg {

namespace detail {
int& forward_depth();
}

/// True while tangents propagate on this thread.
inline bool forward_active() { return detail::forward_depth() > 0; }

/// True when ops record nothing and carry no tangent (a plain backward sweep): VJP rules may then
/// compute with fused Tensor kernels instead of differentiable Var ops.
inline bool plain_mode() { return !grad_enabled() && !forward_active(); }

/// RAII: tangents propagate through ops on this thread while it lives.
class ForwardScope {
public:
    ForwardScope() { ++detail::forward_depth(); }
    ~ForwardScope() { --detail::forward_depth(); }
    ForwardScope(const ForwardScope&) = delete;
    ForwardScope& operator=(const ForwardScope&) = delete;
};

/// RAII: propagation paused (used while a JVP rule runs).
class ForwardPause {
public:
    ForwardPause() : prev_(detail::forward_depth()) { detail::forward_depth() = 0; }
    ~ForwardPause() { detail::forward_depth() = prev_; }
    ForwardPause(const ForwardPause&) = delete;
    ForwardPause& operator=(const ForwardPause&) = delete;

private:
    int prev_;
};

/// The tangent attached to x (undefined when it has none, meaning zero).
template <class T>
Var<T> tangent_of(const Var<T>& x) {
    return x.defined() && x.node()->tangent ? Var<T>(x.node()->tangent) : Var<T>();
}

/// Attaches a tangent to x (shape must match: checked by the callers that take user input).
/// @throws AutogradError on an undefined x; ShapeError if t's shape differs from x's.
template <class T>
void set_tangent(const Var<T>& x, const Var<T>& t) {
    if (!x.defined()) throw AutogradError("set_tangent: undefined Var");
    if (t.defined() && !(t.shape() == x.shape()))
        throw ShapeError("set_tangent: tangent of shape " + t.shape().str() + " for a Var of shape " +
                         x.shape().str());
    x.node()->tangent = t.defined() ? t.node() : nullptr;
}

}  // namespace tg
