#pragma once
// tg::Var<T>: a handle to a value on the tape. Copies share the same node (value, grad, place on
// the tape). A leaf is created by the user; every other Var is the output of a recorded op.
#include <atomic>
#include <cstdint>
#include <memory>

#include "../tensor/tensor.hpp"

namespace tg {

template <class T>
class Var;

namespace detail {
template <class T>
struct VarNode {
    Tensor<T> value;
    std::shared_ptr<VarNode> grad;     // accumulated gradient (a Var's node, so it may carry a graph)
    std::shared_ptr<VarNode> tangent;  // forward mode: the tangent travelling beside the value
    // A non-leaf is the output of exactly one record: its tape's generation and its slot there,
    // written once before the node is shared. A leaf may be recorded by many tapes (and threads);
    // each tape keeps the leaf's slot in its own record (NOTE [tape identity] in tape.hpp), and
    // `hint` only caches the last one, verified before use.
    std::uint64_t gen = 0;
    std::uint32_t slot = 0;
    std::atomic<std::uint64_t> hint{0};
    bool requires_grad = false;
    bool is_leaf = true;
    bool retain_grad = false;
};
}  // namespace detail

struct BackwardOptions {
    /// Keep the tape after the sweep so backward can run again (otherwise it is released).
    bool keep_graph = false;
    /// Record the backward pass itself, so gradients can be differentiated again.
    bool create_graph = false;
};

template <class T>
class Var {
public:
    using value_type = T;

    /// An undefined Var.
    Var() = default;
    /// A leaf holding `value` (shared, not copied).
    Var(Tensor<T> value, bool requires_grad = false);
    /// A 0-d constant leaf.
    Var(T scalar);
    explicit Var(std::shared_ptr<detail::VarNode<T>> node) : n_(std::move(node)) {}

    bool defined() const { return static_cast<bool>(n_); }
    const Tensor<T>& value() const;
    const Shape& shape() const { return value().shape(); }
    int dim() const { return value().dim(); }
    index_t numel() const { return value().numel(); }
    /// The value of a one-element Var.
    T item() const { return value().item(); }

    bool requires_grad() const { return n_ && n_->requires_grad; }
    /// Marks a leaf as a parameter. @throws AutogradError on a non-leaf.
    Var& requires_grad_(bool on = true);
    bool is_leaf() const { return !n_ || n_->is_leaf; }
    /// Keep this non-leaf's gradient during backward (readable through grad()).
    Var& retain_grad();

    /// Accumulated gradient. Zeros if backward has not reached this Var yet.
    /// @throws AutogradError if it does not require grad, or is a non-leaf without retain_grad().
    Tensor<T> grad() const;
    /// The gradient as a Var (it carries a graph after backward with create_graph).
    Var grad_var() const;
    bool has_grad() const { return n_ && n_->grad; }
    void zero_grad();

    /// Reverse sweep from a one-element Var (seed 1). @throws AutogradError if not one element.
    void backward(const BackwardOptions& opts = {}) const;
    /// Reverse sweep with an explicit seed of this Var's shape.
    void backward(const Tensor<T>& seed, const BackwardOptions& opts = {}) const;

    /// The same value as a constant: not recorded, no gradient flows through it.
    Var detach() const;

    const std::shared_ptr<detail::VarNode<T>>& node() const { return n_; }

private:
    std::shared_ptr<detail::VarNode<T>> n_;
};

extern template class Var<float>;
extern template class Var<double>;

/// Is recording on for this thread (false inside a NoGrad scope)?
bool grad_enabled();

/// RAII: nothing is recorded on this thread while it lives (evaluation, optimizer steps).
class NoGrad {
public:
    NoGrad();
    ~NoGrad();
    NoGrad(const NoGrad&) = delete;
    NoGrad& operator=(const NoGrad&) = delete;

private:
    bool prev_;
};

/// RAII: recording on again inside a NoGrad scope.
class EnableGrad {
public:
    EnableGrad();
    ~EnableGrad();
    EnableGrad(const EnableGrad&) = delete;
    EnableGrad& operator=(const EnableGrad&) = delete;

private:
    bool prev_;
};

}  // namespace tg
