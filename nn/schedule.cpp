#include "schedule.hpp"

#include <cmath>
#include <limits>
#include <numbers>

#include "../tensor/error.hpp"

namespace tg::nn {

namespace {
double cos_between(double from, double to, double frac) {  // frac 0 -> from, 1 -> to
    return to + (from - to) * (1 + std::cos(std::numbers::pi * frac)) / 2;
}
}  // namespace

Schedule step_lr(std::int64_t step_size, double gamma) {
    if (step_size <= 0) throw DomainError("step_lr: step_size must be > 0, got " + std::to_string(step_size));
    return [=](std::int64_t t, double base) {
        return base * std::pow(gamma, static_cast<double>(t / step_size));
    };
}

Schedule multistep_lr(std::vector<std::int64_t> milestones, double gamma) {
    for (std::size_t i = 1; i < milestones.size(); ++i)
        if (milestones[i] <= milestones[i - 1]) throw DomainError("multistep_lr: milestones must increase");
    return [=](std::int64_t t, double base) {
        int passed = 0;
        for (auto m : milestones) passed += m <= t;
        return base * std::pow(gamma, passed);
    };
}

Schedule exponential_lr(double gamma) {
    return [=](std::int64_t t, double base) { return base * std::pow(gamma, static_cast<double>(t)); };
}

Schedule cosine(std::int64_t t_max, double eta_min) {
    if (t_max <= 0) throw DomainError("cosine: t_max must be > 0, got " + std::to_string(t_max));
    return [=](std::int64_t t, double base) {
        if (t >= t_max) return eta_min;
        return cos_between(base, eta_min, static_cast<double>(t) / static_cast<double>(t_max));
    };
}

Schedule cosine_warm_restarts(std::int64_t t_0, std::int64_t t_mult, double eta_min) {
    if (t_0 <= 0 || t_mult < 1) throw DomainError("cosine_warm_restarts: need t_0 > 0 and t_mult >= 1");
    return [=](std::int64_t t, double base) {
        std::int64_t cur = t, len = t_0;
        while (cur >= len) {  // periods t_0, t_0 t_mult, ...: find the one holding t
            cur -= len;
            len *= t_mult;
        }
        return cos_between(base, eta_min, static_cast<double>(cur) / static_cast<double>(len));
    };
}

Schedule warmup(std::int64_t steps, Schedule after, double start_factor) {
    if (steps < 0 || !(start_factor >= 0 && start_factor <= 1))
        throw DomainError("warmup: need steps >= 0 and start_factor in [0, 1]");
    return [=](std::int64_t t, double base) {
        if (t < steps)
            return base *
                   (start_factor + (1 - start_factor) * static_cast<double>(t) / static_cast<double>(steps));
        return after(t - steps, base);
    };
}

Schedule warmup_cosine(std::int64_t warmup_steps, std::int64_t total, double eta_min, double start_factor) {
    if (total <= warmup_steps)
        throw DomainError("warmup_cosine: total (" + std::to_string(total) +
                          ") must exceed the warmup steps (" + std::to_string(warmup_steps) + ")");
    return warmup(warmup_steps, cosine(total - warmup_steps, eta_min), start_factor);
}

Schedule one_cycle(std::int64_t total, double pct_start, double div_factor, double final_div_factor) {
    if (total <= 1 || !(pct_start > 0 && pct_start < 1) || !(div_factor > 0) || !(final_div_factor > 0))
        throw DomainError("one_cycle: need total > 1, pct_start in (0, 1) and positive div factors");
    const double peak = pct_start * static_cast<double>(total) - 1, end = static_cast<double>(total) - 1;
    return [=](std::int64_t t, double base) {
        const double lo = base / div_factor, fin = lo / final_div_factor, x = static_cast<double>(t);
        if (x <= peak) return cos_between(lo, base, peak > 0 ? x / peak : 1.0);
        return cos_between(base, fin, std::min(1.0, (x - peak) / (end - peak)));
    };
}

template <class T>
Scheduler<T>::Scheduler(Optimizer<T>& opt, Schedule s) : opt_(opt), s_(std::move(s)) {
    if (!s_) throw DomainError("Scheduler: empty schedule");
    apply();
}
template <class T>
void Scheduler<T>::apply() {
    for (auto& g : opt_.param_groups()) g.lr = s_(t_, g.initial_lr);
}
template <class T>
void Scheduler<T>::step() {
    ++t_;
    apply();
}
template <class T>
void Scheduler<T>::set_step(std::int64_t t) {
    t_ = t;
    apply();
}
template <class T>
std::vector<double> Scheduler<T>::lrs() const {
    std::vector<double> r;
    for (const auto& g : opt_.param_groups()) r.push_back(g.lr);
    return r;
}

template <class T>
ReduceLROnPlateau<T>::ReduceLROnPlateau(Optimizer<T>& opt, const PlateauOptions& o)
    : opt_(opt),
      o_(o),
      best_(o.mode_max ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity()) {
    if (!(o.factor >= 0 && o.factor < 1)) throw DomainError("ReduceLROnPlateau: factor must be in [0, 1)");
    if (o.patience < 0 || o.cooldown < 0)
        throw DomainError("ReduceLROnPlateau: negative patience or cooldown");
}
template <class T>
bool ReduceLROnPlateau<T>::step(double metric) {
    const bool better = o_.mode_max ? metric > best_ * (1 + (best_ >= 0 ? o_.threshold : -o_.threshold))
                                    : metric < best_ * (1 - (best_ >= 0 ? o_.threshold : -o_.threshold));
    if (better) {
        best_ = metric;
        bad_ = 0;
    } else {
        ++bad_;
    }
    if (cooldown_left_ > 0) {
        --cooldown_left_;
        bad_ = 0;
    }
    if (bad_ <= o_.patience) return false;
    bool reduced = false;
    for (auto& g : opt_.param_groups()) {
        const double next = std::max(g.lr * o_.factor, o_.min_lr);
        if (g.lr - next > o_.eps) {
            g.lr = next;
            reduced = true;
        }
    }
    cooldown_left_ = o_.cooldown;
    bad_ = 0;
    return reduced;
}

template class Scheduler<float>;
template class Scheduler<double>;
template class ReduceLROnPlateau<float>;
template class ReduceLROnPlateau<double>;

}  // namespace tg::nn
