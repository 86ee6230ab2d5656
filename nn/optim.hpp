#pragma once
// Optimizers: the update rules of PyTorch 1.13's torch.optim (its documented pseudo-code), applied
// IN PLACE to each parameter's value after backward (NOTE [versions]: a step before backward makes
// backward refuse the graph; the step itself is a write the version counter sees). Parameters are
// grouped; each group has its own learning rate and weight decay, which schedules and users may
// change between steps. A parameter without a gradient (not reached by backward since the last
// zero_grad) is skipped, as in PyTorch; its state does not advance.
//
//   tg::nn::AdamW<float> opt(model.parameters(), {.lr = 1e-3, .weight_decay = 1e-2});
//   for (...) { opt.zero_grad(); Var<float> loss = ...; loss.backward(); opt.step(); }
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "../autodiff/var.hpp"

namespace tg::nn {

template <class T>
struct ParamGroup {
    std::vector<Var<T>> params;
    /// Negative: the optimizer's option (lr, weight_decay) applies.
    double lr = -1;
    double weight_decay = -1;
    /// The learning rate the group started with (schedules scale from it). Set by the optimizer.
    double initial_lr = 0;
};

/// One parameter's state: named tensors of its shape (momentum, exp_avg, ...) and a step count.
template <class T>
struct ParamState {
    std::int64_t step = 0;
    std::map<std::string, Tensor<T>> tensors;
};

template <class T>
class Optimizer {
public:
    virtual ~Optimizer() = default;
    /// Clears every parameter's gradient (has_grad() becomes false).
    void zero_grad();
    /// One update of every parameter that has a gradient. @throws DomainError naming the optimizer,
    /// group and parameter if a gradient's shape differs from its parameter's
    void step();
    std::vector<ParamGroup<T>>& param_groups() { return groups_; }
    const std::vector<ParamGroup<T>>& param_groups() const { return groups_; }
    /// Adds a group (negative lr / weight_decay: the optimizer's options).
    /// @throws DomainError if a parameter is already in a group, is not a leaf requiring grad, or
    /// lr / weight decay is NaN
    void add_param_group(ParamGroup<T> g);
    /// Sets every group's learning rate.
    void set_lr(double lr);
    /// The first group's learning rate.
    double lr() const { return groups_.empty() ? 0.0 : groups_[0].lr; }
    /// State of parameter i of group g (created empty on first use).
    ParamState<T>& state(std::size_t g, std::size_t i) { return state_.at(g).at(i); }
    const std::vector<std::vector<ParamState<T>>>& states() const { return state_; }
    std::vector<std::vector<ParamState<T>>>& states() { return state_; }
    virtual std::string name() const = 0;

protected:
    /// @throws DomainError on a negative lr or weight decay, or a parameter listed twice
    Optimizer(std::vector<ParamGroup<T>> groups, double default_lr, double default_weight_decay);
    /// Updates w (contiguous, written in place) from g (contiguous, w's shape). `s.step` has
    /// already been incremented.
    virtual void update(const ParamGroup<T>& group, ParamState<T>& s, T* w, const T* g, std::int64_t n) = 0;
    /// The state tensor `key`, created as zeros (or `fill`) of n elements on first use.
    static T* buffer(ParamState<T>& s, const std::string& key, std::int64_t n, double fill = 0);

private:
    double default_lr_, default_wd_;
    std::vector<ParamGroup<T>> groups_;
    std::vector<std::vector<ParamState<T>>> state_;
};


struct SGDOptions {
    double lr = 1e-2, momentum = 0, dampening = 0, weight_decay = 0;
    bool nesterov = false;
};
/// g += wd w; b = momentum b + (1 - dampening) g (b = g at the first step); g = nesterov ?
/// g + momentum b : b; w -= lr g. @throws DomainError for nesterov without momentum or with
/// dampening, or a negative setting
template <class T>
class SGD : public Optimizer<T> {
public:
    SGD(std::vector<Var<T>> params, const SGDOptions& o = {});
    SGD(std::vector<ParamGroup<T>> groups, const SGDOptions& o = {});
    std::string name() const override { return "SGD"; }
    SGDOptions options;

protected:
    void update(const ParamGroup<T>& group, ParamState<T>& s, T* w, const T* g, std::int64_t n) override;
};

struct AdamOptions {
    double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0;
    bool amsgrad = false;
};
/// Adam: g += wd w; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; (amsgrad: vmax = max(vmax, v),
/// used for v below); w -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
template <class T>
class Adam : public Optimizer<T> {
public:
    Adam(std::vector<Var<T>> params, const AdamOptions& o = {});
    Adam(std::vector<ParamGroup<T>> groups, const AdamOptions& o = {});
    std::string name() const override { return decoupled_ ? "AdamW" : "Adam"; }
    AdamOptions options;

protected:
    Adam(std::vector<ParamGroup<T>> groups, const AdamOptions& o, bool decoupled);
    void update(const ParamGroup<T>& group, ParamState<T>& s, T* w, const T* g, std::int64_t n) override;

private:
    bool decoupled_ = false;
};

/// AdamW (Loshchilov & Hutter): w *= 1 - lr wd (decoupled), then Adam without the decay in g.
/// Default weight decay 1e-2 as in PyTorch.
template <class T>
class AdamW : public Adam<T> {
public:
    AdamW(std::vector<Var<T>> params, const AdamOptions& o = {.weight_decay = 1e-2});
    AdamW(std::vector<ParamGroup<T>> groups, const AdamOptions& o = {.weight_decay = 1e-2});
};

struct RMSpropOptions {
    double lr = 1e-2, alpha = 0.99, eps = 1e-8, weight_decay = 0, momentum = 0;
    bool centered = false;
};
/// g += wd w; v = a v + (1 - a) g^2; centered: ga = a ga + (1 - a) g, d = sqrt(v - ga^2) + eps, else
/// d = sqrt(v) + eps; momentum: b = mu b + g / d, w -= lr b; else w -= lr g / d.
template <class T>
class RMSprop : public Optimizer<T> {
public:
    RMSprop(std::vector<Var<T>> params, const RMSpropOptions& o = {});
    RMSprop(std::vector<ParamGroup<T>> groups, const RMSpropOptions& o = {});
    std::string name() const override { return "RMSprop"; }
    RMSpropOptions options;

protected:
    void update(const ParamGroup<T>& group, ParamState<T>& s, T* w, const T* g, std::int64_t n) override;
};

struct AdagradOptions {
    double lr = 1e-2, lr_decay = 0, weight_decay = 0, initial_accumulator_value = 0, eps = 1e-10;
};
/// g += wd w; clr = lr / (1 + (t - 1) lr_decay); s += g^2; w -= clr g / (sqrt(s) + eps).
template <class T>
class Adagrad : public Optimizer<T> {
public:
    Adagrad(std::vector<Var<T>> params, const AdagradOptions& o = {});
    Adagrad(std::vector<ParamGroup<T>> groups, const AdagradOptions& o = {});
    std::string name() const override { return "Adagrad"; }
    AdagradOptions options;

protected:
    void update(const ParamGroup<T>& group, ParamState<T>& s, T* w, const T* g, std::int64_t n) override;
};

struct LionOptions {
    double lr = 1e-4, beta1 = 0.9, beta2 = 0.99, weight_decay = 0;
};
/// Lion (Chen et al. 2023): c = b1 m + (1 - b1) g; w = w (1 - lr wd) - lr sign(c);
/// m = b2 m + (1 - b2) g.
template <class T>
class Lion : public Optimizer<T> {
public:
    Lion(std::vector<Var<T>> params, const LionOptions& o = {});
    Lion(std::vector<ParamGroup<T>> groups, const LionOptions& o = {});
    std::string name() const override { return "Lion"; }
    LionOptions options;

protected:
    void update(const ParamGroup<T>& group, ParamState<T>& s, T* w, const T* g, std::int64_t n) override;
};

struct LambOptions {
    double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-6, weight_decay = 0;
};
/// LAMB (You et al. 2020), per parameter tensor: m, v as Adam with bias correction;
/// r = m^ / (sqrt(v^) + eps) + wd w; trust = |w| / |r| (1 when either norm is 0); w -= lr trust r.
template <class T>
class Lamb : public Optimizer<T> {
public:
    Lamb(std::vector<Var<T>> params, const LambOptions& o = {});
    Lamb(std::vector<ParamGroup<T>> groups, const LambOptions& o = {});
    std::string name() const override { return "LAMB"; }
    LambOptions options;

protected:
    void update(const ParamGroup<T>& group, ParamState<T>& s, T* w, const T* g, std::int64_t n) override;
};

#define TG_OPTIM_EXTERN(T)              \
    extern template class Optimizer<T>; \
    extern template class SGD<T>;       \
    extern template class Adam<T>;      \
    extern template class AdamW<T>;     \
    extern template class RMSprop<T>;   \
    extern template class Adagrad<T>;   \
    extern template class Lion<T>;      \
    extern template class Lamb<T>;
TG_OPTIM_EXTERN(float)
TG_OPTIM_EXTERN(double)
#undef TG_OPTIM_EXTERN

}  // namespace tg::nn
