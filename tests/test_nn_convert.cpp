// nn::to<U> and nn::clone: a model rebuilt with the other element type keeps its types, names,
// shapes, settings, modes and (rounded) values; forward results agree to float rounding; float ->
// double -> float is exact; the caller's random stream is untouched; unconvertible and
// inconsistent modules are named in the error.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

#include "../nn/activations.hpp"
#include "../nn/bilinear.hpp"
#include "../nn/conv_transpose.hpp"
#include "../nn/convert.hpp"
#include "../nn/layers.hpp"
#include "../nn/recurrent.hpp"

using tg::Shape;
using tg::Tensor;
using tg::Var;
namespace nn = tg::nn;

namespace {
std::string message_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const tg::Error& e) {
        return e.what();
    }
    return "no error";
}
template <class A, class B>
double max_rel(const Tensor<A>& a, const Tensor<B>& b) {
    auto x = a.to_vector();
    auto y = b.to_vector();
    if (x.size() != y.size()) return INFINITY;
    double d = 0;
    for (std::size_t i = 0; i < x.size(); ++i)
        d = std::max(d, std::abs(double(x[i]) - double(y[i])) / std::max(1.0, std::abs(double(y[i]))));
    return d;
}
std::shared_ptr<nn::Sequential<float>> zoo() {
    auto m = std::make_shared<nn::Sequential<float>>();
    m->push_back(
        std::make_shared<nn::Conv2d<float>>(1, 4, tg::Pair{3, 3}, tg::Conv2dOptions{.padding = {1, 1}}));
    m->push_back(std::make_shared<nn::BatchNorm2d<float>>(4));
    m->push_back(std::make_shared<nn::LeakyReLU<float>>(0.1));
    m->push_back(std::make_shared<nn::MaxPool2d<float>>(tg::Pool2dOptions{.kernel = {2, 2}, .stride = {2, 2}}));
    m->push_back(std::make_shared<nn::ConvTranspose2d<float>>(4, 2, tg::Pair{2, 2},
                                                              tg::Conv2dOptions{.stride = {2, 2}}));
    m->push_back(std::make_shared<nn::Flatten<float>>());
    m->push_back(std::make_shared<nn::LayerNorm<float>>(Shape{2 * 12 * 12}));
    m->push_back(std::make_shared<nn::Dropout<float>>(0.3));
    m->push_back(std::make_shared<nn::Linear<float>>(288, 5));
    m->push_back(std::make_shared<nn::PReLU<float>>());
    return m;
}
// A user module with submodules: one line makes it convertible.
template <class T>
struct Head : nn::Module<T> {
    std::shared_ptr<nn::Linear<T>> fc;
    std::shared_ptr<nn::RMSNorm<T>> norm;
    Var<T> scale;
    explicit Head(tg::index_t n) {
        fc = this->register_module("fc", std::make_shared<nn::Linear<T>>(n, 3));
        norm = this->register_module("norm", std::make_shared<nn::RMSNorm<T>>(Shape{3}));
        scale = this->register_parameter("scale", tg::ones<T>({1}));
    }
    Var<T> forward(const Var<T>& x) override { return norm->forward(fc->forward(x)) * scale; }
    std::string describe() const override { return "Head"; }
    TG_NN_REMAKE(std::make_shared<Head<U>>(fc->in_features))
};
struct Opaque : nn::Module<float> {
    Var<float> forward(const Var<float>& x) override { return x; }
    std::string describe() const override { return "Opaque"; }
};
struct Liar : nn::Module<float> {  // its remake builds a different structure
    Liar() { register_parameter("w", tg::ones<float>({2})); }
    Var<float> forward(const Var<float>& x) override { return x; }
    std::string describe() const override { return "Liar"; }
    TG_NN_REMAKE(std::make_shared<nn::Linear<U>>(2, 2))
};
}  // namespace

TEST_CASE("nn convert: a float model to double keeps types, names, shapes, buffers, modes and values") {
    tg::manual_seed(11);
    auto m = zoo();
    Var<float> x(tg::normal<float>({3, 1, 12, 12}));
    m->forward(x);  // training mode: batch norm's running statistics move away from 0 and 1
    m->eval();
    (*m)[7].train();  // a part in another mode than the whole
    auto d = nn::to<double>(*m);
    CHECK(nn::summary(*d) == nn::summary(*m));  // same types and settings, printed alike
    const auto pf = m->named_parameters();
    const auto pd = d->named_parameters();
    REQUIRE(pd.size() == pf.size());
    for (std::size_t i = 0; i < pf.size(); ++i) {
        CHECK(pd[i].first == pf[i].first);
        CHECK(pd[i].second.shape() == pf[i].second.shape());
        CHECK(pd[i].second.requires_grad());
        CHECK(max_rel(pd[i].second.value(), pf[i].second.value()) == 0);  // widening is exact
    }
    const auto bf = m->named_buffers();
    const auto bd = d->named_buffers();
    REQUIRE(bd.size() == 3);
    CHECK(bd[0].first == "1.running_mean");
    for (std::size_t i = 0; i < bf.size(); ++i) CHECK(max_rel(bd[i].second, bf[i].second) == 0);
    CHECK(bd[2].second.item() == 1.0);  // num_batches_tracked
    CHECK(!d->is_training());
    CHECK(dynamic_cast<nn::Sequential<double>&>(*d)[7].is_training());
    CHECK(dynamic_cast<nn::BatchNorm2d<double>*>(&dynamic_cast<nn::Sequential<double>&>(*d)[1]) != nullptr);
    // Forward in eval (dropout off) agrees to float rounding.
    (*m)[7].eval();
    dynamic_cast<nn::Sequential<double>&>(*d)[7].eval();
    Var<float> yf = m->forward(x);
    Var<double> yd = d->forward(Var<double>(x.value().to<double>()));
    CHECK(max_rel(yf.value(), yd.value()) < 1e-5);
    CHECK(max_rel(yf.value(), yd.value()) > 0);  // really computed in another precision
}

