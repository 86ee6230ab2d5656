#pragma once
// Learning-rate schedules. Each is a closed form lr(t) of the step count t (a step is whatever the
// caller counts: an epoch or a batch) and the group's base lr (its initial_lr), matching
// PyTorch's closed forms; `Scheduler` applies one to every group of an optimizer. Warmup composes
// with any schedule (`warmup(...)`), and ReduceLROnPlateau reacts to a metric instead.
//
//   tg::nn::Scheduler<float> sched(opt, tg::nn::warmup(500, tg::nn::cosine(total - 500)));
//   ... opt.step(); sched.step();   // after each batch
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "optim.hpp"

namespace tg::nn {

/// lr(t, base): the learning rate at step t (t = 0 before the first step).
using Schedule = std::function<double(std::int64_t t, double base)>;

/// base gamma^floor(t / step_size). @throws DomainError if step_size <= 0
Schedule step_lr(std::int64_t step_size, double gamma = 0.1);
/// base gamma^(number of milestones <= t). @throws DomainError if milestones are not increasing
Schedule multistep_lr(std::vector<std::int64_t> milestones, double gamma = 0.1);
/// base gamma^t.
Schedule exponential_lr(double gamma);
/// eta_min + (base - eta_min) (1 + cos(pi t / t_max)) / 2 for t <= t_max, eta_min after.
/// @throws DomainError if t_max <= 0
Schedule cosine(std::int64_t t_max, double eta_min = 0);
/// SGDR (Loshchilov & Hutter): cosine from base to eta_min over periods t_0, t_0 t_mult, ...
/// restarting at base. @throws DomainError if t_0 <= 0 or t_mult < 1
Schedule cosine_warm_restarts(std::int64_t t_0, std::int64_t t_mult = 1, double eta_min = 0);
/// Linear warmup from start_factor * base to base over `steps` steps, then `after` shifted by
/// `steps` (after(t - steps, base)). @throws DomainError if steps < 0 or start_factor outside [0, 1]
Schedule warmup(std::int64_t steps, Schedule after, double start_factor = 0.0);
/// Linear warmup then cosine to eta_min at `total` steps: warmup(w, cosine(total - w, eta_min)).
Schedule warmup_cosine(std::int64_t warmup_steps, std::int64_t total, double eta_min = 0,
                       double start_factor = 0.0);
/// One-cycle (Smith), PyTorch's two-phase cosine form with the group's base lr as max_lr:
/// from base / div_factor up to base at step pct_start total - 1, then down to
/// base / (div_factor final_div_factor) at step total - 1. @throws DomainError on bad settings
Schedule one_cycle(std::int64_t total, double pct_start = 0.3, double div_factor = 25,
                   double final_div_factor = 1e4);

/// Applies a schedule to every group of an optimizer: at construction each group's lr is set to
/// lr(0, initial_lr); step() advances t and sets lr(t, initial_lr).
template <class T>
class Scheduler {
public:
    Scheduler(Optimizer<T>& opt, Schedule s);
    void step();
    std::int64_t last_step() const { return t_; }
    /// The lr of every group now.
    std::vector<double> lrs() const;
    /// Jumps to step t (resuming from a checkpoint).
    void set_step(std::int64_t t);

private:
    void apply();
    Optimizer<T>& opt_;
    Schedule s_;
    std::int64_t t_ = 0;
};

struct PlateauOptions {
    bool mode_max = false;       ///< false: the metric should decrease (a loss); true: increase (accuracy)
    double factor = 0.1;         ///< lr *= factor on a plateau
    std::int64_t patience = 10;  ///< steps without improvement tolerated
    double threshold = 1e-4;     ///< relative improvement that counts (PyTorch's 'rel' mode)
    std::int64_t cooldown = 0;   ///< steps to wait after a reduction
    double min_lr = 0;
    double eps = 1e-8;  ///< reductions smaller than this are skipped
};
/// Reduces every group's lr by `factor` when the metric has not improved for `patience` steps.
template <class T>
class ReduceLROnPlateau {
public:
    ReduceLROnPlateau(Optimizer<T>& opt, const PlateauOptions& o = {});
    /// Feeds the metric of one step (an epoch's validation loss). Returns true if the lr was reduced.
    bool step(double metric);
    std::int64_t num_bad_steps() const { return bad_; }

private:
    Optimizer<T>& opt_;
    PlateauOptions o_;
    double best_;
    std::int64_t bad_ = 0, cooldown_left_ = 0;
};

extern template class Scheduler<float>;
extern template class Scheduler<double>;
extern template class ReduceLROnPlateau<float>;
extern template class ReduceLROnPlateau<double>;

}  // namespace tg::nn
