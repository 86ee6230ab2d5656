// Hostile input for the training data side (review of branch train): DataLoader prefetch under
// misuse, .npy/.npz files that lie, CSV edge cases, metrics on bad logits, gnuplot script
// injection through curves, image grids with absurd options. Each test asserts what must happen
// (values or the error class); the ones marked "bug" failed (crash, UB or a wrong result) before
// the fix committed with them.
#include <doctest/doctest.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

#include "../nn/csv.hpp"
#include "../nn/curves.hpp"
#include "../nn/data.hpp"
#include "../nn/image.hpp"
#include "../nn/metrics.hpp"
#include "../nn/npy.hpp"

using tg::index_t;
using tg::Tensor;
namespace nn = tg::nn;
namespace fs = std::filesystem;

namespace {
std::string tmp(const std::string& name) {
    return (fs::temp_directory_path() / ("tg_nn_attack_" + std::to_string(::getpid()) + "_" + name)).string();
}
std::vector<unsigned char> bytes_of(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}
void write_bytes(const std::string& path, const std::vector<unsigned char>& b) {
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
}
void put32(std::vector<unsigned char>& b, std::size_t at, std::uint32_t v) {
    for (int k = 0; k < 4; ++k) b[at + std::size_t(k)] = static_cast<unsigned char>(v >> (8 * k));
}
std::uint32_t get32(const std::vector<unsigned char>& b, std::size_t at) {
    return std::uint32_t(b[at]) | std::uint32_t(b[at + 1]) << 8 | std::uint32_t(b[at + 2]) << 16 |
           std::uint32_t(b[at + 3]) << 24;
}
std::size_t find_sig(const std::vector<unsigned char>& b, std::uint32_t sig) {
    for (std::size_t p = 0; p + 4 <= b.size(); ++p)
        if (get32(b, p) == sig) return p;
    FAIL("signature not found");
    return 0;
}
std::string message_of(auto&& f) {
    try {
        f();
    } catch (const tg::Error& e) {
        return e.what();
    }
    return "(no error)";
}

// Rows i = 0..n-1 hold (i, i + 0.5); label i.
nn::TensorDataset<float> rows(index_t n) {
    std::vector<float> x;
    std::vector<index_t> y;
    for (index_t i = 0; i < n; ++i) {
        x.push_back(float(i));
        x.push_back(float(i) + 0.5f);
        y.push_back(i);
    }
    return nn::TensorDataset<float>(Tensor<float>::from_vector(x, {n, 2}), y);
}
}  // namespace

// ---- DataLoader ---------------------------------------------------------------------------------

TEST_CASE(
    "nn attack DataLoader: a batch size near INT64_MAX is one batch of everything (bug: n + b - 1 overflowed)") {
    const auto ds = rows(5);
    nn::DataLoader<float> dl(ds, {.batch_size = std::numeric_limits<index_t>::max(), .prefetch = true});
    REQUIRE(dl.num_batches() == 1);
    int seen = 0;
    for (const auto& b : dl) {
        CHECK(b.labels == std::vector<index_t>{0, 1, 2, 3, 4});
        ++seen;
    }
    CHECK(seen == 1);
    nn::DataLoader<float> dropped(ds, {.batch_size = std::numeric_limits<index_t>::max(), .drop_last = true});
    CHECK(dropped.num_batches() == 0);
    CHECK_THROWS_AS(nn::DataLoader<float>(ds, {.batch_size = 0}), tg::DomainError);
    CHECK_THROWS_AS(nn::DataLoader<float>(ds, {.batch_size = -3}), tg::DomainError);
}

