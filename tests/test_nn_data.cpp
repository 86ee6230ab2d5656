// IDX reading (plain and gzip, files written here) with every way a file can be wrong, the
// DataLoader's batching, seeded shuffling and drop_last, and Fashion-MNIST when installed.
#include <doctest/doctest.h>

#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

#include "../nn/data.hpp"

using tg::index_t;
using tg::Tensor;
namespace nn = tg::nn;
namespace fs = std::filesystem;

namespace {
std::string tmp(const std::string& name) {
    return (fs::temp_directory_path() / ("tg_nn_data_" + std::to_string(::getpid()) + "_" + name)).string();
}
void write_bytes(const std::string& path, const std::vector<unsigned char>& b) {
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}
std::vector<unsigned char> read_bytes(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}
// Expects an IOError whose message names the file and contains `what`.
void expect_io_error(const std::string& path, const std::string& what) {
    try {
        nn::read_idx(path);
        FAIL("no error for " << what);
    } catch (const tg::IOError& e) {
        const std::string m = e.what();
        CHECK_MESSAGE(m.find(path) != std::string::npos, m);
        CHECK_MESSAGE(m.find(what) != std::string::npos, m);
    }
}
}  // namespace

TEST_CASE("nn data: IDX round trip, plain and gzip") {
    nn::IdxData d{{2, 3, 2}, {}};
    for (int i = 0; i < 12; ++i) d.data.push_back(static_cast<std::uint8_t>(i * 20));
    for (const std::string name : {"a.idx", "a.idx.gz"}) {
        const std::string p = tmp(name);
        nn::write_idx(p, d);
        const nn::IdxData r = nn::read_idx(p);
        CHECK(r.dims == d.dims);
        CHECK(r.data == d.data);
        fs::remove(p);
    }
    // The gzip file really is compressed (magic 1f 8b), the plain one starts with 00 00 08 03.
    const std::string gz = tmp("b.gz"), plain = tmp("b.idx");
    nn::write_idx(gz, d);
    nn::write_idx(plain, d);
    CHECK(read_bytes(gz)[0] == 0x1f);
    CHECK(read_bytes(plain) ==
          std::vector<unsigned char>({0, 0, 8, 3,  0,  0,  0,  2,   0,   0,   0,   3,   0,   0,
                                      0, 2, 0, 20, 40, 60, 80, 100, 120, 140, 160, 180, 200, 220}));
    fs::remove(gz);
    fs::remove(plain);
}

TEST_CASE("nn data: missing, truncated, corrupt, wrong magic and padded IDX files") {
    nn::IdxData d{{4, 5}, std::vector<std::uint8_t>(20, 7)};
    const std::string p = tmp("bad.idx"), g = tmp("bad.idx.gz");
    expect_io_error(tmp("missing.idx"), "cannot open");
    nn::write_idx(p, d);
    std::vector<unsigned char> b = read_bytes(p);
    write_bytes(p, std::vector<unsigned char>(b.begin(), b.end() - 3));
    expect_io_error(p, "truncated: the data needs 20 bytes, the file has 17");
    write_bytes(p, std::vector<unsigned char>(b.begin(), b.begin() + 6));
    expect_io_error(p, "truncated: the dimensions");
    write_bytes(p, {});
    expect_io_error(p, "truncated: the magic number");
    auto wrong = b;
    wrong[0] = 0x12;
    write_bytes(p, wrong);
    expect_io_error(p, "wrong magic");
    wrong = b;
    wrong[2] = 0x0D;  // float32 IDX: not supported
    write_bytes(p, wrong);
    expect_io_error(p, "unsupported element type 0x0d");
    wrong = b;
    wrong[3] = 0;
    write_bytes(p, wrong);
    expect_io_error(p, "rank 0");
    wrong = b;
    wrong.push_back(1);
    write_bytes(p, wrong);
    expect_io_error(p, "bytes after the data");
    // A truncated gzip stream, and one with a flipped byte in the compressed data.
    nn::write_idx(g, d);
    const std::vector<unsigned char> z = read_bytes(g);
    write_bytes(g, std::vector<unsigned char>(z.begin(), z.begin() + static_cast<long>(z.size()) / 2));
    try {
        nn::read_idx(g);
        FAIL("no error");
    } catch (const tg::IOError& e) {
        CHECK(std::string(e.what()).find(g) != std::string::npos);
    }
    auto flipped = z;
    flipped[z.size() - 6] ^= 0xff;  // inside the CRC / data tail
    write_bytes(g, flipped);
    CHECK_THROWS_AS(nn::read_idx(g), tg::IOError);
    fs::remove(p);
    fs::remove(g);
}

