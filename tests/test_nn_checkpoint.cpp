// Checkpoints: the safetensors layout (parsed here byte by byte), training resumed from a
// checkpoint reaching exactly the numbers of an uninterrupted run, and every error a file can
// cause (missing, truncated, corrupt header, missing tensor, shape mismatch, wrong optimizer).
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

#include "../nn/activations.hpp"
#include "../nn/checkpoint.hpp"
#include "../nn/layers.hpp"
#include "../nn/optim.hpp"

using tg::Tensor;
using tg::Var;
namespace nn = tg::nn;
namespace fs = std::filesystem;

namespace {
std::string tmp(const std::string& name) {
    return (fs::temp_directory_path() / ("tg_nn_ckpt_" + std::to_string(::getpid()) + "_" + name)).string();
}
std::vector<char> read_bytes(const std::string& p) {
    std::ifstream f(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}
void write_bytes(const std::string& p, const std::vector<char>& b) {
    std::ofstream(p, std::ios::binary).write(b.data(), static_cast<std::streamsize>(b.size()));
}
std::shared_ptr<nn::Sequential<double>> make_model(std::uint64_t seed) {
    tg::manual_seed(seed);
    auto m = std::make_shared<nn::Sequential<double>>();
    m->push_back(std::make_shared<nn::Linear<double>>(4, 6));
    m->push_back(std::make_shared<nn::BatchNorm1d<double>>(6));
    m->push_back(std::make_shared<nn::Tanh<double>>());
    m->push_back(std::make_shared<nn::Linear<double>>(6, 3));
    return m;
}
void train_steps(nn::Module<double>& m, nn::Optimizer<double>& opt, int from, int to) {
    for (int s = from; s < to; ++s) {
        tg::Generator g(100 + static_cast<std::uint64_t>(s));  // batch s is the same in every run
        const Tensor<double> x = tg::normal<double>({8, 4}, 0.0, 1.0, g);
        std::vector<tg::index_t> y;
        for (int k = 0; k < 8; ++k) y.push_back(k % 3);
        opt.zero_grad();
        tg::cross_entropy(m.forward(Var<double>(x)), y).backward();
        opt.step();
    }
}
std::vector<double> flat(const nn::Module<double>& m) {
    std::vector<double> r;
    for (auto& p : m.parameters())
        for (double v : p.value().to_vector()) r.push_back(v);
    for (auto& [n, b] : m.named_buffers())
        for (double v : b.to_vector()) r.push_back(v);
    return r;
}
}  // namespace

TEST_CASE("nn checkpoint: training resumes from a checkpoint to exactly the same numbers") {
    const std::string path = tmp("resume.safetensors");
    auto a = make_model(1);
    nn::AdamW<double> opt_a(a->parameters(), {.lr = 0.01, .weight_decay = 0.05, .amsgrad = true});
    train_steps(*a, opt_a, 0, 3);
    nn::save_checkpoint(path, *a, &opt_a, {{"epoch", "3"}});
    CHECK_FALSE(fs::exists(path + ".tmp"));
    train_steps(*a, opt_a, 3, 6);

    auto b = make_model(2);  // different initial values: all must come from the file
    nn::AdamW<double> opt_b(b->parameters(), {.lr = 0.01, .weight_decay = 0.05, .amsgrad = true});
    const auto meta = nn::load_checkpoint(path, *b, &opt_b);
    CHECK(meta.at("epoch") == "3");
    CHECK(opt_b.state(0, 0).step == 3);
    train_steps(*b, opt_b, 3, 6);
    CHECK(flat(*a) == flat(*b));
    fs::remove(path);
}

TEST_CASE("nn checkpoint: the safetensors layout, read back independently") {
    const std::string path = tmp("layout.safetensors");
    nn::TensorFile<float> f;
    f.tensors = {{"w", Tensor<float>{{1.5f, -2.0f, 3.0f}, {4.0f, 5.0f, 6.25f}}.transpose()},
                 {"s", Tensor<float>::scalar(7.0f)}};
    f.metadata = {{"note", "a \"quoted\" value"}};
    nn::save_safetensors(path, f);
    const std::vector<char> bytes = read_bytes(path);
    std::uint64_t n = 0;
    std::memcpy(&n, bytes.data(), 8);  // little-endian length
    CHECK(n % 8 == 0);
    const std::string header(bytes.data() + 8, n);
    CHECK(header.find("\"w\":{\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":[0,24]}") != std::string::npos);
    CHECK(header.find("\"s\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[24,28]}") != std::string::npos);
    float w[6];
    std::memcpy(w, bytes.data() + 8 + n, 24);  // the transposed view is written in its own row-major order
    CHECK(std::vector<float>(w, w + 6) == std::vector<float>{1.5f, 4.0f, -2.0f, 5.0f, 3.0f, 6.25f});
    const nn::TensorFile<double> back = nn::load_safetensors<double>(path);  // F32 read as double
    CHECK(back.metadata.at("note") == "a \"quoted\" value");
    CHECK(back.tensors[0].second.at({2, 1}) == 6.25);
    CHECK(back.tensors[1].second.item() == 7.0);
    fs::remove(path);
}

TEST_CASE("nn checkpoint: missing, truncated and corrupt files, missing tensors, shape mismatches") {
    const std::string path = tmp("bad.safetensors");
    auto expect = [&](const std::string& what, auto&& fn) {
        try {
            fn();
            FAIL("no error for " << what);
        } catch (const tg::IOError& e) {
            const std::string m = e.what();
            CHECK_MESSAGE(m.find(what) != std::string::npos, m);
            CHECK_MESSAGE(m.find(path) != std::string::npos, m);
        }
    };
    auto m = make_model(1);
    expect("cannot open", [&] { nn::load_checkpoint(path, *m); });
    nn::save_checkpoint(path, *m);
    const std::vector<char> good = read_bytes(path);
    write_bytes(path, std::vector<char>(good.begin(), good.end() - 10));
    expect("outside the", [&] { nn::load_checkpoint(path, *m); });
    write_bytes(path, std::vector<char>(good.begin(), good.begin() + 20));
    expect("truncated: the header claims", [&] { nn::load_checkpoint(path, *m); });
    write_bytes(path, std::vector<char>(good.begin(), good.begin() + 5));
    expect("truncated: 5 bytes", [&] { nn::load_checkpoint(path, *m); });
    auto corrupt = good;
    corrupt[8] = '[';
    write_bytes(path, corrupt);
    expect("corrupt header", [&] { nn::load_checkpoint(path, *m); });
    corrupt = good;
    const std::string h(good.data() + 8, 200);
    corrupt[8 + h.find("F64") + 1] = '1';  // dtype F14
    write_bytes(path, corrupt);
    expect("dtype F14", [&] { nn::load_checkpoint(path, *m); });

    // A model with another layer size, and one with a parameter the file lacks.
    write_bytes(path, good);
    tg::manual_seed(3);
    nn::Sequential<double> other;
    other.push_back(std::make_shared<nn::Linear<double>>(4, 5));
    const std::vector<double> before = other.parameters()[0].value().to_vector();
    expect("tensor '0.weight' has shape [6,4] in the file, the model needs [5,4]",
           [&] { nn::load_checkpoint(path, other); });
    CHECK(other.parameters()[0].value().to_vector() == before);  // untouched
    auto bigger = make_model(1);
    bigger->push_back(std::make_shared<nn::Linear<double>>(3, 2));
    expect("missing tensor '4.weight'", [&] { nn::load_checkpoint(path, *bigger); });
    nn::SGD<double> sgd(m->parameters());
    expect("missing optimizer metadata", [&] { nn::load_checkpoint(path, *m, &sgd); });
    nn::Adam<double> adam(m->parameters());
    nn::save_checkpoint(path, *m, &adam);
    expect("the file holds the state of Adam, not SGD", [&] { nn::load_checkpoint(path, *m, &sgd); });
    fs::remove(path);
}
