#include "data.hpp"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <numeric>

#include "../tensor/error.hpp"

namespace tg::nn {

namespace {

struct GzCloser {
    void operator()(gzFile f) const { gzclose(f); }
};
using GzHandle = std::unique_ptr<std::remove_pointer_t<gzFile>, GzCloser>;

[[noreturn]] void idx_error(const std::string& path, const std::string& what) {
    throw IOError("read_idx: " + path + ": " + what);
}

// Reads exactly n bytes (gzread takes an unsigned count: loop in chunks). A short read is a
// truncated file; a negative one a corrupt gzip stream.
void read_exact(gzFile f, const std::string& path, void* out, std::size_t n, const char* what) {
    auto* p = static_cast<unsigned char*>(out);
    std::size_t done = 0;
    while (done < n) {
        const unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(n - done, 1u << 30));
        const int r = gzread(f, p + done, chunk);
        if (r < 0) {
            int code = 0;
            const char* msg = gzerror(f, &code);
            idx_error(path, std::string("corrupt gzip data while reading the ") + what + " (" +
                                (msg ? msg : "?") + ")");
        }
        if (r == 0) {
            int code = 0;
            const char* msg = gzerror(f, &code);
            idx_error(path, std::string("truncated: the ") + what + " needs " + std::to_string(n) +
                                " bytes, the file has " + std::to_string(done) +
                                (code != Z_OK && msg ? std::string(" (") + msg + ")" : ""));
        }
        done += static_cast<std::size_t>(r);
    }
}

}  // namespace

IdxData read_idx(const std::string& path) {
    GzHandle f(gzopen(path.c_str(), "rb"));
    if (!f) idx_error(path, "cannot open (" + std::string(std::strerror(errno)) + ")");
    unsigned char magic[4];
    read_exact(f.get(), path, magic, 4, "magic number");
    if (magic[0] != 0 || magic[1] != 0)
        idx_error(
            path, "wrong magic: an IDX file starts with two zero bytes, got 0x" + [&] {
                char b[16];
                std::snprintf(b, sizeof b, "%02x%02x%02x%02x", magic[0], magic[1], magic[2], magic[3]);
                return std::string(b);
            }());
    if (magic[2] != 0x08)
        idx_error(
            path, "unsupported element type 0x" + [&] {
                char b[8];
                std::snprintf(b, sizeof b, "%02x", magic[2]);
                return std::string(b);
            }() + " (only 0x08, unsigned byte, is supported)");
    const int rank = magic[3];
    if (rank < 1 || rank > max_rank)
        idx_error(path, "rank " + std::to_string(rank) + " outside 1.." + std::to_string(max_rank));
    IdxData out;
    std::size_t total = 1;
    for (int i = 0; i < rank; ++i) {
        unsigned char b[4];
        read_exact(f.get(), path, b, 4, "dimensions");
        const std::uint32_t d = (std::uint32_t(b[0]) << 24) | (std::uint32_t(b[1]) << 16) |
                                (std::uint32_t(b[2]) << 8) | b[3];
        out.dims.push_back(static_cast<index_t>(d));
        if (d != 0 && total > (std::size_t(1) << 40) / d)
            idx_error(path, "dimensions too large (over 2^40 bytes)");
        total *= d;
    }
    out.data.resize(total);
    read_exact(f.get(), path, out.data.data(), total, "data");
    unsigned char extra;
    const int r = gzread(f.get(), &extra, 1);
    if (r > 0)
        idx_error(path, "bytes after the data (the header says " + std::to_string(total) + " data bytes)");
    if (r < 0) idx_error(path, "corrupt gzip data after the data");
    return out;
}

