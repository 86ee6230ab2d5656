#pragma once
// User-defined differentiable functions, without touching the library: the same parts as a
// registered op (forward, VJP, optional JVP), given as callables.
//
//   auto softplus = tg::custom_function<double>(
//       "softplus",
//       [](const std::vector<tg::Tensor<double>>& x) { return stable_log1p_exp(x[0]); },
//       [](const std::vector<tg::Var<double>>& x, const tg::Var<double>& y, const tg::Var<double>& gy) {
//           return std::vector<tg::Var<double>>{gy * tg::sigmoid(x[0])};
//       });
//   tg::Var<double> y = softplus({x});
//
// The VJP may return cotangents of the output's (broadcast) shape; they are summed back to each
// input's shape, as for registered ops. Written with Var ops, a VJP is differentiable again
// (second order); a JVP, if given, enables forward mode (jvp, hvp). tg::gradcheck checks a custom
// function like any other.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "../autodiff/var.hpp"

namespace tg {

template <class T>
struct CustomRules {
    std::string name;
    std::function<Tensor<T>(const std::vector<Tensor<T>>&)> forward;
    /// Cotangent of every input (an undefined Var means zero).
    std::function<std::vector<Var<T>>(const std::vector<Var<T>>& x, const Var<T>& y, const Var<T>& gy)> vjp;
    /// Optional: the output's tangent from the inputs' tangents (undefined Vars are zero).
    using JvpFn = std::function<Var<T>(const std::vector<Var<T>>& x, const Var<T>& y, const std::vector<Var<T>>& dx)>;
    JvpFn jvp;
};

/// A callable differentiable function made from user rules.
template <class T>
class CustomFunction {
public:
    explicit CustomFunction(CustomRules<T> rules);
    /// Applies the function. @throws ShapeError on a wrong number of inputs (at most 4),
    /// AutogradError in forward mode when no JVP was given.
    Var<T> operator()(const std::vector<Var<T>>& x) const;
    const std::string& name() const { return rules_->name; }

private:
    std::shared_ptr<const CustomRules<T>> rules_;
};

/// Makes a CustomFunction: name, forward, vjp and (optionally) jvp.
template <class T, class Fwd, class Vjp>
CustomFunction<T> custom_function(std::string name, Fwd forward, Vjp vjp, typename CustomRules<T>::JvpFn jvp = {}) {
    return CustomFunction<T>(CustomRules<T>{std::move(name), std::move(forward), std::move(vjp), std::move(jvp)});
}

extern template class CustomFunction<float>;
extern template class CustomFunction<double>;

}  // namespace tg
