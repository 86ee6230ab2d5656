#include "gradcheck.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "../tensor/math.hpp"
#include "../tensor/random.hpp"
#include "../autodiff/tape.hpp"

namespace tg {

namespace {

constexpr double eps = std::numeric_limits<double>::epsilon();

// phi(x) = <w, f(x)> in double, with sum |w f| for the rounding estimate.
struct Phi {
    double value = 0, magnitude = 0;
};

Phi eval_phi(const GradFn& f, const std::vector<Tensor<double>>& xs, const Tensor<double>& w) {
    NoGrad guard;
    std::vector<Var<double>> vs(xs.begin(), xs.end());
    const Tensor<double> y = f(vs).value();
    if (!(y.shape() == w.shape()))
        throw ShapeError("gradcheck: f's output shape changed from " + w.shape().str() + " to " + y.shape().str());
    const auto yv = y.to_vector(), wv = w.to_vector();
    Phi p;
    for (std::size_t k = 0; k < yv.size(); ++k) {
        p.value += wv[k] * yv[k];
        p.magnitude += std::abs(wv[k] * yv[k]);
    }
    return p;
}

index_t offset_of(const Tensor<double>& t, index_t linear, Shape& index) {
    index = Shape::filled(t.dim(), 0);
    index_t off = 0;
    for (int d = t.dim() - 1; d >= 0; --d) {
        index[d] = linear % t.shape()[d];
        linear /= t.shape()[d];
        off += index[d] * t.strides()[d];
    }
    return off;
}

struct Estimate {
    double value, fd_error;
};

// Central difference of g(t) at 0 with step h, optionally Richardson-extrapolated.
template <class G>
Estimate central(G&& g, double h, double magnitude, bool richardson) {
    auto d = [&](double s) {
        const Phi p = g(s), m = g(-s);
        return std::pair{(p.value - m.value) / (2 * s), std::max(p.magnitude, m.magnitude)};
    };
    const auto [d1, mag1] = d(h);
    const double rounding = 8 * eps * std::max(magnitude, mag1) / h;
    if (!richardson) return {d1, rounding};
    const auto [d2, mag2] = d(h / 2);
    return {(4 * d2 - d1) / 3, std::abs(d1 - d2) + 2 * rounding};
}

void add_result(GradcheckReport& r, const GradcheckOptions& o, GradcheckMismatch m) {
    const double scale = std::max(1.0, std::abs(m.numeric));
    m.error = std::abs(m.analytic - m.numeric) / scale;
    m.fd_error /= scale;
    if (std::isnan(m.error)) m.error = std::numeric_limits<double>::infinity();
    ++r.checked;
    r.largest = std::max(r.largest, std::abs(m.numeric));
    r.worst_error = std::max(r.worst_error, m.error);
    if (m.error <= o.tol + m.fd_error) return;
    r.ok = false;
    ++r.failed;
    r.mismatches.push_back(m);
}

}  // namespace

GradcheckReport gradcheck(const GradFn& f, const std::vector<Tensor<double>>& inputs_in,
                          const GradcheckOptions& o) {
    GradcheckReport report;
    report.names = o.names;
    // Inputs with broadcast (zero) strides are made contiguous so that perturbing one element
    // perturbs only that element. Other views (transposes, slices) are kept as they are.
    std::vector<Tensor<double>> xs;
    for (const auto& x : inputs_in) {
        bool aliased = false;
        for (int d = 0; d < x.dim(); ++d) aliased |= x.strides()[d] == 0 && x.shape()[d] > 1;
        xs.push_back(aliased ? x.clone() : x);
    }

    TapeScope<double> scope;  // the user's tape is left untouched
    std::vector<Var<double>> leaves;
    for (const auto& x : xs) leaves.emplace_back(x, true);
    const Var<double> y = f(leaves);
    const Tensor<double> y0 = y.value();
    for (double v : y0.to_vector())
        if (!std::isfinite(v)) {
            report.ok = false;
            report.problem = "f is not finite at the given inputs (value " + std::to_string(v) + ")";
            return report;
        }
    Generator gen(o.seed);
    const Tensor<double> w = y0.numel() == 1 ? ones<double>(y0.shape()) : normal<double>(y0.shape(), 0.0, 1.0, gen);
    if (y.requires_grad()) y.backward(w);
    std::vector<Tensor<double>> grads;
    for (const auto& l : leaves) grads.push_back(l.has_grad() ? l.grad().contiguous() : Tensor<double>(l.shape()));
    const double magnitude = eval_phi(f, xs, w).magnitude;

    if (o.fast) {
        double xmax = 1;
        for (const auto& x : xs)
            for (double v : x.to_vector()) xmax = std::max(xmax, std::abs(v));
        for (int k = 0; k < o.directions; ++k) {
            std::vector<Tensor<double>> us;
            double analytic = 0, umax = 1e-300;
            for (std::size_t i = 0; i < xs.size(); ++i) {
                us.push_back(normal<double>(xs[i].shape(), 0.0, 1.0, gen));
                analytic += sum_all(mul(grads[i], us[i]));
                for (double v : us[i].to_vector()) umax = std::max(umax, std::abs(v));
            }
            const double h = std::cbrt(eps) * xmax / umax;
            auto g = [&](double t) {
                std::vector<Tensor<double>> moved;
                for (std::size_t i = 0; i < xs.size(); ++i) moved.push_back(add(xs[i], mul(us[i], Tensor<double>::scalar(t))));
                return eval_phi(f, moved, w);
            };
            const Estimate e = central(g, h, magnitude, o.richardson);
            add_result(report, o, {-1, Shape{k}, analytic, e.value, 0, e.fd_error});
        }
    } else {
        for (std::size_t i = 0; i < xs.size(); ++i) {
            Tensor<double> x = xs[i];  // shares storage: perturbed in place and restored exactly
            const auto gv = grads[i].to_vector();
            for (index_t j = 0; j < x.numel(); ++j) {
                Shape index;
                double* p = x.data() + offset_of(x, j, index);
                const double orig = *p;
                const double h = std::cbrt(eps) * std::max(1.0, std::abs(orig));
                auto g = [&](double t) {
                    *p = orig + t;
                    const Phi r = eval_phi(f, xs, w);
                    *p = orig;
                    return r;
                };
                const Estimate e = central(g, h, magnitude, o.richardson);
                add_result(report, o, {static_cast<int>(i), index, gv[static_cast<std::size_t>(j)], e.value, 0, e.fd_error});
            }
        }
    }
    std::sort(report.mismatches.begin(), report.mismatches.end(),
              [](const auto& a, const auto& b) { return a.error > b.error; });
    if (static_cast<int>(report.mismatches.size()) > o.max_report) report.mismatches.resize(o.max_report);
    return report;
}

GradcheckReport gradcheck(const std::function<Var<double>(const Var<double>&)>& f, const Tensor<double>& x,
                          const GradcheckOptions& options) {
    return gradcheck([&](const std::vector<Var<double>>& v) { return f(v[0]); }, std::vector<Tensor<double>>{x},
                     options);
}

std::string GradcheckReport::str() const {
    std::ostringstream os;
    os.precision(3);
    if (!problem.empty()) return "gradcheck: FAILED: " + problem + "\n";
    if (ok) {
        os << "gradcheck: passed (" << checked << " checked, worst error " << std::scientific << worst_error << ")\n";
        return os.str();
    }
    os << "gradcheck: FAILED: " << failed << " of " << checked << " outside tolerance; worst error "
       << std::scientific << worst_error << "\n";
    os << "  input        element      analytic            numeric             error      fd-error\n";
    for (const auto& m : mismatches) {
        std::string in = m.input < 0 ? "direction" : std::to_string(m.input);
        if (m.input >= 0 && m.input < static_cast<int>(names.size())) in += " (" + names[m.input] + ")";
        char line[200];
        std::snprintf(line, sizeof line, "  %-12s %-12s % .12e % .12e %.2e  %.2e\n", in.c_str(), m.index.str().c_str(),
                      m.analytic, m.numeric, m.error, m.fd_error);
        os << line;
    }
    if (failed > mismatches.size()) os << "  ... and " << failed - mismatches.size() << " more\n";
    return os.str();
}

}  // namespace tg
