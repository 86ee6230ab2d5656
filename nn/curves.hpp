#pragma once
// Training curves: named series recorded against one x axis (epoch or step), written as CSV and
// drawn as a PNG or SVG by gnuplot (Debian's gnuplot-nox, installed by scripts/setup.sh).
//
//   nn::Curves curves("epoch");
//   curves.record(epoch, {{"train loss", l}, {"test loss", tl}, {"test accuracy", acc}});
//   curves.write_csv("curves.csv");
//   curves.plot("curves.png");        // false (and a message on stderr) without gnuplot
//
// gnuplot runs as a separate program on a script file written next to the picture
// ("<picture>.gp", kept so the plot can be restyled and redrawn by hand); the data are inline in
// that script, so it does not depend on where the CSV went.
#include <string>
#include <utility>
#include <vector>

namespace tg::nn {

struct PlotOptions {
    std::string title;
    /// Series drawn together, one panel each, side by side. Empty: series whose name contains
    /// "loss" share a panel, those containing "acc" another, every other series gets its own.
    std::vector<std::vector<std::string>> panels;
    int width = 1200, height = 420;  ///< pixels (PNG) or points (SVG)
    /// The gnuplot program: a name searched on PATH, or a path.
    std::string gnuplot = "gnuplot";
};

class Curves {
public:
    explicit Curves(std::string x_name = "epoch");

    /// Records values at `x`. A call with the same x as the last row fills that row (so train and
    /// test numbers of one epoch can come from two calls); a larger x starts a new row.
    /// @throws DomainError for a non-finite x, an x below the last row's, an empty name or one
    /// holding a newline, a value recorded twice for one row
    void record(double x, const std::vector<std::pair<std::string, double>>& values);
    void record(double x, const std::string& name, double value) { record(x, {{name, value}}); }

    const std::string& x_name() const { return x_name_; }
    /// Series names in the order they were first recorded.
    const std::vector<std::string>& names() const { return names_; }
    const std::vector<double>& xs() const { return x_; }
    /// The series' value at each row; NaN where it was not recorded. @throws DomainError (unknown)
    std::vector<double> series(const std::string& name) const;

    /// The CSV text: a header (x name, then the series; a name holding ',' or '"' is quoted),
    /// then one line per row, values in their shortest round-trip form, an empty cell where a
    /// series has no value (and "nan" / "inf" for recorded non-finite values).
    std::string csv() const;
    /// @throws IOError naming the file if it cannot be written
    void write_csv(const std::string& path) const;

    /// Draws the picture, PNG or SVG by the extension of `path`. Returns false, after a message on
    /// stderr saying so, when the gnuplot program is not found (the CSV is unaffected).
    /// @throws DomainError (another extension, no recorded values, a panel naming an unknown
    /// series), IOError naming the file if gnuplot fails (its own message included) or produces
    /// no picture
    bool plot(const std::string& path, const PlotOptions& o = {}) const;

private:
    std::string x_name_;
    std::vector<std::string> names_;
    std::vector<double> x_;
    std::vector<std::vector<double>> rows_;  // rows_[r][series], NaN-free "missing" tracked apart
    std::vector<std::vector<bool>> has_;
    std::size_t index_of(const std::string& name) const;
};

/// True when `program` (a name on PATH or a path) exists and is executable.
bool program_available(const std::string& program);

}  // namespace tg::nn
