// nn modules and initializers: names, counts, the summary, train/eval, Linear's gradient (its own
// VJP checked by finite differences in reverse and forward mode, and the layout it arrives in),
// BatchNorm's buffers, seeded reproducibility, and the statistics of every initializer.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

#include "../nn/activations.hpp"
#include "../nn/init.hpp"
#include "../nn/layers.hpp"
#include "../nn/module.hpp"

using tg::index_t;
using tg::Tensor;
using tg::Var;
namespace nn = tg::nn;

namespace {
std::shared_ptr<nn::Sequential<float>> mlp() {
    auto m = std::make_shared<nn::Sequential<float>>();
    m->push_back(std::make_shared<nn::Linear<float>>(784, 256));
    m->push_back(std::make_shared<nn::ReLU<float>>());
    m->push_back(std::make_shared<nn::Dropout<float>>(0.2));
    m->push_back(std::make_shared<nn::Linear<float>>(256, 128));
    m->push_back(std::make_shared<nn::ReLU<float>>());
    m->push_back(std::make_shared<nn::Linear<float>>(128, 10));
    return m;
}

// A model with nested submodules and buffers, to check the dotted names.
struct Block : nn::Module<double> {
    std::shared_ptr<nn::Linear<double>> fc;
    std::shared_ptr<nn::BatchNorm1d<double>> bn;
    Block() {
        fc = register_module("fc", std::make_shared<nn::Linear<double>>(3, 4));
        bn = register_module("bn", std::make_shared<nn::BatchNorm1d<double>>(4));
    }
    Var<double> forward(const Var<double>& x) override { return bn->forward(fc->forward(x)); }
    std::string describe() const override { return "Block"; }
};
struct Net : nn::Module<double> {
    std::shared_ptr<Block> encoder;
    Var<double> scale;
    Net() {
        scale = register_parameter("scale", tg::ones<double>({1}));
        encoder = register_module("encoder", std::make_shared<Block>());
    }
    Var<double> forward(const Var<double>& x) override { return encoder->forward(x) * scale; }
    std::string describe() const override { return "Net"; }
};
}  // namespace

TEST_CASE("nn module: the flagship MLP's parameters, names, count and summary") {
    tg::manual_seed(1);
    auto m = mlp();
    CHECK(m->num_parameters() == 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10);  // 235,146
    const auto named = m->named_parameters();
    REQUIRE(named.size() == 6);
    CHECK(named[0].first == "0.weight");
    CHECK(named[0].second.shape() == tg::Shape{256, 784});
    CHECK(named[1].first == "0.bias");
    CHECK(named[5].first == "5.bias");
    const std::string s = nn::summary(*m);
    CHECK(s.find("(0): Linear(in=784, out=256, bias=true)  [200,960]") != std::string::npos);
    CHECK(s.find("(2): Dropout(p=0.2)") != std::string::npos);
    CHECK(s.find("parameters: 235,146 (6 tensors), training mode") != std::string::npos);
    // A forward pass of a batch has the right shape.
    Var<float> y = m->forward(Var<float>(tg::uniform<float>({5, 784})));
    CHECK(y.shape() == tg::Shape{5, 10});
}

TEST_CASE("nn module: nested names, buffers, train and eval propagate") {
    Net net;
    std::vector<std::string> names;
    for (auto& [n, p] : net.named_parameters()) names.push_back(n);
    CHECK(names == std::vector<std::string>{"scale", "encoder.fc.weight", "encoder.fc.bias",
                                            "encoder.bn.weight", "encoder.bn.bias"});
    const auto bufs = net.named_buffers();
    REQUIRE(bufs.size() == 3);
    CHECK(bufs[0].first == "encoder.bn.running_mean");
    CHECK(bufs[2].first == "encoder.bn.num_batches_tracked");
    // Training updates the running statistics through the buffer handles.
    Var<double> x(tg::normal<double>({8, 3}));
    net.forward(x);
    CHECK(bufs[0].second.to_vector() != std::vector<double>(4, 0.0));
    CHECK(bufs[2].second.item() == 1.0);
    net.eval();
    CHECK_FALSE(net.encoder->bn->is_training());
    const std::vector<double> mean = bufs[0].second.to_vector();
    net.forward(x);
    CHECK(bufs[0].second.to_vector() == mean);  // eval: running statistics used, not updated
    CHECK_THROWS_AS(net.forward(Var<double>(tg::normal<double>({8, 5}))), tg::ShapeError);
}