void write_idx(const std::string& path, const IdxData& idx) {
    const bool gz = path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
    GzHandle f(gzopen(path.c_str(), gz ? "wb" : "wbT"));  // T: plain, uncompressed
    if (!f) throw IOError("write_idx: " + path + ": cannot open for writing");
    if (idx.dims.empty() || idx.dims.size() > 255) throw IOError("write_idx: " + path + ": bad rank");
    std::vector<unsigned char> head = {0, 0, 0x08, static_cast<unsigned char>(idx.dims.size())};
    for (index_t d : idx.dims)
        for (int s = 24; s >= 0; s -= 8)
            head.push_back(static_cast<unsigned char>((std::uint64_t(d) >> s) & 0xff));
    const auto put = [&](const void* p, std::size_t n) {
        if (n && gzwrite(f.get(), p, static_cast<unsigned>(n)) != static_cast<int>(n))
            throw IOError("write_idx: " + path + ": write failed");
    };
    put(head.data(), head.size());
    put(idx.data.data(), idx.data.size());
    if (gzclose(f.release()) != Z_OK) throw IOError("write_idx: " + path + ": close failed");
}

template <class T>
TensorDataset<T>::TensorDataset(Tensor<T> in, std::vector<index_t> lab)
    : inputs(std::move(in)), labels(std::move(lab)) {
    if (inputs.dim() < 1 || inputs.size(0) != static_cast<index_t>(labels.size()))
        throw ShapeError("TensorDataset: inputs " + inputs.shape().str() + " and " +
                         std::to_string(labels.size()) + " labels differ in length");
}

template <class T>
TensorDataset<T> TensorDataset<T>::head(index_t n) const {
    if (n < 0 || n > size())
        throw IndexError("TensorDataset::head: " + std::to_string(n) + " of " + std::to_string(size()));
    return TensorDataset(inputs.slice(0, 0, n), std::vector<index_t>(labels.begin(), labels.begin() + n));
}

template <class T>
DataLoader<T>::DataLoader(const TensorDataset<T>& data, const DataLoaderOptions& o) : data_(data), o_(o) {
    if (o.batch_size <= 0)
        throw DomainError("DataLoader: batch_size must be > 0, got " + std::to_string(o.batch_size));
    if (data_.inputs.defined() && !data_.inputs.is_contiguous()) data_.inputs = data_.inputs.contiguous();
}

template <class T>
index_t DataLoader<T>::num_batches() const {
    const index_t n = data_.size(), b = o_.batch_size;
    return o_.drop_last ? n / b : n == 0 ? 0 : (n - 1) / b + 1;  // n + b - 1 overflows for a huge b
}

template <class T>
std::vector<index_t> DataLoader<T>::order(std::int64_t epoch) const {
    std::vector<index_t> idx(static_cast<std::size_t>(data_.size()));
    std::iota(idx.begin(), idx.end(), index_t(0));
    if (!o_.shuffle) return idx;
    Generator g(o_.seed ^ (0x9E3779B97F4A7C15ull * static_cast<std::uint64_t>(epoch + 1)));
    for (std::size_t i = idx.size(); i > 1; --i) {  // Fisher-Yates
        const std::size_t j = static_cast<std::size_t>(g.next_double() * static_cast<double>(i));
        std::swap(idx[i - 1], idx[std::min(j, i - 1)]);
    }
    return idx;
}

template <class T>
Batch<T> DataLoader<T>::gather(const std::vector<index_t>& ord, std::int64_t epoch, index_t i) const {
    if (i < 0 || i >= num_batches())
        throw IndexError("DataLoader: batch " + std::to_string(i) + " of " + std::to_string(num_batches()));
    const index_t lo = i * o_.batch_size, hi = std::min<index_t>(lo + o_.batch_size, data_.size());
    Shape s = data_.inputs.shape();
    s[0] = hi - lo;
    const index_t row = data_.size() ? data_.inputs.numel() / data_.size() : 0;
    // splitmix64 of (seed, epoch, i): well-mixed batch seeds even for seeds 0, 1, 2, ...
    std::uint64_t z = o_.seed + 0x9E3779B97F4A7C15ull * (static_cast<std::uint64_t>(epoch) * 0x100000001ull +
                                                         static_cast<std::uint64_t>(i) + 1);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    Batch<T> b{Tensor<T>::empty(s, "DataLoader"), {}, z ^ (z >> 31)};
    const Tensor<T>& src = data_.inputs;
    const T* from = src.data();
    T* to = b.inputs.data();
    for (index_t k = lo; k < hi; ++k) {
        std::memcpy(to + (k - lo) * row, from + ord[static_cast<std::size_t>(k)] * row,
                    sizeof(T) * static_cast<std::size_t>(row));
        b.labels.push_back(data_.labels[static_cast<std::size_t>(ord[static_cast<std::size_t>(k)])]);
    }
    return transform ? transform(std::move(b)) : b;
}

