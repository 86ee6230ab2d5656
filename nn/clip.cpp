#include "clip.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "../tensor/error.hpp"

namespace tg::nn {

namespace {
template <class T>
[[noreturn]] void nonfinite(const char* fn, std::size_t i, const Var<T>& p, double norm) {
    throw NumericalError(std::string(fn) + ": the total gradient norm is " + std::to_string(norm) +
                         "; parameter " + std::to_string(i) + " (shape " + p.shape().str() +
                         ") has a non-finite gradient");
}
}  // namespace

template <class T>
double clip_grad_norm_(const std::vector<Var<T>>& params, double max_norm, const ClipNormOptions& o) {
    if (!(max_norm >= 0))
        throw DomainError("clip_grad_norm_: max_norm must be >= 0, got " + std::to_string(max_norm));
    const double p = o.norm_type;
    if (!(p > 0)) throw DomainError("clip_grad_norm_: norm_type must be > 0, got " + std::to_string(p));
    const bool inf = std::isinf(p);
    double acc = 0;
    std::size_t bad = params.size();
    for (std::size_t i = 0; i < params.size(); ++i) {
        if (!params[i].has_grad()) continue;
        const Tensor<T> g = params[i].grad();
        const T* d = g.data();
        double part = 0;
        for (index_t k = 0; k < g.numel(); ++k) {
            const double a = std::abs(double(d[k]));
            if (inf) part = (a > part || std::isnan(a)) ? a : part;
            else part += p == 2 ? a * a : p == 1 ? a : std::pow(a, p);
        }
        if (!std::isfinite(part) && bad == params.size()) bad = i;
        acc = inf ? ((part > acc || std::isnan(part)) ? part : acc) : acc + part;
    }
    const double total = inf ? acc : p == 2 ? std::sqrt(acc) : p == 1 ? acc : std::pow(acc, 1.0 / p);
    if (!std::isfinite(total)) {
        if (o.error_if_nonfinite)
            nonfinite("clip_grad_norm_", bad == params.size() ? 0 : bad,
                      params[bad == params.size() ? 0 : bad], total);
        return total;
    }
    const double coef = max_norm / (total + 1e-6);
    if (coef < 1)
        for (const auto& v : params)
            if (v.has_grad()) {
                Tensor<T> g = v.grad();
                g *= static_cast<T>(coef);
            }
    return total;
}

template <class T>
void clip_grad_value_(const std::vector<Var<T>>& params, double clip) {
    if (!(clip >= 0)) throw DomainError("clip_grad_value_: clip must be >= 0, got " + std::to_string(clip));
    const T c = static_cast<T>(clip);
    for (const auto& v : params) {
        if (!v.has_grad()) continue;
        Tensor<T> g = v.grad();
        T* d = g.data();
        for (index_t k = 0; k < g.numel(); ++k) d[k] = d[k] < -c ? -c : d[k] > c ? c : d[k];  // NaN stays NaN
    }
}

template <class T>
bool scale_grads_(const std::vector<Var<T>>& params, double s) {
    for (const auto& v : params) {
        if (!v.has_grad()) continue;
        const Tensor<T> g = v.grad();
        const T* d = g.data();
        for (index_t k = 0; k < g.numel(); ++k)
            if (!std::isfinite(d[k])) return false;
    }
    for (const auto& v : params)
        if (v.has_grad()) {
            Tensor<T> g = v.grad();
            g *= static_cast<T>(s);
        }
    return true;
}

template double clip_grad_norm_<float>(const std::vector<Var<float>>&, double, const ClipNormOptions&);
template double clip_grad_norm_<double>(const std::vector<Var<double>>&, double, const ClipNormOptions&);
template void clip_grad_value_<float>(const std::vector<Var<float>>&, double);
template void clip_grad_value_<double>(const std::vector<Var<double>>&, double);
template bool scale_grads_<float>(const std::vector<Var<float>>&, double);
template bool scale_grads_<double>(const std::vector<Var<double>>&, double);

}  // namespace tg::nn