TEST_CASE("nn module: duplicate and dotted names are refused") {
    struct Bad : nn::Module<double> {
        explicit Bad(int which) {
            register_parameter("w", tg::ones<double>({1}));
            if (which == 0) register_parameter("w", tg::ones<double>({1}));
            if (which == 1) register_buffer("a.b", tg::ones<double>({1}));
        }
        Var<double> forward(const Var<double>& x) override { return x; }
        std::string describe() const override { return "Bad"; }
    };
    CHECK_THROWS_AS(Bad(0), tg::DomainError);
    CHECK_THROWS_AS(Bad(1), tg::DomainError);
    nn::Sequential<double> s;
    CHECK_THROWS_AS(s[0], tg::IndexError);
    nn::ModuleList<double> l;
    CHECK_THROWS_AS(l.forward(Var<double>(1.0)), tg::AutogradError);
}

TEST_CASE("nn Linear: y = x W^T + b, the gradient in W's own layout, and errors") {
    tg::manual_seed(3);
    nn::Linear<double> fc(3, 2);
    const Tensor<double> x = tg::normal<double>({4, 3});
    Var<double> y = fc.forward(Var<double>(x));
    const Tensor<double> ref = tg::matmul(x, fc.weight.value().transpose()) + fc.bias.value();
    CHECK(tg::allclose(y.value(), ref, 1e-14, 1e-14));
    tg::sum(y * y).backward();
    const Tensor<double> gw = fc.weight.grad();
    CHECK(gw.is_contiguous());
    CHECK(gw.shape() == tg::Shape{2, 3});
    // gW = (2 y)^T x, gb = sum over the batch of 2 y.
    CHECK(tg::allclose(gw, tg::matmul((y.value() * 2.0).transpose(), x), 1e-13, 1e-13));
    CHECK(tg::allclose(fc.bias.grad(), tg::sum(y.value() * 2.0, {0}), 1e-13, 1e-13));
    // Leading batch axes.
    CHECK(fc.forward(Var<double>(tg::normal<double>({2, 5, 3}))).shape() == tg::Shape{2, 5, 2});
    CHECK_THROWS_AS(fc.forward(Var<double>(tg::normal<double>({4, 4}))), tg::ShapeError);
    // The default init bounds: |w|, |b| <= 1 / sqrt(in).
    nn::Linear<double> big(100, 50);
    for (double v : big.weight.value().to_vector()) CHECK(std::abs(v) <= 0.1);
    for (double v : big.bias.value().to_vector()) CHECK(std::abs(v) <= 0.1);
    nn::Linear<double> nb(3, 2, false);
    CHECK(nb.parameters().size() == 1);
}

