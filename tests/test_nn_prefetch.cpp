// DataLoader background prefetch: the same batches (random augmentation included) with and without
// it, the transform really running on another thread, its exceptions reaching the caller at the
// batch that failed, and a loop left early or an iterator destroyed mid-epoch waiting cleanly.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <set>
#include <thread>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

#include "../nn/data.hpp"

using tg::index_t;
using tg::Tensor;
namespace nn = tg::nn;

namespace {
nn::TensorDataset<float> numbers(index_t n) {
    std::vector<float> x(static_cast<std::size_t>(n * 3));
    std::vector<index_t> y(static_cast<std::size_t>(n));
    for (index_t i = 0; i < n; ++i) {
        for (index_t k = 0; k < 3; ++k) x[std::size_t(i * 3 + k)] = float(i) + 0.25f * float(k);
        y[std::size_t(i)] = i % 7;
    }
    return nn::TensorDataset<float>(Tensor<float>::from_vector(x, {n, 3}), y);
}
// Random augmentation drawn from the batch's own seed: the same on any thread.
nn::Batch<float> jitter(nn::Batch<float> b) {
    tg::Generator g(b.seed);
    float* p = b.inputs.data();
    for (index_t i = 0; i < b.inputs.numel(); ++i) p[i] += static_cast<float>(g.next_normal());
    return b;
}
}  // namespace

TEST_CASE("prefetch: identical batches with and without it, over epochs, shuffled and transformed") {
    const nn::TensorDataset<float> ds = numbers(103);
    nn::DataLoader<float> plain(ds, {.batch_size = 10, .shuffle = true, .seed = 5});
    nn::DataLoader<float> ahead(ds, {.batch_size = 10, .shuffle = true, .seed = 5, .prefetch = true});
    plain.transform = ahead.transform = jitter;
    std::set<std::uint64_t> seeds;
    for (int epoch = 0; epoch < 3; ++epoch) {
        std::vector<nn::Batch<float>> a, b;
        for (const auto& batch : plain) a.push_back(batch);
        for (const auto& batch : ahead) b.push_back(batch);
        REQUIRE(a.size() == 11);
        REQUIRE(b.size() == 11);
        for (std::size_t i = 0; i < a.size(); ++i) {
            CHECK(a[i].inputs.to_vector() == b[i].inputs.to_vector());
            CHECK(a[i].labels == b[i].labels);
            CHECK(a[i].seed == b[i].seed);
            seeds.insert(a[i].seed);
        }
        // Random access gives the same batch too.
        CHECK(plain.batch(epoch, 4).inputs.to_vector() == a[4].inputs.to_vector());
    }
    CHECK(seeds.size() == 33);  // every batch of every epoch has its own seed
}

TEST_CASE("prefetch: the transform runs on another thread while the caller works") {
    const nn::TensorDataset<float> ds = numbers(40);
    nn::DataLoader<float> ahead(ds, {.batch_size = 8, .prefetch = true});
    const auto caller = std::this_thread::get_id();
    std::atomic<int> elsewhere{0};
    ahead.transform = [&](nn::Batch<float> b) {
        if (std::this_thread::get_id() != caller) ++elsewhere;
        return b;
    };
    int n = 0;
    for (const auto& b : ahead) n += static_cast<int>(b.size() > 0);
    CHECK(n == 5);
    CHECK(elsewhere == 4);  // batch 0 is gathered by the caller; 1..4 ahead of time
}

TEST_CASE("prefetch: an exception from the transform reaches the caller at that batch") {
    const nn::TensorDataset<float> ds = numbers(50);
    for (bool prefetch : {false, true}) {
        CAPTURE(prefetch);
        nn::DataLoader<float> l(ds, {.batch_size = 10, .prefetch = prefetch});
        l.transform = [](nn::Batch<float> b) {
            if (b.inputs.data()[0] >= 30)
                throw tg::DomainError("augment: bad batch starting at " +
                                      std::to_string(int(b.inputs.data()[0])));
            return b;
        };
        std::vector<float> seen;
        std::string message;
        try {
            for (const auto& b : l) seen.push_back(b.inputs.data()[0]);
        } catch (const tg::DomainError& e) {
            message = e.what();
        }
        CHECK(seen == std::vector<float>{0, 10, 20});
        CHECK(message == "augment: bad batch starting at 30");
        // The loader is still usable: the next epoch fails at the same place, nothing hangs.
        CHECK_THROWS_AS(
            [&] {
                for (const auto& b : l) (void)b;
            }(),
            tg::DomainError);
    }
}

TEST_CASE("prefetch: leaving the loop early, or destroying the loader after, is clean") {
    const nn::TensorDataset<float> ds = numbers(64);
    std::atomic<int> running{0}, finished{0};
    {
        nn::DataLoader<float> l(ds, {.batch_size = 4, .prefetch = true});
        l.transform = [&](nn::Batch<float> b) {
            ++running;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));  // still gathering when we leave
            ++finished;
            return b;
        };
        for (const auto& b : l) {
            CHECK(b.size() == 4);
            break;  // the iterator dies with batch 1 in flight: it waits for it
        }
        CHECK(running == finished);
        auto it = l.begin();  // a second epoch, abandoned after its first batch, then the loader goes
        CHECK(it->size() == 4);
    }
    CHECK(running == finished);
    CHECK(finished == 4);  // two per epoch: batch 0 on the caller, batch 1 ahead
}
