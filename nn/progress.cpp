#include "progress.hpp"

#include <unistd.h>

#include <algorithm>

namespace tg::nn {

Progress::Progress(std::int64_t total, std::string label, std::int64_t every, int live, std::FILE* out)
    : total_(std::max<std::int64_t>(total, 1)),
      every_(std::max<std::int64_t>(every, 1)),
      label_(std::move(label)),
      live_(live < 0 ? ::isatty(::fileno(out)) != 0 : live != 0),
      out_(out),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

double Progress::elapsed() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::update(std::int64_t step, double loss, std::int64_t examples) {
    step_ = step;
    loss_ = loss;
    examples_ += examples;
    if (live_) {
        const auto now = std::chrono::steady_clock::now();
        if (step == total_ || now - last_draw_ > std::chrono::milliseconds(100)) {
            last_draw_ = now;
            print(step, false);
        }
    } else if (step % every_ == 0) {
        print(step, false);
    }
}

void Progress::print(std::int64_t step, bool) {
    const double t = elapsed(), rate = t > 0 ? static_cast<double>(examples_) / t : 0;
    const double eta = step > 0 ? t * static_cast<double>(total_ - step) / static_cast<double>(step) : 0;
    if (live_) {
        const int width = 24, fill = static_cast<int>(width * step / total_);
        std::fprintf(out_, "\r%s [%s%s] %lld/%lld loss %.4f %.0f ex/s ETA %.0fs ", label_.c_str(),
                     std::string(static_cast<std::size_t>(fill), '#').c_str(),
                     std::string(static_cast<std::size_t>(width - fill), '.').c_str(),
                     static_cast<long long>(step), static_cast<long long>(total_), loss_, rate, eta);
    } else {
        std::fprintf(out_, "%s step %lld/%lld loss %.4f %.0f ex/s ETA %.0fs\n", label_.c_str(),
                     static_cast<long long>(step), static_cast<long long>(total_), loss_, rate, eta);
    }
    std::fflush(out_);
}

double Progress::finish() {
    if (live_) {
        print(step_, true);
        std::fputc('\n', out_);
        std::fflush(out_);
    }
    return elapsed();
}

}  // namespace tg::nn
