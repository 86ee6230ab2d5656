// Threads sharing read-only parameters (docs/design.md, "Threads"): each thread records and
// differentiates its own graphs on its own tape; the parameters' nodes are shared, and the tape
// bookkeeping on them (NOTE [tape identity]) must neither race nor mix up slots. Writing one
// parameter's value or .grad from two threads at once is the user's race, as for any object.
#include <doctest/doctest.h>

#include <tbb/parallel_for.h>

#include <atomic>
#include <thread>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

using tg::Tensor;
using tg::Var;

namespace {

struct Params {
    Var<double> w, b;
};

Params make_params() {
    tg::Generator g(42);
    return {Var<double>(tg::normal<double>({4, 3}, 0.0, 1.0, g), true),
            Var<double>(tg::normal<double>({3}, 0.0, 1.0, g), true)};
}

Tensor<double> batch(int k) {
    tg::Generator g(1000 + static_cast<std::uint64_t>(k));
    return tg::normal<double>({5, 4}, 0.0, 1.0, g);
}

// One step: a small network's loss and its gradients, returned (not accumulated into .grad).
std::vector<Tensor<double>> step(const Params& p, int k) {
    const Var<double> x(batch(k));
    const Var<double> loss = tg::sum(tg::tanh(tg::matmul(x, p.w) + p.b) * tg::sigmoid(p.b));
    const auto g = tg::gradients(loss, {p.w, p.b}, tg::ones<double>({}));
    return {g[0].value(), g[1].value()};
}

bool same(const std::vector<Tensor<double>>& a, const std::vector<Tensor<double>>& b) {
    for (std::size_t i = 0; i < a.size(); ++i)
        if (!tg::allclose(a[i], b[i], 0, 0)) return false;
    return true;
}

constexpr int n_threads = 8, n_steps = 1000, n_batches = 7;

}  // namespace

TEST_CASE("8 std::threads share parameters; every gradient equals the single-threaded one") {
    const Params p = make_params();
    std::vector<std::vector<Tensor<double>>> ref;
    for (int k = 0; k < n_batches; ++k) ref.push_back(step(p, k));
    std::atomic<int> wrong{0}, errors{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < n_threads; ++t)
        threads.emplace_back([&, t] {
            try {
                for (int i = 0; i < n_steps; ++i) {
                    const int k = (t + i) % n_batches;
                    if (!same(step(p, k), ref[static_cast<std::size_t>(k)])) ++wrong;
                }
            } catch (...) {
                ++errors;
            }
        });
    for (auto& th : threads) th.join();
    CHECK(errors.load() == 0);
    CHECK(wrong.load() == 0);
    CHECK_FALSE(p.w.has_grad());  // tg::gradients accumulates nothing
}

TEST_CASE("tbb::parallel_for tasks share parameters; gradients equal the reference") {
    const Params p = make_params();
    std::vector<std::vector<Tensor<double>>> ref;
    for (int k = 0; k < n_batches; ++k) ref.push_back(step(p, k));
    std::atomic<int> wrong{0};
    tbb::parallel_for(0, n_threads * n_steps / 4, [&](int i) {
        const int k = i % n_batches;
        if (!same(step(p, k), ref[static_cast<std::size_t>(k)])) ++wrong;
    });
    CHECK(wrong.load() == 0);
}

TEST_CASE("a parameter recorded by another thread between a forward and its backward") {
    Var<double> w(Tensor<double>{1.0, 2.0, 3.0}, true);
    const Var<double> y = tg::sum(w * w);  // recorded here, differentiated later
    std::thread other([&] {
        for (int i = 0; i < 200; ++i) {
            const Var<double> z = tg::sum(w * Var<double>(3.0) + w);  // w gets a slot on that tape
            const auto g = tg::gradients(z, {w}, tg::ones<double>({}));
            CHECK(tg::allclose(g[0].value(), Tensor<double>{4.0, 4.0, 4.0}, 0, 0));
        }
    });
    other.join();
    y.backward();
    CHECK(tg::allclose(w.grad(), Tensor<double>{2.0, 4.0, 6.0}, 0, 0));
}

TEST_CASE("each thread's backward accumulates into its own leaves over shared values") {
    const Params p = make_params();
    const auto ref = step(p, 3);
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < n_threads; ++t)
        threads.emplace_back([&] {
            // Leaves of this thread over the shared, read-only parameter tensors.
            Var<double> w(p.w.value(), true), b(p.b.value(), true);
            for (int i = 0; i < 50; ++i) {
                const Var<double> x(batch(3));
                tg::sum(tg::tanh(tg::matmul(x, w) + b) * tg::sigmoid(b)).backward();
                if (!tg::allclose(w.grad(), ref[0] * static_cast<double>(i + 1), 1e-12)) ++wrong;
            }
        });
    for (auto& th : threads) th.join();
    CHECK(wrong.load() == 0);
}
