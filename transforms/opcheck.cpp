// check_op: every check the registry promises, for one op over all its samples.
#include <algorithm>
#include <cmath>
#include <functional>
#include <sstream>

#include "../tensor/math.hpp"
#include "../autodiff/forward.hpp"
#include "../autodiff/gradients.hpp"
#include "../ops/functions.hpp"
#include "../tensor/random.hpp"
#include "../ops/registry.hpp"
#include "opcheck.hpp"

namespace tg {

namespace {

std::uint64_t seed_of(const char* name, std::size_t sample) {
    std::uint64_t h = 1469598103934665603ull;
    for (const char* p = name; *p; ++p) h = (h ^ static_cast<unsigned char>(*p)) * 1099511628211ull;
    return h + sample;
}

std::vector<Var<double>> as_vars(const std::vector<Tensor<double>>& xs) { return {xs.begin(), xs.end()}; }

double max_rel(const Tensor<double>& a, const Tensor<double>& b, const Tensor<double>* slack = nullptr) {
    const auto va = a.to_vector(), vb = b.to_vector();
    const auto vs = slack ? slack->to_vector() : std::vector<double>(va.size(), 0.0);
    double worst = 0;
    for (std::size_t i = 0; i < va.size(); ++i) {
        double e = std::max(0.0, std::abs(va[i] - vb[i]) - vs[i]) / std::max(1.0, std::abs(vb[i]));
        if (std::isnan(e)) e = INFINITY;
        worst = std::max(worst, e);
    }
    return worst;
}

// JVP against a Richardson central difference of the op along random tangents.
void check_forward(const OpInfo& op, const Sample& s, const std::vector<Tensor<double>>& xs, Generator& g,
                   SampleCheck& r, const OpCheckOptions& o) {
    NoGrad guard;
    std::vector<Tensor<double>> us;
    double xmax = 1;
    for (const auto& x : xs) {
        us.push_back(normal<double>(x.shape(), 0.0, 1.0, g));
        for (double v : x.to_vector()) xmax = std::max(xmax, std::abs(v));
    }
    const Tensor<double> y = op.call(s.attrs, as_vars(xs), Mutation::none, 0).value();
    // Through the forward-mode engine (ForwardScope, attach_tangent), as tg::jvp runs it; `only`
    // >= 0: that input alone carries a tangent (the others are constants, as in a partial jvp).
    auto jvp_of = [&](int only) {
        ForwardScope forward;
        std::vector<Var<double>> xv;
        for (std::size_t i = 0; i < xs.size(); ++i) {
            xv.emplace_back(xs[i]);
            if (only < 0 || only == static_cast<int>(i)) set_tangent(xv.back(), Var<double>(us[i]));
        }
        const Var<double> dy = tangent_of(op.call(s.attrs, xv, Mutation::none, 0));
        return dy.defined() ? dy.value().broadcast_to(y.shape()).contiguous() : Tensor<double>(y.shape());
    };
    const Tensor<double> jv = jvp_of(-1);
    auto at = [&](double t) {
        std::vector<Tensor<double>> moved;
        for (std::size_t i = 0; i < xs.size(); ++i) moved.push_back(add(xs[i], mul(us[i], Tensor<double>::scalar(t))));
        return op.call(s.attrs, as_vars(moved), Mutation::none, 0).value();
    };
    const double h = std::cbrt(2.2e-16) * xmax;
    const Tensor<double> d1 = div(sub(at(h), at(-h)), Tensor<double>::scalar(2 * h));
    const Tensor<double> d2 = div(sub(at(h / 2), at(-h / 2)), Tensor<double>::scalar(h));
    const Tensor<double> rich = div(sub(mul(d2, Tensor<double>::scalar(4.0)), d1), Tensor<double>::scalar(3.0));
    const Tensor<double> slack = abs(sub(d1, d2));
    r.forward_error = max_rel(jv, rich, &slack);
    double linearity = 0;  // the partial JVPs, one input at a time, add up to the whole
    if (xs.size() > 1) {
        Tensor<double> parts(y.shape());
        for (std::size_t i = 0; i < xs.size(); ++i) parts = add(parts, jvp_of(static_cast<int>(i)));
        linearity = max_rel(parts, jv);
    }
    if (r.forward_error > o.forward_tol && r.problem.empty()) {
        std::ostringstream os;
        os << "jvp differs from finite differences by " << r.forward_error;
        r.problem = os.str();
    }

    // <v, J u> from the JVP against <J^T v, u> from the VJP.
    const Tensor<double> v = normal<double>(y.shape(), 0.0, 1.0, g);
    double lhs = y.numel() ? sum_all(mul(v, jv)) : 0.0, rhs = 0;
    {
        EnableGrad on;
        TapeScope<double> scope;
        std::vector<Var<double>> leaves;
        for (const auto& x : xs) leaves.emplace_back(x, true);
        const Var<double> out = op.call(s.attrs, leaves, Mutation::none, 0);
        if (out.requires_grad()) out.backward(v);
        for (std::size_t i = 0; i < xs.size(); ++i)
            if (leaves[i].has_grad()) rhs += sum_all(mul(leaves[i].grad(), us[i]));
    }
    r.consistency = std::abs(lhs - rhs) / std::max({1.0, std::abs(lhs), std::abs(rhs)});
    if (linearity > o.consistency_tol && r.problem.empty()) {
        std::ostringstream os;
        os << "jvps with one input's tangent at a time do not add up to the jvp of all: " << linearity;
        r.problem = os.str();
    }
    r.consistency = std::max(r.consistency, linearity);
    if (r.consistency > o.consistency_tol && r.problem.empty()) {
        std::ostringstream os;
        os << "<v, J u> is " << lhs << " by jvp but " << rhs << " by vjp";
        r.problem = os.str();
    }
}

// Second order (gradgradcheck): s(x) = <u, grad_x <v, sin(op(x))>> = <u, J(x)^T (v cos(op(x)))>,
// differentiated by double backward (create_graph) and compared with finite differences of s.
// The nonlinear outer function makes the cotangent reaching the op depend on x, so a rule that
// treats its cotangent as a constant (detaches it) is caught; with a constant seed it would not be,
// and linear ops would have nothing to check.
void check_second(const OpInfo& op, const Sample& s, const std::vector<Tensor<double>>& xs, Generator& g,
                  SampleCheck& r, Mutation mutation) {
    Tensor<double> v;
    {
        NoGrad guard;
        v = normal<double>(op.call(s.attrs, as_vars(xs), Mutation::none, 0).shape(), 0.0, 1.0, g);
    }
    std::vector<Tensor<double>> us;
    for (const auto& x : xs) us.push_back(normal<double>(x.shape(), 0.0, 1.0, g));
    auto inner = [&](const std::vector<Var<double>>& in, bool create_graph) {
        const Var<double> y = op.call(s.attrs, in, mutation, 0);
        Var<double> total(0.0);
        if (!y.requires_grad()) return total;
        const auto gs = gradients(sin(y), in, v, {.create_graph = create_graph});
        for (std::size_t i = 0; i < in.size(); ++i) total = total + sum(gs[i] * Var<double>(us[i]));
        return total;
    };
    auto s_of_x = [&](const std::vector<Var<double>>& in) {
        bool recorded = false;
        for (const auto& x : in) recorded |= x.requires_grad();
        if (recorded) return inner(in, true);  // gradcheck's analytic pass: record the VJP itself
        TapeScope<double> scope;               // its numeric pass: plain values of s
        EnableGrad on;
        std::vector<Var<double>> leaves;
        for (const auto& x : in) leaves.emplace_back(x.value(), true);
        return Var<double>(inner(leaves, false).value());
    };
    GradcheckOptions go;
    go.seed = g.next_u64();
    r.second = gradcheck(s_of_x, xs, go);
    if (!r.second.ok && r.problem.empty()) r.problem = "second derivatives differ from finite differences:\n" + r.second.str();
}

// At the kink itself finite differences cannot judge (relu's central difference at 0 is 1/2):
// the op declares its derivative there, and every path must give exactly that value: the fused
// plain VJP, the recorded (differentiable) VJP and the JVP. Some elements are set to +0 and -0.
void check_kink(const OpInfo& op, const Sample& s, const std::vector<Tensor<double>>& xs, Generator& g,
                SampleCheck& r) {
    const double slope = *s.kink_derivative;
    Tensor<double> x = xs[0].clone();
    double* p = x.data();
    for (index_t i = 0; i < x.numel(); i += 3) p[i] = (i / 3) % 2 ? -0.0 : 0.0;
    const Tensor<double> v = normal<double>(x.shape(), 0.0, 1.0, g);
    const Tensor<double> u = normal<double>(x.shape(), 0.0, 1.0, g);
    Tensor<double> plain, recorded, tangent;
    {
        EnableGrad on;
        TapeScope<double> scope;
        const Var<double> leaf(x, true);
        op.call(s.attrs, {leaf}, Mutation::none, 0).backward(v);
        plain = leaf.grad().contiguous();
        const Var<double> again(x, true);
        const Var<double> y = op.call(s.attrs, {again}, Mutation::none, 0);
        recorded = gradients(y, {again}, v, {.create_graph = true})[0].value().contiguous();
    }
    {
        NoGrad guard;
        ForwardScope forward;
        Var<double> xv(x);
        set_tangent(xv, Var<double>(u));
        const Var<double> dy = tangent_of(op.call(s.attrs, {xv}, Mutation::none, 0));
        tangent = dy.defined() ? dy.value().broadcast_to(x.shape()).contiguous() : Tensor<double>(x.shape());
    }
    const auto pv = plain.to_vector(), rv = recorded.to_vector(), tv = tangent.to_vector();
    const auto vv = v.to_vector(), uv = u.to_vector();
    for (index_t i = 0; i < x.numel(); i += 3) {
        const auto k = static_cast<std::size_t>(i);
        const double want_v = slope * vv[k], want_u = slope * uv[k];
        const double err =
            std::max({std::abs(pv[k] - want_v), std::abs(rv[k] - want_v), std::abs(tv[k] - want_u)});
        r.kink_error = std::max(r.kink_error, std::isnan(err) ? INFINITY : err);
        if (r.kink_error > 1e-12 && r.problem.empty()) {
            std::ostringstream os;
            os << "at the kink x = " << p[i] << " (element " << i << ") the derivative must be " << slope
               << ": plain vjp gives " << pv[k] / vv[k] << ", recorded vjp " << rv[k] / vv[k] << ", jvp "
               << tv[k] / uv[k];
            r.problem = os.str();
        }
    }
}

void check_f32(const OpInfo& op, const Sample& s, const std::vector<Tensor<double>>& xs, SampleCheck& r,
               const OpCheckOptions& o) {
    NoGrad guard;
    std::vector<Var<float>> xf;
    for (const auto& x : xs) xf.emplace_back(x.to<float>());
    const Tensor<double> yd = op.call(s.attrs, as_vars(xs), Mutation::none, 0).value();
    const Tensor<double> yf = op.call_f32(s.attrs, xf).value().to<double>();
    r.f32_error = max_rel(yf, yd);
    if (r.f32_error > o.f32_tol && r.problem.empty()) r.problem = "float32 forward differs from float64";
}

}  // namespace

OpCheck check_op(const OpInfo& op, const OpCheckOptions& o) {
    OpCheck out;
    out.name = op.name;
    const Samples samples = op.samples();
    for (std::size_t si = 0; si < samples.size(); ++si) {
        const Sample& s = samples[si];
        SampleCheck r;
        r.label = s.label;
        const std::vector<Tensor<double>> xs = sample_inputs(s, seed_of(op.name, si));
        Generator g(seed_of(op.name, si) + 29);
        // Detached rules are right to first order by construction: only the second order can tell.
        if (o.mutation == Mutation::detach || o.mutation == Mutation::detach_cotangent) {
            check_second(op, s, xs, g, r, o.mutation);
            r.ok = r.problem.empty();
            out.ok = out.ok && r.ok;
            out.worst_second = std::max(out.worst_second, r.second.worst_error);
            out.samples.push_back(std::move(r));
            continue;
        }
        GradcheckOptions go;
        go.seed = seed_of(op.name, si) + 17;
        r.reverse = gradcheck([&](const std::vector<Var<double>>& v) { return op.call(s.attrs, v, o.mutation, o.drop_input); },
                              xs, go);
        if (!r.reverse.ok) r.problem = "vjp differs from finite differences:\n" + r.reverse.str();
        if (o.mutation == Mutation::none) {
            check_forward(op, s, xs, g, r, o);
            check_f32(op, s, xs, r, o);
            check_second(op, s, xs, g, r, Mutation::none);
            if (s.kink_derivative) check_kink(op, s, xs, g, r);
        }
        r.ok = r.problem.empty();
        out.ok = out.ok && r.ok;
        out.worst_reverse = std::max(out.worst_reverse, r.reverse.worst_error);
        out.worst_forward = std::max(out.worst_forward, r.forward_error);
        out.worst_consistency = std::max(out.worst_consistency, r.consistency);
        out.worst_f32 = std::max(out.worst_f32, r.f32_error);
        out.worst_second = std::max(out.worst_second, r.second.worst_error);
        out.worst_kink = std::max(out.worst_kink, r.kink_error);
        out.samples.push_back(std::move(r));
    }
    return out;
}

}  // namespace tg
