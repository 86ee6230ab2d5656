#pragma once
// tg::nn::Module: a model part with named parameters (leaf Vars that require grad), named buffers
// (tensors that are state but not trained, e.g. BatchNorm's running statistics) and submodules,
// in PyTorch's idiom: parameters(), named_parameters() with dotted names, train() / eval(),
// zero_grad(), print(model). Modules are held by shared_ptr (Sequential and ModuleList share
// them); a parameter is a Var handle, so every copy of it is the same leaf, and optimizers and
// checkpoints update its value in place.
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#include "../autodiff/var.hpp"
#include "../tensor/random.hpp"

namespace tg::nn {

template <class T>
class Module;

/// Defines a module's nn::to hooks from one expression in U, the target element type (see
/// Module::remake_float). Put it in the public part of the class. It also records which class
/// declared the hooks, so that nn::to refuses a derived class that inherited them (they would
/// rebuild the base class and silently drop the derived forward).
#define TG_NN_REMAKE(...)                                                      \
    std::shared_ptr<::tg::nn::Module<float>> remake_float() const override {   \
        using U = float;                                                       \
        return __VA_ARGS__;                                                    \
    }                                                                          \
    std::shared_ptr<::tg::nn::Module<double>> remake_double() const override { \
        using U = double;                                                      \
        return __VA_ARGS__;                                                    \
    }                                                                          \
    const std::type_info* remake_declared_by() const override {                \
        return &typeid(std::remove_cvref_t<decltype(*this)>);                  \
    }

template <class T>
class Module {
public:
    Module() = default;
    Module(const Module&) = delete;
    Module& operator=(const Module&) = delete;
    virtual ~Module() = default;

    /// The module's computation. Most modules take one input; see each module for shapes.
    virtual Var<T> forward(const Var<T>& x) = 0;
    Var<T> operator()(const Var<T>& x) { return forward(x); }

    /// What print(model) shows for this module alone, e.g. "Linear(in=784, out=256, bias=true)".
    virtual std::string describe() const = 0;

    /// Every parameter of this module and its submodules, in registration order (depth first).
    std::vector<Var<T>> parameters() const;
    /// The same with dotted names: "0.weight", "encoder.fc1.bias".
    std::vector<std::pair<std::string, Var<T>>> named_parameters() const;
    /// Buffers (handles sharing the module's storage: writing one writes the module's state).
    std::vector<std::pair<std::string, Tensor<T>>> named_buffers() const;
    /// Direct submodules with their names.
    const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& children() const { return children_; }

    /// Training mode (dropout active, batch norm uses and updates batch statistics), recursively.
    void train(bool on = true);
    void eval() { train(false); }
    bool is_training() const { return training_; }
    /// Clears the gradient of every parameter.
    void zero_grad();
    /// Number of scalar parameters (elements of every parameter tensor).
    std::int64_t num_parameters() const;

    /// The hooks of nn::to (nn/convert.hpp): a new module of the same type and structure with
    /// element type float / double; nn::to then copies every parameter and buffer by name. Every
    /// module of the library has them; a module of your own gets both from one line in its class,
    /// TG_NN_REMAKE(std::make_shared<MyNet<U>>(sizes...)), U being the target type.
    /// @throws AutogradError (the default) naming the module: it cannot be converted
    virtual std::shared_ptr<Module<float>> remake_float() const;
    virtual std::shared_ptr<Module<double>> remake_double() const;
    /// The class whose TG_NN_REMAKE defined the hooks (null: none did). nn::to compares it with
    /// the dynamic type.
    virtual const std::type_info* remake_declared_by() const { return nullptr; }

protected:
    /// Registers a trainable leaf holding `value` (made contiguous). @throws DomainError on a
    /// duplicate or empty name, or a name containing '.'
    Var<T> register_parameter(const std::string& name, const Tensor<T>& value);
    /// Registers state that is saved with the model but not trained.
    Tensor<T> register_buffer(const std::string& name, const Tensor<T>& value);
    template <class M>
    std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> m) {
        check_name(name);
        children_.emplace_back(name, m);
        return m;
    }

private:
    void check_name(const std::string& name) const;
    void collect(const std::string& prefix, std::vector<std::pair<std::string, Var<T>>>& out) const;
    void collect_buffers(const std::string& prefix, std::vector<std::pair<std::string, Tensor<T>>>& out) const;
    void print(std::ostream& os, int indent) const;
    template <class U>
    friend std::ostream& operator<<(std::ostream& os, const Module<U>& m);

    std::vector<std::pair<std::string, Var<T>>> params_;
    std::vector<std::pair<std::string, Tensor<T>>> buffers_;
    std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
    bool training_ = true;
};

/// A readable tree of the model with each module's settings, then the parameter count.
template <class T>
std::ostream& operator<<(std::ostream& os, const Module<T>& m);
/// The same as a string.
template <class T>
std::string summary(const Module<T>& m);

/// Modules applied one after the other; submodules are named "0", "1", ...
template <class T>
class Sequential : public Module<T> {
public:
    Sequential() = default;
    explicit Sequential(std::vector<std::shared_ptr<Module<T>>> layers);
    /// Appends a layer (its name is its position).
    template <class M>
    std::shared_ptr<M> push_back(std::shared_ptr<M> m) {
        layers_.push_back(m);
        return this->register_module(std::to_string(layers_.size() - 1), std::move(m));
    }
    Var<T> forward(const Var<T>& x) override;
    std::string describe() const override { return "Sequential"; }
    std::shared_ptr<Module<float>> remake_float() const override;
    std::shared_ptr<Module<double>> remake_double() const override;
    const std::type_info* remake_declared_by() const override { return &typeid(Sequential); }
    std::size_t size() const { return layers_.size(); }
    /// @throws IndexError
    Module<T>& operator[](std::size_t i) const;

private:
    std::vector<std::shared_ptr<Module<T>>> layers_;
};

/// A list of modules whose parameters are registered ("0.weight", ...) but which has no forward
/// of its own: the owner decides how to call them. forward throws.
template <class T>
class ModuleList : public Module<T> {
public:
    ModuleList() = default;
    explicit ModuleList(std::vector<std::shared_ptr<Module<T>>> modules);
    template <class M>
    std::shared_ptr<M> push_back(std::shared_ptr<M> m) {
        modules_.push_back(m);
        return this->register_module(std::to_string(modules_.size() - 1), std::move(m));
    }
    /// @throws AutogradError: a ModuleList is a container, call its elements.
    Var<T> forward(const Var<T>& x) override;
    std::string describe() const override { return "ModuleList"; }
    std::shared_ptr<Module<float>> remake_float() const override;
    std::shared_ptr<Module<double>> remake_double() const override;
    const std::type_info* remake_declared_by() const override { return &typeid(ModuleList); }
    std::size_t size() const { return modules_.size(); }
    /// @throws IndexError
    Module<T>& operator[](std::size_t i) const;

private:
    std::vector<std::shared_ptr<Module<T>>> modules_;
};

extern template class Module<float>;
extern template class Module<double>;
extern template class Sequential<float>;
extern template class Sequential<double>;
extern template class ModuleList<float>;
extern template class ModuleList<double>;

/// The next seed from a module's own generator (Dropout, the recurrent layers' dropout between
/// layers), under one lock: a model shared by several threads may run training-mode forwards at
/// once (the order of the draws between threads is then the scheduler's, each mask its own).
std::uint64_t draw_seed(Generator& gen);

}  // namespace tg::nn