TEST_CASE("nn linear: reverse, forward and second order against finite differences") {
    auto f = [](const std::vector<Var<double>>& p) { return tg::sum(tg::sin(nn::linear(p[0], p[1], p[2]))); };
    const std::vector<Tensor<double>> in = {tg::normal<double>({4, 3}), tg::normal<double>({2, 3}),
                                            tg::normal<double>({2})};
    const tg::GradcheckReport r = tg::gradcheck(f, in, {.forward = true});
    CHECK_MESSAGE(r.ok, r.str());
    auto g = [](const std::vector<Var<double>>& p) { return tg::sum(tg::tanh(nn::linear(p[0], p[1]))); };
    const tg::GradcheckReport r2 = tg::gradcheck(g, {in[0], in[1]}, {.forward = true});
    CHECK_MESSAGE(r2.ok, r2.str());
    // Second order: s(W, b) = |dL/dW|^2 through the recorded gradient, differentiated again,
    // against central differences of s computed from first-order gradients.
    const Var<double> X(in[0]);
    auto s_of = [&](const Tensor<double>& w, const Tensor<double>& b, bool record,
                    std::vector<Tensor<double>>* g2) {
        Var<double> W(w, true), B(b, true);
        Var<double> y = tg::sum(tg::sin(nn::linear(X, W, B)));
        auto gw = tg::gradients(y, {W}, Tensor<double>::scalar(1.0), {.create_graph = record});
        Var<double> s = tg::sum(tg::square(gw[0]));
        if (g2) {
            auto r = tg::gradients(s, {W, B}, Tensor<double>::scalar(1.0));
            *g2 = {r[0].value(), r[1].value()};
        }
        return s.item();
    };
    std::vector<Tensor<double>> g2;
    s_of(in[1], in[2], true, &g2);
    for (int which = 0; which < 2; ++which)
        for (index_t k = 0; k < in[1 + which].numel(); ++k) {
            const double h = 1e-5;
            Tensor<double> plus = in[1 + which].clone(), minus = in[1 + which].clone();
            plus.data()[k] += h;
            minus.data()[k] -= h;
            const double num = which == 0
                                   ? (s_of(plus, in[2], false, nullptr) - s_of(minus, in[2], false, nullptr)) /
                                         (2 * h)
                                   : (s_of(in[1], plus, false, nullptr) - s_of(in[1], minus, false, nullptr)) /
                                         (2 * h);
            CHECK(g2[which].data()[k] == doctest::Approx(num).epsilon(1e-6));
        }
}

TEST_CASE("nn Dropout: fresh masks per call, reproducible under a seed, identity in eval") {
    tg::manual_seed(11);
    nn::Dropout<double> d1(0.5);
    tg::manual_seed(11);
    nn::Dropout<double> d2(0.5);
    const Var<double> x(tg::ones<double>({1000}));
    const Tensor<double> a = d1.forward(x).value(), b = d1.forward(x).value();
    CHECK(a.to_vector() != b.to_vector());                      // a fresh mask each call
    CHECK(d2.forward(x).value().to_vector() == a.to_vector());  // same seed, same sequence
    double kept = 0;
    for (double v : a.to_vector()) {
        CHECK((v == 0.0 || v == 2.0));
        kept += v != 0;
    }
    CHECK(kept > 400);
    CHECK(kept < 600);
    d1.eval();
    CHECK(d1.forward(x).value().to_vector() == x.value().to_vector());
    CHECK_THROWS_AS(nn::Dropout<double>(1.5), tg::DomainError);
}