template <class T>
Batch<T> DataLoader<T>::batch(std::int64_t epoch, index_t i) const {
    return gather(order(epoch), epoch, i);
}

template <class T>
DataLoader<T>::iterator::iterator(const DataLoader* l, std::int64_t epoch, index_t i, std::vector<index_t> order)
    : l_(l), epoch_(epoch), i_(i), order_(std::make_shared<const std::vector<index_t>>(std::move(order))) {
    load();
}
template <class T>
DataLoader<T>::iterator::~iterator() {
    // A batch still being gathered (the loop left early, or the caller's step threw) is waited
    // for: the task reads the loader's snapshot and must finish before the iterator goes away. Its own
    // exception, if any, belongs to a batch nobody asked for and is dropped.
    if (next_.valid()) next_.wait();
}
template <class T>
void DataLoader<T>::iterator::load() {
    if (!l_ || !order_ || i_ >= l_->num_batches()) return;  // end(), or moved from
    if (next_.valid()) current_ = next_.get();  // rethrows what the transform threw for this batch
    else current_ = l_->gather(*order_, epoch_, i_);
    if (l_->o_.prefetch && i_ + 1 < l_->num_batches()) {
        if (!snapshot_) snapshot_ = std::make_shared<const DataLoader>(*l_);
        next_ = std::async(std::launch::async, [l = snapshot_, order = order_, e = epoch_, i = i_ + 1] {
            return l->gather(*order, e, i);
        });
    }
}
template <class T>
typename DataLoader<T>::iterator& DataLoader<T>::iterator::operator++() {
    ++i_;
    load();
    return *this;
}
template <class T>
typename DataLoader<T>::iterator DataLoader<T>::begin() {
    ++epoch_;
    return iterator(this, epoch_, 0, order(epoch_));
}
template <class T>
typename DataLoader<T>::iterator DataLoader<T>::end() const {
    return iterator(nullptr, epoch_, num_batches(), {});
}

template <class T>
TensorDataset<T> load_fashion_mnist(const std::string& dir, bool train) {
    const std::string prefix = dir + "/" + (train ? "train" : "t10k");
    const IdxData img = read_idx(prefix + "-images-idx3-ubyte.gz");
    const IdxData lab = read_idx(prefix + "-labels-idx1-ubyte.gz");
    if (img.dims.size() != 3 || lab.dims.size() != 1 || img.dims[0] != lab.dims[0])
        throw IOError("load_fashion_mnist: " + prefix + "-*: expected images (N, rows, cols) and N labels");
    const index_t n = img.dims[0], d = img.dims[1] * img.dims[2];
    Tensor<T> x = Tensor<T>::empty({n, d}, "load_fashion_mnist");
    T* p = x.data();
    for (std::size_t k = 0; k < img.data.size(); ++k) p[k] = static_cast<T>(img.data[k]) / T(255);
    std::vector<index_t> y(lab.data.begin(), lab.data.end());
    return TensorDataset<T>(x, std::move(y));
}

template struct TensorDataset<float>;
template struct TensorDataset<double>;
template class DataLoader<float>;
template class DataLoader<double>;
template TensorDataset<float> load_fashion_mnist<float>(const std::string&, bool);
template TensorDataset<double> load_fashion_mnist<double>(const std::string&, bool);

}  // namespace tg::nn
