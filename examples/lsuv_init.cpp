// LSUV, layer-sequential unit variance (Mishkin and Matas, "All you need is a good init", 2016):
// start every weight orthogonal, then, layer by layer from the input, scale the weight so that
// the layer's output has variance 1 on a batch of data. A deep MLP (tanh or relu) from PyTorch's
// default init U(-1/sqrt(in), 1/sqrt(in)) (weight variance 1 / (3 in)) shrinks its signal layer
// after layer in variance, so the deep layers see almost nothing and the gradients are tiny. This program
// shows the per-layer output variances under both inits, then trains both with the same SGD on a
// three-arm spiral and counts the steps each needs to reach a target loss.
// Claims checked (exit 1 otherwise): after LSUV every layer's variance is within the tolerance of
// 1, and for both activations LSUV reaches the target loss in fewer steps than the default init.
//
//   lsuv_init [--depth 10] [--width 64] [--steps 600] [--lr 0.05] [--target 0.5] [--seed 1]
#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

using tg::index_t;
using tg::Tensor;
using tg::Var;
namespace nn = tg::nn;

namespace {
struct Net {
    nn::Sequential<float> model;
    Net() = default;
    Net(Net&&) = delete;  // modules are not movable: build in place
    std::vector<std::shared_ptr<nn::Linear<float>>> linears;
};

void make_net(Net& n, int depth, index_t width, bool relu) {
    index_t in = 2;
    for (int k = 0; k < depth; ++k) {
        n.linears.push_back(n.model.push_back(std::make_shared<nn::Linear<float>>(in, width)));
        if (relu) n.model.push_back(std::make_shared<nn::ReLU<float>>());
        else n.model.push_back(std::make_shared<nn::Tanh<float>>());
        in = width;
    }
    n.linears.push_back(n.model.push_back(std::make_shared<nn::Linear<float>>(in, 3)));
}

double variance(const Tensor<float>& t) {
    double s = 0, s2 = 0;
    const auto v = t.to_vector();
    for (float x : v) s += x;
    const double mean = s / double(v.size());
    for (float x : v) s2 += (x - mean) * (x - mean);
    return s2 / double(v.size());
}

// The output variance of every Linear layer on the batch (a forward pass without recording).
std::vector<double> layer_variances(Net& n, const Tensor<float>& x) {
    tg::NoGrad no_grad;
    std::vector<double> out;
    Var<float> h(x);
    for (std::size_t i = 0; i < n.model.size(); ++i) {
        h = n.model[i].forward(h);
        if (dynamic_cast<nn::Linear<float>*>(&n.model[i])) out.push_back(variance(h.value()));
    }
    return out;
}

// Orthogonal weights, zero biases, then each layer scaled in turn until its output variance is
// within tol of 1. With zero biases the output is linear in the weight, so one scaling per layer
// is exact up to rounding; the loop is the paper's, for layers where that does not hold.
int lsuv(Net& n, const Tensor<float>& x, double tol, tg::Generator& gen) {
    for (auto& l : n.linears) {
        Tensor<float> w = l->weight.value(), b = l->bias.value();
        nn::init::orthogonal_(w, 1.0, gen);
        b.fill(0.f);
    }
    int passes = 0;
    for (std::size_t k = 0; k < n.linears.size(); ++k)
        for (int it = 0; it < 10; ++it, ++passes) {
            const double v = layer_variances(n, x)[k];
            if (std::abs(v - 1) < tol) break;
            Tensor<float> w = n.linears[k]->weight.value();
            w *= static_cast<float>(1 / std::sqrt(v));
        }
    return passes;
}

// Three interleaved spiral arms, `per_arm` points each, with a little noise.
std::pair<Tensor<float>, std::vector<index_t>> spiral(index_t per_arm, tg::Generator& gen) {
    std::vector<float> xs;
    std::vector<index_t> ys;
    for (index_t c = 0; c < 3; ++c)
        for (index_t i = 0; i < per_arm; ++i) {
            const double r = double(i) / double(per_arm), a = 4 * r + 2.0944 * double(c);
            xs.push_back(static_cast<float>(r * std::sin(a) + 0.03 * gen.next_normal()));
            xs.push_back(static_cast<float>(r * std::cos(a) + 0.03 * gen.next_normal()));
            ys.push_back(c);
        }
    return {Tensor<float>::from_vector(xs, {3 * per_arm, 2}), ys};
}

struct Run {
    int steps_to_target = -1;  // -1: never reached
    double final_loss = 0;
};

Run train(Net& n, const Tensor<float>& x, const std::vector<index_t>& y, int steps, double lr, double target) {
    nn::SGD<float> opt(n.model.parameters(), {.lr = lr, .momentum = 0.9});
    Run r;
    for (int s = 1; s <= steps; ++s) {
        opt.zero_grad();
        Var<float> loss = tg::cross_entropy(n.model.forward(Var<float>(x)), y);
        loss.backward();
        opt.step();
        r.final_loss = loss.item();
        if (r.steps_to_target < 0 && r.final_loss < target) r.steps_to_target = s;
    }
    return r;
}

void print_variances(const char* label, const std::vector<double>& v) {
    std::printf("  %-22s", label);
    for (double x : v) std::printf(" %8.2e", x);
    std::printf("\n");
}
}  // namespace

