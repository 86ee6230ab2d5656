// Classification metrics against values computed by hand (each case says how), their edge cases
// (ties, a class never predicted, a class absent from the labels) and every error.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

#include "../nn/metrics.hpp"

using tg::index_t;
using tg::IndexArray;
using tg::Tensor;
namespace nn = tg::nn;

namespace {
// Six rows, three classes. By hand: argmax = 0, 1, 2, 0 (tie 5 = 5 goes to the lower index), 1, 1
// against labels 0, 1, 1, 1, 2, 0: rows 0 and 1 right, accuracy 2/6. The label's rank (classes
// ahead of it, ties to the lower index): 0, 0, 2, 1, 1, 1, so top-2 misses row 2 only: 5/6.
template <class T>
Tensor<T> six_rows() {
    return Tensor<T>{{2, 1, 0}, {0, 3, 1}, {1, 0, 2}, {5, 5, 1}, {0, 1, 0.5}, {1, 2, 0}};
}
const std::vector<index_t> six_labels = {0, 1, 1, 1, 2, 0};
}  // namespace

TEST_CASE_TEMPLATE("metrics: accuracy and top-k from logits, ties to the lower index", T, float, double) {
    const Tensor<T> x = six_rows<T>();
    CHECK(nn::predicted_labels(x) == std::vector<index_t>{0, 1, 2, 0, 1, 1});
    CHECK(nn::accuracy(x, six_labels) == doctest::Approx(2.0 / 6));
    CHECK(nn::accuracy(x, IndexArray{tg::Shape{6}, six_labels}) == doctest::Approx(2.0 / 6));
    CHECK(nn::top_k_accuracy(x, six_labels, 1) == doctest::Approx(2.0 / 6));
    CHECK(nn::top_k_accuracy(x, six_labels, 2) == doctest::Approx(5.0 / 6));
    CHECK(nn::top_k_accuracy(x, IndexArray{tg::Shape{6}, six_labels}, 3) == 1.0);
}

TEST_CASE("metrics: a transposed view gives the same predictions as its contiguous copy") {
    const Tensor<double> xt = six_rows<double>().transpose().contiguous();  // (3, 6)
    const Tensor<double> view = xt.transpose();                             // (6, 3) strided
    REQUIRE_FALSE(view.is_contiguous());
    CHECK(nn::predicted_labels(view) == std::vector<index_t>{0, 1, 2, 0, 1, 1});
    CHECK(nn::top_k_accuracy(view, six_labels, 2) == doctest::Approx(5.0 / 6));
}

TEST_CASE("metrics: confusion matrix and per-class precision, recall, F1 by hand") {
    nn::ConfusionMatrix cm(3);
    cm.add(six_rows<float>(), six_labels);
    // (truth, pred) pairs: (0,0) (1,1) (1,2) (1,0) (2,1) (0,1).
    const std::vector<std::vector<std::int64_t>> expect = {{1, 1, 0}, {1, 1, 1}, {0, 1, 0}};
    for (index_t i = 0; i < 3; ++i)
        for (index_t j = 0; j < 3; ++j) CHECK(cm(i, j) == expect[std::size_t(i)][std::size_t(j)]);
    CHECK(cm.total() == 6);
    // Columns sum to 2, 3, 1 predictions; rows to 2, 3, 1 examples.
    // precision = recall = 1/2, 1/3, 0; F1 the same; macro F1 = (1/2 + 1/3) / 3 = 5/18.
    const nn::ClassificationReport r = cm.report();
    CHECK(r.precision[0] == doctest::Approx(0.5));
    CHECK(r.precision[1] == doctest::Approx(1.0 / 3));
    CHECK(r.precision[2] == 0.0);
    CHECK(r.recall[1] == doctest::Approx(1.0 / 3));
    CHECK(r.f1[0] == doctest::Approx(0.5));
    CHECK(r.macro_f1 == doctest::Approx(5.0 / 18));
    CHECK(r.accuracy == doctest::Approx(2.0 / 6));
    CHECK(r.support == std::vector<std::int64_t>{2, 3, 1});
    CHECK(r.predicted == std::vector<std::int64_t>{2, 3, 1});
}

