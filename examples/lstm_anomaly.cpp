// Anomaly detection with an LSTM forecaster: an LSTM (1 -> hidden) and a Linear read-out learn to
// predict the next value of a noisy two-tone sine wave from the previous seq-len values. The
// threshold on the absolute prediction error is set on clean validation data (its largest error
// times a margin); on a test stretch with injected spikes, every point whose error exceeds it is
// flagged and replaced by its prediction before it enters the next windows (without that, the
// spike in the input throws the next few predictions off and they are flagged too). Precision
// and recall are measured against the injected positions.
// Claim checked (exit 1 otherwise): recall >= 0.9 at precision >= 0.8 (both options).
//
//   lstm_anomaly [--seq-len 20] [--hidden 32] [--epochs 12] [--seed 1] [--min-recall 0.9]
//                [--min-precision 0.8]
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <set>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>


using tg::index_t;
using tg::Tensor;
using tg::Var;
namespace nn = tg::nn;

namespace {
constexpr double noise = 0.05;

// sin(2 pi t / 25) + 0.4 sin(2 pi t / 9.3) + N(0, noise^2).
std::vector<float> wave(index_t n, index_t start, tg::Generator& gen) {
    std::vector<float> s(static_cast<std::size_t>(n));
    for (index_t i = 0; i < n; ++i) {
        const double t = double(start + i);
        s[static_cast<std::size_t>(i)] = static_cast<float>(std::sin(2 * std::numbers::pi * t / 25) +
                                                            0.4 * std::sin(2 * std::numbers::pi * t / 9.3) +
                                                            noise * gen.next_normal());
    }
    return s;
}

// Windows ending at positions first .. last - 1: inputs (L, N, 1) of s[t - L .. t - 1], time-major.
Tensor<float> windows(const std::vector<float>& s, index_t L, index_t first, index_t last) {
    const index_t n = last - first;
    std::vector<float> v(static_cast<std::size_t>(L * n));
    for (index_t j = 0; j < n; ++j)
        for (index_t k = 0; k < L; ++k)
            v[static_cast<std::size_t>(k * n + j)] = s[static_cast<std::size_t>(first + j - L + k)];
    return Tensor<float>::from_vector(v, {L, n, 1});
}

struct Forecaster {
    nn::LSTM<float> lstm;
    nn::Linear<float> head;
    Forecaster(index_t hidden) : lstm(1, hidden), head(hidden, 1) {}
    // One prediction per step: (L, N, 1) -> (L, N, 1), the value after each input.
    Var<float> forward(const Var<float>& x) { return head.forward(lstm.forward(x)); }
    std::vector<Var<float>> parameters() {
        auto p = lstm.parameters();
        for (auto& q : head.parameters()) p.push_back(q);
        return p;
    }
    // The prediction of s[t] from s[t - L .. t - 1], for t in [first, last), in one batch.
    std::vector<float> predict(const std::vector<float>& s, index_t L, index_t first, index_t last) {
        tg::NoGrad no_grad;
        Var<float> y = forward(Var<float>(windows(s, L, first, last)));
        return tg::slice(y, 0, L - 1, L).value().to_vector();  // the last step's prediction
    }
    // |s[t] - prediction| for t in [first, last), flagged points (error > threshold) replaced by
    // their prediction in the series the later windows read. Only a window that contains a
    // replaced point is recomputed; the others come from one batched pass.
    std::vector<double> detect(std::vector<float> s, index_t L, index_t first, index_t last, double threshold) {
        const auto batch = predict(s, L, first, last);
        std::vector<double> e;
        index_t last_fix = -1;
        for (index_t t = first; t < last; ++t) {
            const float p = last_fix >= 0 && t - L <= last_fix ? predict(s, L, t, t + 1)[0]
                                                               : batch[static_cast<std::size_t>(t - first)];
            auto& v = s[static_cast<std::size_t>(t)];
            e.push_back(std::abs(double(v) - double(p)));
            if (e.back() > threshold) {
                v = p;
                last_fix = t;
            }
        }
        return e;
    }
};
}  // namespace

