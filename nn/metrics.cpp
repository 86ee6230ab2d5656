#include "metrics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "../tensor/error.hpp"

namespace tg::nn {

namespace {

// The logits as (N, C) row-major values, checked.
template <class T>
std::vector<T> rows_of(const Tensor<T>& logits, const char* fn, index_t& n, index_t& c) {
    logits.require_defined(fn);
    if (logits.dim() != 2 || logits.size(1) == 0)
        throw ShapeError(std::string(fn) + ": logits must be (N, C) with C > 0, got " + logits.shape().str());
    n = logits.size(0);
    c = logits.size(1);
    std::vector<T> v = logits.to_vector();
    for (std::size_t k = 0; k < v.size(); ++k)
        if (std::isnan(v[k]))
            throw DomainError(std::string(fn) + ": NaN logit in row " + std::to_string(k / std::size_t(c)));
    return v;
}

const std::vector<index_t>& labels_of(const IndexArray& a, const char* fn) {
    if (a.shape.size() != 1 || static_cast<std::size_t>(a.shape.numel()) != a.data.size())
        throw ShapeError(std::string(fn) + ": labels must be a 1-D IndexArray, got shape " + a.shape.str());
    return a.data;
}

void check_labels(const std::vector<index_t>& labels, index_t n, index_t c, const char* fn) {
    if (static_cast<index_t>(labels.size()) != n)
        throw ShapeError(std::string(fn) + ": " + std::to_string(n) + " rows of logits but " +
                         std::to_string(labels.size()) + " labels");
    if (n == 0) throw DomainError(std::string(fn) + ": no examples");
    for (std::size_t i = 0; i < labels.size(); ++i)
        if (labels[i] < 0 || labels[i] >= c)
            throw IndexError(std::string(fn) + ": label " + std::to_string(labels[i]) + " at " +
                             std::to_string(i) + " outside [0, " + std::to_string(c) + ")");
}

template <class T>
std::vector<index_t> argmax_rows(const std::vector<T>& v, index_t n, index_t c) {
    std::vector<index_t> out(static_cast<std::size_t>(n));
    for (index_t i = 0; i < n; ++i) {
        const T* r = v.data() + i * c;
        out[static_cast<std::size_t>(i)] = std::max_element(r, r + c) - r;  // first of the maxima
    }
    return out;
}

double safe_ratio(std::int64_t a, std::int64_t b) {
    return b == 0 ? 0.0 : static_cast<double>(a) / static_cast<double>(b);
}

std::string name_of(const std::vector<std::string>& names, index_t k) {
    return static_cast<std::size_t>(k) < names.size() ? names[static_cast<std::size_t>(k)] : std::to_string(k);
}

}  // namespace

template <class T>
std::vector<index_t> predicted_labels(const Tensor<T>& logits) {
    index_t n, c;
    const std::vector<T> v = rows_of(logits, "predicted_labels", n, c);
    return argmax_rows(v, n, c);
}

double accuracy(const std::vector<index_t>& predicted, const std::vector<index_t>& labels) {
    if (predicted.size() != labels.size())
        throw ShapeError("accuracy: " + std::to_string(predicted.size()) + " predictions but " +
                         std::to_string(labels.size()) + " labels");
    if (labels.empty()) throw DomainError("accuracy: no examples");
    std::int64_t hit = 0;
    for (std::size_t i = 0; i < labels.size(); ++i) hit += predicted[i] == labels[i];
    return safe_ratio(hit, static_cast<std::int64_t>(labels.size()));
}

template <class T>
double accuracy(const Tensor<T>& logits, const std::vector<index_t>& labels) {
    index_t n, c;
    const std::vector<T> v = rows_of(logits, "accuracy", n, c);
    check_labels(labels, n, c, "accuracy");
    return accuracy(argmax_rows(v, n, c), labels);
}
template <class T>
double accuracy(const Tensor<T>& logits, const IndexArray& labels) {
    return accuracy(logits, labels_of(labels, "accuracy"));
}

template <class T>
double top_k_accuracy(const Tensor<T>& logits, const std::vector<index_t>& labels, index_t k) {
    index_t n, c;
    const std::vector<T> v = rows_of(logits, "top_k_accuracy", n, c);
    if (k < 1 || k > c)
        throw DomainError("top_k_accuracy: k = " + std::to_string(k) + " outside [1, " + std::to_string(c) +
                          "]");
    check_labels(labels, n, c, "top_k_accuracy");
    std::int64_t hit = 0;
    for (index_t i = 0; i < n; ++i) {
        const T* r = v.data() + i * c;
        const index_t y = labels[static_cast<std::size_t>(i)];
        // The label's rank under (value descending, index ascending): the classes ahead of it.
        index_t ahead = 0;
        for (index_t j = 0; j < c; ++j) ahead += r[j] > r[y] || (r[j] == r[y] && j < y);
        hit += ahead < k;
    }
    return safe_ratio(hit, n);
}
template <class T>
double top_k_accuracy(const Tensor<T>& logits, const IndexArray& labels, index_t k) {
    return top_k_accuracy(logits, labels_of(labels, "top_k_accuracy"), k);
}

ConfusionMatrix::ConfusionMatrix(index_t num_classes) : n_(num_classes) {
    if (num_classes <= 0)
        throw DomainError("ConfusionMatrix: num_classes must be > 0, got " + std::to_string(num_classes));
    // n * n counts: above 2^16 classes the matrix alone is 32 GiB, and from 2^32 n * n overflows.
    if (num_classes > (index_t(1) << 16))
        throw DomainError("ConfusionMatrix: num_classes " + std::to_string(num_classes) +
                          " is more than 65536 (the matrix would hold num_classes^2 counts)");
    counts_.assign(static_cast<std::size_t>(n_ * n_), 0);
}

void ConfusionMatrix::add(const std::vector<index_t>& predicted, const std::vector<index_t>& labels) {
    if (predicted.size() != labels.size())
        throw ShapeError("ConfusionMatrix::add: " + std::to_string(predicted.size()) + " predictions but " +
                         std::to_string(labels.size()) + " labels");
    // Check everything first: a bad entry leaves the matrix unchanged.
    for (std::size_t i = 0; i < labels.size(); ++i)
        for (index_t v : {predicted[i], labels[i]})
            if (v < 0 || v >= n_)
                throw IndexError("ConfusionMatrix::add: class " + std::to_string(v) + " at " +
                                 std::to_string(i) + " outside [0, " + std::to_string(n_) + ")");
    for (std::size_t i = 0; i < labels.size(); ++i)
        ++counts_[static_cast<std::size_t>(labels[i] * n_ + predicted[i])];
    total_ += static_cast<std::int64_t>(labels.size());
}

template <class T>
void ConfusionMatrix::add(const Tensor<T>& logits, const std::vector<index_t>& labels) {
    index_t n, c;
    const std::vector<T> v = rows_of(logits, "ConfusionMatrix::add", n, c);
    if (c != n_)
        throw ShapeError("ConfusionMatrix::add: logits " + logits.shape().str() + " for " +
                         std::to_string(n_) + " classes");
    add(argmax_rows(v, n, c), labels);
}
template <class T>
void ConfusionMatrix::add(const Tensor<T>& logits, const IndexArray& labels) {
    add(logits, labels_of(labels, "ConfusionMatrix::add"));
}

std::int64_t ConfusionMatrix::operator()(index_t truth, index_t pred) const {
    if (truth < 0 || truth >= n_ || pred < 0 || pred >= n_)
        throw IndexError("ConfusionMatrix: (" + std::to_string(truth) + ", " + std::to_string(pred) +
                         ") outside " + std::to_string(n_) + " classes");
    return counts_[static_cast<std::size_t>(truth * n_ + pred)];
}

ClassificationReport ConfusionMatrix::report() const {
    if (total_ == 0) throw DomainError("ConfusionMatrix::report: no examples added");
    ClassificationReport r;
    std::int64_t diag = 0;
    for (index_t k = 0; k < n_; ++k) {
        std::int64_t support = 0, predicted = 0;
        for (index_t j = 0; j < n_; ++j) {
            support += (*this)(k, j);
            predicted += (*this)(j, k);
        }
        const std::int64_t tp = (*this)(k, k);
        diag += tp;
        const double p = safe_ratio(tp, predicted), rc = safe_ratio(tp, support);
        r.precision.push_back(p);
        r.recall.push_back(rc);
        r.f1.push_back(p + rc > 0 ? 2 * p * rc / (p + rc) : 0.0);
        r.support.push_back(support);
        r.predicted.push_back(predicted);
    }
    const auto mean = [&](const std::vector<double>& v) {
        double s = 0;
        for (double x : v) s += x;
        return s / static_cast<double>(n_);
    };
    r.macro_precision = mean(r.precision);
    r.macro_recall = mean(r.recall);
    r.macro_f1 = mean(r.f1);
    r.accuracy = safe_ratio(diag, total_);
    return r;
}

std::string ClassificationReport::str(const std::vector<std::string>& names) const {
    std::size_t w = 5;
    for (std::size_t k = 0; k < precision.size(); ++k) w = std::max(w, name_of(names, index_t(k)).size());
    // Names are padded here, not by snprintf: a long one would be cut off with the numbers after it.
    const auto pad = [w](const std::string& s) { return s + std::string(w - std::min(w, s.size()), ' '); };
    std::string out = pad("class") + "  precision  recall     f1  support\n";
    char line[128];
    for (std::size_t k = 0; k < precision.size(); ++k) {
        std::snprintf(line, sizeof line, "  %9.4f  %6.4f  %.4f  %7lld%s\n", precision[k], recall[k], f1[k],
                      static_cast<long long>(support[k]), predicted[k] == 0 ? "  (never predicted)" : "");
        out += pad(name_of(names, index_t(k))) + line;
    }
    std::snprintf(line, sizeof line, "  %9.4f  %6.4f  %.4f\n", macro_precision, macro_recall, macro_f1);
    out += pad("macro") + line;
    std::snprintf(line, sizeof line, "  %26.4f\n", accuracy);
    return out + pad("accuracy") + line;
}

std::string ConfusionMatrix::str(const std::vector<std::string>& names) const {
    std::size_t w = 5;
    for (index_t k = 0; k < n_; ++k) w = std::max(w, name_of(names, k).size());
    int cw = 6;
    for (std::int64_t c : counts_) cw = std::max(cw, int(std::to_string(c).size()) + 1);
    std::string out = std::string(w, ' ') + " ";
    char cell[64];
    for (index_t j = 0; j < n_; ++j) {
        std::snprintf(cell, sizeof cell, "%*lld", cw, static_cast<long long>(j));
        out += cell;
    }
    out += "   <- predicted\n";
    for (index_t k = 0; k < n_; ++k) {
        out += name_of(names, k) + std::string(w - name_of(names, k).size() + 1, ' ');
        for (index_t j = 0; j < n_; ++j) {
            std::snprintf(cell, sizeof cell, "%*lld", cw, static_cast<long long>((*this)(k, j)));
            out += cell;
        }
        out += "\n";
    }
    return out;
}

#define TG_METRICS_INSTANTIATE(T)                                                              \
    template std::vector<index_t> predicted_labels<T>(const Tensor<T>&);                       \
    template double accuracy<T>(const Tensor<T>&, const IndexArray&);                          \
    template double accuracy<T>(const Tensor<T>&, const std::vector<index_t>&);                \
    template double top_k_accuracy<T>(const Tensor<T>&, const IndexArray&, index_t);           \
    template double top_k_accuracy<T>(const Tensor<T>&, const std::vector<index_t>&, index_t); \
    template void ConfusionMatrix::add<T>(const Tensor<T>&, const std::vector<index_t>&);      \
    template void ConfusionMatrix::add<T>(const Tensor<T>&, const IndexArray&);
TG_METRICS_INSTANTIATE(float)
TG_METRICS_INSTANTIATE(double)
#undef TG_METRICS_INSTANTIATE

}  // namespace tg::nn
