#include "var.hpp"

#include "tape.hpp"

namespace tg {

template <class T>
Var<T>::Var(Tensor<T> value, bool requires_grad) : n_(std::make_shared<detail::VarNode<T>>()) {
    if (!value.defined()) throw AutogradError("Var: cannot wrap an undefined tensor");
    n_->value = std::move(value);
    n_->requires_grad = requires_grad;
}

template <class T>
Var<T>::Var(T scalar) : Var(Tensor<T>::scalar(scalar)) {}

template <class T>
const Tensor<T>& Var<T>::value() const {
    if (!n_) throw AutogradError("Var: use of an undefined Var");
    return n_->value;
}

template <class T>
Var<T>& Var<T>::requires_grad_(bool on) {
    if (!n_) throw AutogradError("requires_grad_: undefined Var");
    if (!n_->is_leaf)
        throw AutogradError("requires_grad_: only a leaf can be made a parameter; this Var is the output of an op "
                            "(use detach() first)");
    n_->requires_grad = on;
    return *this;
}

template <class T>
Var<T>& Var<T>::retain_grad() {
    if (n_ && !n_->is_leaf) n_->retain_grad = true;
    return *this;
}

template <class T>
Var<T> Var<T>::grad_var() const {
    if (!n_) throw AutogradError("grad: undefined Var");
    if (!n_->requires_grad)
        throw AutogradError("grad: this Var of shape " + n_->value.shape().str() +
                            " does not require grad (create it with requires_grad = true)");
    if (!n_->is_leaf && !n_->retain_grad)
        throw AutogradError("grad: this Var is not a leaf; call retain_grad() on it before backward");
    if (!n_->grad) return Var<T>(Tensor<T>(n_->value.shape()));
    return Var<T>(n_->grad);
}

template <class T>
Tensor<T> Var<T>::grad() const {
    return grad_var().value();
}

template <class T>
void Var<T>::zero_grad() {
    if (n_) n_->grad.reset();
}

template <class T>
void Var<T>::backward(const BackwardOptions& opts) const {
    if (!n_) throw AutogradError("backward: undefined Var");
    if (n_->value.numel() != 1)
        throw AutogradError("backward: output has shape " + n_->value.shape().str() +
                            "; a non-scalar output needs an explicit seed: backward(seed)");
    backward(ones<T>(n_->value.shape()), opts);
}

template <class T>
Var<T> Var<T>::detach() const {
    return Var<T>(value());
}

template class Var<float>;
template class Var<double>;

}  // namespace tg
