#pragma once
// nn::to<U>(model): the model as a new module tree of element type U (float or double), with the
// same types, structure, names, settings and train/eval mode, every parameter and buffer converted
// (rounded to float, or widened to double). U == T gives an independent deep copy (a clone).
//
// Why a new tree rather than converting in place: Module<T> is a template on T and a parameter is
// a Var<T>, so a float model cannot hold double parameters; PyTorch's in-place .double() has no
// typed counterpart. The source is left untouched; the copy shares nothing with it (optimizers
// and graphs of the source do not see it). Each module type rebuilds itself through its
// remake_float / remake_double hooks (TG_NN_REMAKE in nn/module.hpp); the values are then copied
// by name, so the hooks only need the configuration. The thread's default generator is restored
// afterwards: converting a model does not change the random numbers a program draws next.
#include <memory>

#include "module.hpp"

namespace tg::nn {

/// @throws AutogradError if a module in the tree has no remake hooks (a user module without
/// TG_NN_REMAKE), ShapeError if a rebuilt module's parameters or buffers differ in name or shape
/// from the source's (a remake that does not reproduce the structure)
template <class U, class T>
std::shared_ptr<Module<U>> to(const Module<T>& model);

/// to<T>: a deep copy of the same element type.
template <class T>
std::shared_ptr<Module<T>> clone(const Module<T>& model) {
    return to<T>(model);
}

extern template std::shared_ptr<Module<float>> to<float, float>(const Module<float>&);
extern template std::shared_ptr<Module<double>> to<double, float>(const Module<float>&);
extern template std::shared_ptr<Module<float>> to<float, double>(const Module<double>&);
extern template std::shared_ptr<Module<double>> to<double, double>(const Module<double>&);

}  // namespace tg::nn
