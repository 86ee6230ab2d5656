#pragma once
// Data for training: IDX files (MNIST-style, gzip or plain, through zlib), Fashion-MNIST, and
// an in-memory dataset with a DataLoader that batches, shuffles under a seed (the same seed gives
// the same batches on every platform), and drops or keeps the last partial batch.
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "../tensor/random.hpp"
#include "../tensor/tensor.hpp"

namespace tg::nn {

/// The contents of an IDX file of unsigned bytes (type code 0x08): its dimensions and data.
struct IdxData {
    std::vector<index_t> dims;
    std::vector<std::uint8_t> data;  ///< row-major, product of dims bytes
};

/// Reads an IDX file, gzip-compressed or not (zlib reads both).
/// @throws IOError naming the file and what is wrong: missing, not gzip or corrupt, wrong magic
/// (first two bytes not 0, a type other than 0x08 unsigned byte, rank 0 or above 8), truncated
/// header or data, or bytes after the data.
IdxData read_idx(const std::string& path);

/// Writes an IDX file of unsigned bytes, gzip-compressed when the path ends in ".gz" (tests,
/// small datasets of your own). @throws IOError
void write_idx(const std::string& path, const IdxData& idx);

/// Inputs (N, ...) and integer labels (N), held in memory.
template <class T>
struct TensorDataset {
    Tensor<T> inputs;
    std::vector<index_t> labels;
    /// @throws ShapeError if inputs' first axis and the number of labels differ
    TensorDataset(Tensor<T> inputs, std::vector<index_t> labels);
    TensorDataset() = default;
    index_t size() const { return inputs.defined() ? inputs.size(0) : 0; }
    /// The first n examples (a view of inputs: no copy). @throws IndexError
    TensorDataset head(index_t n) const;
};

/// A batch: inputs (B, ...) gathered into a contiguous tensor, and their labels.
template <class T>
struct Batch {
    Tensor<T> inputs;
    std::vector<index_t> labels;
    /// A seed for this batch's random augmentation, from (options seed, epoch, batch index): a
    /// transform that draws from Generator(b.seed) gives the same batch on any thread, so runs with
    /// and without prefetch are identical.
    std::uint64_t seed = 0;
    index_t size() const { return inputs.size(0); }
};

struct DataLoaderOptions {
    index_t batch_size = 32;
    bool shuffle = false;
    /// Epoch e is shuffled with a generator seeded by (seed, e): reproducible, different each epoch.
    std::uint64_t seed = 0;
    bool drop_last = false;
    /// Gathers (and transforms) the next batch on a background thread while the caller trains on
    /// the current one. The batches are the same as without it; an exception from the transform
    /// is rethrown to the caller when the loop reaches that batch; leaving the loop early waits for
    /// the pending batch. The transform then runs on that other thread: it must not use the
    /// calling thread's tape or default generator (draw from Generator(batch.seed) instead), and
    /// neither it nor the loader may be changed while an epoch is under way.
    bool prefetch = false;
};

/// Batches over a dataset, one epoch per begin()..end() traversal:
///   for (const auto& batch : loader) { ... }      // epoch 0, then 1, ...
/// A transform hook, if set, maps each gathered batch (augmentation, normalization). An iterator
/// must not be advanced after its loader is gone (leaving the loop then is fine, prefetch or not).
template <class T>
class DataLoader {
public:
    /// @throws DomainError if batch_size <= 0
    DataLoader(const TensorDataset<T>& data, const DataLoaderOptions& o = {});
    /// Batches per epoch.
    index_t num_batches() const;
    /// The order of examples of epoch e (a permutation when shuffling).
    std::vector<index_t> order(std::int64_t epoch) const;
    /// Batch i of epoch e. @throws IndexError
    Batch<T> batch(std::int64_t epoch, index_t i) const;
    std::function<Batch<T>(Batch<T>)> transform;

    /// Move-only (it may own the batch being prefetched); destroying it waits for that batch.
    class iterator {
    public:
        iterator(const DataLoader* l, std::int64_t epoch, index_t i, std::vector<index_t> order);
        iterator(iterator&&) = default;
        iterator& operator=(iterator&&) = default;
        ~iterator();
        const Batch<T>& operator*() const { return current_; }
        const Batch<T>* operator->() const { return &current_; }
        iterator& operator++();
        bool operator!=(const iterator& o) const { return i_ != o.i_; }

    private:
        void load();
        const DataLoader* l_;
        std::int64_t epoch_;
        index_t i_;
        std::shared_ptr<const std::vector<index_t>> order_;  // shared with the prefetch task
        Batch<T> current_;
        std::future<Batch<T>> next_;  // batch i_ + 1, when prefetching
        // What the prefetch tasks read: a copy of the loader made at the epoch's first prefetch
        // (tensor handles, options, transform), so a task never touches the caller's loader, which
        // the loop body may destroy while a batch is in flight.
        std::shared_ptr<const DataLoader> snapshot_;
    };
    /// Starts the next epoch (the first call is epoch 0).
    iterator begin();
    iterator end() const;
    std::int64_t epoch() const { return epoch_; }

private:
    Batch<T> gather(const std::vector<index_t>& order, std::int64_t epoch, index_t i) const;
    TensorDataset<T> data_;
    DataLoaderOptions o_;
    std::int64_t epoch_ = -1;
};

/// Fashion-MNIST (or MNIST) from the four IDX files in `dir` (Debian's dataset-fashion-mnist puts
/// them in /usr/share/datasets/fashion-mnist): images as (N, 784) with pixels scaled to [0, 1],
/// labels 0..9. `train` picks train-* (60,000) or t10k-* (10,000).
/// @throws IOError (missing or corrupt files, image and label counts differing)
template <class T>
TensorDataset<T> load_fashion_mnist(const std::string& dir, bool train);

/// The default location of the Debian package.
inline constexpr const char* fashion_mnist_dir = "/usr/share/datasets/fashion-mnist";

extern template struct TensorDataset<float>;
extern template struct TensorDataset<double>;
extern template class DataLoader<float>;
extern template class DataLoader<double>;

}  // namespace tg::nn
