#include "extremes.hpp"

#include <cmath>
#include <sstream>

#include "../autodiff/tape.hpp"
#include "../ops/functions.hpp"
#include "../tensor/math.hpp"

namespace tg {

namespace {

enum class Extreme { huge, tiny, zero };

// Which inputs may be moved to an extreme without leaving the domain the op is checked on:
// scaling keeps signs, so it suits every elementwise-drawn domain except the bounded ones; zero
// needs a domain that contains 0. Matrix domains keep their values (a scaled matrix is still
// well conditioned, but the solvers have their own extreme tests).
bool movable(Domain d, Extreme e) {
    switch (d) {
        case Domain::open_unit:
            return e == Extreme::tiny || e == Extreme::zero;
        case Domain::well_conditioned:
        case Domain::spd:
            return false;
        case Domain::positive:
        case Domain::wide_positive:
        case Domain::nonzero:
        case Domain::distinct:
            return e != Extreme::zero;
        default:
            return true;
    }
}

template <class T>
long long nonfinite(const Tensor<T>& t) {
    long long n = 0;
    for (T v : t.to_vector()) n += std::isfinite(v) ? 0 : 1;
    return n;
}

// Forward value and the gradient of sum(y) with respect to every input, in precision T.
template <class T, class Call>
void run(Call call, const std::vector<Tensor<T>>& xs, long long& bad_y, long long& bad_g) {
    EnableGrad on;
    TapeScope<T> scope;
    std::vector<Var<T>> leaves;
    for (const auto& x : xs) leaves.emplace_back(x, true);
    const Var<T> y = call(leaves);
    bad_y += nonfinite(y.value());
    sum(y).backward();
    for (const auto& l : leaves)
        if (l.grad().defined()) bad_g += nonfinite(l.grad());
}

ExtremeCase run_case(const OpInfo& op, Extreme e, const char* label) {
    ExtremeCase c;
    c.label = label;
    const Samples samples = op.samples();
    for (std::size_t si = 0; si < samples.size(); ++si) {
        const Sample& s = samples[si];
        const std::vector<Tensor<double>> xs = sample_inputs(s, 0x5eed + si);
        std::vector<Tensor<double>> x64;
        std::vector<Tensor<float>> x32;
        bool moved = false;
        for (std::size_t i = 0; i < xs.size(); ++i) {
            const Domain d = s.inputs[i].domain;
            if (!movable(d, e) || xs[i].numel() == 0) {
                x64.push_back(xs[i]);
                x32.push_back(xs[i].to<float>());
                continue;
            }
            moved = true;
            const double s64 = e == Extreme::huge ? 1e4 : e == Extreme::tiny ? 1e-310 : 0.0;
            const float s32 = e == Extreme::huge ? 1e4f : e == Extreme::tiny ? 1e-40f : 0.0f;
            // Scaled in each precision, so the float32 inputs are subnormal rather than flushed.
            x64.push_back(xs[i] * Tensor<double>::scalar(s64));
            x32.push_back(xs[i].to<float>() * Tensor<float>::scalar(s32));
        }
        if (!moved) continue;
        c.applicable = true;
        try {
            run<double>(
                [&](const std::vector<Var<double>>& v) { return op.call(s.attrs, v, Mutation::none, 0); },
                x64, c.bad_value64, c.bad_grad64);
            run<float>([&](const std::vector<Var<float>>& v) { return op.call_f32(s.attrs, v); }, x32,
                       c.bad_value32, c.bad_grad32);
        } catch (const Error& err) {
            if (c.error.empty()) c.error = err.what();
        }
    }
    return c;
}

}  // namespace

std::string ExtremeCase::summary() const {
    if (!applicable) return "-";
    if (!error.empty()) return "error";
    if (finite()) return "ok";
    std::ostringstream os;
    const char* sep = "";
    auto item = [&](const char* what, long long n) {
        if (n == 0) return;
        os << sep << what << " " << n;
        sep = ", ";
    };
    item("y64", bad_value64);
    item("g64", bad_grad64);
    item("y32", bad_value32);
    item("g32", bad_grad32);
    return os.str();
}

ExtremeReport extreme_inputs(const OpInfo& op) {
    ExtremeReport r;
    r.name = op.name;
    r.cases = {run_case(op, Extreme::huge, "huge"), run_case(op, Extreme::tiny, "tiny"),
               run_case(op, Extreme::zero, "zero")};
    return r;
}

}  // namespace tg
