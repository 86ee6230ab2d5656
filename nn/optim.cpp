#include "optim.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "../tensor/error.hpp"

namespace tg::nn {

template <class T>
Optimizer<T>::Optimizer(std::vector<ParamGroup<T>> groups, double default_lr, double default_wd)
    : default_lr_(default_lr), default_wd_(default_wd) {
    for (auto& g : groups) add_param_group(std::move(g));
}

template <class T>
void Optimizer<T>::add_param_group(ParamGroup<T> g) {
    if (g.lr < 0) g.lr = default_lr_;
    if (g.weight_decay < 0) g.weight_decay = default_wd_;
    if (!(g.lr >= 0) || !(g.weight_decay >= 0))
        throw DomainError("optimizer: need lr >= 0 and weight_decay >= 0, got " + std::to_string(g.lr) +
                          " and " + std::to_string(g.weight_decay));
    g.initial_lr = g.lr;
    std::set<const void*> seen;
    for (const auto& other : groups_)
        for (const auto& p : other.params) seen.insert(p.node().get());
    for (const auto& p : g.params) {
        if (!p.defined() || !p.requires_grad() || !p.is_leaf())
            throw DomainError("optimizer: every parameter must be a leaf Var that requires grad");
        if (!seen.insert(p.node().get()).second)
            throw DomainError("optimizer: a parameter (shape " + p.shape().str() + ") appears twice");
    }
    state_.emplace_back(g.params.size());
    groups_.push_back(std::move(g));
}

template <class T>
void Optimizer<T>::zero_grad() {
    for (auto& g : groups_)
        for (auto& p : g.params) p.zero_grad();
}

template <class T>
void Optimizer<T>::set_lr(double lr) {
    for (auto& g : groups_) g.lr = lr;
}

template <class T>
T* Optimizer<T>::buffer(ParamState<T>& s, const std::string& key, std::int64_t n, double fill) {
    auto it = s.tensors.find(key);
    if (it == s.tensors.end()) it = s.tensors.emplace(key, full<T>({n}, static_cast<T>(fill))).first;
    return it->second.data();
}

template <class T>
void Optimizer<T>::step() {
    for (std::size_t gi = 0; gi < groups_.size(); ++gi) {
        const ParamGroup<T>& group = groups_[gi];
        for (std::size_t i = 0; i < group.params.size(); ++i) {
            const Var<T>& p = group.params[i];
            if (!p.has_grad()) continue;
            const Tensor<T> grad = p.grad();
            if (!(grad.shape() == p.shape()))
                throw DomainError(name() + ": group " + std::to_string(gi) + " parameter " + std::to_string(i) +
                                  " has shape " + p.shape().str() + " but its gradient " + grad.shape().str());
            const Tensor<T> gc = grad.contiguous();
            Tensor<T> w = p.value();  // shares the parameter's buffer: the update is in place
            const bool direct = w.is_contiguous();
            Tensor<T> wc = direct ? w : w.contiguous();
            ParamState<T>& s = state_[gi][i];
            ++s.step;
            update(group, s, wc.data(), gc.data(), w.numel());
            // Rules create their state flat; give it the parameter's shape (a view, once) so that
            // state(g, i) and checkpoints show it as PyTorch does.
            for (auto& [key, t] : s.tensors)
                if (!(t.shape() == w.shape()) && t.numel() == w.numel()) t = t.reshape(w.shape());
            if (!direct) w.assign(wc);
        }
    }
}

// ---- SGD ----

template <class T>
SGD<T>::SGD(std::vector<Var<T>> params, const SGDOptions& o)
    : SGD(std::vector<ParamGroup<T>>{{std::move(params)}}, o) {}
template <class T>
SGD<T>::SGD(std::vector<ParamGroup<T>> groups, const SGDOptions& o)
    : Optimizer<T>(std::move(groups), o.lr, o.weight_decay), options(o) {
    if (o.momentum < 0 || o.dampening < 0) throw DomainError("SGD: momentum and dampening must be >= 0");
    if (o.nesterov && (o.momentum <= 0 || o.dampening != 0))
        throw DomainError("SGD: Nesterov momentum needs momentum > 0 and dampening 0");
}
template <class T>
void SGD<T>::update(const ParamGroup<T>& group, ParamState<T>& s, T* w, const T* g, std::int64_t n) {
    const double lr = group.lr, wd = group.weight_decay, mu = options.momentum, damp = options.dampening;
    T* b = mu != 0 ? this->buffer(s, "momentum_buffer", n) : nullptr;
    const bool first = s.step == 1;
    for (std::int64_t k = 0; k < n; ++k) {
        double d = double(g[k]) + wd * double(w[k]);
        if (b) {
            const double bk = first ? d : mu * double(b[k]) + (1 - damp) * d;
            b[k] = static_cast<T>(bk);
            d = options.nesterov ? d + mu * bk : bk;
        }
        w[k] = static_cast<T>(double(w[k]) - lr * d);
    }
}

// ---- Adam / AdamW ----

template <class T>
Adam<T>::Adam(std::vector<Var<T>> params, const AdamOptions& o)
    : Adam(std::vector<ParamGroup<T>>{{std::move(params)}}, o, false) {}
template <class T>
Adam<T>::Adam(std::vector<ParamGroup<T>> groups, const AdamOptions& o) : Adam(std::move(groups), o, false) {}
template <class T>
Adam<T>::Adam(std::vector<ParamGroup<T>> groups, const AdamOptions& o, bool decoupled)
    : Optimizer<T>(std::move(groups), o.lr, o.weight_decay), options(o), decoupled_(decoupled) {
    if (!(o.beta1 >= 0 && o.beta1 < 1 && o.beta2 >= 0 && o.beta2 < 1) || !(o.eps >= 0))
        throw DomainError(name() + ": need betas in [0, 1) and eps >= 0, got beta1=" + std::to_string(o.beta1) +
                          " beta2=" + std::to_string(o.beta2));
}
template <class T>
void Adam<T>::update(const ParamGroup<T>& group, ParamState<T>& s, T* w, const T* g, std::int64_t n) {
    const double lr = group.lr, wd = group.weight_decay, b1 = options.beta1, b2 = options.beta2,
                 eps = options.eps;
    const double t = static_cast<double>(s.step);
    const double bc1 = 1 - std::pow(b1, t), bc2 = 1 - std::pow(b2, t);
    T* m = this->buffer(s, "exp_avg", n);
    T* v = this->buffer(s, "exp_avg_sq", n);
    T* vmax = options.amsgrad ? this->buffer(s, "max_exp_avg_sq", n) : nullptr;
    for (std::int64_t k = 0; k < n; ++k) {
        double wk = w[k], d = g[k];
        if (decoupled_) wk *= 1 - lr * wd;
        else d += wd * wk;
        const double mk = b1 * double(m[k]) + (1 - b1) * d;
        double vk = b2 * double(v[k]) + (1 - b2) * d * d;
        m[k] = static_cast<T>(mk);
        v[k] = static_cast<T>(vk);
        if (vmax) {
            vk = std::max(double(vmax[k]), vk);
            vmax[k] = static_cast<T>(vk);
        }
        w[k] = static_cast<T>(wk - lr * (mk / bc1) / (std::sqrt(vk / bc2) + eps));
    }
}

template <class T>
AdamW<T>::AdamW(std::vector<Var<T>> params, const AdamOptions& o)
    : Adam<T>(std::vector<ParamGroup<T>>{{std::move(params)}}, o, true) {}
template <class T>
AdamW<T>::AdamW(std::vector<ParamGroup<T>> groups, const AdamOptions& o)
    : Adam<T>(std::move(groups), o, true) {}

// ---- RMSprop ----

template <class T>
RMSprop<T>::RMSprop(std::vector<Var<T>> params, const RMSpropOptions& o)
    : RMSprop(std::vector<ParamGroup<T>>{{std::move(params)}}, o) {}
template <class T>
RMSprop<T>::RMSprop(std::vector<ParamGroup<T>> groups, const RMSpropOptions& o)
    : Optimizer<T>(std::move(groups), o.lr, o.weight_decay), options(o) {
    if (!(o.alpha >= 0 && o.alpha <= 1) || !(o.momentum >= 0) || !(o.eps >= 0))
        throw DomainError("RMSprop: need alpha in [0, 1], momentum >= 0 and eps >= 0");
}
template <class T>
void RMSprop<T>::update(const ParamGroup<T>& group, ParamState<T>& s, T* w, const T* g, std::int64_t n) {
    const double lr = group.lr, wd = group.weight_decay, a = options.alpha, eps = options.eps,
                 mu = options.momentum;
    T* v = this->buffer(s, "square_avg", n);
    T* ga = options.centered ? this->buffer(s, "grad_avg", n) : nullptr;
    T* b = mu > 0 ? this->buffer(s, "momentum_buffer", n) : nullptr;
    for (std::int64_t k = 0; k < n; ++k) {
        const double d = double(g[k]) + wd * double(w[k]);
        const double vk = a * double(v[k]) + (1 - a) * d * d;
        v[k] = static_cast<T>(vk);
        double avg;
        if (ga) {
            const double gk = a * double(ga[k]) + (1 - a) * d;
            ga[k] = static_cast<T>(gk);
            avg = std::sqrt(vk - gk * gk) + eps;
        } else {
            avg = std::sqrt(vk) + eps;
        }
        if (b) {
            const double bk = mu * double(b[k]) + d / avg;
            b[k] = static_cast<T>(bk);
            w[k] = static_cast<T>(double(w[k]) - lr * bk);
        } else {
            w[k] = static_cast<T>(double(w[k]) - lr * d / avg);
        }
    }
}

// ---- Adagrad ----

template <class T>
Adagrad<T>::Adagrad(std::vector<Var<T>> params, const AdagradOptions& o)
    : Adagrad(std::vector<ParamGroup<T>>{{std::move(params)}}, o) {}
template <class T>
Adagrad<T>::Adagrad(std::vector<ParamGroup<T>> groups, const AdagradOptions& o)
    : Optimizer<T>(std::move(groups), o.lr, o.weight_decay), options(o) {
    if (!(o.lr_decay >= 0) || !(o.initial_accumulator_value >= 0) || !(o.eps >= 0))
        throw DomainError("Adagrad: need lr_decay, initial_accumulator_value and eps >= 0");
}
template <class T>
void Adagrad<T>::update(const ParamGroup<T>& group, ParamState<T>& s, T* w, const T* g, std::int64_t n) {
    const double wd = group.weight_decay, eps = options.eps;
    const double clr = group.lr / (1 + static_cast<double>(s.step - 1) * options.lr_decay);
    T* sum = this->buffer(s, "sum", n, options.initial_accumulator_value);
    for (std::int64_t k = 0; k < n; ++k) {
        const double d = double(g[k]) + wd * double(w[k]);
        const double sk = double(sum[k]) + d * d;
        sum[k] = static_cast<T>(sk);
        w[k] = static_cast<T>(double(w[k]) - clr * d / (std::sqrt(sk) + eps));
    }
}

// ---- Lion ----

template <class T>
Lion<T>::Lion(std::vector<Var<T>> params, const LionOptions& o)
    : Lion(std::vector<ParamGroup<T>>{{std::move(params)}}, o) {}
template <class T>
Lion<T>::Lion(std::vector<ParamGroup<T>> groups, const LionOptions& o)
    : Optimizer<T>(std::move(groups), o.lr, o.weight_decay), options(o) {
    if (!(o.beta1 >= 0 && o.beta1 <= 1 && o.beta2 >= 0 && o.beta2 <= 1))
        throw DomainError("Lion: need betas in [0, 1]");
}
template <class T>
void Lion<T>::update(const ParamGroup<T>& group, ParamState<T>& s, T* w, const T* g, std::int64_t n) {
    const double lr = group.lr, wd = group.weight_decay, b1 = options.beta1, b2 = options.beta2;
    T* m = this->buffer(s, "exp_avg", n);
    for (std::int64_t k = 0; k < n; ++k) {
        const double c = b1 * double(m[k]) + (1 - b1) * double(g[k]);
        const double sign = c > 0 ? 1.0 : c < 0 ? -1.0 : 0.0;
        w[k] = static_cast<T>(double(w[k]) * (1 - lr * wd) - lr * sign);
        m[k] = static_cast<T>(b2 * double(m[k]) + (1 - b2) * double(g[k]));
    }
}

// ---- LAMB ----

template <class T>
Lamb<T>::Lamb(std::vector<Var<T>> params, const LambOptions& o)
    : Lamb(std::vector<ParamGroup<T>>{{std::move(params)}}, o) {}
template <class T>
Lamb<T>::Lamb(std::vector<ParamGroup<T>> groups, const LambOptions& o)
    : Optimizer<T>(std::move(groups), o.lr, o.weight_decay), options(o) {
    if (!(o.beta1 >= 0 && o.beta1 < 1 && o.beta2 >= 0 && o.beta2 < 1) || !(o.eps >= 0))
        throw DomainError("LAMB: need betas in [0, 1) and eps >= 0");
}
template <class T>
void Lamb<T>::update(const ParamGroup<T>& group, ParamState<T>& s, T* w, const T* g, std::int64_t n) {
    const double lr = group.lr, wd = group.weight_decay, b1 = options.beta1, b2 = options.beta2,
                 eps = options.eps;
    const double t = static_cast<double>(s.step);
    const double bc1 = 1 - std::pow(b1, t), bc2 = 1 - std::pow(b2, t);
    T* m = this->buffer(s, "exp_avg", n);
    T* v = this->buffer(s, "exp_avg_sq", n);
    std::vector<double> r(static_cast<std::size_t>(n));
    double wn = 0, rn = 0;
    for (std::int64_t k = 0; k < n; ++k) {
        const double d = g[k];
        const double mk = b1 * double(m[k]) + (1 - b1) * d, vk = b2 * double(v[k]) + (1 - b2) * d * d;
        m[k] = static_cast<T>(mk);
        v[k] = static_cast<T>(vk);
        r[k] = (mk / bc1) / (std::sqrt(vk / bc2) + eps) + wd * double(w[k]);
        wn += double(w[k]) * double(w[k]);
        rn += r[k] * r[k];
    }
    wn = std::sqrt(wn);
    rn = std::sqrt(rn);
    const double trust = wn > 0 && rn > 0 ? wn / rn : 1.0;
    for (std::int64_t k = 0; k < n; ++k) w[k] = static_cast<T>(double(w[k]) - lr * trust * r[k]);
}

#define TG_OPTIM_INSTANTIATE(T)  \
    template class Optimizer<T>; \
    template class SGD<T>;       \
    template class Adam<T>;      \
    template class AdamW<T>;     \
    template class RMSprop<T>;   \
    template class Adagrad<T>;   \
    template class Lion<T>;      \
    template class Lamb<T>;
TG_OPTIM_INSTANTIATE(float)
TG_OPTIM_INSTANTIATE(double)
#undef TG_OPTIM_INSTANTIATE

}  // namespace tg::nn
