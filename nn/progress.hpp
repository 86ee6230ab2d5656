#pragma once
// Progress of a long loop: a live bar on a terminal (epoch, step, loss, throughput, ETA, redrawn
// in place at most ten times a second) and plain periodic lines when the output is not a terminal
// (CI logs), one every `every` steps.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace tg::nn {

class Progress {
public:
    /// `total` steps in this phase (e.g. the batches of one epoch); `label` prefixes each line.
    /// `live`: -1 decides by isatty(stdout), 0 forces plain lines, 1 forces the bar.
    Progress(std::int64_t total, std::string label, std::int64_t every = 100, int live = -1,
             std::FILE* out = stdout);
    /// Reports step `step` (1-based) with its loss and how many examples it processed.
    void update(std::int64_t step, double loss, std::int64_t examples);
    /// Ends the bar (a newline on a terminal) and returns the elapsed seconds.
    double finish();
    double elapsed() const;

private:
    void print(std::int64_t step, bool final);
    std::int64_t total_, every_, step_ = 0, examples_ = 0;
    std::string label_;
    bool live_;
    std::FILE* out_;
    double loss_ = 0;
    std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace tg::nn
