#include "convert.hpp"

#include <string>
#include <type_traits>
#include <typeinfo>

#include "../tensor/error.hpp"

namespace tg::nn {

namespace {
// Restores the thread's default generator on scope exit: the remakes draw fresh initial weights
// (overwritten right after), which must not shift the caller's random stream.
struct KeepGenerator {
    Generator saved = default_generator();
    ~KeepGenerator() { default_generator() = saved; }
};

// Mode by mode, top down (train() is recursive, so a child set later overrides its parent's
// setting): a model whose parts differ in mode keeps each part's mode.
template <class U, class T>
void copy_modes(const Module<T>& src, Module<U>& dst) {
    dst.train(src.is_training());
    const auto& a = src.children();
    const auto& b = dst.children();
    for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) copy_modes(*a[i].second, *b[i].second);
}
}  // namespace

template <class U, class T>
std::shared_ptr<Module<U>> to(const Module<T>& model) {
    // A class derived from a library module inherits its hooks, which would rebuild the base
    // class: the copy would run the base's forward with no error.
    if (const std::type_info* declared = model.remake_declared_by(); declared && *declared != typeid(model))
        throw AutogradError("nn::to: " + model.describe() +
                            " is of a class derived from the one that declared its TG_NN_REMAKE (it would be "
                            "rebuilt as its base): give the derived class its own TG_NN_REMAKE(...) "
                            "(nn/module.hpp)");
    KeepGenerator keep;
    std::shared_ptr<Module<U>> out;
    if constexpr (std::is_same_v<U, float>) out = model.remake_float();
    else out = model.remake_double();
    auto mismatch = [&](const char* what, const std::string& a, const Shape& sa, const std::string& b,
                        const Shape& sb) {
        throw ShapeError("nn::to: the rebuilt " + out->describe() + " does not reproduce " + model.describe() +
                         ": " + what + " '" + a + "' " + sa.str() + " became '" + b + "' " + sb.str());
    };
    const auto src = model.named_parameters();
    const auto dst = out->named_parameters();
    if (src.size() != dst.size())
        throw ShapeError("nn::to: the rebuilt " + out->describe() + " has " + std::to_string(dst.size()) +
                         " parameters, " + model.describe() + " has " + std::to_string(src.size()));
    for (std::size_t i = 0; i < src.size(); ++i) {
        const auto& [n, p] = src[i];
        const auto& [m, q] = dst[i];
        if (n != m || !(p.shape() == q.shape())) mismatch("parameter", n, p.shape(), m, q.shape());
        Tensor<U> v = q.value();
        v.assign(p.value().template to<U>());
        if (!p.requires_grad()) {  // a frozen parameter stays frozen
            Var<U> w = q;
            w.requires_grad_(false);
        }
    }
    const auto sb = model.named_buffers();
    const auto db = out->named_buffers();
    if (sb.size() != db.size())
        throw ShapeError("nn::to: the rebuilt " + out->describe() + " has " + std::to_string(db.size()) +
                         " buffers, " + model.describe() + " has " + std::to_string(sb.size()));
    for (std::size_t i = 0; i < sb.size(); ++i) {
        const auto& [n, b] = sb[i];
        const auto& [m, c] = db[i];
        if (n != m || !(b.shape() == c.shape())) mismatch("buffer", n, b.shape(), m, c.shape());
        Tensor<U> d = c;
        d.assign(b.template to<U>());
    }
    copy_modes(model, *out);
    return out;
}

template std::shared_ptr<Module<float>> to<float, float>(const Module<float>&);
template std::shared_ptr<Module<double>> to<double, float>(const Module<float>&);
template std::shared_ptr<Module<float>> to<float, double>(const Module<double>&);
template std::shared_ptr<Module<double>> to<double, double>(const Module<double>&);

}  // namespace tg::nn