TEST_CASE("nn layers: Conv2d, pools, Flatten, LayerNorm, Embedding, activations in a Sequential") {
    tg::manual_seed(5);
    nn::Sequential<double> net;
    auto conv = net.push_back(
        std::make_shared<nn::Conv2d<double>>(1, 4, tg::Pair{3, 3}, tg::Conv2dOptions{.padding = {1, 1}}));
    net.push_back(std::make_shared<nn::BatchNorm2d<double>>(4));
    net.push_back(std::make_shared<nn::GELU<double>>());
    net.push_back(std::make_shared<nn::MaxPool2d<double>>(tg::Pool2dOptions{.kernel = {2, 2}}));
    net.push_back(std::make_shared<nn::AvgPool2d<double>>(tg::Pool2dOptions{.kernel = {2, 2}}));
    net.push_back(std::make_shared<nn::AdaptiveAvgPool2d<double>>(tg::Pair{1, 1}));
    net.push_back(std::make_shared<nn::Flatten<double>>());
    net.push_back(std::make_shared<nn::LayerNorm<double>>(tg::Shape{4}));
    net.push_back(std::make_shared<nn::Tanh<double>>());
    Var<double> y = net.forward(Var<double>(tg::normal<double>({2, 1, 8, 8})));
    CHECK(y.shape() == tg::Shape{2, 4});
    CHECK(conv->weight.shape() == tg::Shape{4, 1, 3, 3});
    for (double v : conv->weight.value().to_vector()) CHECK(std::abs(v) <= 1.0 / 3.0);  // 1/sqrt(9)
    tg::sum(y).backward();
    CHECK(conv->weight.has_grad());
    CHECK(net.num_parameters() == 4 * 9 + 4 + 4 + 4 + 4 + 4);
    const std::string s = nn::summary(net);
    CHECK(s.find("Conv2d(in=1, out=4, kernel=(3, 3), stride=(1, 1), padding=(1, 1), bias=true)") !=
          std::string::npos);
    CHECK(s.find("BatchNorm2d(4, eps=1e-05, momentum=0.1, affine=true)") != std::string::npos);

    nn::Embedding<double> emb(5, 3);
    Var<double> e = emb.forward(Var<double>(Tensor<double>{4.0, 0.0, 4.0}));
    CHECK(e.shape() == tg::Shape{3, 3});
    CHECK(e.value().at({0, 2}) == emb.weight.value().at({4, 2}));
    CHECK_THROWS_AS(emb.forward(Var<double>(Tensor<double>{0.5})), tg::DomainError);
    CHECK_THROWS_AS(emb.forward(Var<double>(Tensor<double>{5.0})), tg::IndexError);

    // Conv1d, GroupNorm, RMSNorm.
    nn::Sequential<double> seq1d;
    auto c1 = seq1d.push_back(std::make_shared<nn::Conv1d<double>>(2, 4, 3, tg::Conv1dOptions{.padding = 1}));
    seq1d.push_back(std::make_shared<nn::GroupNorm<double>>(2, 4));
    seq1d.push_back(std::make_shared<nn::RMSNorm<double>>(tg::Shape{5}));
    Var<double> z = seq1d.forward(Var<double>(tg::normal<double>({3, 2, 5})));
    CHECK(z.shape() == tg::Shape{3, 4, 5});
    CHECK(c1->weight.shape() == tg::Shape{4, 2, 3});
    CHECK(seq1d.num_parameters() == 4 * 2 * 3 + 4 + 4 + 4 + 5);
    CHECK(nn::summary(seq1d).find("GroupNorm(2, 4, eps=1e-05)") != std::string::npos);
    CHECK_THROWS_AS(nn::GroupNorm<double>(3, 4), tg::ShapeError);

    nn::LeakyReLU<double> lr(0.1);
    CHECK(lr.forward(Var<double>(Tensor<double>{-2.0})).item() == doctest::Approx(-0.2));
    CHECK(lr.describe() == "LeakyReLU(negative_slope=0.1)");
    nn::PReLU<double> pr;
    CHECK(pr.num_parameters() == 1);
}