TEST_CASE("metrics: a class never predicted has precision 0, a class never present recall 0") {
    // 4 classes; predictions 0 1 1 1 against labels 0 0 1 2; class 3 appears in neither.
    // class 0: tp 1, predicted 1, support 2 -> P 1, R 1/2, F1 2/3
    // class 1: tp 1, predicted 3, support 1 -> P 1/3, R 1, F1 1/2
    // class 2: never predicted -> P 0; R 0; F1 0.   class 3: P 0, R 0, F1 0.
    nn::ConfusionMatrix cm(4);
    cm.add(std::vector<index_t>{0, 1}, std::vector<index_t>{0, 0});
    cm.add(std::vector<index_t>{1, 1}, std::vector<index_t>{1, 2});  // accumulates over batches
    const nn::ClassificationReport r = cm.report();
    CHECK(r.precision[0] == 1.0);
    CHECK(r.precision[1] == doctest::Approx(1.0 / 3));
    CHECK(r.precision[2] == 0.0);  // never predicted
    CHECK(r.precision[3] == 0.0);
    CHECK(r.recall == std::vector<double>{0.5, 1.0, 0.0, 0.0});
    CHECK(r.f1[0] == doctest::Approx(2.0 / 3));
    CHECK(r.f1[1] == doctest::Approx(0.5));
    CHECK(r.f1[2] == 0.0);
    CHECK(r.f1[3] == 0.0);
    CHECK(r.macro_precision == doctest::Approx((1 + 1.0 / 3) / 4));
    CHECK(r.macro_recall == doctest::Approx(1.5 / 4));
    CHECK(r.macro_f1 == doctest::Approx((2.0 / 3 + 0.5) / 4));
    CHECK(r.accuracy == 0.5);
    CHECK(r.predicted == std::vector<std::int64_t>{1, 3, 0, 0});
    CHECK(r.support == std::vector<std::int64_t>{2, 1, 1, 0});
    const std::string table = r.str({"shirt", "coat", "bag", "boot"});
    CHECK(table.find("bag") != std::string::npos);
    CHECK(table.find("never predicted") != std::string::npos);
    CHECK(cm.str().find("<- predicted") != std::string::npos);
    CHECK(nn::accuracy(std::vector<index_t>{0, 1, 1, 1}, std::vector<index_t>{0, 0, 1, 2}) == 0.5);
}

TEST_CASE("metrics: bad input names the function and the values") {
    const Tensor<float> x = six_rows<float>();
    const auto msg = [](auto&& f) {
        try {
            f();
        } catch (const tg::Error& e) {
            return std::string(e.what());
        }
        return std::string("no throw");
    };
    CHECK_THROWS_AS(nn::accuracy(x, std::vector<index_t>{0, 1}), tg::ShapeError);
    CHECK(msg([&] {
              nn::accuracy(x, std::vector<index_t>{0, 1});
          }) == "accuracy: 6 rows of logits but 2 labels");
    CHECK_THROWS_AS(nn::accuracy(x, std::vector<index_t>{0, 1, 1, 1, 3, 0}), tg::IndexError);
    CHECK(msg([&] {
              nn::accuracy(x, std::vector<index_t>{0, 1, 1, 1, -1, 0});
          }) == "accuracy: label -1 at 4 outside [0, 3)");
    CHECK_THROWS_AS(nn::accuracy(Tensor<float>{1.0f, 2.0f}, std::vector<index_t>{0, 1}), tg::ShapeError);
    CHECK_THROWS_AS(nn::accuracy(Tensor<float>(tg::Shape{0, 3}), std::vector<index_t>{}), tg::DomainError);
    CHECK_THROWS_AS(nn::predicted_labels(Tensor<float>(tg::Shape{2, 0})), tg::ShapeError);
    CHECK_THROWS_AS(nn::predicted_labels(Tensor<float>()), tg::UndefinedTensorError);
    CHECK_THROWS_AS(nn::accuracy(std::vector<index_t>{}, std::vector<index_t>{}), tg::DomainError);
    CHECK_THROWS_AS(nn::accuracy(std::vector<index_t>{1}, std::vector<index_t>{}), tg::ShapeError);
    CHECK_THROWS_AS(nn::accuracy(x, IndexArray{tg::Shape{2, 3}, six_labels}), tg::ShapeError);
    CHECK_THROWS_AS(nn::accuracy(x, IndexArray{tg::Shape{6}, {0, 1}}), tg::ShapeError);  // data too short
    CHECK(msg([&] { nn::top_k_accuracy(x, six_labels, 4); }) == "top_k_accuracy: k = 4 outside [1, 3]");
    CHECK_THROWS_AS(nn::top_k_accuracy(x, six_labels, 0), tg::DomainError);
    Tensor<float> nan = x.clone();
    nan.data()[7] = std::numeric_limits<float>::quiet_NaN();
    CHECK(msg([&] { nn::accuracy(nan, six_labels); }) == "accuracy: NaN logit in row 2");
    CHECK_THROWS_AS(nn::ConfusionMatrix(0), tg::DomainError);
    nn::ConfusionMatrix cm(3);
    CHECK_THROWS_AS(cm.report(), tg::DomainError);
    CHECK_THROWS_AS(cm.add(std::vector<index_t>{0, 5}, std::vector<index_t>{0, 1}), tg::IndexError);
    CHECK(cm.total() == 0);  // a rejected batch adds nothing
    CHECK(cm(0, 0) == 0);
    CHECK_THROWS_AS(cm.add(std::vector<index_t>{0}, std::vector<index_t>{0, 1}), tg::ShapeError);
    CHECK_THROWS_AS(cm.add(Tensor<double>{{1, 2}}, std::vector<index_t>{0}), tg::ShapeError);
    CHECK_THROWS_AS(cm(3, 0), tg::IndexError);
}
