// Linear regression two ways, and logistic regression on a CSV file.
//
// 1. Least squares  min |X w - y|^2  on a well- and an ill-conditioned design (two nearly collinear
//    features). The normal equations (solve(X^T X, X^T y)) and QR (lstsq) give w* directly; gradient
//    descent with the best fixed step 1/L (L = s_max^2 / n) contracts the error in the weakest
//    direction by (1 - 1/kappa) per step, kappa = cond(X)^2, so it needs about kappa ln(1/tol)
//    steps. The condition number is shown, and the claim checked: GD reaches w* to `tol` on the
//    well-conditioned design in a few dozen steps and needs orders of magnitude more on the other.
//    The normal equations square the condition number too: their answer drifts from QR's by about
//    cond(X)^2 * eps, QR's by cond(X) * eps.
// 2. Logistic regression on two Gaussian classes, written to a CSV file and read back through
//    nn::read_csv, trained by minibatch SGD (nn::SGD with momentum) on binary cross-entropy; its
//    test accuracy must come within 0.03 of the Bayes accuracy Phi(|mu1 - mu0| / 2 sigma).
//
//   regression [--seed 3] [--n 200] [--ill 0.05] [--tol 1e-6] [--max-steps 100000] [--csv FILE]
#include <cmath>
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>
#include <tensorgrad/tensorgrad.hpp>


using tg::index_t;
using tg::Tensor;
using tg::Var;
namespace nn = tg::nn;

namespace {

double norm(const Tensor<double>& v) { return std::sqrt(tg::sum_all(tg::square(v))); }

struct LinearResult {
    double cond = 0, ne_vs_qr = 0;
    long gd_steps = -1;  // -1: not converged within the budget
};

// Fits y = X w by the normal equations, QR and gradient descent; prints and returns the numbers.
LinearResult fit_linear(const char* label, const Tensor<double>& X, const Tensor<double>& y, double tol,
                        long max_steps) {
    LinearResult r;
    const index_t n = X.size(0);
    const Tensor<double> Xt = X.transpose();
    const Tensor<double> w_ne = tg::solve(tg::matmul(Xt, X), tg::matmul(Xt, y));  // normal equations
    const Tensor<double> w_qr = tg::lstsq(X, y);                                  // Householder QR
    const std::vector<double> s = tg::svdvals(X).to_vector();                     // descending
    r.cond = s.front() / s.back();
    r.ne_vs_qr = norm(w_ne - w_qr) / norm(w_qr);
    const double L = s.front() * s.front() / static_cast<double>(n), kappa = r.cond * r.cond;

    // Gradient descent on (1/2n)|X w - y|^2 through the tape and nn::SGD, from w = 0.
    Var<double> w(Tensor<double>(tg::Shape{X.size(1), 1}), true);
    nn::SGD<double> opt({w}, {.lr = 1 / L});
    const Var<double> Xv(X), yv(y);
    for (long k = 1; k <= max_steps; ++k) {
        opt.zero_grad();
        Var<double> loss = tg::sum(tg::square(tg::matmul(Xv, w) - yv)) * (0.5 / static_cast<double>(n));
        loss.backward();
        opt.step();
        if (norm(w.value() - w_qr) <= tol * norm(w_qr)) {
            r.gd_steps = k;
            break;
        }
    }
    std::printf("%s design: cond(X) = %.1f, kappa = cond^2 = %.3g\n", label, r.cond, kappa);
    std::printf("  normal equations vs QR: relative difference %.1e (cond^2 eps = %.1e)\n", r.ne_vs_qr,
                kappa * 2.2e-16);
    std::printf("  gradient descent, step 1/L: %s%ld steps to %.0e (kappa ln(1/tol) = %.0f)\n",
                r.gd_steps < 0 ? "not converged in " : "", r.gd_steps < 0 ? max_steps : r.gd_steps, tol,
                kappa * std::log(1 / tol));
    return r;
}

double bayes_accuracy(double mean_distance, double sigma) {
    return 0.5 * std::erfc(-mean_distance / (2 * sigma) / std::sqrt(2.0));
}

}  // namespace