int main(int argc, char** argv) {
    index_t L = 20, hidden = 32;
    int epochs = 12;
    std::uint64_t seed = 1;
    double min_recall = 0.9, min_precision = 0.8;
    CLI::App app{"LSTM forecaster flagging injected anomalies in a noisy sine wave"};
    app.add_option("--seq-len", L, "input window length")->check(CLI::Range(2, 500));
    app.add_option("--hidden", hidden, "LSTM hidden size")->check(CLI::Range(1, 1024));
    app.add_option("--epochs", epochs, "passes over the training windows")->check(CLI::Range(1, 10000));
    app.add_option("--seed", seed, "seed of the data, the weights and the batch order");
    app.add_option("--min-recall", min_recall, "claimed recall");
    app.add_option("--min-precision", min_precision, "claimed precision");
    CLI11_PARSE(app, argc, argv);

    tg::Generator gen(seed);
    tg::manual_seed(seed);
    const index_t n_train = 2000, n_val = 600, n_test = 1200;
    const auto train = wave(n_train, 0, gen);
    const auto val = wave(n_val, n_train, gen);
    auto test = wave(n_test, n_train + n_val, gen);
    // Spikes of 0.4 to 1.0 in either direction, at least 2 L apart, none in the first window.
    std::set<index_t> injected;
    for (index_t t = L + 5; t + 1 < n_test; t += 2 * L + static_cast<index_t>(gen.next_double() * 20)) {
        injected.insert(t);
        const double size = 0.4 + 0.6 * gen.next_double();
        test[static_cast<std::size_t>(t)] += static_cast<float>(gen.next_double() < 0.5 ? -size : size);
    }

    Forecaster model(hidden);
    nn::Adam<float> opt(model.parameters(), {.lr = 1e-2});
    // Training windows of L + 1 values: predict values 1 .. L from values 0 .. L - 1.
    const index_t n_win = n_train - L, batch = 32;
    std::printf("LSTM(1, %lld) + Linear(%lld, 1), %lld parameters; %lld training windows of %lld, Adam lr 1e-2\n",
                static_cast<long long>(hidden), static_cast<long long>(hidden),
                static_cast<long long>(model.lstm.num_parameters() + model.head.num_parameters()),
                static_cast<long long>(n_win), static_cast<long long>(L));
    std::vector<index_t> order(static_cast<std::size_t>(n_win));
    for (index_t i = 0; i < n_win; ++i) order[static_cast<std::size_t>(i)] = i;
    for (int e = 0; e < epochs; ++e) {
        for (std::size_t i = order.size(); i > 1; --i)  // Fisher-Yates with our generator
            std::swap(order[i - 1], order[static_cast<std::size_t>(gen.next_double() * double(i))]);
        double loss_sum = 0;
        int steps = 0;
        for (index_t b = 0; b + batch <= n_win; b += batch, ++steps) {
            std::vector<float> xv(static_cast<std::size_t>(L * batch)), yv(xv.size());
            for (index_t j = 0; j < batch; ++j)
                for (index_t k = 0; k < L; ++k) {
                    const auto start = static_cast<std::size_t>(order[static_cast<std::size_t>(b + j)] + k);
                    xv[static_cast<std::size_t>(k * batch + j)] = train[start];
                    yv[static_cast<std::size_t>(k * batch + j)] = train[start + 1];
                }
            opt.zero_grad();
            Var<float> loss = tg::mse_loss(
                model.forward(Var<float>(Tensor<float>::from_vector(xv, {L, batch, 1}))),
                Var<float>(Tensor<float>::from_vector(yv, {L, batch, 1})));
            loss.backward();
            nn::clip_grad_norm_(model.parameters(), 1.0);
            opt.step();
            loss_sum += loss.item();
        }
        std::printf("epoch %2d  training loss (MSE) %.5f   (noise variance %.5f)\n", e + 1, loss_sum / steps,
                    noise * noise);
    }

    const auto val_err = model.detect(val, L, L, n_val, INFINITY);
    const double val_max = *std::max_element(val_err.begin(), val_err.end());
    double val_rmse = 0;
    for (double e : val_err) val_rmse += e * e;
    val_rmse = std::sqrt(val_rmse / double(val_err.size()));
    const double threshold = 1.3 * val_max;
    std::printf("validation (clean): RMSE %.4f, largest error %.4f -> threshold 1.3 x %.4f = %.4f\n",
                val_rmse, val_max, val_max, threshold);

    const auto test_err = model.detect(test, L, L, n_test, threshold);
    index_t tp = 0, fp = 0;
    for (index_t t = L; t < n_test; ++t)
        if (test_err[static_cast<std::size_t>(t - L)] > threshold) (injected.count(t) ? tp : fp) += 1;
    const auto fn = static_cast<index_t>(injected.size()) - tp;
    const double precision = tp + fp > 0 ? double(tp) / double(tp + fp) : 0;
    const double recall = double(tp) / double(injected.size());
    std::printf(
        "test: %zu injected anomalies in %lld points; flagged %lld (true %lld, false %lld), missed %lld\n",
        injected.size(), static_cast<long long>(n_test - L), static_cast<long long>(tp + fp),
        static_cast<long long>(tp), static_cast<long long>(fp), static_cast<long long>(fn));
    std::printf("precision %.3f, recall %.3f\n", precision, recall);
    const bool ok = recall >= min_recall && precision >= min_precision;
    std::printf("claim (recall >= %.2f at precision >= %.2f): %s\n", min_recall, min_precision,
                ok ? "holds" : "FAILS");
    return ok ? 0 : 1;
}
