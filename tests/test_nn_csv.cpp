// The CSV reader: header and named columns, quoting (delimiters, doubled quotes, line breaks in a
// field), CRLF, a byte-order mark, labels as integers or names, a write/read round trip, and every
// error with the file, line and column it names.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

#include "../nn/csv.hpp"

using tg::index_t;
using tg::Tensor;
namespace nn = tg::nn;
namespace fs = std::filesystem;

namespace {
std::string message_of(auto&& f) {
    try {
        f();
    } catch (const tg::Error& e) {
        return e.what();
    }
    return "no throw";
}
}  // namespace

TEST_CASE("csv: named columns to a tensor, a label column to class indices") {
    const nn::CsvTable t = nn::parse_csv("\xEF\xBB\xBFx,label,y,note\r\n"
                                         "1.5,cat, -2 ,\"a, b\"\r\n"
                                         "\r\n"
                                         "+3,dog,4e-1,\"say \"\"hi\"\"\"\r\n"
                                         "-0.25,cat,nan,\"two\nlines\"\n"
                                         "7,ant,inf,\n",
                                         "pets.csv");
    CHECK(t.header == std::vector<std::string>{"x", "label", "y", "note"});
    REQUIRE(t.num_rows() == 4);
    CHECK(t.lines == std::vector<std::int64_t>{2, 4, 5, 7});  // the blank line is skipped; a quoted line
                                                              // break counts
    CHECK(t.rows[0][3] == "a, b");
    CHECK(t.rows[1][3] == "say \"hi\"");
    CHECK(t.rows[2][3] == "two\nlines");
    CHECK(t.rows[3][3].empty());
    const Tensor<double> xy = nn::csv_tensor<double>(t, {"y", "x"});
    CHECK(xy.shape() == tg::Shape{4, 2});
    const std::vector<double> v = xy.to_vector();
    CHECK(v[0] == -2.0);
    CHECK(v[1] == 1.5);
    CHECK(v[2] == 0.4);
    CHECK(v[3] == 3.0);
    CHECK(std::isnan(v[4]));
    CHECK(std::isinf(v[6]));
    std::vector<std::string> classes;
    const tg::IndexArray y = nn::csv_labels(t, "label", &classes);
    CHECK(classes == std::vector<std::string>{"ant", "cat", "dog"});  // sorted
    CHECK(y.data == std::vector<index_t>{1, 2, 1, 0});
    CHECK(y.shape == tg::Shape{4});
    const nn::TensorDataset<float> ds = nn::csv_dataset<float>(t, {"x"}, "label");
    CHECK(ds.size() == 4);
    CHECK(ds.labels == std::vector<index_t>{1, 2, 1, 0});
}

TEST_CASE("csv: integer labels are the classes themselves; a semicolon delimiter") {
    const nn::CsvTable t = nn::parse_csv("a;k\n1;2\n2; 0\n3;2\n", "k.csv", ';');
    std::vector<std::string> classes;
    CHECK(nn::csv_labels(t, "k", &classes).data == std::vector<index_t>{2, 0, 2});
    CHECK(classes == std::vector<std::string>{"0", "1", "2"});
    CHECK(nn::csv_tensor<float>(t, {"a"}).to_vector() == std::vector<float>{1, 2, 3});
}

TEST_CASE("csv: write_csv and read_csv round trip exactly, float and double") {
    const std::string path =
        (fs::temp_directory_path() / ("tg_nn_csv_" + std::to_string(::getpid()) + ".csv")).string();
    const Tensor<double> a{{0.1, -1e-300, 3.0}, {1.0 / 3, 2e10, -0.0}};
    nn::write_csv(path, {"a", "b,c", "d"}, a);
    const nn::CsvTable t = nn::read_csv(path);
    CHECK(t.header == std::vector<std::string>{"a", "b,c", "d"});
    CHECK(nn::csv_tensor<double>(t, {"a", "b,c", "d"}).to_vector() == a.to_vector());
    const Tensor<float> f{{0.1f, 1.0f / 3}};
    nn::write_csv(path, {"p", "q"}, f);
    CHECK(nn::csv_tensor<float>(nn::read_csv(path), {"p", "q"}).to_vector() == f.to_vector());
    fs::remove(path);
    CHECK_THROWS_AS(nn::write_csv(path, {"p"}, f), tg::ShapeError);
    CHECK_THROWS_AS(nn::write_csv("/nonexistent/dir/x.csv", {"p", "q"}, f), tg::IOError);
}

