#include "module.hpp"

#include <mutex>
#include <ostream>
#include <sstream>

#include "../tensor/error.hpp"
#include "convert.hpp"

namespace tg::nn {

template <class T>
void Module<T>::check_name(const std::string& name) const {
    if (name.empty() || name.find('.') != std::string::npos)
        throw DomainError(
            "Module: a parameter, buffer or submodule name must be non-empty without '.', got '" + name + "'");
    auto taken = [&](const auto& list) {
        for (const auto& [n, _] : list)
            if (n == name) return true;
        return false;
    };
    if (taken(params_) || taken(buffers_) || taken(children_))
        throw DomainError("Module: the name '" + name + "' is already registered in " + describe());
}

template <class T>
Var<T> Module<T>::register_parameter(const std::string& name, const Tensor<T>& value) {
    check_name(name);
    // A contiguous buffer of its own: optimizers update it in place, element by element.
    Var<T> p(value.is_contiguous() ? value : value.contiguous(), true);
    params_.emplace_back(name, p);
    return p;
}

template <class T>
Tensor<T> Module<T>::register_buffer(const std::string& name, const Tensor<T>& value) {
    check_name(name);
    buffers_.emplace_back(name, value);
    return value;
}

template <class T>
void Module<T>::collect(const std::string& prefix, std::vector<std::pair<std::string, Var<T>>>& out) const {
    for (const auto& [n, p] : params_) out.emplace_back(prefix + n, p);
    for (const auto& [n, m] : children_) m->collect(prefix + n + ".", out);
}

template <class T>
void Module<T>::collect_buffers(const std::string& prefix,
                                std::vector<std::pair<std::string, Tensor<T>>>& out) const {
    for (const auto& [n, b] : buffers_) out.emplace_back(prefix + n, b);
    for (const auto& [n, m] : children_) m->collect_buffers(prefix + n + ".", out);
}

template <class T>
std::vector<std::pair<std::string, Var<T>>> Module<T>::named_parameters() const {
    std::vector<std::pair<std::string, Var<T>>> out;
    collect("", out);
    return out;
}

template <class T>
std::vector<Var<T>> Module<T>::parameters() const {
    std::vector<Var<T>> out;
    for (auto& [n, p] : named_parameters()) out.push_back(p);
    return out;
}

template <class T>
std::vector<std::pair<std::string, Tensor<T>>> Module<T>::named_buffers() const {
    std::vector<std::pair<std::string, Tensor<T>>> out;
    collect_buffers("", out);
    return out;
}

template <class T>
void Module<T>::train(bool on) {
    training_ = on;
    for (auto& [n, m] : children_) m->train(on);
}

template <class T>
void Module<T>::zero_grad() {
    for (auto& p : parameters()) p.zero_grad();
}

template <class T>
std::int64_t Module<T>::num_parameters() const {
    std::int64_t n = 0;
    for (const auto& p : parameters()) n += p.numel();
    return n;
}

namespace {
std::string grouped(std::int64_t n) {  // 235146 -> "235,146"
    std::string s = std::to_string(n), r;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (i && (s.size() - i) % 3 == 0) r += ',';
        r += s[i];
    }
    return r;
}
}  // namespace

template <class T>
void Module<T>::print(std::ostream& os, int indent) const {
    os << describe();
    if (children_.empty()) return;
    os << "(\n";
    for (const auto& [n, m] : children_) {
        os << std::string(indent + 2, ' ') << "(" << n << "): ";
        m->print(os, indent + 2);
        os << "  [" << grouped(m->num_parameters()) << "]\n";
    }
    os << std::string(indent, ' ') << ")";
}

template <class U>
std::ostream& operator<<(std::ostream& os, const Module<U>& m) {
    m.print(os, 0);
    return os << "\nparameters: " << grouped(m.num_parameters()) << " (" << m.parameters().size()
              << " tensors)" << (m.is_training() ? ", training mode" : ", eval mode") << "\n";
}

template <class T>
std::string summary(const Module<T>& m) {
    std::ostringstream os;
    os << m;
    return os.str();
}

template <class T>
std::shared_ptr<Module<float>> Module<T>::remake_float() const {
    throw AutogradError("nn::to: " + describe() +
                        " cannot be converted: give its class TG_NN_REMAKE(...) (nn/module.hpp)");
}
template <class T>
std::shared_ptr<Module<double>> Module<T>::remake_double() const {
    throw AutogradError("nn::to: " + describe() +
                        " cannot be converted: give its class TG_NN_REMAKE(...) (nn/module.hpp)");
}

namespace {
// A container's remake: the same container of its elements converted (with their values).
template <class U, class C, class T>
std::shared_ptr<Module<U>> remake_container(const std::vector<std::shared_ptr<Module<T>>>& elements) {
    auto c = std::make_shared<C>();
    for (const auto& m : elements) c->push_back(to<U>(*m));
    return c;
}
}  // namespace

template <class T>
Sequential<T>::Sequential(std::vector<std::shared_ptr<Module<T>>> layers) {
    for (auto& l : layers) push_back(std::move(l));
}

template <class T>
Var<T> Sequential<T>::forward(const Var<T>& x) {
    Var<T> y = x;
    for (auto& l : layers_) y = l->forward(y);
    return y;
}

template <class T>
Module<T>& Sequential<T>::operator[](std::size_t i) const {
    if (i >= layers_.size())
        throw IndexError("Sequential: index " + std::to_string(i) + " out of range for " +
                         std::to_string(layers_.size()) + " layers");
    return *layers_[i];
}

template <class T>
std::shared_ptr<Module<float>> Sequential<T>::remake_float() const {
    return remake_container<float, Sequential<float>>(layers_);
}
template <class T>
std::shared_ptr<Module<double>> Sequential<T>::remake_double() const {
    return remake_container<double, Sequential<double>>(layers_);
}
template <class T>
std::shared_ptr<Module<float>> ModuleList<T>::remake_float() const {
    return remake_container<float, ModuleList<float>>(modules_);
}
template <class T>
std::shared_ptr<Module<double>> ModuleList<T>::remake_double() const {
    return remake_container<double, ModuleList<double>>(modules_);
}

template <class T>
ModuleList<T>::ModuleList(std::vector<std::shared_ptr<Module<T>>> modules) {
    for (auto& m : modules) push_back(std::move(m));
}

template <class T>
Var<T> ModuleList<T>::forward(const Var<T>&) {
    throw AutogradError("ModuleList: a container has no forward; call its elements");
}

template <class T>
Module<T>& ModuleList<T>::operator[](std::size_t i) const {
    if (i >= modules_.size())
        throw IndexError("ModuleList: index " + std::to_string(i) + " out of range for " +
                         std::to_string(modules_.size()) + " modules");
    return *modules_[i];
}

template class Module<float>;
template class Module<double>;
template class Sequential<float>;
template class Sequential<double>;
template class ModuleList<float>;
template class ModuleList<double>;
template std::ostream& operator<<(std::ostream&, const Module<float>&);
template std::ostream& operator<<(std::ostream&, const Module<double>&);
template std::string summary(const Module<float>&);
template std::string summary(const Module<double>&);

std::uint64_t draw_seed(Generator& gen) {
    static std::mutex m;
    const std::lock_guard<std::mutex> lock(m);
    return gen.next_u64();
}

}  // namespace tg::nn