int main(int argc, char** argv) {
    unsigned long seed = 3;
    long n = 200, max_steps = 100000;
    double ill = 0.05, tol = 1e-6;
    std::string csv = "regression_data.csv";
    CLI::App app{"Linear regression (normal equations vs gradient descent) and logistic regression"};
    app.add_option("--seed", seed, "seed of the data and the minibatch order");
    app.add_option("--n", n, "examples of the linear designs")->check(CLI::Range(10L, 100000L));
    app.add_option("--ill", ill, "ill-conditioned design: x5 = x4 + ill * noise")->check(CLI::Range(1e-4, 1.0));
    app.add_option("--tol", tol, "gradient descent stops at |w - w*| <= tol |w*|")->check(CLI::Range(1e-12, 1e-1));
    app.add_option("--max-steps", max_steps, "gradient descent budget")->check(CLI::Range(1L, 10000000L));
    app.add_option("--csv", csv, "where the logistic regression's data set is written and read back");
    CLI11_PARSE(app, argc, argv);
    tg::Generator g(seed);

    // ---- 1. linear regression ----------------------------------------------------------------------
    const index_t d = 5;
    const Tensor<double> w_true = Tensor<double>{{1.0}, {-2.0}, {0.5}, {3.0}, {-1.0}};
    const Tensor<double> X_well = tg::normal<double>({n, d}, 0.0, 1.0, g);
    // The same design with its last column replaced by the fourth plus a little noise.
    Tensor<double> X_ill = X_well.clone();
    {
        const Tensor<double> e = tg::normal<double>({n}, 0.0, 1.0, g);
        double* p = X_ill.data();
        for (index_t i = 0; i < n; ++i) p[i * d + 4] = p[i * d + 3] + ill * e.data()[i];
    }
    const Tensor<double> noise = tg::normal<double>({n, 1}, 0.0, 0.1, g);
    const LinearResult well = fit_linear("well-conditioned", X_well, tg::matmul(X_well, w_true) + noise, tol,
                                         max_steps);
    const LinearResult bad = fit_linear("ill-conditioned", X_ill, tg::matmul(X_ill, w_true) + noise, tol,
                                        max_steps);

    // ---- 2. logistic regression through a CSV file -------------------------------------------------
    // Class c ~ N(mu_c, I) in two informative features plus one pure-noise feature.
    const index_t m = 2000;
    const double mu = 1.0, sigma = 1.0;  // means (+-mu, +-mu): distance 2 sqrt(2) mu
    Tensor<double> table(tg::Shape{m, 4});
    {
        const Tensor<double> z = tg::normal<double>({m, 3}, 0.0, sigma, g);
        const Tensor<double> u = tg::uniform<double>({m}, 0.0, 1.0, g);
        double* p = table.data();
        for (index_t i = 0; i < m; ++i) {
            const double c = u.data()[i] < 0.5 ? 1.0 : 0.0, sgn = c > 0 ? 1.0 : -1.0;
            p[i * 4 + 0] = sgn * mu + z.data()[i * 3 + 0];
            p[i * 4 + 1] = sgn * mu + z.data()[i * 3 + 1];
            p[i * 4 + 2] = z.data()[i * 3 + 2];
            p[i * 4 + 3] = c;
        }
    }
    nn::write_csv(csv, {"x1", "x2", "noise", "label"}, table);
    const nn::TensorDataset<double> all = nn::csv_dataset<double>(nn::read_csv(csv), {"x1", "x2", "noise"},
                                                                  "label");
    std::printf("\nlogistic regression: %lld examples written to %s and read back\n",
                static_cast<long long>(all.size()), csv.c_str());
    const nn::TensorDataset<double> train = all.head(m / 2);
    const nn::TensorDataset<double> test(all.inputs.slice(0, m / 2, m),
                                         std::vector<index_t>(all.labels.begin() + m / 2, all.labels.end()));

    nn::Linear<double> model(3, 1);
    nn::SGD<double> opt(model.parameters(), {.lr = 0.1, .momentum = 0.9});
    nn::DataLoader<double> loader(train, {.batch_size = 32, .shuffle = true, .seed = seed});
    const auto accuracy = [&](const nn::TensorDataset<double>& ds) {
        tg::NoGrad off;
        const std::vector<double> logit = model.forward(Var<double>(ds.inputs)).value().to_vector();
        long hits = 0;
        for (std::size_t i = 0; i < logit.size(); ++i) hits += (logit[i] > 0) == (ds.labels[i] == 1);
        return static_cast<double>(hits) / static_cast<double>(ds.size());
    };
    for (int epoch = 1; epoch <= 5; ++epoch) {
        double loss_sum = 0;
        long steps = 0;
        for (const auto& b : loader) {
            std::vector<double> t(b.labels.begin(), b.labels.end());
            opt.zero_grad();
            Var<double> loss = tg::binary_cross_entropy_with_logits(
                model.forward(Var<double>(b.inputs)),
                Var<double>(Tensor<double>::from_vector(t, {b.size(), 1})));
            loss.backward();
            opt.step();
            loss_sum += loss.item();
            ++steps;
        }
        std::printf("  epoch %d  loss %.4f  test accuracy %.4f\n", epoch,
                    loss_sum / static_cast<double>(steps), accuracy(test));
    }
    const double acc = accuracy(test), bayes = bayes_accuracy(2 * std::sqrt(2.0) * mu, sigma);
    const std::vector<double> wl = model.weight.value().to_vector();
    std::printf("  weights %.3f %.3f %.3f (the noise feature's should be small); Bayes accuracy %.4f\n",
                wl[0], wl[1], wl[2], bayes);

    bool ok = true;
    const auto claim = [&](bool c, const char* what) {
        std::printf("%s %s\n", c ? "ok:  " : "FAIL:", what);
        ok = ok && c;
    };
    std::printf("\n");
    claim(well.cond < 3 && bad.cond > 30, "the designs are well (cond < 3) and ill (cond > 30) conditioned");
    claim(well.ne_vs_qr < 1e-12, "normal equations and QR agree on the well-conditioned design");
    claim(well.gd_steps > 0 && well.gd_steps <= 100, "GD converges in at most 100 steps when well conditioned");
    claim(bad.gd_steps < 0 || bad.gd_steps > 50 * well.gd_steps,
          "GD needs over 50x the steps (or the whole budget) when ill conditioned");
    const double predicted = bad.cond * bad.cond * std::log(1 / tol);
    claim(bad.gd_steps < 0 ? predicted > 0.5 * static_cast<double>(max_steps)
                           : std::fabs(static_cast<double>(bad.gd_steps) / predicted - 1) < 0.5,
          "the ill-conditioned step count follows kappa ln(1/tol) within 50%");
    claim(acc >= bayes - 0.03, "logistic regression's test accuracy is within 0.03 of the Bayes accuracy");
    std::printf("test accuracy: %.4f\n", acc);
    return ok ? 0 : 1;
}