TEST_CASE("csv: errors name the file, the line and the column") {
    const nn::CsvTable t = nn::parse_csv("a,b\n1,2\n3,\n4,x\n5,1e999\n6,1e39\n", "d.csv");
    CHECK(message_of([&] { nn::csv_tensor<double>(t, {"b"}); }) ==
          "csv_tensor: d.csv:3, column \"b\": missing value");
    const nn::CsvTable t2 = nn::parse_csv("a,b\n4,x\n", "d.csv");
    CHECK(message_of([&] {
              nn::csv_tensor<double>(t2, {"a", "b"});
          }) == "csv_tensor: d.csv:2, column \"b\": \"x\" is not a number");
    const nn::CsvTable t3 = nn::parse_csv("a,b\n5,1e999\n", "d.csv");
    CHECK(message_of([&] { nn::csv_tensor<double>(t3, {"b"}); }) ==
          "csv_tensor: d.csv:2, column \"b\": \"1e999\" is out of range");
    const nn::CsvTable t4 = nn::parse_csv("a,b\n6,1e39\n", "d.csv");
    CHECK(nn::csv_tensor<double>(t4, {"b"}).to_vector()[0] == 1e39);
    CHECK(message_of([&] { nn::csv_tensor<float>(t4, {"b"}); }).find("d.csv:2, column \"b\": the value 1e39") !=
          std::string::npos);
    CHECK(message_of([&] { nn::csv_tensor<double>(t, {"z"}); }) ==
          "csv: d.csv: no column \"z\" (the header has: a, b)");
    CHECK_THROWS_AS(nn::csv_tensor<double>(t, {}), tg::DomainError);
    CHECK(message_of([&] { nn::csv_labels(t, "b"); }) == "csv_labels: d.csv:3, column \"b\": missing label");

    CHECK(message_of([] { nn::parse_csv("a,b\n1,2\n3\n", "e.csv"); }) ==
          "parse_csv: e.csv:3: 1 fields, the header has 2");
    CHECK(message_of([] { nn::parse_csv("a,b\n1,\"2\n3,4\n", "e.csv"); }) ==
          "parse_csv: e.csv:2: unterminated quote (the field opened on this line never closes)");
    CHECK(message_of([] {
              nn::parse_csv("a,b\n1,\"2\"x\n", "e.csv");
          }).find("parse_csv: e.csv:2: text after a closing quote") == 0);
    CHECK(message_of([] { nn::parse_csv("a,,c\n", "e.csv"); }) ==
          "parse_csv: e.csv:1: column 2 of the header has no name");
    CHECK(message_of([] { nn::parse_csv("a,a\n", "e.csv"); }) ==
          "parse_csv: e.csv:1: column \"a\" appears twice in the header");
    CHECK(message_of([] { nn::parse_csv("\n\n", "e.csv"); }) == "parse_csv: e.csv: empty: no header line");
    CHECK(message_of([] { nn::read_csv("/nonexistent/f.csv"); }) == "read_csv: /nonexistent/f.csv: cannot open");
    CHECK_THROWS_AS(nn::parse_csv("a\n", "e.csv", '"'), tg::DomainError);
    // A header alone is a table of no rows; its tensor is (0, k).
    CHECK(nn::csv_tensor<float>(nn::parse_csv("a,b\n"), {"a", "b"}).shape() == tg::Shape{0, 2});
}
