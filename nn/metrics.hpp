#pragma once
// Classification metrics: accuracy, top-k accuracy, the confusion matrix and per-class precision,
// recall and F1 with their macro averages, from logits (N, C) or predicted labels, against integer
// labels (an IndexArray or a std::vector<index_t>, as a DataLoader's batches hold them).
//
// Conventions (where the definitions are silent):
// - argmax ties go to the lowest class index (numpy and torch do the same); top-k ranks a class
//   by (logit descending, index ascending), so top_k_accuracy(x, y, 1) == accuracy(x, y) always.
// - A NaN logit is a DomainError (its rank is undefined), not a silently wrong prediction.
// - A class never predicted has precision 0, a class absent from the labels has recall 0, and F1
//   is 0 when precision + recall is 0 (scikit-learn's zero_division=0). The macro averages run
//   over ALL classes, these included, so a model that ignores a class is penalized for it;
//   `predicted` and `support` in the report tell a real 0 from an undefined one.
// - No examples at all is a DomainError: an accuracy of 0/0 has no value worth returning.
#include <cstdint>
#include <string>
#include <vector>

#include "../autodiff/attrs.hpp"
#include "../tensor/tensor.hpp"

namespace tg::nn {

/// The predicted class of each row of `logits` (N, C): the index of its largest value.
/// @throws ShapeError if logits is not 2-D or C == 0; DomainError on a NaN
template <class T>
std::vector<index_t> predicted_labels(const Tensor<T>& logits);

/// Fraction of rows whose largest logit is the label's.
/// @throws ShapeError (not 2-D, labels' length differs from N, labels not 1-D), IndexError (a
/// label outside [0, C)), DomainError (N == 0, a NaN logit)
template <class T>
double accuracy(const Tensor<T>& logits, const IndexArray& labels);
template <class T>
double accuracy(const Tensor<T>& logits, const std::vector<index_t>& labels);
/// Fraction of equal entries. @throws ShapeError (lengths differ), DomainError (empty)
double accuracy(const std::vector<index_t>& predicted, const std::vector<index_t>& labels);

/// Fraction of rows whose label is among the k highest logits (ties: lower index first).
/// @throws as accuracy, and DomainError unless 1 <= k <= C
template <class T>
double top_k_accuracy(const Tensor<T>& logits, const IndexArray& labels, index_t k);
template <class T>
double top_k_accuracy(const Tensor<T>& logits, const std::vector<index_t>& labels, index_t k);

/// Precision, recall and F1 of each class, their unweighted (macro) means, and the counts behind.
struct ClassificationReport {
    std::vector<double> precision, recall, f1;
    std::vector<std::int64_t> support;    ///< examples of each class in the labels
    std::vector<std::int64_t> predicted;  ///< examples predicted as each class
    double macro_precision = 0, macro_recall = 0, macro_f1 = 0, accuracy = 0;
    /// A table, one line per class (names optional: "0", "1", ... otherwise) and the averages.
    std::string str(const std::vector<std::string>& class_names = {}) const;
};

/// counts(true class, predicted class), accumulated over batches with add().
class ConfusionMatrix {
public:
    /// @throws DomainError if num_classes <= 0
    explicit ConfusionMatrix(index_t num_classes);
    /// @throws ShapeError (lengths differ), IndexError (a class outside [0, num_classes))
    void add(const std::vector<index_t>& predicted, const std::vector<index_t>& labels);
    /// Adds the argmax of `logits` (N, num_classes). @throws as predicted_labels and add
    template <class T>
    void add(const Tensor<T>& logits, const std::vector<index_t>& labels);
    template <class T>
    void add(const Tensor<T>& logits, const IndexArray& labels);

    index_t num_classes() const { return n_; }
    std::int64_t total() const { return total_; }
    /// Examples of class `truth` predicted as `pred`. @throws IndexError
    std::int64_t operator()(index_t truth, index_t pred) const;
    /// @throws DomainError if nothing was added
    ClassificationReport report() const;
    /// The matrix as text: rows are true classes, columns predictions.
    std::string str(const std::vector<std::string>& class_names = {}) const;

private:
    index_t n_;
    std::int64_t total_ = 0;
    std::vector<std::int64_t> counts_;  // row-major (truth, pred)
};

}  // namespace tg::nn
