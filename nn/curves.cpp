#include "curves.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>

#include "../tensor/error.hpp"

namespace tg::nn {

namespace {

std::string number(double v) {
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    char b[32];
    const auto r = std::to_chars(b, b + sizeof b, v);  // shortest form that reads back exactly
    return std::string(b, r.ptr);
}

std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
}

// A gnuplot single-quoted string: only '' needs escaping inside. A line break cannot be escaped:
// gnuplot ends the string (unterminated strings are accepted) and runs the next line as a command,
// so a title or path holding one would inject commands (system(...)) into the script.
std::string gp_string(const std::string& s, const char* what) {
    if (s.find_first_of(std::string("\r\n\0", 3)) != std::string::npos)
        throw DomainError(std::string("Curves::plot: the ") + what +
                          " holds a line break or NUL, which gnuplot would run as a command");
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("''") : std::string(1, c);
    return q + "'";
}

std::string shell_quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

bool program_available(const std::string& program) {
    if (program.empty()) return false;
    if (program.find('/') != std::string::npos) return ::access(program.c_str(), X_OK) == 0;
    const char* path = std::getenv("PATH");
    std::string dirs = path ? path : "/usr/bin:/bin";
    std::size_t start = 0;
    while (start <= dirs.size()) {
        const std::size_t end = std::min(dirs.find(':', start), dirs.size());
        const std::string dir = end > start ? dirs.substr(start, end - start) : ".";
        if (::access((dir + "/" + program).c_str(), X_OK) == 0) return true;
        start = end + 1;
    }
    return false;
}

Curves::Curves(std::string x_name) : x_name_(std::move(x_name)) {
    if (x_name_.empty() || x_name_.find('\n') != std::string::npos)
        throw DomainError("Curves: the x axis needs a one-line, non-empty name");
}

std::size_t Curves::index_of(const std::string& name) const {
    for (std::size_t k = 0; k < names_.size(); ++k)
        if (names_[k] == name) return k;
    return names_.size();
}

void Curves::record(double x, const std::vector<std::pair<std::string, double>>& values) {
    if (!std::isfinite(x)) throw DomainError("Curves::record: x = " + number(x) + " is not finite");
    if (!x_.empty() && x < x_.back())
        throw DomainError("Curves::record: x = " + number(x) + " after x = " + number(x_.back()) +
                          " (x must not decrease)");
    const bool new_row = x_.empty() || x > x_.back();
    // Validate the whole call before changing anything.
    for (std::size_t i = 0; i < values.size(); ++i) {
        const std::string& n = values[i].first;
        if (n.empty() || n.find_first_of("\r\n") != std::string::npos)
            throw DomainError("Curves::record: a series name must be one non-empty line, got \"" + n + "\"");
        for (std::size_t j = 0; j < i; ++j)
            if (values[j].first == n) throw DomainError("Curves::record: \"" + n + "\" given twice");
        const std::size_t k = index_of(n);
        if (!new_row && k < names_.size() && has_.back()[k])
            throw DomainError("Curves::record: \"" + n + "\" already recorded at x = " + number(x));
    }
    if (new_row) {
        x_.push_back(x);
        rows_.emplace_back(names_.size(), std::numeric_limits<double>::quiet_NaN());
        has_.emplace_back(names_.size(), false);
    }
    for (const auto& [n, v] : values) {
        std::size_t k = index_of(n);
        if (k == names_.size()) {
            names_.push_back(n);
            for (auto& r : rows_) r.push_back(std::numeric_limits<double>::quiet_NaN());
            for (auto& h : has_) h.push_back(false);
        }
        rows_.back()[k] = v;
        has_.back()[k] = true;
    }
}

std::vector<double> Curves::series(const std::string& name) const {
    const std::size_t k = index_of(name);
    if (k == names_.size()) throw DomainError("Curves::series: no series \"" + name + "\"");
    std::vector<double> out;
    for (const auto& r : rows_) out.push_back(r[k]);
    return out;
}

std::string Curves::csv() const {
    std::string out = csv_field(x_name_);
    for (const auto& n : names_) out += "," + csv_field(n);
    out += "\n";
    for (std::size_t r = 0; r < x_.size(); ++r) {
        out += number(x_[r]);
        for (std::size_t k = 0; k < names_.size(); ++k) out += "," + (has_[r][k] ? number(rows_[r][k]) : "");
        out += "\n";
    }
    return out;
}

void Curves::write_csv(const std::string& path) const {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    const std::string text = csv();
    if (!f || !f.write(text.data(), static_cast<std::streamsize>(text.size())) || !f.flush())
        throw IOError("Curves::write_csv: " + path + ": cannot write");
}

bool Curves::plot(const std::string& path, const PlotOptions& o) const {
    const bool png = ends_with(path, ".png"), svg = ends_with(path, ".svg");
    if (!png && !svg) throw DomainError("Curves::plot: " + path + ": the picture must end in .png or .svg");
    if (o.width < 16 || o.height < 16 || o.width > 20000 || o.height > 20000)
        throw DomainError("Curves::plot: size " + std::to_string(o.width) + "x" + std::to_string(o.height) +
                          " outside 16..20000");
    gp_string(path, "picture path");  // refused before anything runs, gnuplot present or not
    gp_string(o.title, "title");
    // Panels: given, or grouped by name; series with no recorded value are left out (gnuplot
    // refuses a plot whose points are all undefined).
    const auto recorded = [&](std::size_t k) {
        for (const auto& h : has_)
            if (h[k]) return true;
        return false;
    };
    std::vector<std::vector<std::size_t>> panels;
    std::vector<std::string> titles;
    if (!o.panels.empty()) {
        for (const auto& p : o.panels) {
            std::vector<std::size_t> ks;
            std::string t;
            for (const auto& n : p) {
                const std::size_t k = index_of(n);
                if (k == names_.size()) throw DomainError("Curves::plot: no series \"" + n + "\" to draw");
                if (recorded(k)) ks.push_back(k);
                t += (t.empty() ? "" : ", ") + n;
            }
            if (!ks.empty()) {
                panels.push_back(ks);
                titles.push_back(t);
            }
        }
    } else {
        std::vector<std::size_t> loss, acc;
        std::vector<std::vector<std::size_t>> rest;
        for (std::size_t k = 0; k < names_.size(); ++k) {
            if (!recorded(k)) continue;
            if (names_[k].find("loss") != std::string::npos) loss.push_back(k);
            else if (names_[k].find("acc") != std::string::npos) acc.push_back(k);
            else rest.push_back({k});
        }
        if (!loss.empty()) panels.push_back(loss), titles.push_back("loss");
        if (!acc.empty()) panels.push_back(acc), titles.push_back("accuracy");
        for (auto& r : rest) panels.push_back(r), titles.push_back(names_[r[0]]);
    }
    if (panels.empty()) throw DomainError("Curves::plot: " + path + ": no recorded values to draw");

    if (!program_available(o.gnuplot)) {
        std::fprintf(stderr,
                     "Curves::plot: %s not found (install gnuplot-nox, e.g. by scripts/setup.sh): "
                     "%s not drawn; the numbers are in the CSV\n",
                     o.gnuplot.c_str(), path.c_str());
        return false;
    }

    std::string s;
    s += png ? "set terminal pngcairo noenhanced font 'sans,11' size " : "set terminal svg noenhanced size ";
    s += std::to_string(o.width) + "," + std::to_string(o.height) + "\n";
    s += "set output " + gp_string(path, "picture path") + "\nset datafile separator ','\n$data << EOD\n";
    const std::string text = csv();
    s += text.substr(text.find('\n') + 1);  // the rows without the header line
    s += "EOD\nset grid\nset key outside bottom center horizontal\nset xlabel " +
         gp_string(x_name_, "x axis name") + "\n";
    s += "set multiplot layout 1," + std::to_string(panels.size());
    if (!o.title.empty()) s += " title " + gp_string(o.title, "title");
    s += "\n";
    for (std::size_t p = 0; p < panels.size(); ++p) {
        s += "set title " + gp_string(titles[p], "panel title") + "\nplot ";
        for (std::size_t i = 0; i < panels[p].size(); ++i) {
            const std::size_t k = panels[p][i];
            s += (i ? ", " : "") + std::string("$data using 1:") + std::to_string(k + 2) +
                 " with linespoints lw 2 pt 7 ps 0.6 title " + gp_string(names_[k], "series name");
        }
        s += "\n";
    }
    s += "unset multiplot\nset output\n";

    const std::string script = path + ".gp";
    {
        std::ofstream f(script, std::ios::binary | std::ios::trunc);
        if (!f || !f.write(s.data(), static_cast<std::streamsize>(s.size())) || !f.flush())
            throw IOError("Curves::plot: " + script + ": cannot write the gnuplot script");
    }
    std::error_code ec;
    std::filesystem::remove(path, ec);  // so a picture left from an earlier run cannot pass for this one
    // gnuplot reads an argument starting with '-' as an option (and exits 0 having drawn nothing).
    const std::string arg = script[0] == '-' ? "./" + script : script;
    const std::string cmd = shell_quote(o.gnuplot) + " " + shell_quote(arg) + " 2>&1";
    std::FILE* pipe = ::popen(cmd.c_str(), "r");
    if (!pipe) throw IOError("Curves::plot: " + path + ": cannot start " + o.gnuplot);
    std::string output;
    char buf[512];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, pipe)) output.append(buf, n);
    const int status = ::pclose(pipe);
    while (!output.empty() && (output.back() == '\n' || output.back() == ' ')) output.pop_back();
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        throw IOError("Curves::plot: " + path + ": " + o.gnuplot + " failed (status " +
                      std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ", script " + script +
                      ")" + (output.empty() ? "" : ": " + output));
    if (!std::filesystem::exists(path, ec) || std::filesystem::file_size(path, ec) == 0)
        throw IOError("Curves::plot: " + path + ": " + o.gnuplot + " wrote no picture" +
                      (output.empty() ? "" : " (" + output + ")"));
    return true;
}

}  // namespace tg::nn
