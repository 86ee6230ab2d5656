#include "custom_function.hpp"

#include "../autodiff/forward.hpp"
#include "op.hpp"

namespace tg {

namespace {

template <class T>
[[noreturn]] void bad_rule(const CustomRules<T>& r, const std::string& what) {
    throw ShapeError("custom function '" + r.name + "': " + what);
}

template <class T>
std::vector<Var<T>> as_vector(const std::array<Var<T>, detail::max_inputs>& a, int n) {
    return std::vector<Var<T>>(a.begin(), a.begin() + n);
}

// The recorded VJP: the user's rule, checked, then unbroadcast like any op's.
template <class T>
void custom_vjp(const VjpArgs<T>& a, Cotangents<T>& c) {
    const auto& r = *static_cast<const CustomRules<T>*>(a.state);
    int n = 0;
    while (n < detail::max_inputs && a.x[n].defined()) ++n;
    const std::vector<Var<T>> cot = r.vjp(as_vector(a.x, n), a.y, a.gy);
    if (static_cast<int>(cot.size()) != n)
        bad_rule(r, "vjp returned " + std::to_string(cot.size()) + " cotangents for " + std::to_string(n) + " inputs");
    for (int i = 0; i < n; ++i) {
        if (!a.need(i) || !cot[i].defined()) continue;
        bool reducible = true;  // cot must be x's shape, or one that sums down to it
        try {
            reducible = broadcast_shapes(cot[i].shape(), a.x[i].shape(), "") == cot[i].shape();
        } catch (const ShapeError&) {
            reducible = false;
        }
        if (!reducible)
            bad_rule(r, "vjp returned shape " + cot[i].shape().str() + " for input " + std::to_string(i) +
                            " of shape " + a.x[i].shape().str());
        c[i] = cot[i];
    }
    detail::unbroadcast(a, c);
}

}  // namespace

template <class T>
CustomFunction<T>::CustomFunction(CustomRules<T> rules)
    : rules_(std::make_shared<const CustomRules<T>>(std::move(rules))) {
    if (!rules_->forward || !rules_->vjp)
        throw AutogradError("custom function '" + rules_->name + "': needs a forward and a vjp rule");
}

template <class T>
Var<T> CustomFunction<T>::operator()(const std::vector<Var<T>>& x) const {
    const CustomRules<T>& r = *rules_;
    if (x.empty() || static_cast<int>(x.size()) > detail::max_inputs)
        bad_rule(r, "takes 1 to " + std::to_string(detail::max_inputs) + " inputs, got " + std::to_string(x.size()));
    std::vector<Tensor<T>> values;
    bool any_grad = false, any_tangent = false;
    for (const auto& v : x) {
        values.push_back(v.value());
        any_grad |= v.requires_grad();
        any_tangent |= static_cast<bool>(v.node()->tangent);
    }
    Tensor<T> y = r.forward(values);
    if (!y.defined()) bad_rule(r, "forward returned an undefined tensor");
    Var<T> out;
    if (grad_enabled() && any_grad) {
        std::array<const Var<T>*, detail::max_inputs> in{};
        for (std::size_t i = 0; i < x.size(); ++i) in[i] = &x[i];
        out = detail::record<T>(&custom_vjp<T>, r.name.c_str(), Attrs{}, std::move(y), in.data(),
                                static_cast<int>(x.size()), rules_);
    } else {
        out = Var<T>(std::move(y));
    }
    if (forward_active() && any_tangent) {
        if (!r.jvp)
            throw AutogradError("custom function '" + r.name +
                                "' has no jvp rule; forward mode (jvp, hvp, jacfwd) needs one");
        ForwardPause pause;
        NoGrad plain;
        std::vector<Var<T>> dx;
        for (const auto& v : x) dx.push_back(tangent_of(v));
        Var<T> dy = r.jvp(x, out, dx);
        if (dy.defined() && !(dy.shape() == out.shape())) dy = broadcast_to(dy, out.shape());
        set_tangent(out, dy);
    }
    return out;
}

template class CustomFunction<float>;
template class CustomFunction<double>;

}  // namespace tg