TEST_CASE("nn attack DataLoader: a moved-from iterator can be advanced without a crash (bug: null order)") {
    const auto ds = rows(10);
    for (bool prefetch : {false, true}) {
        nn::DataLoader<float> dl(ds, {.batch_size = 3, .prefetch = prefetch});
        auto it = dl.begin();
        auto moved = std::move(it);
        ++it;  // the moved-from one: must not touch the (gone) order or load a batch
        std::vector<index_t> labels;
        const auto end = dl.end();
        for (; moved != end; ++moved) labels.insert(labels.end(), moved->labels.begin(), moved->labels.end());
        CHECK(labels == std::vector<index_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
    }
}

TEST_CASE("nn attack DataLoader: transform throwing at the first and at the last batch, with prefetch (held)") {
    const auto ds = rows(10);  // batches of 3: {0,1,2} {3,4,5} {6,7,8} {9}
    for (index_t bad : {index_t(0), index_t(9)}) {
        nn::DataLoader<float> dl(ds, {.batch_size = 3, .prefetch = true});
        dl.transform = [bad](nn::Batch<float> b) {
            for (index_t l : b.labels)
                if (l == bad) throw tg::DomainError("transform: bad " + std::to_string(l));
            return b;
        };
        int seen = 0;
        std::string what;
        try {
            for (const auto& b : dl) {
                (void)b;
                ++seen;
            }
        } catch (const tg::DomainError& e) {
            what = e.what();
        }
        CHECK(what == "transform: bad " + std::to_string(bad));
        CHECK(seen == (bad == 0 ? 0 : 3));
        // The loader stays usable: the next epoch without the faulty transform is whole.
        dl.transform = nullptr;
        int next = 0;
        for (const auto& b : dl) next += int(b.size());
        CHECK(next == 10);
    }
}

TEST_CASE("nn attack DataLoader: empty data, drop_last with too few, loop left early, nested loops (held)") {
    nn::DataLoader<float> none(nn::TensorDataset<float>{}, {.batch_size = 4, .prefetch = true});
    int count = 0;
    for (const auto& b : none) count += int(b.size());
    CHECK(count == 0);
    const auto ds = rows(7);
    nn::DataLoader<float> few(ds, {.batch_size = 8, .drop_last = true, .prefetch = true});
    for (const auto& b : few) count += int(b.size());
    CHECK(count == 0);

    nn::DataLoader<float> dl(ds, {.batch_size = 2, .shuffle = true, .seed = 3, .prefetch = true});
    for (const auto& b : dl) {  // leave at once with a batch in flight
        CHECK(b.size() == 2);
        break;
    }
    // Two loops over one loader at once: the inner starts epochs 2, 3, ...; each is exact.
    std::int64_t inner_epoch = 2;
    index_t i = 0;
    for (const auto& outer : dl) {
        CHECK(outer.inputs.to_vector() == dl.batch(1, i).inputs.to_vector());
        index_t j = 0;
        for (const auto& inner : dl) {
            CHECK(inner.labels == dl.batch(inner_epoch, j).labels);
            ++j;
        }
        CHECK(j == 4);
        ++inner_epoch;
        ++i;
    }
    CHECK(i == 4);
}

TEST_CASE(
    "nn attack DataLoader: a transform that mutates the batch gives the same with and without prefetch (held)") {
    const auto ds = rows(9);
    const auto twice = [](nn::Batch<float> b) {
        float* p = b.inputs.data();
        for (index_t k = 0; k < b.inputs.numel(); ++k) p[k] *= 2;
        for (auto& l : b.labels) l += 100;
        return b;
    };
    nn::DataLoader<float> a(ds, {.batch_size = 4, .shuffle = true, .seed = 1});
    nn::DataLoader<float> b(ds, {.batch_size = 4, .shuffle = true, .seed = 1, .prefetch = true});
    a.transform = b.transform = twice;
    std::vector<float> xa, xb;
    std::vector<index_t> ya, yb;
    for (const auto& batch : a) {
        const auto v = batch.inputs.to_vector();
        xa.insert(xa.end(), v.begin(), v.end());
        ya.insert(ya.end(), batch.labels.begin(), batch.labels.end());
    }
    for (const auto& batch : b) {
        const auto v = batch.inputs.to_vector();
        xb.insert(xb.end(), v.begin(), v.end());
        yb.insert(yb.end(), batch.labels.begin(), batch.labels.end());
    }
    CHECK(xa == xb);
    CHECK(ya == yb);
    REQUIRE(ya.size() == 9);
    for (std::size_t k = 0; k < 9; ++k) {  // each row doubled once, its label moved once
        CHECK(xa[2 * k] == 2.0f * float(ya[k] - 100));
        CHECK(xa[2 * k + 1] == 2.0f * (float(ya[k] - 100) + 0.5f));
    }
    // The dataset itself is untouched.
    CHECK(ds.inputs.to_vector()[2] == 1.0f);
}

// ---- .npy / .npz ---------------------------------------------------------------------------------

TEST_CASE("nn attack npy: every truncation, a header length past the end, a shape overflowing int64 (held)") {
    const std::vector<unsigned char> good = nn::npy_bytes(
        nn::to_npy(Tensor<double>::from_vector({1.5, -2, 3, 4, 5, 6}, {2, 3})));
    REQUIRE(good.size() == 128 + 48);
    for (std::size_t n = 0; n < good.size(); ++n) {
        const std::vector<unsigned char> cut(good.begin(), good.begin() + std::ptrdiff_t(n));
        CHECK_THROWS_AS(nn::parse_npy(cut, "cut"), tg::IOError);
    }
    CHECK(nn::npy_to_tensor<double>(nn::parse_npy(good, "ok")).to_vector() ==
          std::vector<double>{1.5, -2, 3, 4, 5, 6});
    auto lying = good;
    lying[8] = lying[9] = 0xff;  // header length 65535
    CHECK(message_of([&] { nn::parse_npy(lying, "lying"); }).find("truncated header") != std::string::npos);

    const auto with_header = [](std::string h, std::size_t data = 16) {
        std::vector<unsigned char> b = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
        h += '\n';
        b.push_back(static_cast<unsigned char>(h.size() & 0xff));
        b.push_back(static_cast<unsigned char>(h.size() >> 8));
        b.insert(b.end(), h.begin(), h.end());
        b.insert(b.end(), data, 0);
        return b;
    };
    // 10^18 * 10 bytes: fits in size_t, not in int64; and a product overflowing size_t.
    CHECK_THROWS_AS(nn::parse_npy(with_header("{'descr': '|u1', 'fortran_order': False, 'shape': "
                                              "(1000000000000000000, 10), }"),
                                  "big"),
                    tg::IOError);
    CHECK(message_of([&] {
              nn::parse_npy(with_header("{'descr': '<f8', 'fortran_order': True, 'shape': "
                                        "(999999999999999999, 999999999999999999), }"),
                            "huge");
          }).find("overflows") != std::string::npos);
    CHECK_THROWS_AS(
        nn::parse_npy(with_header("{'descr': '<f8', 'fortran_order': False, 'shape': (-2, 1), }"), "neg"),
        tg::IOError);
    // Zero-sized with huge other axes: no data, no allocation, no overflow.
    const nn::NpyArray empty = nn::parse_npy(
        with_header("{'descr': '|u1', 'fortran_order': True, 'shape': (0, 999999999999999999), }", 0), "zero");
    CHECK(empty.numel() == 0);
}

TEST_CASE("nn attack npz: sizes that lie, a deflate stream longer or shorter than declared (held)") {
    const std::string path = tmp("lie.npz");
    const Tensor<double> x = Tensor<double>::from_vector(std::vector<double>(64, 0.25), {8, 8});
    for (bool compress : {false, true}) {
        nn::write_npz(path, {{"x", nn::to_npy(x)}}, compress);
        const auto good = bytes_of(path);
        REQUIRE(nn::npy_to_tensor<double>(nn::read_npz(path)[0].second).to_vector() == x.to_vector());
        const std::size_t cd = find_sig(good, 0x02014b50);
        const std::uint32_t csize = get32(good, cd + 20), usize = get32(good, cd + 24);
        auto b = good;
        put32(b, cd + 20, 0x7fffffff);  // compressed size past the end of the file
        write_bytes(path, b);
        CHECK(message_of([&] { nn::read_npz(path); }).find("truncated data") != std::string::npos);
        b = good;
        put32(b, cd + 24, 0xfffffff0u);  // uncompressed size: a bomb claim
        write_bytes(path, b);
        CHECK_THROWS_AS(nn::read_npz(path), tg::IOError);
        for (std::uint32_t claim : {usize - 1, usize + 7}) {  // inflates to more / less than declared
            b = good;
            put32(b, cd + 24, claim);
            write_bytes(path, b);
            CHECK_THROWS_AS(nn::read_npz(path), tg::IOError);
        }
        b = good;
        put32(b, cd + 20, csize - 1);  // one byte short of the real data
        write_bytes(path, b);
        CHECK_THROWS_AS(nn::read_npz(path), tg::IOError);
        b = good;  // the end record pointing the directory past the end
        put32(b, b.size() - 6, static_cast<std::uint32_t>(b.size()));
        write_bytes(path, b);
        CHECK_THROWS_AS(nn::read_npz(path), tg::IOError);
        for (std::size_t n : {std::size_t(0), std::size_t(21), good.size() / 2, good.size() - 1}) {
            write_bytes(path, std::vector<unsigned char>(good.begin(), good.begin() + std::ptrdiff_t(n)));
            CHECK_THROWS_AS(nn::read_npz(path), tg::IOError);
        }
    }
    fs::remove(path);
}

TEST_CASE("nn attack npz: two entries with one name are refused (bug: the second was silently unreachable)") {
    const std::string path = tmp("dup.npz");
    nn::write_npz(path, {{"a", nn::to_npy(Tensor<double>::from_vector({1}, {1}))},
                         {"b", nn::to_npy(Tensor<double>::from_vector({2}, {1}))}});
    auto b = bytes_of(path);
    int renamed = 0;
    for (std::size_t p = 0; p + 5 <= b.size(); ++p)
        if (std::memcmp(b.data() + p, "b.npy", 5) == 0) b[p] = 'a', ++renamed;
    REQUIRE(renamed == 2);  // local and central headers
    write_bytes(path, b);
    CHECK(message_of([&] { nn::read_npz(path); }).find("entry 'a.npy': the name appears twice") !=
          std::string::npos);
    // Names with '/' or '..' are only names: read back as written, nothing extracted anywhere.
    nn::write_npz(path, {{"../up", nn::to_npy(Tensor<double>::from_vector({3}, {1}))},
                         {"dir/x", nn::to_npy(Tensor<double>::from_vector({4}, {1}))}});
    const auto arrays = nn::read_npz(path);
    REQUIRE(arrays.size() == 2);
    CHECK(arrays[0].first == "../up");
    CHECK(arrays[1].first == "dir/x");
    CHECK(nn::npy_to_tensor<double>(nn::npz_get(arrays, "dir/x")).to_vector() == std::vector<double>{4});
    CHECK_THROWS_AS(nn::write_npz(path, {{"a", nn::to_npy(Tensor<double>::from_vector({1}, {1}))},
                                         {"a", nn::to_npy(Tensor<double>::from_vector({2}, {1}))}}),
                    tg::DomainError);
    fs::remove(path);
}

// ---- CSV -----------------------------------------------------------------------------------------

TEST_CASE("nn attack csv: unclosed quote, ragged rows, NUL, odd numbers, mixed line ends, header only") {
    CHECK(message_of([] { nn::parse_csv("a,b\n1,2\n3,\"4\n5,6\n", "q.csv"); }).find("q.csv:3: unterminated") !=
          std::string::npos);
    CHECK(message_of([] { nn::parse_csv("a,b\n1,2\n3,4,5\n", "r.csv"); }).find("r.csv:3: 3 fields") !=
          std::string::npos);
    CHECK(message_of([] { nn::parse_csv("a,b\n1\n", "r.csv"); }).find("r.csv:2: 1 fields") != std::string::npos);

    const std::string nul("a,b\n1,2\0x\n", 10);
    const nn::CsvTable tn = nn::parse_csv(nul, "nul.csv");
    REQUIRE(tn.rows.size() == 1);
    CHECK(tn.rows[0][1] == std::string("2\0x", 3));
    CHECK_THROWS_AS(nn::csv_tensor<double>(tn, {"b"}), tg::IOError);

    // Numbers: out of range, hex, a doubled sign are errors; nan, inf, a plus sign are values.
    const auto one = [](const std::string& field) {
        return nn::csv_tensor<double>(nn::parse_csv("v\n" + field + "\n", "n.csv"), {"v"}).to_vector()[0];
    };
    CHECK_THROWS_AS(one("1e400"), tg::IOError);
    CHECK_THROWS_AS(one("0x10"), tg::IOError);
    CHECK_THROWS_AS(one("+-1"), tg::IOError);  // bug: the '+' was skipped and -1 accepted
    CHECK_THROWS_AS(one("+"), tg::IOError);
    CHECK_THROWS_AS(one("--1"), tg::IOError);
    CHECK(std::isnan(one("nan")));
    CHECK(one("-inf") == -std::numeric_limits<double>::infinity());
    CHECK(one(" +2.5 ") == 2.5);
    CHECK_THROWS_AS(nn::csv_tensor<float>(nn::parse_csv("v\n1e39\n", "f.csv"), {"v"}), tg::IOError);

    // CRLF and LF mixed: the right values and the right line numbers.
    const nn::CsvTable t = nn::parse_csv("a,b\r\n1,2\n3,4\r\n\r\n5,6\n", "m.csv");
    CHECK(nn::csv_tensor<double>(t, {"b", "a"}).to_vector() == std::vector<double>{2, 1, 4, 3, 6, 5});
    CHECK(t.lines == std::vector<std::int64_t>{2, 3, 5});

    const nn::CsvTable h = nn::parse_csv("a,b\n", "h.csv");
    CHECK(h.num_rows() == 0);
    CHECK(nn::csv_tensor<double>(h, {"a", "b"}).shape() == tg::Shape{0, 2});
    CHECK(nn::csv_labels(h, "a").data.empty());
    CHECK_THROWS_AS(nn::parse_csv("", "e.csv"), tg::IOError);
    CHECK_THROWS_AS(nn::parse_csv("\n\n", "e.csv"), tg::IOError);
}

TEST_CASE("nn attack csv: a 10 MB quoted field is read whole (held)") {
    std::string big(10u << 20, 'x');
    big[5] = ',';
    big[7] = '\n';
    const nn::CsvTable t = nn::parse_csv("a,b\n\"" + big + "\",1\n", "big.csv");
    REQUIRE(t.rows.size() == 1);
    CHECK(t.rows[0][0].size() == big.size());
    CHECK(t.rows[0][0] == big);
    CHECK(nn::csv_tensor<double>(t, {"b"}).to_vector() == std::vector<double>{1});
    CHECK(t.lines[0] == 2);
}

// ---- metrics -------------------------------------------------------------------------------------

TEST_CASE("nn attack metrics: NaN logits, bad labels, k beyond C, no samples, absurd class counts") {
    const Tensor<double> nanl = Tensor<double>::from_vector({0, 1, std::nan(""), 2}, {2, 2});
    CHECK(message_of([&] {
              nn::accuracy(nanl, std::vector<index_t>{0, 1});
          }).find("NaN logit in row 1") != std::string::npos);
    const Tensor<double> l = Tensor<double>::from_vector({0, 1, 3, 2}, {2, 2});
    CHECK_THROWS_AS(nn::accuracy(l, std::vector<index_t>{0, 2}), tg::IndexError);
    CHECK_THROWS_AS(nn::accuracy(l, std::vector<index_t>{-1, 0}), tg::IndexError);
    CHECK_THROWS_AS(nn::accuracy(l, std::vector<index_t>{0}), tg::ShapeError);
    CHECK_THROWS_AS(nn::top_k_accuracy(l, std::vector<index_t>{0, 1}, 3), tg::DomainError);
    CHECK_THROWS_AS(nn::top_k_accuracy(l, std::vector<index_t>{0, 1}, 0), tg::DomainError);
    CHECK(nn::top_k_accuracy(l, std::vector<index_t>{0, 1}, 2) == 1.0);
    CHECK(nn::accuracy(l, std::vector<index_t>{1, 0}) == 1.0);
    CHECK_THROWS_AS(nn::accuracy(tg::zeros<double>({0, 3}), std::vector<index_t>{}), tg::DomainError);
    CHECK_THROWS_AS(nn::accuracy(tg::zeros<double>({2, 0}), std::vector<index_t>{0, 0}), tg::ShapeError);
    // -inf everywhere: ties to class 0, not NaN.
    const double ninf = -std::numeric_limits<double>::infinity();
    CHECK(nn::predicted_labels(Tensor<double>::from_vector({ninf, ninf}, {1, 2})) == std::vector<index_t>{0});
    // bug: n * n overflowed (signed) for 2^32 classes; now a DomainError before any allocation.
    CHECK_THROWS_AS(nn::ConfusionMatrix(index_t(1) << 32), tg::DomainError);
    CHECK_THROWS_AS(nn::ConfusionMatrix(index_t(1) << 17), tg::DomainError);
    CHECK_THROWS_AS(nn::ConfusionMatrix(0), tg::DomainError);
    nn::ConfusionMatrix cm(3);
    CHECK_THROWS_AS(cm.report(), tg::DomainError);
    CHECK_THROWS_AS(cm.add(std::vector<index_t>{0, 3}, std::vector<index_t>{0, 1}), tg::IndexError);
    CHECK(cm.total() == 0);  // the bad call changed nothing
    cm.add(std::vector<index_t>{0, 0}, std::vector<index_t>{0, 1});
    const nn::ClassificationReport r = cm.report();
    CHECK(r.precision == std::vector<double>{0.5, 0, 0});
    CHECK(r.recall == std::vector<double>{1, 0, 0});
    CHECK(r.macro_f1 == doctest::Approx((2.0 / 3.0) / 3.0));
}

// ---- curves --------------------------------------------------------------------------------------

TEST_CASE("nn attack curves: a title or path with a line break cannot inject gnuplot commands (bug)") {
    nn::Curves c("epoch");
    c.record(1, {{"train loss", 1.0}, {"it's \"odd\", really", 0.5}});
    c.record(2, {{"train loss", std::nan("")}, {"it's \"odd\", really", 0.25}});
    CHECK(c.csv() == "epoch,train loss,\"it's \"\"odd\"\", really\"\n1,1,0.5\n2,nan,0.25\n");
    const std::string marker = tmp("pwned");
    nn::PlotOptions o;
    o.title = "x\nsystem(\"touch " + marker + "\")\n#";
    CHECK_THROWS_AS(c.plot(tmp("inj.svg"), o), tg::DomainError);
    CHECK_THROWS_AS(c.plot(tmp("p") + "\nsystem(\"touch " + marker + "\")\n#.svg"), tg::DomainError);
    CHECK_THROWS_AS(c.record(3, {{"a\nb", 1.0}}), tg::DomainError);
    CHECK_FALSE(fs::exists(marker));
    // A path with spaces and quotes, and a series name with quotes, draw fine when gnuplot is there.
    if (nn::program_available("gnuplot")) {
        const std::string dir = tmp("it's a dir");
        fs::create_directories(dir);
        const std::string svg = dir + "/c \"v\".svg";
        CHECK(c.plot(svg));
        const auto b = bytes_of(svg);
        const std::string head(b.begin(), b.begin() + std::ptrdiff_t(std::min<std::size_t>(b.size(), 200)));
        CHECK(head.find("<svg") != std::string::npos);
        fs::remove_all(dir);
    }
    CHECK_FALSE(fs::exists(marker));
}

// ---- image grids ---------------------------------------------------------------------------------

TEST_CASE("nn attack image: zero images, odd sizes, values outside [0, 1] and NaN, absurd options") {
    const std::string pgm = tmp("g.pgm");
    CHECK_THROWS_AS(nn::save_image_grid(pgm, tg::zeros<float>({0, 2, 2})), tg::ShapeError);
    CHECK_THROWS_AS(nn::save_image_grid(pgm, tg::zeros<float>({2, 6}), {}, 4), tg::ShapeError);
    // One 1 x 3 image: below the range, above it, NaN; no gap.
    nn::save_image_grid(pgm, Tensor<float>::from_vector({-5.f, 7.f, std::nanf("")}, {1, 1, 3}),
                        {.cols = 4, .scale = 1, .gap = 0});
    auto b = bytes_of(pgm);
    const std::string head = "P5\n3 1\n255\n";
    REQUIRE(b.size() == head.size() + 3);
    CHECK(std::string(b.begin(), b.begin() + std::ptrdiff_t(head.size())) == head);
    CHECK(b[head.size()] == 0);
    CHECK(b[head.size() + 1] == 255);
    CHECK(b[head.size() + 2] == 0);
    // Odd sizes: three 3 x 5 images, two per row, scale 2, gap 1 -> 2*10+3 by 2*6+3.
    nn::save_image_grid(pgm, tg::full<double>({3, 15}, 0.5), {.cols = 2, .scale = 2, .gap = 1}, 3);
    b = bytes_of(pgm);
    const std::string head2 = "P5\n23 15\n255\n";
    REQUIRE(b.size() == head2.size() + 23 * 15);
    CHECK(std::string(b.begin(), b.begin() + std::ptrdiff_t(head2.size())) == head2);
    CHECK(b[head2.size() + 23 * 1 + 1] == 128);  // first pixel of the first image
    CHECK(b[head2.size() + 23 * 8 + 12] == 40);  // the empty fourth cell: background
    // bug: scale * width and the gaps overflowed int64 before the size check; lo/hi infinite gave NaN.
    const Tensor<float> one = tg::zeros<float>({1, 2, 2});
    CHECK_THROWS_AS(nn::save_image_grid(pgm, one, {.scale = index_t(1) << 62}), tg::DomainError);
    CHECK_THROWS_AS(nn::save_image_grid(pgm, one, {.gap = index_t(1) << 62}), tg::DomainError);
    CHECK_THROWS_AS(nn::save_image_grid(pgm, one, {.lo = -std::numeric_limits<double>::infinity()}),
                    tg::DomainError);
    CHECK_THROWS_AS(nn::save_image_grid(pgm, one, {.lo = -1e308, .hi = 1e308}), tg::DomainError);
    CHECK_THROWS_AS(nn::save_image_grid(pgm, one, {.lo = std::nan("")}), tg::DomainError);
    CHECK_THROWS_AS(nn::save_image_grid(pgm, one, {.cols = 0}), tg::DomainError);
    CHECK_THROWS_AS(nn::save_image_grid(tmp("g.jpg"), one), tg::DomainError);
    fs::remove(pgm);
}

TEST_CASE("nn attack metrics: a class name longer than a line keeps its numbers (bug: cut at 255 characters)") {
    nn::ConfusionMatrix cm(2);
    cm.add(std::vector<index_t>{0, 1, 1}, std::vector<index_t>{0, 1, 0});
    const std::string long_name(300, 'n');
    const std::string table = cm.report().str({long_name, "b%s%n"});
    const std::string row0 = long_name + "     1.0000  0.5000  0.6667        2\n";
    CHECK(table.find(row0) != std::string::npos);
    CHECK(table.find("b%s%n" + std::string(295, ' ') + "     0.5000  1.0000  0.6667        1\n") !=
          std::string::npos);
    CHECK(table.find("accuracy" + std::string(292, ' ') + "                      0.6667\n") !=
          std::string::npos);
    // Short names: labels wider than the name column ("accuracy") are neither cut nor padded negatively.
    const std::string small = cm.report().str();
    CHECK(small.find("\n0         1.0000  0.5000  0.6667        2\n") != std::string::npos);
    CHECK(small.find("\naccuracy                      0.6667\n") != std::string::npos);
}

TEST_CASE(
    "nn attack curves: a relative picture path starting with '-' is drawn (bug: gnuplot took it as an option)") {
    if (!nn::program_available("gnuplot")) return;
    nn::Curves c("step");
    c.record(0, "lr", 0.1);
    c.record(1, "lr", 0.05);
    const fs::path dir = tmp("dash");
    fs::create_directories(dir);
    const fs::path cwd = fs::current_path();
    fs::current_path(dir);
    bool drawn = false;
    std::string what;
    try {
        drawn = c.plot("-run1.svg");
    } catch (const tg::Error& e) {
        what = e.what();
    }
    fs::current_path(cwd);
    CHECK(what == "");
    CHECK(drawn);
    CHECK(fs::file_size(dir / "-run1.svg") > 100);
    fs::remove_all(dir);
}

TEST_CASE("nn attack npz: an archive of 3000 small arrays reads back in order (held)") {
    const std::string path = tmp("many.npz");
    std::vector<std::pair<std::string, nn::NpyArray>> arrays;
    for (int k = 0; k < 3000; ++k)
        arrays.emplace_back("a" + std::to_string(k), nn::to_npy(Tensor<double>::from_vector({double(k)}, {1})));
    nn::write_npz(path, arrays, true);
    const auto back = nn::read_npz(path);
    REQUIRE(back.size() == 3000);
    CHECK(back[2999].first == "a2999");
    CHECK(nn::npy_to_tensor<double>(nn::npz_get(back, "a1234")).to_vector() == std::vector<double>{1234});
    fs::remove(path);
}

TEST_CASE("nn attack DataLoader: the loop body destroys the loader while a batch is prefetched") {
    auto dl = std::make_unique<nn::DataLoader<float>>(
        rows(10), nn::DataLoaderOptions{.batch_size = 3, .prefetch = true});
    std::atomic<int> gathered{0};
    dl->transform = [&gathered](nn::Batch<float> b) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // keep the next batch in flight
        ++gathered;
        return b;
    };
    std::vector<index_t> first;
    for (const auto& b : *dl) {
        first = b.labels;
        dl.reset();  // the prefetch task reads the iterator's snapshot, not this loader
        break;
    }
    CHECK(first == std::vector<index_t>{0, 1, 2});
    CHECK(gathered == 2);  // batch 0, and batch 1 finished before the iterator went away
}
