#pragma once
// What an op declaration is made of: the arguments its VJP and JVP rules receive, its sample
// inputs, and apply<Op>, the one door through which public functions reach a registered op.
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "../autodiff/forward.hpp"
#include "../autodiff/tape.hpp"
#include "functions.hpp"
#include "op_list.hpp"

namespace tg {

/// Where sample values are drawn from, so every op is checked where it is differentiable.
enum class Domain {
    any,          ///< uniform in (-2, 2)
    positive,     ///< uniform in (0.5, 2)
    nonzero,      ///< |x| in (0.2, 2), either sign: away from kinks at 0
    open_unit,    ///< uniform in (-0.9, 0.9)
    distinct,     ///< well separated values (no ties for max)
    kink,         ///< both sides of a kink at 0, near it and far: +-1e-3, +-0.1, +-1.2 (never 0 itself)
    // shape_index family
    some_zeros,   ///< |x| in (0.5, 2), either sign, but exactly 0 at elements i % 7 == 2 or 5 (prod, cumprod)
    // elementwise family
    wide,           ///< uniform in (-8, 8): both sides of saturations and thresholds (hardtanh, +-3)
    wide_positive,  ///< uniform in (0.1, 12): the gamma family away from its poles
    // solvers: every trailing n x n matrix of the input (the last two axes must be equal)
    well_conditioned,  ///< I + 0.3 U / sqrt(n), U uniform in (-1, 1): nonsymmetric, condition number < 4
    spd,               ///< B B^T / n + 0.5 I, B uniform in (-1, 1): symmetric positive definite
};

struct SampleInput {
    Shape shape;
    Domain domain = Domain::any;
    bool transposed = false;  ///< pass a transposed (non-contiguous) view of the last two axes
};

struct Sample {
    std::vector<SampleInput> inputs;
    Attrs attrs{};
    std::string label;  ///< what the sample exercises
    /// The derivative the op declares at its kink x = 0 (relu, abs: 0). When set, check_op also
    /// evaluates the op with some elements exactly at 0 and pins that value in the fused plain
    /// VJP, the recorded VJP and the JVP: finite differences cannot judge a kink.
    std::optional<double> kink_derivative;
};
using Samples = std::vector<Sample>;

namespace detail {

// The one place where cotangents are reduced back to their input's shape (unbroadcast): rules
// return cotangents of the broadcast shape and never sum them down themselves.
template <class T>
void unbroadcast(const VjpArgs<T>& a, Cotangents<T>& c) {
    for (int i = 0; i < detail::max_inputs; ++i)
        if (a.need(i) && c[i].defined() && !(c[i].shape() == a.x[i].shape()))
            c[i] = sum_to(c[i], a.x[i].shape());
}

template <class Op, class T>
void vjp_thunk(const VjpArgs<T>& a, Cotangents<T>& c) {
    Op::vjp(a, c);
    unbroadcast(a, c);
}

// Forward mode: the output's tangent from the op's JVP rule, broadcast to the output's shape
// (the one place where that happens, mirroring unbroadcast). See NOTE [forward rules run paused].
template <class Op, class T, class... V>
void attach_tangent(const Var<T>& out, const Attrs& attrs, const V&... x) {
    ForwardPause pause;
    NoGrad plain;  // tangent arithmetic is not recorded: nothing differentiates it in reverse yet
    const JvpArgs<T> args{{x...}, out, {tangent_of(x)...}, attrs};
    Var<T> dy = Op::jvp(args);
    if (dy.defined() && !(dy.shape() == out.shape())) dy = broadcast_to(dy, out.shape());
    set_tangent(out, dy);
}

// An op may declare `add_cotangent_into(attrs, gy, into)`, a plain-sweep shortcut that adds its
// output's cotangent into input 0's adjoint in place (Node::add_into). It stands for the op's own
// VJP, so a replaced VJP (the registry's deliberate mutants) turns it off.
template <class Op, class T>
AddIntoFn<T> add_into_hook(VjpFn<T> vjp) {
    if constexpr (requires(const Attrs& a, const Tensor<T>& g, Tensor<T>& into) {
                      Op::template add_cotangent_into<T>(a, g, into);
                  }) {
        if (vjp == &vjp_thunk<Op, T>) return &Op::template add_cotangent_into<T>;
    }
    return nullptr;
}

// What the op's VJP reads: `static constexpr unsigned saves` if the op declares it, else all.
template <class Op>
constexpr unsigned saved_mask() {
    if constexpr (requires { Op::saves; }) return Op::saves;
    else return saves_all;
}

template <class Op, class T, class... V>
Var<T> apply_unchecked(VjpFn<T> vjp, const Attrs& attrs, const V&... x) {
    Tensor<T> y = Op::forward(attrs, x.value()...);
    Var<T> out;
    if (!grad_enabled() || !(x.requires_grad() || ...)) {
        out = Var<T>(std::move(y));
    } else {
        const Var<T>* in[] = {&x...};
        out = record<T>(vjp, Op::name, attrs, std::move(y), in, static_cast<int>(sizeof...(V)), nullptr,
                        add_into_hook<Op, T>(vjp), saved_mask<Op>());
    }
    if (forward_active() && (static_cast<bool>(x.node()->tangent) || ...))
        attach_tangent<Op, T>(out, attrs, x...);
    return out;
}

}  // namespace detail

/// Runs a registered op on Vars: forward now, VJP recorded on the tape when needed.
template <class Op, class T, class... V>
Var<T> apply(const Attrs& attrs, const V&... x) {
    static_assert(is_registered_v<Op>, "add the op to the registry (ops/op_list.hpp or solvers/solver_list.hpp)");
    static_assert(sizeof...(V) == Op::arity, "wrong number of inputs for this op");
    return detail::apply_unchecked<Op, T>(&detail::vjp_thunk<Op, T>, attrs, x...);
}

}  // namespace tg