int main(int argc, char** argv) {
    int depth = 10, steps = 600;
    index_t width = 64;
    double lr = 0.05, target = 0.5, tol = 0.05;
    std::uint64_t seed = 1;
    CLI::App app{"LSUV initialization against PyTorch's default init on a deep MLP"};
    app.add_option("--depth", depth, "hidden layers")->check(CLI::Range(1, 100));
    app.add_option("--width", width, "units per hidden layer")->check(CLI::Range(1, 4096));
    app.add_option("--steps", steps, "SGD steps per run")->check(CLI::Range(1, 1000000));
    app.add_option("--lr", lr, "SGD learning rate (momentum 0.9)");
    app.add_option("--target", target, "training loss to reach (chance is ln 3 = 1.10)");
    app.add_option("--seed", seed, "seed of the data and the initial weights");
    CLI11_PARSE(app, argc, argv);

    tg::Generator data_gen(seed);
    auto [x, y] = spiral(256, data_gen);
    std::printf("data: 3-arm spiral, %lld points; MLP 2-%d x %lld-3, SGD lr %g momentum 0.9, %d steps\n",
                static_cast<long long>(x.shape()[0]), depth, static_cast<long long>(width), lr, steps);
    bool ok = true;
    for (bool relu : {false, true}) {
        const char* act = relu ? "relu" : "tanh";
        Net plain, lsuv_net;
        tg::manual_seed(seed);
        make_net(plain, depth, width, relu);
        tg::manual_seed(seed);
        make_net(lsuv_net, depth, width, relu);
        tg::Generator gen(seed + 100);
        const int passes = lsuv(lsuv_net, x, tol, gen);
        std::printf("\n%s: output variance of each Linear layer on the data (input to output)\n", act);
        print_variances("default init", layer_variances(plain, x));
        const auto after = layer_variances(lsuv_net, x);
        print_variances("LSUV", after);
        for (double v : after)
            if (std::abs(v - 1) >= tol) ok = false;
        std::printf("  LSUV took %d scaling passes\n", passes);
        const Run a = train(plain, x, y, steps, lr, target);
        const Run b = train(lsuv_net, x, y, steps, lr, target);
        auto when = [](const Run& r) {
            return r.steps_to_target < 0 ? std::string("never") : std::to_string(r.steps_to_target);
        };
        std::printf("  steps to loss < %g: default %s, LSUV %s; final loss: default %.4f, LSUV %.4f\n",
                    target, when(a).c_str(), when(b).c_str(), a.final_loss, b.final_loss);
        const bool faster = b.steps_to_target > 0 &&
                            (a.steps_to_target < 0 || b.steps_to_target < a.steps_to_target);
        if (!faster) ok = false;
        std::printf("  claim (LSUV reaches the target sooner): %s\n", faster ? "holds" : "FAILS");
    }
    std::printf("\n%s\n", ok ? "LSUV: unit variance in every layer, and faster training for tanh and relu"
                             : "a claim failed");
    return ok ? 0 : 1;
}