TEST_CASE("nn convert: double -> float -> double rounds once; float -> double -> float is exact") {
    tg::manual_seed(12);
    nn::LSTM<double> lstm(3, 5, {.num_layers = 2, .batch_first = true});
    auto f = nn::to<float>(lstm);
    auto back = nn::to<double>(*f);
    auto* l2 = dynamic_cast<nn::LSTM<double>*>(back.get());
    REQUIRE(l2 != nullptr);
    CHECK(l2->options.batch_first);
    CHECK(l2->options.num_layers == 2);
    const auto a = lstm.parameters(), b = back->parameters();
    for (std::size_t i = 0; i < a.size(); ++i) CHECK(max_rel(a[i].value(), b[i].value()) < 1e-7);
    auto f2 = nn::to<float>(*back);
    const auto p1 = f->parameters(), p2 = f2->parameters();
    for (std::size_t i = 0; i < p1.size(); ++i) CHECK(max_rel(p1[i].value(), p2[i].value()) == 0);
    // The float LSTM computes what the double one does, to float rounding.
    Var<double> x(tg::normal<double>({2, 4, 3}));
    auto yd = lstm.forward(x, {}, {});
    auto yf = dynamic_cast<nn::LSTM<float>&>(*f).forward(Var<float>(x.value().to<float>()), {}, {});
    CHECK(max_rel(yf.output.value(), yd.output.value()) < 1e-5);
    CHECK(max_rel(yf.c_n.value(), yd.c_n.value()) < 1e-5);
}

TEST_CASE("nn convert: clone is independent; frozen parameters stay frozen; user modules convert") {
    tg::manual_seed(13);
    Head<float> head(4);
    head.scale.requires_grad_(false);
    auto c = nn::clone<float>(head);
    auto& h2 = dynamic_cast<Head<float>&>(*c);
    CHECK(!h2.scale.requires_grad());
    CHECK(h2.fc->weight.requires_grad());
    Tensor<float> w = h2.fc->weight.value();
    w.fill(0.f);
    CHECK(head.fc->weight.value().to_vector() != w.to_vector());  // the source is untouched
    auto d = nn::to<double>(head);
    CHECK(d->named_parameters()[0].first == "scale");
    CHECK(d->named_parameters()[1].first == "fc.weight");
    Var<float> x(tg::normal<float>({2, 4}));
    CHECK(max_rel(head.forward(x).value(), d->forward(Var<double>(x.value().to<double>())).value()) < 1e-5);
}

TEST_CASE("nn convert: the caller's random stream does not move") {
    tg::manual_seed(14);
    auto m = zoo();
    const double before = tg::default_generator().next_double();
    tg::manual_seed(14);
    auto m2 = zoo();
    auto d = nn::to<double>(*m2);
    CHECK(tg::default_generator().next_double() == before);
}

TEST_CASE("nn convert: every library module converts (recurrent, cells, bilinear, activations)") {
    std::vector<std::shared_ptr<nn::Module<float>>> ms{
        std::make_shared<nn::RNN<float>>(2, 3, nn::RecurrentOptions{}, nn::RNNNonlinearity::relu),
        std::make_shared<nn::GRU<float>>(2, 3),
        std::make_shared<nn::RNNCell<float>>(2, 3),
        std::make_shared<nn::GRUCell<float>>(2, 3, false),
        std::make_shared<nn::LSTMCell<float>>(2, 3),
        std::make_shared<nn::Bilinear<float>>(2, 3, 4),
        std::make_shared<nn::Conv1d<float>>(2, 3, 3),
        std::make_shared<nn::GroupNorm<float>>(2, 4),
        std::make_shared<nn::BatchNorm1d<float>>(4),
        std::make_shared<nn::Embedding<float>>(5, 2),
        std::make_shared<nn::AvgPool2d<float>>(tg::Pool2dOptions{.kernel = {2, 2}}),
        std::make_shared<nn::AdaptiveAvgPool2d<float>>(tg::Pair{1, 1}),
        std::make_shared<nn::GELU<float>>(true),
        std::make_shared<nn::Hardtanh<float>>(-2, 3),
        std::make_shared<nn::Softmax<float>>(0),
        std::make_shared<nn::Tanh<float>>(),
        std::make_shared<nn::ModuleList<float>>(
            std::vector<std::shared_ptr<nn::Module<float>>>{std::make_shared<nn::Linear<float>>(2, 2, false)}),
    };
    for (auto& m : ms) {
        auto d = nn::to<double>(*m);
        CHECK(d->describe() == m->describe());
        CHECK(d->num_parameters() == m->num_parameters());
        for (std::size_t i = 0; i < m->parameters().size(); ++i)
            CHECK(max_rel(d->parameters()[i].value(), m->parameters()[i].value()) == 0);
    }
}

TEST_CASE("nn convert: a module without hooks, or whose hooks lie, is named in the error") {
    nn::Sequential<float> s;
    s.push_back(std::make_shared<nn::ReLU<float>>());
    s.push_back(std::make_shared<Opaque>());
    CHECK(message_of([&] { nn::to<double>(s); }) ==
          "nn::to: Opaque cannot be converted: give its class TG_NN_REMAKE(...) (nn/module.hpp)");
    Liar liar;
    CHECK(message_of([&] { nn::to<double>(liar); }) ==
          "nn::to: the rebuilt Linear(in=2, out=2, bias=true) has 2 parameters, Liar has 1");
}