TEST_CASE("nn data: DataLoader batches, drop_last, seeded shuffling, transform") {
    const index_t n = 10;
    std::vector<double> xs(n * 2);
    std::iota(xs.begin(), xs.end(), 0.0);
    std::vector<index_t> ys(n);
    std::iota(ys.begin(), ys.end(), index_t(0));
    const nn::TensorDataset<double> ds(Tensor<double>::from_vector(xs, {n, 2}), ys);
    nn::DataLoader<double> plain(ds, {.batch_size = 4});
    CHECK(plain.num_batches() == 3);
    std::vector<index_t> sizes, seen;
    for (const auto& b : plain) {
        sizes.push_back(b.size());
        for (std::size_t k = 0; k < b.labels.size(); ++k) {
            seen.push_back(b.labels[k]);
            CHECK(b.inputs.at({static_cast<index_t>(k), 1}) == 2.0 * static_cast<double>(b.labels[k]) + 1);
        }
    }
    CHECK(sizes == std::vector<index_t>{4, 4, 2});
    CHECK(seen == ys);
    nn::DataLoader<double> drop(ds, {.batch_size = 4, .drop_last = true});
    CHECK(drop.num_batches() == 2);

    nn::DataLoader<double> s1(ds, {.batch_size = 3, .shuffle = true, .seed = 9});
    nn::DataLoader<double> s2(ds, {.batch_size = 3, .shuffle = true, .seed = 9});
    const auto o0 = s1.order(0), o1 = s1.order(1);
    CHECK(o0 == s2.order(0));  // same seed, same order
    CHECK(o0 != o1);           // a new order each epoch
    CHECK(std::set<index_t>(o0.begin(), o0.end()).size() == static_cast<std::size_t>(n));  // a permutation
    CHECK(o0 != nn::DataLoader<double>(ds, {.shuffle = true, .seed = 10}).order(0));
    // Iterating runs epoch 0, then epoch 1.
    std::vector<index_t> it0, it1;
    for (const auto& b : s1) it0.insert(it0.end(), b.labels.begin(), b.labels.end());
    for (const auto& b : s1) it1.insert(it1.end(), b.labels.begin(), b.labels.end());
    CHECK(it0 == o0);
    CHECK(it1 == o1);
    CHECK(s2.batch(1, 0).labels == std::vector<index_t>(o1.begin(), o1.begin() + 3));

    plain.transform = [](nn::Batch<double> b) {
        b.inputs *= 0.5;
        return b;
    };
    CHECK(plain.batch(0, 0).inputs.at({1, 0}) == 1.0);
    CHECK(ds.inputs.at({1, 0}) == 2.0);  // the dataset itself is untouched
    CHECK_THROWS_AS(plain.batch(0, 3), tg::IndexError);
    CHECK_THROWS_AS(nn::DataLoader<double>(ds, {.batch_size = 0}), tg::DomainError);
    CHECK_THROWS_AS(nn::TensorDataset<double>(tg::zeros<double>({3, 2}), {1, 2}), tg::ShapeError);
    CHECK(ds.head(4).size() == 4);
}

TEST_CASE("nn data: Fashion-MNIST from the Debian package") {
    const std::string dir = nn::fashion_mnist_dir;
    if (!fs::exists(dir + "/t10k-labels-idx1-ubyte.gz")) {
        MESSAGE("Fashion-MNIST not installed; skipped");
        return;
    }
    const nn::TensorDataset<float> test = nn::load_fashion_mnist<float>(dir, false);
    CHECK(test.inputs.shape() == tg::Shape{10000, 784});
    std::vector<int> per_class(10, 0);
    for (index_t y : test.labels) per_class.at(static_cast<std::size_t>(y))++;
    CHECK(per_class == std::vector<int>(10, 1000));
    double s = 0;
    for (float v : test.inputs.slice(0, 0, 100).to_vector()) s += v;
    CHECK(s > 0);
    CHECK_THROWS_AS(nn::load_fashion_mnist<float>(tmp("nowhere"), true), tg::IOError);
}
