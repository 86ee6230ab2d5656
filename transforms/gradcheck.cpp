#include "gradcheck.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "../autodiff/tape.hpp"
#include "../tensor/math.hpp"
#include "../tensor/random.hpp"
#include "functional.hpp"

namespace tg {

namespace {

// phi(x) = <w, f(x)> accumulated in double, with sum |w f| for the rounding estimate; `step` is
// the displacement actually applied (x + t rounded to T, then minus x).
struct Phi {
    double value = 0, magnitude = 0, step = 0;
};

template <class T>
Phi eval_phi(const GradFnOf<T>& f, const std::vector<Tensor<T>>& xs, const Tensor<T>& w) {
    NoGrad guard;
    std::vector<Var<T>> vs(xs.begin(), xs.end());
    const Tensor<T> y = f(vs).value();
    if (!(y.shape() == w.shape()))
        throw ShapeError("gradcheck: f's output shape changed from " + w.shape().str() + " to " +
                         y.shape().str());
    const auto yv = y.to_vector(), wv = w.to_vector();
    Phi p;
    for (std::size_t k = 0; k < yv.size(); ++k) {
        p.value += static_cast<double>(wv[k]) * yv[k];
        p.magnitude += std::abs(static_cast<double>(wv[k]) * yv[k]);
    }
    return p;
}

template <class T>
index_t offset_of(const Tensor<T>& t, index_t linear, Shape& index) {
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

// Central difference of g(t) at 0 with step h, optionally Richardson-extrapolated. `eps` is the
// unit roundoff of the type f is evaluated in.
template <class G>
Estimate central(G&& g, double h, double magnitude, bool richardson, double eps) {
    auto d = [&](double s) {
        const Phi p = g(s), m = g(-s);
        const double step = p.step - m.step;
        return std::pair{(p.value - m.value) / (step != 0 ? step : 2 * s), std::max(p.magnitude, m.magnitude)};
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

template <class T>
double max_abs(const std::vector<Tensor<T>>& xs) {
    double m = 1;
    for (const auto& x : xs)
        for (T v : x.to_vector()) m = std::max(m, std::abs(static_cast<double>(v)));
    return m;
}

template <class T>
std::vector<Tensor<T>> moved(const std::vector<Tensor<T>>& xs, const std::vector<Tensor<T>>& us, double t) {
    std::vector<Tensor<T>> out;
    for (std::size_t i = 0; i < xs.size(); ++i)
        out.push_back(add(xs[i], mul(us[i], Tensor<T>::scalar(T(t)))));
    return out;
}

// Forward mode: J u by tg::jvp against central differences of f along u, per output element.
template <class T>
void check_jvp(const GradFnOf<T>& f, const std::vector<Tensor<T>>& xs, Generator& gen,
               const GradcheckOptions& o, GradcheckReport& report) {
    constexpr double eps = std::numeric_limits<T>::epsilon();
    for (int k = 0; k < o.directions; ++k) {
        std::vector<Tensor<T>> us;
        for (const auto& x : xs) us.push_back(normal<T>(x.shape(), T(0), T(1), gen));
        const auto [y, jv] = jvp<T>(f, xs, us);
        const double h = std::cbrt(eps) * max_abs(xs);
        auto at = [&](double t) {
            NoGrad guard;
            const std::vector<Tensor<T>> m = moved(xs, us, t);
            return f(std::vector<Var<T>>(m.begin(), m.end())).value().to_vector();
        };
        const auto p1 = at(h), m1 = at(-h), p2 = at(h / 2), m2 = at(-h / 2), jvv = jv.to_vector();
        const auto yv = y.to_vector();
        for (std::size_t e = 0; e < yv.size(); ++e) {
            const double d1 = (static_cast<double>(p1[e]) - m1[e]) / (2 * h);
            const double d2 = (static_cast<double>(p2[e]) - m2[e]) / h;
            const double rounding = 8 * eps * std::max(1.0, std::abs(static_cast<double>(yv[e]))) / h;
            Shape index;
            offset_of(y, static_cast<index_t>(e), index);
            add_result(report, o,
                       {-2, index, static_cast<double>(jvv[e]), o.richardson ? (4 * d2 - d1) / 3 : d1, 0,
                        (o.richardson ? std::abs(d1 - d2) : 0) + 2 * rounding});
        }
    }
}

template <class T>
GradcheckReport gradcheck_impl(const GradFnOf<T>& f, const std::vector<Tensor<T>>& inputs_in,
                               const GradcheckOptions& o) {
    constexpr double eps = std::numeric_limits<T>::epsilon();
    GradcheckReport report;
    report.names = o.names;
    // Inputs with broadcast (zero) strides are made contiguous so that perturbing one element
    // perturbs only that element. Other views (transposes, slices) are kept as they are.
    std::vector<Tensor<T>> xs;
    for (const auto& x : inputs_in) {
        bool aliased = false;
        for (int d = 0; d < x.dim(); ++d) aliased |= x.strides()[d] == 0 && x.shape()[d] > 1;
        xs.push_back(aliased ? x.clone() : x);
    }

    TapeScope<T> scope;  // the user's tape is left untouched
    std::vector<Var<T>> leaves;
    for (const auto& x : xs) leaves.emplace_back(x, true);
    const Var<T> y = f(leaves);
    const Tensor<T> y0 = y.value();
    for (T v : y0.to_vector())
        if (!std::isfinite(v)) {
            report.ok = false;
            report.problem = "f is not finite at the given inputs (value " + std::to_string(v) + ")";
            return report;
        }
    // A random projection, never all ones: J^T 1 cannot tell J from a J^T with the same row
    // and column sums (a rule returning the transpose of the right product).
    Generator gen(o.seed);
    const Tensor<T> w = y0.numel() == 1 ? ones<T>(y0.shape()) : normal<T>(y0.shape(), T(0), T(1), gen);
    if (y.requires_grad()) y.backward(w);
    std::vector<Tensor<T>> grads;
    for (const auto& l : leaves) grads.push_back(l.has_grad() ? l.grad().contiguous() : Tensor<T>(l.shape()));
    const double magnitude = eval_phi(f, xs, w).magnitude;

    if (o.fast) {
        const double xmax = max_abs(xs);
        for (int k = 0; k < o.directions; ++k) {
            std::vector<Tensor<T>> us;
            double analytic = 0, umax = 1e-300;
            for (std::size_t i = 0; i < xs.size(); ++i) {
                us.push_back(normal<T>(xs[i].shape(), T(0), T(1), gen));
                analytic += sum_all(mul(grads[i], us[i]));
                for (T v : us[i].to_vector()) umax = std::max(umax, std::abs(static_cast<double>(v)));
            }
            const double h = std::cbrt(eps) * xmax / umax;
            auto g = [&](double t) {
                Phi p = eval_phi(f, moved(xs, us, t), w);
                p.step = t;
                return p;
            };
            const Estimate e = central(g, h, magnitude, o.richardson, eps);
            add_result(report, o, {-1, Shape{k}, analytic, e.value, 0, e.fd_error});
        }
    } else {
        for (std::size_t i = 0; i < xs.size(); ++i) {
            Tensor<T> x = xs[i];  // shares storage: perturbed in place and restored exactly
            const auto gv = grads[i].to_vector();
            for (index_t j = 0; j < x.numel(); ++j) {
                Shape index;
                T* p = x.data() + offset_of(x, j, index);
                const T orig = *p;
                const double h = std::cbrt(eps) * std::max(1.0, std::abs(static_cast<double>(orig)));
                auto g = [&](double t) {
                    *p = static_cast<T>(orig + t);
                    Phi r = eval_phi(f, xs, w);
                    r.step = static_cast<double>(*p) - orig;
                    *p = orig;
                    return r;
                };
                const Estimate e = central(g, h, magnitude, o.richardson, eps);
                add_result(report, o,
                           {static_cast<int>(i), index, static_cast<double>(gv[static_cast<std::size_t>(j)]),
                            e.value, 0, e.fd_error});
            }
        }
    }
    if (o.forward) check_jvp(f, xs, gen, o, report);
    std::sort(report.mismatches.begin(), report.mismatches.end(),
              [](const auto& a, const auto& b) { return a.error > b.error; });
    if (static_cast<int>(report.mismatches.size()) > o.max_report) report.mismatches.resize(o.max_report);
    return report;
}

}  // namespace

GradcheckReport gradcheck(const GradFn& f, const std::vector<Tensor<double>>& inputs,
                          const GradcheckOptions& o) {
    return gradcheck_impl<double>(f, inputs, o);
}

GradcheckReport gradcheck(const GradFnF32& f, const std::vector<Tensor<float>>& inputs,
                          const GradcheckOptions& o) {
    return gradcheck_impl<float>(f, inputs, o);
}

GradcheckReport gradcheck(const std::function<Var<double>(const Var<double>&)>& f, const Tensor<double>& x,
                          const GradcheckOptions& options) {
    return gradcheck([&](const std::vector<Var<double>>& v) { return f(v[0]); },
                     std::vector<Tensor<double>>{x}, options);
}

std::string GradcheckReport::str() const {
    std::ostringstream os;
    os.precision(3);
    if (!problem.empty()) return "gradcheck: FAILED: " + problem + "\n";
    if (ok) {
        os << "gradcheck: passed (" << checked << " checked, worst error " << std::scientific << worst_error
           << ")\n";
        return os.str();
    }
    os << "gradcheck: FAILED: " << failed << " of " << checked << " outside tolerance; worst error "
       << std::scientific << worst_error << "\n";
    os << "  input        element      analytic            numeric             error      fd-error\n";
    for (const auto& m : mismatches) {
        std::string in = m.input == -2 ? "jvp" : m.input < 0 ? "direction" : std::to_string(m.input);
        if (m.input >= 0 && m.input < static_cast<int>(names.size())) in += " (" + names[m.input] + ")";
        char line[200];
        std::snprintf(line, sizeof line, "  %-12s %-12s % .12e % .12e %.2e  %.2e\n", in.c_str(),
                      m.index.str().c_str(), m.analytic, m.numeric, m.error, m.fd_error);
        os << line;
    }
    if (failed > mismatches.size()) os << "  ... and " << failed - mismatches.size() << " more\n";
    return os.str();
}

}  // namespace tg
