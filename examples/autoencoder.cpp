// An MLP autoencoder 784-128-32-128-784 on Fashion-MNIST: the encoder squeezes each image into 32
// numbers, the decoder (sigmoid output) rebuilds the 784 pixels; trained with Adam on the mean
// squared error. Prints the test reconstruction error per epoch and writes a picture: originals
// (top row of each pair) over their reconstructions. The claim, checked: the test error falls
// below a quarter of the best constant guess (the training set's mean image).
//
//   autoencoder [--epochs 5] [--batch 128] [--lr 2e-3] [--seed 1] [--subset N]
//               [--picture autoencoder.png] [--data DIR] [--target 0.25]
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>
#include <tensorgrad/tensorgrad.hpp>


using tg::Tensor;
using tg::Var;
namespace nn = tg::nn;

namespace {
std::shared_ptr<nn::Sequential<float>> mlp(std::initializer_list<long> sizes, bool sigmoid_out) {
    auto m = std::make_shared<nn::Sequential<float>>();
    const std::vector<long> s(sizes);
    for (std::size_t k = 0; k + 1 < s.size(); ++k) {
        m->push_back(std::make_shared<nn::Linear<float>>(s[k], s[k + 1]));
        if (k + 2 < s.size()) m->push_back(std::make_shared<nn::ReLU<float>>());
    }
    if (sigmoid_out) m->push_back(std::make_shared<nn::Sigmoid<float>>());
    return m;
}

// Mean squared error per pixel over a data set, without recording.
double test_error(nn::Module<float>& model, const Tensor<float>& x) {
    tg::NoGrad off;
    double sum = 0;
    const long n = x.size(0);
    for (long lo = 0; lo < n; lo += 1000) {
        const Tensor<float> b = x.slice(0, lo, std::min(lo + 1000, n));
        sum += tg::mse_loss(model.forward(Var<float>(b)), Var<float>(b), tg::Reduction::sum).item();
    }
    return sum / static_cast<double>(x.numel());
}
}  // namespace

int main(int argc, char** argv) {
    int epochs = 5;
    long batch = 128, subset = 0;
    double lr = 2e-3, target = 0.25;
    unsigned long seed = 1;
    std::string data = nn::fashion_mnist_dir, picture = "autoencoder.png";
    CLI::App app{"An MLP autoencoder 784-128-32-128-784 on Fashion-MNIST"};
    app.add_option("--epochs", epochs, "passes over the training set")->check(CLI::Range(1, 1000));
    app.add_option("--batch", batch, "batch size")->check(CLI::Range(1L, 60000L));
    app.add_option("--lr", lr, "Adam's learning rate")->check(CLI::PositiveNumber);
    app.add_option("--seed", seed, "seed of the weights and the shuffling");
    app.add_option("--subset", subset, "train on the first N images only (0: all 60,000)");
    app.add_option("--picture", picture, "originals over reconstructions, .png or .pgm");
    app.add_option("--data", data, "directory of the four IDX files");
    app.add_option("--target", target, "test error to reach, as a fraction of the mean-image baseline");
    CLI11_PARSE(app, argc, argv);
    tg::manual_seed(seed);

    nn::TensorDataset<float> train, test;
    try {
        train = nn::load_fashion_mnist<float>(data, true);
        test = nn::load_fashion_mnist<float>(data, false);
    } catch (const tg::IOError& e) {
        std::fprintf(stderr, "%s\n(install the Debian package dataset-fashion-mnist, or pass --data DIR)\n",
                     e.what());
        return 1;
    }
    if (subset > 0 && subset < train.size()) train = train.head(subset);

    // The baseline: every test image guessed as the training set's mean image.
    const Tensor<float> mean_image = tg::mean(Var<float>(train.inputs), {0}, true).value();
    const double baseline =
        tg::mse_loss(Var<float>(mean_image.broadcast_to(test.inputs.shape())), Var<float>(test.inputs)).item();

    nn::Sequential<float> model;
    model.push_back(mlp({784, 128, 32}, false));  // encoder
    model.push_back(mlp({32, 128, 784}, true));   // decoder
    std::printf("%s", nn::summary(model).c_str());
    nn::Adam<float> opt(model.parameters(), {.lr = lr});
    nn::DataLoader<float> loader(train, {.batch_size = batch, .shuffle = true, .seed = seed, .prefetch = true});
    std::printf("training on %lld images; mean-image baseline: test error %.5f\n",
                static_cast<long long>(train.size()), baseline);
    std::printf("epoch  0  test error %.5f (untrained)\n", test_error(model, test.inputs));

    double err = 0;
    for (int epoch = 1; epoch <= epochs; ++epoch) {
        nn::Progress progress(loader.num_batches(), "epoch " + std::to_string(epoch), 200);
        double loss_sum = 0;
        long step = 0;
        for (const auto& b : loader) {
            opt.zero_grad();
            const Var<float> x(b.inputs);
            Var<float> loss = tg::mse_loss(model.forward(x), x);
            loss.backward();
            opt.step();
            loss_sum += loss.item();
            progress.update(++step, loss.item(), b.size());
        }
        const double t = progress.finish();
        err = test_error(model, test.inputs);
        std::printf("epoch %2d  train error %.5f  test error %.5f  (%.2f of the baseline)  %.1f s\n", epoch,
                    loss_sum / static_cast<double>(step), err, err / baseline, t);
        std::fflush(stdout);
    }

    // Ten test images, one of each class, over their reconstructions; two such pairs of rows.
    std::vector<long> pick;
    for (long c = 0; c < 10; ++c)
        for (long i = 0, seen = 0; i < test.size(); ++i)
            if (test.labels[std::size_t(i)] == c && seen++ < 2) pick.push_back(i);
    std::vector<float> grid;
    {
        tg::NoGrad off;
        for (int half = 0; half < 2; ++half) {
            std::vector<float> orig, rec;
            for (long c = 0; c < 10; ++c) {
                const Tensor<float> x = test.inputs.slice(0, pick[std::size_t(2 * c + half)],
                                                          pick[std::size_t(2 * c + half)] + 1);
                const std::vector<float> o = x.to_vector(),
                                         r = model.forward(Var<float>(x)).value().to_vector();
                orig.insert(orig.end(), o.begin(), o.end());
                rec.insert(rec.end(), r.begin(), r.end());
            }
            grid.insert(grid.end(), orig.begin(), orig.end());
            grid.insert(grid.end(), rec.begin(), rec.end());
        }
    }
    nn::save_image_grid(picture, Tensor<float>::from_vector(grid, {40, 28, 28}),
                        {.cols = 10, .scale = 2, .gap = 2});
    std::printf("wrote %s: rows 1 and 3 are test images, rows 2 and 4 their reconstructions\n",
                picture.c_str());

    const bool ok = err < target * baseline;
    if (!ok) std::fprintf(stderr, "the test error is not below %.2f of the baseline\n", target);
    std::printf("test reconstruction error: %.5f (%.3f of the mean-image baseline %.5f)\n", err,
                err / baseline, baseline);
    return ok ? 0 : 1;
}
