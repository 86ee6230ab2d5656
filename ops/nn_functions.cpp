// The nn family's public functions (nn_functions.hpp), instantiated for float and double. Losses
// without a kernel of their own are compositions of registered ops; constants (masks, one-hot
// targets, class weights) enter as Var constants, so every composition is differentiable again.
#include "nn_functions.hpp"

#include <cmath>
#include <memory>
#include <sstream>
#include <string>

#include "nn_ops.hpp"

namespace tg {

namespace {

std::string num(double v) {
    std::ostringstream os;
    os << v;
    return os.str();
}

template <class T>
Var<T> reduce(const Var<T>& l, Reduction r, const char* op) {
    switch (r) {
        case Reduction::none:
            return l;
        case Reduction::sum:
            return sum(l);
        case Reduction::mean:
            return mean(l);
        case Reduction::batchmean:
            break;
    }
    throw DomainError(std::string(op) + ": reduction batchmean is for kl_div only");
}

template <class T>
Var<T> constant(const Tensor<T>& t) {
    return Var<T>(t);
}

int class_axis(int rank) { return rank == 1 ? 0 : 1; }

// Validates class-index targets against logits of shape x for `op` (the kernels check again).
void check_targets(const char* op, const Shape& x, const IndexArray& t, index_t ignore) {
    if (x.size() == 0) throw ShapeError(std::string(op) + ": input needs a class axis, got shape []");
    const int ca = class_axis(x.size());
    Shape want;
    for (int i = 0; i < x.size(); ++i)
        if (i != ca) want.push_back(x[i]);
    if (!(t.shape == want) || static_cast<index_t>(t.data.size()) != want.numel())
        throw ShapeError(std::string(op) + ": targets of shape " + t.shape.str() + " for input of shape " +
                         x.str() + " (expected " + want.str() + ")");
    const index_t c = x[ca];
    for (index_t k : t.data)
        if (k != ignore && (k < 0 || k >= c))
            throw IndexError(std::string(op) + ": class index " + std::to_string(k) + " out of range for " +
                             std::to_string(c) + " classes");
}

// Class weights as a tensor broadcasting along the class axis of logits of shape x.
template <class T>
Tensor<T> class_weights(const char* op, const Shape& x, const std::vector<double>& w) {
    const int ca = class_axis(x.size());
    if (static_cast<index_t>(w.size()) != x[ca])
        throw DomainError(std::string(op) + ": " + std::to_string(w.size()) + " class weights for " +
                          std::to_string(x[ca]) + " classes");
    Shape s = Shape::filled(x.size(), 1);
    s[ca] = x[ca];
    std::vector<T> v(w.begin(), w.end());
    return Tensor<T>::from_vector(v, s);
}

// The divisor of a weighted mean: the weights of the targets of the samples not ignored.
double target_weight(const IndexArray& t, const std::vector<double>& w, index_t ignore) {
    double d = 0;
    for (index_t k : t.data)
        if (k != ignore) d += w.empty() ? 1.0 : w[static_cast<std::size_t>(k)];
    return d;
}

template <class T>
Var<T> weighted_reduce(const Var<T>& l, const CrossEntropyOptions& o, double divisor, const char* op) {
    if (o.reduction == Reduction::mean) return sum(l) / Var<T>(static_cast<T>(divisor));
    return reduce(l, o.reduction, op);
}

IndexArray flat_targets(const Shape& x, const std::vector<index_t>& t) {
    if (x.size() == 1) return IndexArray{Shape{}, t};
    return IndexArray{Shape{static_cast<index_t>(t.size())}, t};
}

}  // namespace

// ---- softmax family ----

template <class T>
Var<T> softmax(const Var<T>& x, int axis) {
    return apply<ops::Softmax, T>(ops::axis_attrs(normalize_axis(axis, x.dim(), "softmax")), x);
}
template <class T>
Var<T> log_softmax(const Var<T>& x, int axis) {
    return apply<ops::LogSoftmax, T>(ops::axis_attrs(normalize_axis(axis, x.dim(), "log_softmax")), x);
}
template <class T>
Var<T> logsumexp(const Var<T>& x, const Shape& axes, bool keepdims) {
    return apply<ops::LogSumExp, T>(ops::axes_attrs(axes, keepdims), x);
}
template <class T>
Tensor<T> softmax(const Tensor<T>& x, int axis) {
    return kernels::softmax(x, normalize_axis(axis, x.dim(), "softmax"));
}
template <class T>
Tensor<T> log_softmax(const Tensor<T>& x, int axis) {
    return kernels::log_softmax(x, normalize_axis(axis, x.dim(), "log_softmax"));
}
template <class T>
Tensor<T> logsumexp(const Tensor<T>& x, const Shape& axes, bool keepdims) {
    return kernels::logsumexp(x, axes, keepdims);
}

// ---- losses ----

template <class T>
Var<T> cross_entropy(const Var<T>& logits, const IndexArray& target, const CrossEntropyOptions& o) {
    const char* op = "cross_entropy";
    const double s = o.label_smoothing;
    if (!(s >= 0 && s <= 1))
        throw DomainError("cross_entropy: label_smoothing must be in [0, 1], got " + num(s));
    check_targets(op, logits.shape(), target, o.ignore_index);
    // The weights' count is checked (class_weights) before target_weight indexes them.
    const Tensor<T> w = o.weight.empty() ? Tensor<T>() : class_weights<T>(op, logits.shape(), o.weight);
    const double divisor = target_weight(target, o.weight, o.ignore_index);
    if (o.weight.empty()) {
        Attrs a;
        a.index = std::make_shared<const IndexArray>(target);
        a.scalar = s;
        a.start = o.ignore_index;
        return weighted_reduce(apply<ops::CrossEntropyIndex, T>(a, logits), o, divisor, op);
    }
    // Weighted: -sum_c w_c q_c log softmax(x)_c, q = (1 - s) onehot + s / C (0 on ignored rows).
    const Tensor<T> q = kernels::cross_entropy_targets<T>(logits.shape(), target, s, o.ignore_index).first;
    const int ca = class_axis(logits.dim());
    const Var<T> l = -sum(constant(tg::mul(q, w)) * log_softmax(logits, ca), Shape{ca}, false);
    return weighted_reduce(l, o, divisor, op);
}

template <class T>
Var<T> cross_entropy(const Var<T>& logits, const std::vector<index_t>& target, const CrossEntropyOptions& o) {
    return cross_entropy(logits, flat_targets(logits.shape(), target), o);
}

template <class T>
Var<T> cross_entropy(const Var<T>& logits, const Var<T>& target_probs, const CrossEntropyOptions& o) {
    const char* op = "cross_entropy";
    const double s = o.label_smoothing;
    if (!(s >= 0 && s <= 1))
        throw DomainError("cross_entropy: label_smoothing must be in [0, 1], got " + num(s));
    if (logits.dim() == 0) throw ShapeError("cross_entropy: logits need a class axis, got shape []");
    if (!(target_probs.shape() == logits.shape()))
        throw ShapeError("cross_entropy: target probabilities of shape " + target_probs.shape().str() +
                         " for logits of shape " + logits.shape().str());
    const int ca = class_axis(logits.dim());
    Var<T> t = target_probs;
    if (s != 0) t = t * T(1 - s) + T(s / static_cast<double>(logits.shape()[ca]));
    if (!o.weight.empty()) t = t * constant(class_weights<T>(op, logits.shape(), o.weight));
    return reduce(-sum(t * log_softmax(logits, ca), Shape{ca}, false), o.reduction, op);
}

template <class T>
Var<T> nll_loss(const Var<T>& log_probs, const IndexArray& target, const CrossEntropyOptions& o) {
    const char* op = "nll_loss";
    if (o.label_smoothing != 0)
        throw DomainError("nll_loss: label_smoothing is for cross_entropy, got " + num(o.label_smoothing));
    check_targets(op, log_probs.shape(), target, o.ignore_index);
    Tensor<T> q = kernels::cross_entropy_targets<T>(log_probs.shape(), target, 0.0, o.ignore_index).first;
    if (!o.weight.empty()) q = tg::mul(q, class_weights<T>(op, log_probs.shape(), o.weight));
    const Var<T> l = -sum(constant(q) * log_probs, Shape{class_axis(log_probs.dim())}, false);
    return weighted_reduce(l, o, target_weight(target, o.weight, o.ignore_index), op);
}

template <class T>
Var<T> nll_loss(const Var<T>& log_probs, const std::vector<index_t>& target, const CrossEntropyOptions& o) {
    return nll_loss(log_probs, flat_targets(log_probs.shape(), target), o);
}

namespace {
// log(v) clamped below at -100 (PyTorch's binary_cross_entropy); derivative 0 where clamped.
template <class T>
Var<T> clamped_log(const Var<T>& v) {
    const Tensor<T> keep = tg::greater(tg::log(v.value()), Tensor<T>::scalar(T(-100)));
    const Tensor<T> drop = T(1) - keep;
    // Where clamped, log is taken of 1 (a constant shift), so no -inf or NaN enters the graph.
    const Var<T> safe = v + constant(tg::mul(drop, T(1) - v.value()));
    return constant(keep) * log(safe) + constant(T(-100) * drop);
}
}  // namespace

template <class T>
Var<T> binary_cross_entropy(const Var<T>& p, const Var<T>& t, Reduction r) {
    for (T v : p.value().to_vector())
        if (!(v >= 0 && v <= 1))
            throw DomainError("binary_cross_entropy: input probabilities must be in [0, 1], got " + num(v));
    const Var<T> l = -(t * clamped_log(p) + (T(1) - t) * clamped_log(T(1) - p));
    return reduce(l, r, "binary_cross_entropy");
}

template <class T>
Var<T> binary_cross_entropy_with_logits(const Var<T>& x, const Var<T>& t, Reduction r,
                                        const Var<T>& pos_weight) {
    const Var<T> w = pos_weight.defined() ? pos_weight : Var<T>(T(1));
    return reduce(apply<ops::BinaryCrossEntropyWithLogits, T>(Attrs{}, x, t, w), r,
                  "binary_cross_entropy_with_logits");
}

template <class T>
Var<T> mse_loss(const Var<T>& a, const Var<T>& b, Reduction r) {
    return reduce(square(a - b), r, "mse_loss");
}

template <class T>
Var<T> l1_loss(const Var<T>& a, const Var<T>& b, Reduction r) {
    return reduce(abs(a - b), r, "l1_loss");
}

namespace {
// Quadratic (scaled by `quad`) where |d| < k, linear (slope `lin`, offset `off`) beyond: the mask
// is a constant, so both pieces stay differentiable at every order.
template <class T>
Var<T> piecewise(const Var<T>& d, double k, double quad, double lin, double off) {
    const Tensor<T> m = tg::less(tg::abs(d.value()), Tensor<T>::scalar(static_cast<T>(k)));
    return constant(m) * (T(quad) * (d * d)) + constant(T(1) - m) * (T(lin) * abs(d) - T(off));
}
}  // namespace

template <class T>
Var<T> smooth_l1_loss(const Var<T>& a, const Var<T>& b, Reduction r, double beta) {
    if (!(beta >= 0)) throw DomainError("smooth_l1_loss: beta must be >= 0, got " + num(beta));
    const Var<T> d = a - b;
    if (beta == 0) return reduce(abs(d), r, "smooth_l1_loss");
    return reduce(piecewise(d, beta, 0.5 / beta, 1.0, 0.5 * beta), r, "smooth_l1_loss");
}

template <class T>
Var<T> huber_loss(const Var<T>& a, const Var<T>& b, Reduction r, double delta) {
    if (!(delta > 0)) throw DomainError("huber_loss: delta must be > 0, got " + num(delta));
    return reduce(piecewise(a - b, delta, 0.5, delta, 0.5 * delta * delta), r, "huber_loss");
}

template <class T>
Var<T> kl_div(const Var<T>& input, const Var<T>& target, Reduction r, bool log_target) {
    Var<T> l;
    if (log_target) {
        l = exp(target) * (target - input);
    } else {  // p log p taken as 0 where p = 0 (log of 1 there, a constant shift)
        const Tensor<T> zero = tg::equal(target.value(), Tensor<T>::scalar(T(0)));
        l = target * (log(target + constant(zero)) - input);
    }
    if (r == Reduction::batchmean) {
        const index_t n = input.dim() == 0 ? 1 : input.shape()[0];
        return sum(l) / Var<T>(static_cast<T>(n));
    }
    return reduce(l, r, "kl_div");
}

template <class T>
Var<T> cosine_similarity(const Var<T>& a_in, const Var<T>& b_in, int axis, double eps) {
    // Both broadcast to their common shape first (as PyTorch does), so `axis` names an axis of
    // that shape and each norm is taken over the same extent as the dot product.
    const Shape common = broadcast_shapes(a_in.shape(), b_in.shape(), "cosine_similarity");
    const Var<T> a = a_in.shape() == common ? a_in : broadcast_to(a_in, common);
    const Var<T> b = b_in.shape() == common ? b_in : broadcast_to(b_in, common);
    const int ax = normalize_axis(axis, static_cast<int>(common.size()), "cosine_similarity");
    const Shape axes{ax};
    const T e2 = static_cast<T>(eps * eps);
    // |v|^2 clamped below at eps^2, each vector on its own (PyTorch 1.13); the clamp's mask is a
    // constant, so a clamped norm has derivative 0.
    auto clamped_norm = [&](const Var<T>& v) {
        const Var<T> w = sum(v * v, axes);
        const Tensor<T> m = tg::greater(w.value(), Tensor<T>::scalar(e2));
        return sqrt(constant(m) * w + constant(e2 * (T(1) - m)));
    };
    return sum(a * b, axes) / (clamped_norm(a) * clamped_norm(b));
}

template <class T>
Var<T> margin_ranking_loss(const Var<T>& x1, const Var<T>& x2, const Var<T>& y, double margin, Reduction r) {
    return reduce(relu(-y * (x1 - x2) + T(margin)), r, "margin_ranking_loss");
}

template <class T>
Var<T> hinge_embedding_loss(const Var<T>& x, const Var<T>& y, double margin, Reduction r) {
    for (T v : y.value().to_vector())
        if (v != 1 && v != -1)
            throw DomainError("hinge_embedding_loss: targets must be 1 or -1, got " + num(v));
    const Tensor<T> pos = tg::equal(y.value(), Tensor<T>::scalar(T(1)));
    return reduce(constant(pos) * x + constant(T(1) - pos) * relu(T(margin) - x), r, "hinge_embedding_loss");
}

// ---- normalization ----

namespace {

template <class T>
Var<T> affine(Var<T> y, const Var<T>& w, const Var<T>& b, const Shape& as) {
    if (w.defined()) y = y * reshape(w, as);
    if (b.defined()) y = y + reshape(b, as);
    return y;
}

// The shape (1, C, 1, ...) of a per-channel parameter, after checking it has C elements.
Shape channel_shape(const char* op, const Shape& x, const char* what, const Shape& p) {
    Shape s = Shape::filled(x.size(), 1);
    s[1] = x[1];
    if (!(p == Shape{x[1]}))
        throw ShapeError(std::string(op) + ": " + what + " of shape " + p.str() + " for " +
                         std::to_string(x[1]) + " channels (input " + x.str() + ")");
    return s;
}

template <class T>
Shape channel_affine_shape(const char* op, const Var<T>& x, const Var<T>& w, const Var<T>& b) {
    if (x.dim() < 2)
        throw ShapeError(std::string(op) + ": input needs (N, C, ...), got shape " + x.shape().str());
    Shape s = Shape::filled(x.dim(), 1);
    s[1] = x.shape()[1];
    if (w.defined()) channel_shape(op, x.shape(), "weight", w.shape());
    if (b.defined()) channel_shape(op, x.shape(), "bias", b.shape());
    return s;
}

Shape trailing_axes(const char* op, const Shape& x, const Shape& normalized) {
    const int k = normalized.size(), r = x.size();
    bool ok = k <= r && k > 0;
    for (int i = 0; ok && i < k; ++i) ok = x[r - k + i] == normalized[i];
    if (!ok)
        throw ShapeError(std::string(op) + ": normalized_shape " + normalized.str() +
                         " is not the trailing shape of " + x.str());
    Shape axes;
    for (int i = r - k; i < r; ++i) axes.push_back(i);
    return axes;
}

template <class T>
void check_param(const char* op, const char* what, const Var<T>& p, const Shape& want) {
    if (p.defined() && !(p.shape() == want))
        throw ShapeError(std::string(op) + ": " + what + " of shape " + p.shape().str() + ", expected " +
                         want.str());
}

}  // namespace

namespace {
// Normalizes (N, C, ...) over `axes` (which never include 1) and applies the per-channel affine.
// Spatial axes are merged first, (N, C, H, W) -> (N, C, HW): the affine's broadcast then runs on
// rows of HW elements instead of W (measured: batch_norm (64, 64, 16, 16) spent most of its time
// in rows of 16).
template <class T>
Var<T> channel_normalize(const Var<T>& x, const Shape& axes, const Var<T>& w, const Var<T>& b,
                         const Shape& as, double eps) {
    if (x.dim() <= 3) return affine(apply<ops::Normalize, T>(ops::Normalize::over(axes, eps), x), w, b, as);
    const index_t n = x.shape()[0], c = x.shape()[1];
    const index_t rest = n * c ? x.numel() / (n * c) : 0;
    Shape merged;
    for (index_t a : axes) merged.push_back(a <= 1 ? a : 2);
    if (merged.size() > 1 && merged[merged.size() - 1] == merged[merged.size() - 2]) {
        Shape u;
        for (index_t a : merged)
            if (u.size() == 0 || u[u.size() - 1] != a) u.push_back(a);
        merged = u;
    }
    const Var<T> x3 = reshape(x, Shape{n, c, rest});
    const Var<T> y = affine(apply<ops::Normalize, T>(ops::Normalize::over(merged, eps), x3), w, b,
                            Shape{1, c, 1});
    return reshape(y, x.shape());
}
}  // namespace

template <class T>
Var<T> layer_norm(const Var<T>& x, const Shape& normalized_shape, const Var<T>& weight, const Var<T>& bias,
                  double eps) {
    const Shape axes = trailing_axes("layer_norm", x.shape(), normalized_shape);
    check_param("layer_norm", "weight", weight, normalized_shape);
    check_param("layer_norm", "bias", bias, normalized_shape);
    // Both affine parameters: the fused op (one pass each way); otherwise the composition.
    if (weight.defined() && bias.defined())
        return apply<ops::LayerNorm, T>(ops::LayerNorm::with_eps(eps), x, weight, bias);
    const Var<T> y = apply<ops::Normalize, T>(ops::Normalize::over(axes, eps), x);
    return affine(y, weight, bias, normalized_shape);
}

template <class T>
Var<T> batch_norm(const Var<T>& x, std::type_identity_t<Tensor<T>>* running_mean,
                  std::type_identity_t<Tensor<T>>* running_var, const Var<T>& weight, const Var<T>& bias,
                  bool training, double momentum, double eps) {
    const char* op = "batch_norm";
    const Shape as = channel_affine_shape(op, x, weight, bias);
    const index_t c = x.shape()[1];
    for (Tensor<T>* r : {running_mean, running_var})
        if (r && !(r->shape() == Shape{c}))
            throw ShapeError(std::string(op) + ": running statistics of shape " + r->shape().str() + " for " +
                             std::to_string(c) + " channels");
    Shape axes;
    for (int i = 0; i < x.dim(); ++i)
        if (i != 1) axes.push_back(i);
    if (!training) {
        if (!running_mean || !running_var)
            throw DomainError("batch_norm: eval mode needs running_mean and running_var");
        const Tensor<T> m = running_mean->reshape(as),
                        rs = tg::rsqrt(running_var->reshape(as) + static_cast<T>(eps));
        return affine((x - constant(m)) * constant(rs), weight, bias, as);
    }
    const index_t n = c ? x.numel() / c : 0;
    if (n <= 1)
        throw DomainError(
            "batch_norm: expected more than 1 value per channel when training, got input of shape " +
            x.shape().str());
    if (running_mean || running_var) {  // caller-owned buffers, updated outside the graph
        NoGrad plain;
        const auto [m, v] = kernels::moments(x.value(), axes);
        const T mom = static_cast<T>(momentum), keep = static_cast<T>(1 - momentum);
        if (running_mean) running_mean->assign(keep * *running_mean + mom * m.reshape({c}));
        if (running_var)
            running_var->assign(keep * *running_var +
                                mom * static_cast<T>(static_cast<double>(n) / static_cast<double>(n - 1)) *
                                    v.reshape({c}));
    }
    return channel_normalize(x, axes, weight, bias, as, eps);
}

template <class T>
Var<T> group_norm(const Var<T>& x, int groups, const Var<T>& weight, const Var<T>& bias, double eps) {
    const char* op = "group_norm";
    const Shape as = channel_affine_shape(op, x, weight, bias);
    const index_t c = x.shape()[1];
    if (groups <= 0 || c % groups != 0)
        throw ShapeError("group_norm: " + std::to_string(groups) + " groups do not divide " +
                         std::to_string(c) + " channels");
    const index_t n = x.shape()[0];
    const index_t rest = n * groups ? x.numel() / (n * groups) : 0;
    const Var<T> xr = reshape(x, Shape{n, static_cast<index_t>(groups), rest});
    const Var<T> y = reshape(apply<ops::Normalize, T>(ops::Normalize::over({2}, eps), xr), x.shape());
    return affine(y, weight, bias, as);
}

template <class T>
Var<T> instance_norm(const Var<T>& x, const Var<T>& weight, const Var<T>& bias, double eps) {
    const Shape as = channel_affine_shape("instance_norm", x, weight, bias);
    if (x.dim() < 3)
        throw ShapeError("instance_norm: input needs (N, C, L...), got shape " + x.shape().str());
    Shape axes;
    for (int i = 2; i < x.dim(); ++i) axes.push_back(i);
    return channel_normalize(x, axes, weight, bias, as, eps);
}

template <class T>
Var<T> rms_norm(const Var<T>& x, const Shape& normalized_shape, const Var<T>& weight, double eps) {
    const Shape axes = trailing_axes("rms_norm", x.shape(), normalized_shape);
    check_param("rms_norm", "weight", weight, normalized_shape);
    const Var<T> y = x * pow(mean(x * x, axes, true) + T(eps), T(-0.5));
    return affine(y, weight, Var<T>(), normalized_shape);
}

// ---- dropout ----

template <class T>
Var<T> dropout(const Var<T>& x, double p, std::uint64_t seed, bool training) {
    if (!(p >= 0 && p <= 1)) throw DomainError("dropout: probability must be in [0, 1], got " + num(p));
    if (!training || p == 0) return x;
    return apply<ops::Dropout, T>(ops::Dropout::with(p, seed), x);
}

#define TG_NN_INSTANTIATE(T)                                                                                  \
    template Var<T> softmax<T>(const Var<T>&, int);                                                           \
    template Var<T> log_softmax<T>(const Var<T>&, int);                                                       \
    template Var<T> logsumexp<T>(const Var<T>&, const Shape&, bool);                                          \
    template Tensor<T> softmax<T>(const Tensor<T>&, int);                                                     \
    template Tensor<T> log_softmax<T>(const Tensor<T>&, int);                                                 \
    template Tensor<T> logsumexp<T>(const Tensor<T>&, const Shape&, bool);                                    \
    template Var<T> cross_entropy<T>(const Var<T>&, const IndexArray&, const CrossEntropyOptions&);           \
    template Var<T> cross_entropy<T>(const Var<T>&, const std::vector<index_t>&, const CrossEntropyOptions&); \
    template Var<T> cross_entropy<T>(const Var<T>&, const Var<T>&, const CrossEntropyOptions&);               \
    template Var<T> nll_loss<T>(const Var<T>&, const IndexArray&, const CrossEntropyOptions&);                \
    template Var<T> nll_loss<T>(const Var<T>&, const std::vector<index_t>&, const CrossEntropyOptions&);      \
    template Var<T> binary_cross_entropy<T>(const Var<T>&, const Var<T>&, Reduction);                         \
    template Var<T> binary_cross_entropy_with_logits<T>(const Var<T>&, const Var<T>&, Reduction,              \
                                                        const Var<T>&);                                       \
    template Var<T> mse_loss<T>(const Var<T>&, const Var<T>&, Reduction);                                     \
    template Var<T> l1_loss<T>(const Var<T>&, const Var<T>&, Reduction);                                      \
    template Var<T> smooth_l1_loss<T>(const Var<T>&, const Var<T>&, Reduction, double);                       \
    template Var<T> huber_loss<T>(const Var<T>&, const Var<T>&, Reduction, double);                           \
    template Var<T> kl_div<T>(const Var<T>&, const Var<T>&, Reduction, bool);                                 \
    template Var<T> cosine_similarity<T>(const Var<T>&, const Var<T>&, int, double);                          \
    template Var<T> margin_ranking_loss<T>(const Var<T>&, const Var<T>&, const Var<T>&, double, Reduction);   \
    template Var<T> hinge_embedding_loss<T>(const Var<T>&, const Var<T>&, double, Reduction);                 \
    template Var<T> layer_norm<T>(const Var<T>&, const Shape&, const Var<T>&, const Var<T>&, double);         \
    template Var<T> batch_norm<T>(const Var<T>&, std::type_identity_t<Tensor<T>>*,                            \
                                  std::type_identity_t<Tensor<T>>*, const Var<T>&, const Var<T>&, bool,       \
                                  double, double);                                                            \
    template Var<T> group_norm<T>(const Var<T>&, int, const Var<T>&, const Var<T>&, double);                  \
    template Var<T> instance_norm<T>(const Var<T>&, const Var<T>&, const Var<T>&, double);                    \
    template Var<T> rms_norm<T>(const Var<T>&, const Shape&, const Var<T>&, double);                          \
    template Var<T> dropout<T>(const Var<T>&, double, std::uint64_t, bool);
TG_NN_INSTANTIATE(float)
TG_NN_INSTANTIATE(double)
#undef TG_NN_INSTANTIATE

}  // namespace tg
