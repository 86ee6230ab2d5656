// Writes a checkpoint for the independent reader (scripts/check_safetensors.py --against, ctest
// checkpoint_independent_reader): a small model with a BatchNorm (a buffer beside the
// parameters), three AdamW steps (optimizer state in the file), saved to DIR/ckpt.safetensors;
// and the same tensors, taken from the model and the optimizer directly (not from the file),
// as DIR/ckpt.npz in float and as DIR/ckpt64.* in double, for NumPy to compare bit for bit.
//   checkpoint_fixture DIR
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

namespace nn = tg::nn;

template <class T>
int write(const std::string& stem) {
    tg::Generator gen(5);
    nn::Sequential<T> model;
    model.push_back(std::make_shared<nn::Linear<T>>(6, 8, true, gen));
    model.push_back(std::make_shared<nn::BatchNorm1d<T>>(8));
    model.push_back(std::make_shared<nn::Tanh<T>>());
    model.push_back(std::make_shared<nn::Linear<T>>(8, 3, true, gen));
    nn::AdamW<T> opt(model.parameters(), {.lr = 1e-2, .weight_decay = 1e-2});
    const tg::Tensor<T> x = tg::normal<T>({16, 6}, T(0), T(1), gen);
    const std::vector<tg::index_t> y{0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0};
    for (int s = 0; s < 3; ++s) {
        opt.zero_grad();
        tg::cross_entropy(model.forward(tg::Var<T>(x)), y).backward();
        opt.step();
    }
    nn::save_checkpoint(stem + ".safetensors", model, &opt, {{"epoch", "3"}});
    std::vector<std::pair<std::string, nn::NpyArray>> arrays;
    for (const auto& [name, p] : model.named_parameters()) arrays.emplace_back(name, nn::to_npy(p.value()));
    for (const auto& [name, b] : model.named_buffers()) arrays.emplace_back(name, nn::to_npy(b));
    const auto& states = opt.states();
    for (std::size_t g = 0; g < states.size(); ++g)
        for (std::size_t i = 0; i < states[g].size(); ++i)
            for (const auto& [key, t] : states[g][i].tensors)
                arrays.emplace_back("optim." + std::to_string(g) + "." + std::to_string(i) + "." + key,
                                    nn::to_npy(t));
    nn::write_npz(stem + ".npz", arrays);
    std::printf("%s: %zu tensors\n", stem.c_str(), arrays.size());
    return 0;
}

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: checkpoint_fixture DIR\n");
        return 2;
    }
    const std::string dir = argv[1];
    return write<float>(dir + "/ckpt") | write<double>(dir + "/ckpt64");
}
