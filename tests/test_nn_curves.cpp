// Training curves: the CSV text exactly, the rules of record(), and the picture: a PNG or SVG
// header when gnuplot is installed (that check is skipped, with a message, when it is not), a
// clear false without it, and an IOError naming the file when the program fails.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>

#include "../nn/curves.hpp"
#include "../tensor/error.hpp"

namespace nn = tg::nn;
namespace fs = std::filesystem;

namespace {
std::string tmp(const std::string& name) {
    return (fs::temp_directory_path() / ("tg_nn_curves_" + std::to_string(::getpid()) + "_" + name)).string();
}
std::string read_all(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}
nn::Curves three_epochs() {
    nn::Curves c("epoch");
    c.record(1, {{"train loss", 0.5}, {"lr", 0.001}});
    c.record(1, "test accuracy", 0.8125);  // the same row, filled by a second call
    c.record(2, {{"train loss", 0.25}, {"test accuracy", 0.875}, {"lr", 1e-4}});
    c.record(3, {{"train loss", 0.1}});  // the others missing: empty cells
    return c;
}
std::string message_of(auto&& f) {
    try {
        f();
    } catch (const tg::Error& e) {
        return e.what();
    }
    return "no throw";
}
}  // namespace

TEST_CASE("curves: the CSV text, exactly") {
    const nn::Curves c = three_epochs();
    CHECK(c.csv() == "epoch,train loss,lr,test accuracy\n"
                     "1,0.5,0.001,0.8125\n"
                     "2,0.25,1e-04,0.875\n"  // to_chars: the shortest form
                     "3,0.1,,\n");
    const std::string path = tmp("a.csv");
    c.write_csv(path);
    CHECK(read_all(path) == c.csv());
    fs::remove(path);
    CHECK(c.xs() == std::vector<double>{1, 2, 3});
    const std::vector<double> acc = c.series("test accuracy");
    CHECK(acc[1] == 0.875);
    CHECK(std::isnan(acc[2]));
}

TEST_CASE("curves: values read back exactly; odd names and non-finite values are written safely") {
    nn::Curves c("step");
    c.record(0, {{"a,b", 0.1 + 0.2}, {"say \"hi\"", -std::numeric_limits<double>::infinity()}});
    c.record(10, {{"a,b", std::numeric_limits<double>::quiet_NaN()}});
    CHECK(c.csv() == "step,\"a,b\",\"say \"\"hi\"\"\"\n0,0.30000000000000004,-inf\n10,nan,\n");
}

TEST_CASE("curves: record() refuses what would make a wrong table, and changes nothing then") {
    nn::Curves c;
    c.record(2, "loss", 1.0);
    CHECK(message_of([&] { c.record(1, "loss", 1.0); }) ==
          "Curves::record: x = 1 after x = 2 (x must not decrease)");
    CHECK_THROWS_AS(c.record(std::nan(""), "loss", 1.0), tg::DomainError);
    CHECK_THROWS_AS(c.record(3, "", 1.0), tg::DomainError);
    CHECK_THROWS_AS(c.record(3, "two\nlines", 1.0), tg::DomainError);
    CHECK_THROWS_AS(c.record(3, {{"x", 1.0}, {"x", 2.0}}), tg::DomainError);
    CHECK(message_of([&] {
              c.record(2, {{"acc", 0.5}, {"loss", 2.0}});
          }) == "Curves::record: \"loss\" already recorded at x = 2");
    CHECK(c.csv() == "epoch,loss\n2,1\n");  // the refused calls left no trace
    CHECK_THROWS_AS(c.series("nope"), tg::DomainError);
    CHECK_THROWS_AS(nn::Curves(""), tg::DomainError);
}

TEST_CASE("curves: the picture, PNG and SVG, drawn by gnuplot") {
    const nn::Curves c = three_epochs();
    if (!nn::program_available("gnuplot")) {
        MESSAGE("gnuplot not installed: picture checks skipped");
        const std::string png = tmp("skip.png");
        CHECK_FALSE(c.plot(png));
        CHECK_FALSE(fs::exists(png));
        return;
    }
    const std::string png = tmp("c.png"), svg = tmp("c.svg");
    REQUIRE(c.plot(png, {.title = "test run"}));
    CHECK(read_all(png).substr(0, 8) == std::string("\x89PNG\r\n\x1a\n", 8));
    REQUIRE(c.plot(svg, {.panels = {{"train loss"}, {"test accuracy", "lr"}}}));
    CHECK(read_all(svg).find("<svg") != std::string::npos);
    CHECK(fs::exists(svg + ".gp"));  // the script is kept for restyling
    for (const auto& p : {png, svg, png + ".gp", svg + ".gp"}) fs::remove(p);
}

TEST_CASE("curves: no gnuplot is a clear false, a failing one an IOError naming the file") {
    const nn::Curves c = three_epochs();
    const std::string png = tmp("f.png");
    CHECK_FALSE(c.plot(png, {.gnuplot = "/nonexistent/gnuplot"}));
    CHECK_FALSE(fs::exists(png));
    if (nn::program_available("false")) {
        const std::string m = message_of([&] { c.plot(png, {.gnuplot = "false"}); });
        CHECK(m.find("Curves::plot: " + png + ": false failed (status 1") == 0);
    }
    if (nn::program_available("true"))  // exits 0 but draws nothing
        CHECK(message_of([&] { c.plot(png, {.gnuplot = "true"}); }) ==
              "Curves::plot: " + png + ": true wrote no picture");
    fs::remove(png + ".gp");
    CHECK_THROWS_AS(c.plot(tmp("x.jpg")), tg::DomainError);
    CHECK_THROWS_AS(c.plot(png, {.panels = {{"nope"}}}), tg::DomainError);
    CHECK_THROWS_AS(c.plot(png, {.width = 0}), tg::DomainError);
    CHECK_THROWS_AS(nn::Curves().plot(png), tg::DomainError);  // nothing recorded
    CHECK_THROWS_AS(c.plot("/nonexistent/dir/c.png", {.gnuplot = "true"}), tg::IOError);
}