TEST_CASE("nn init: seeded, and the statistics and bounds of each initializer") {
    tg::Generator g1(42), g2(42);
    Tensor<double> a = tg::zeros<double>({200, 300}), b = tg::zeros<double>({200, 300});
    nn::init::xavier_uniform_(a, 1.0, g1);
    nn::init::xavier_uniform_(b, 1.0, g2);
    CHECK(a.to_vector() == b.to_vector());
    auto stats = [](const Tensor<double>& t) {
        double s = 0, s2 = 0, mx = 0;
        for (double v : t.to_vector()) {
            s += v;
            s2 += v * v;
            mx = std::max(mx, std::abs(v));
        }
        const double n = static_cast<double>(t.numel());
        return std::array<double, 3>{s / n, std::sqrt(s2 / n - (s / n) * (s / n)), mx};
    };
    // xavier_uniform: bound sqrt(6 / 500), std bound / sqrt(3).
    auto st = stats(a);
    const double xb = std::sqrt(6.0 / 500.0);
    CHECK(st[2] <= xb);
    CHECK(st[1] == doctest::Approx(xb / std::sqrt(3.0)).epsilon(0.02));
    nn::init::xavier_normal_(a, 2.0, g1);
    CHECK(stats(a)[1] == doctest::Approx(2.0 * std::sqrt(2.0 / 500.0)).epsilon(0.02));
    // kaiming (relu gain sqrt(2)): fan_in 300 / fan_out 200.
    nn::init::kaiming_normal_(a, 0, nn::init::FanMode::fan_in, nn::init::Nonlinearity::relu, g1);
    CHECK(stats(a)[1] == doctest::Approx(std::sqrt(2.0 / 300.0)).epsilon(0.02));
    nn::init::kaiming_uniform_(a, 0, nn::init::FanMode::fan_out, nn::init::Nonlinearity::relu, g1);
    CHECK(stats(a)[2] <= std::sqrt(6.0 / 200.0));
    CHECK(stats(a)[1] == doctest::Approx(std::sqrt(2.0 / 200.0)).epsilon(0.02));
    // leaky_relu gain sqrt(2 / (1 + a^2)); conv fans count the receptive field.
    CHECK(nn::init::calculate_gain(nn::init::Nonlinearity::leaky_relu, 0.2) ==
          doctest::Approx(std::sqrt(2.0 / 1.04)));
    CHECK(nn::init::calculate_gain(nn::init::Nonlinearity::tanh) == doctest::Approx(5.0 / 3.0));
    CHECK(nn::init::fans({16, 8, 3, 3}) == std::pair<double, double>{72.0, 144.0});
    CHECK_THROWS_AS(nn::init::fans({5}), tg::ShapeError);
    nn::init::normal_(a, 1.0, 0.5, g1);
    CHECK(stats(a)[0] == doctest::Approx(1.0).epsilon(0.01));
    CHECK(stats(a)[1] == doctest::Approx(0.5).epsilon(0.02));
    nn::init::uniform_(a, -2.0, -1.0, g1);
    for (double v : a.to_vector()) CHECK((v >= -2.0 && v < -1.0));
    nn::init::constant_(a, 0.25);
    CHECK(stats(a)[0] == 0.25);
    nn::init::zeros_(a);
    CHECK(stats(a)[2] == 0.0);
    CHECK_THROWS_AS(nn::init::normal_(a, 0.0, -1.0, g1), tg::DomainError);
    // A transposed (strided) view is filled in place.
    Tensor<double> base = tg::zeros<double>({3, 4});
    Tensor<double> view = base.transpose();
    nn::init::constant_(view, 2.0);
    CHECK(base.at({2, 3}) == 2.0);
}

TEST_CASE("nn init: orthogonal rows or columns, with gain") {
    tg::Generator g(7);
    for (auto shape : {tg::Shape{4, 6}, tg::Shape{6, 4}, tg::Shape{5, 5}, tg::Shape{3, 2, 2}}) {
        Tensor<double> w(shape);
        nn::init::orthogonal_(w, 2.0, g);
        const index_t r = shape[0], c = w.numel() / r;
        const Tensor<double> m = w.reshape({r, c});
        const Tensor<double> gram = r <= c ? tg::matmul(m, m.transpose()) : tg::matmul(m.transpose(), m);
        const index_t k = std::min(r, c);
        CHECK(tg::allclose(gram, tg::eye<double>(k) * 4.0, 1e-12, 1e-12));
    }
    Tensor<float> f = tg::zeros<float>({3, 3});
    nn::init::orthogonal_(f, 1.0, g);
    CHECK(tg::allclose(tg::matmul(f, f.transpose()), tg::eye<float>(3), 1e-6, 1e-6));
    Tensor<double> v = tg::zeros<double>({4});
    CHECK_THROWS_AS(nn::init::orthogonal_(v, 1.0, g), tg::ShapeError);
}
