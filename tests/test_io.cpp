// .npy files: round trips, files written by numpy (tests/data, made by make_npy.py), and every
// kind of broken file, each of which must be a tg::IOError naming load_npy and the file.
#include <doctest/doctest.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <unistd.h>

#include "../tensor/io.hpp"
#include "../tensor/math.hpp"

#ifndef TG_TEST_DATA_DIR
#error "the tests CMakeLists must define TG_TEST_DATA_DIR as the path of tests/data"
#endif

namespace fs = std::filesystem;

namespace {

/// A unique path under the temp directory, removed when the object goes out of scope.
struct TempFile {
    std::string path;
    explicit TempFile(const std::string& name) {
        static std::atomic<int> counter{0};
        path = (fs::temp_directory_path() /
                ("tg_test_io_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" + name))
                   .string();
    }
    ~TempFile() {
        std::error_code ec;
        fs::remove(path, ec);
    }
};

std::string read_bytes(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
}

/// A version 1.0 .npy file with the given header dict (padded to 64) and raw data bytes.
std::string npy_bytes(std::string header, const std::string& data) {
    header.append(63 - (10 + header.size()) % 64, ' ');
    header += '\n';
    std::string out = "\x93NUMPY\x01";
    out += '\0';
    out += char(header.size() & 0xff);
    out += char(header.size() >> 8);
    return out + header + data;
}

/// The what() of the tg::IOError that f throws ("" if it throws none).
template <class F>
std::string io_error(F&& f) {
    try {
        f();
    } catch (const tg::IOError& e) {
        return e.what();
    }
    return "";
}

/// Checks that loading `path` as T throws an IOError naming load_npy, the file and `detail`.
template <class T = double>
void check_load_fails(const std::string& path, const std::string& detail) {
    CHECK_THROWS_AS(tg::load_npy<T>(path), tg::IOError);
    const std::string msg = io_error([&] { tg::load_npy<T>(path); });
    INFO("message: ", msg);
    CHECK(msg.rfind("load_npy: ", 0) == 0);
    CHECK(msg.find(fs::path(path).filename().string()) != std::string::npos);
    CHECK(msg.find(detail) != std::string::npos);
}

const std::vector<double> golden = {1.5, -2.0, 3.25, 4.0, 5.5, -6.0};

template <class T>
tg::Tensor<T> sample(const tg::Shape& shape) {
    std::vector<T> v(static_cast<std::size_t>(shape.numel()));
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = T(0.37) * T(i) - T(1) / T(3);
    return tg::Tensor<T>::from_vector(v, shape);
}

}  // namespace

TEST_CASE_TEMPLATE("save_npy then load_npy gives back the same shape and bits", T, float, double) {
    for (const tg::Shape& shape :
         {tg::Shape{}, tg::Shape{5}, tg::Shape{3, 4}, tg::Shape{2, 3, 4}, tg::Shape{0, 3}}) {
        CAPTURE(shape.str());
        TempFile tmp("roundtrip.npy");
        const auto t = sample<T>(shape);
        tg::save_npy(tmp.path, t);
        const auto u = tg::load_npy<T>(tmp.path);
        CHECK(u.shape() == shape);
        CHECK(u.to_vector() == t.to_vector());
    }
}

TEST_CASE("a transposed view is saved in C order and loads as its contiguous copy") {
    TempFile tmp("transposed.npy");
    const auto view = sample<double>({3, 4}).transpose();
    REQUIRE_FALSE(view.is_contiguous());
    tg::save_npy(tmp.path, view);
    const auto u = tg::load_npy<double>(tmp.path);
    CHECK(u.shape() == tg::Shape{4, 3});
    CHECK(u.to_vector() == view.contiguous().to_vector());
}

TEST_CASE("save_npy writes numpy's 1.0 header - 64-byte aligned") {
    TempFile t1("h1.npy"), t0("h0.npy");
    tg::save_npy(t1.path, sample<float>({5}));
    tg::save_npy(t0.path, tg::Tensor<double>::scalar(2.0));
    const std::string b1 = read_bytes(t1.path), b0 = read_bytes(t0.path);
    const std::size_t hlen = std::uint8_t(b1[8]) | std::uint8_t(b1[9]) << 8;
    CHECK(b1.substr(0, 8) == std::string("\x93NUMPY\x01", 7) + '\0');
    CHECK((10 + hlen) % 64 == 0);
    CHECK(b1[10 + hlen - 1] == '\n');
    CHECK(b1.find("{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }") == 10);
    CHECK(b0.find("{'descr': '<f8', 'fortran_order': False, 'shape': (), }") == 10);
    CHECK(b1.size() == 10 + hlen + 5 * sizeof(float));
}

TEST_CASE("save_npy to a missing directory throws IOError naming the path") {
    const std::string path = (fs::temp_directory_path() / "tg_no_such_dir_x" / "a.npy").string();
    const std::string msg = io_error([&] { tg::save_npy(path, sample<double>({2})); });
    CHECK(msg.rfind("save_npy: ", 0) == 0);
    CHECK(msg.find(path) != std::string::npos);
}

TEST_CASE("numpy's C-order float64 file loads") {
    const auto t = tg::load_npy<double>(TG_TEST_DATA_DIR "/c_f8_2x3.npy");
    CHECK(t.shape() == tg::Shape{2, 3});
    CHECK(t.to_vector() == golden);
}

TEST_CASE("numpy's Fortran-order file loads in row-major order") {
    const auto t = tg::load_npy<double>(TG_TEST_DATA_DIR "/f_f8_2x3.npy");
    CHECK(t.shape() == tg::Shape{2, 3});
    CHECK(t.is_contiguous());
    CHECK(t.to_vector() == golden);
}

TEST_CASE("numpy's 1-d float32 file loads as float") {
    const auto t = tg::load_npy<float>(TG_TEST_DATA_DIR "/f4_1d.npy");
    CHECK(t.shape() == tg::Shape{5});
    CHECK(t.to_vector() == std::vector<float>{0.1f, 0.2f, 0.3f, -1.5f, 1e-3f});
}

TEST_CASE("format 2.0 and a 400-byte header with reordered keys load") {
    // The long header also guards against reading its length through a signed char.
    CHECK(tg::load_npy<double>(TG_TEST_DATA_DIR "/v2_f8_2x3.npy").to_vector() == golden);
    const auto t = tg::load_npy<double>(TG_TEST_DATA_DIR "/long_header_f8_2x3.npy");
    CHECK(t.shape() == tg::Shape{2, 3});
    CHECK(t.to_vector() == golden);
}

TEST_CASE("a 30-d file (182-byte header) is parsed and rejected for its rank") {
    check_load_fails(TG_TEST_DATA_DIR "/rank30_f8.npy", "30-d shape");
}

TEST_CASE("a different dtype is rejected - naming both dtypes") {
    check_load_fails(TG_TEST_DATA_DIR "/i8_2x3.npy", "holds <i8 data; expected <f8 (double)");
    check_load_fails<float>(TG_TEST_DATA_DIR "/c_f8_2x3.npy", "holds <f8 data; expected <f4 (float)");
    check_load_fails<double>(TG_TEST_DATA_DIR "/f4_1d.npy", "holds <f4 data; expected <f8");
    check_load_fails(TG_TEST_DATA_DIR "/be_f8_3.npy", ">f8 data (big-endian)");
}

TEST_CASE("truncated data is rejected with the expected and actual sizes") {
    TempFile tmp("truncated_data.npy");
    const std::string b = read_bytes(TG_TEST_DATA_DIR "/c_f8_2x3.npy");
    REQUIRE(b.size() == 176);
    write_bytes(tmp.path, b.substr(0, b.size() - 3));
    check_load_fails(tmp.path, "truncated");
    check_load_fails(tmp.path, "expected 176 bytes");
    check_load_fails(tmp.path, "has 173 bytes");
}

TEST_CASE("trailing bytes after the data are rejected") {
    TempFile tmp("trailing.npy");
    write_bytes(tmp.path, read_bytes(TG_TEST_DATA_DIR "/c_f8_2x3.npy") + std::string(8, '\0'));
    check_load_fails(tmp.path, "trailing bytes");
    check_load_fails(tmp.path, "expected 176 bytes");
    check_load_fails(tmp.path, "has 184 bytes");
}

TEST_CASE("a truncated header is rejected") {
    TempFile cut("truncated_header.npy"), tiny("tiny.npy");
    const std::string b = read_bytes(TG_TEST_DATA_DIR "/c_f8_2x3.npy");
    write_bytes(cut.path, b.substr(0, 40));
    write_bytes(tiny.path, b.substr(0, 7));
    check_load_fails(cut.path, "truncated header");
    check_load_fails(tiny.path, "truncated header");
}

TEST_CASE("every proper prefix of a valid file is rejected") {
    TempFile tmp("prefix.npy");
    const std::string b = read_bytes(TG_TEST_DATA_DIR "/c_f8_2x3.npy");
    for (std::size_t n = 0; n < b.size(); ++n) {
        write_bytes(tmp.path, b.substr(0, n));
        CHECK_THROWS_AS(tg::load_npy<double>(tmp.path), tg::IOError);
    }
}

TEST_CASE("a wrong magic string is rejected") {
    TempFile tmp("bad_magic.npy");
    std::string b = read_bytes(TG_TEST_DATA_DIR "/c_f8_2x3.npy");
    b[1] = 'X';
    write_bytes(tmp.path, b);
    check_load_fails(tmp.path, "not a .npy file");
}

TEST_CASE("a missing file is rejected") {
    const std::string path = (fs::temp_directory_path() / "tg_test_io_missing_file.npy").string();
    check_load_fails(path, "no such file");
}

TEST_CASE("headers are parsed in any key order with any spacing - malformed ones are rejected") {
    TempFile ok("spaced.npy"), bad("no_shape.npy"), junk("junk.npy");
    const std::string data(2 * sizeof(double), '\0');
    const std::string spaced = "{\"fortran_order\" :False , 'shape':( 2 , ),'descr':'<f8'}";
    write_bytes(ok.path, npy_bytes(spaced, data));
    write_bytes(bad.path, npy_bytes("{'descr': '<f8', 'fortran_order': False, }", data));
    write_bytes(junk.path, npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2,)} x", data));
    CHECK(tg::load_npy<double>(ok.path).to_vector() == std::vector<double>{0.0, 0.0});
    check_load_fails(bad.path, "malformed header");
    check_load_fails(junk.path, "malformed header");
}

// ---- hostile files (issue 7, item 8) ----

namespace {
/// A version 2.0 .npy file (uint32 header length), header padded to 64.
std::string npy2_bytes(std::string header, const std::string& data) {
    header.append(63 - (12 + header.size()) % 64, ' ');
    header += '\n';
    std::string out = "\x93NUMPY\x02";
    out += '\0';
    for (int i = 0; i < 4; ++i) out += char((header.size() >> (8 * i)) & 0xff);
    return out + header + data;
}
std::string one_double() { return std::string(sizeof(double), '\0'); }
}  // namespace

TEST_CASE("brackets nested 60,000 deep in a header are an IOError, not a stack overflow") {
    TempFile f("deep.npy");
    const std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'x': " +
                               std::string(60000, '[') + "}";  // fits a 1.0 header
    write_bytes(f.path, npy_bytes(header, one_double()));
    check_load_fails(f.path, "brackets nested more than 32 levels deep");
}

TEST_CASE("nesting just under the bound still parses - one level more is refused") {
    TempFile ok("nest31.npy"), bad("nest32.npy");
    auto header = [](int depth) {
        return "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'x': " + std::string(depth, '(') +
               std::string(depth, ')') + "}";
    };
    write_bytes(ok.path, npy_bytes(header(31), one_double()));  // 31 + the header's own '{' = 32
    write_bytes(bad.path, npy_bytes(header(32), one_double()));
    CHECK(tg::load_npy<double>(ok.path).to_vector() == std::vector<double>{0.0});
    check_load_fails(bad.path, "nested more than 32 levels");
}

TEST_CASE("a header longer than 65535 bytes is refused before it is read") {
    TempFile f("huge_header.npy");
    const std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'x': " +
                               std::string(1000000, '[') + "}";
    write_bytes(f.path, npy2_bytes(header, one_double()));
    check_load_fails(f.path, "longer than the 65535-byte limit");
}

TEST_CASE_TEMPLATE("shapes past int64 are an IOError; a (0, 2^62) file loads and its reductions stay checked",
                   T, float, double) {
    const std::string descr = sizeof(T) == 4 ? "<f4" : "<f8";
    TempFile big("big.npy"), zero("zero.npy");
    write_bytes(big.path, npy_bytes("{'descr': '" + descr +
                                        "', 'fortran_order': False, 'shape': (0, 4611686018427387904, 4), }",
                                    ""));
    check_load_fails<T>(big.path, "shape [0,4611686018427387904,4] is too large");
    write_bytes(zero.path, npy_bytes("{'descr': '" + descr +
                                         "', 'fortran_order': False, 'shape': (0, 4611686018427387904), }",
                                     ""));
    const auto t = tg::load_npy<T>(zero.path);
    CHECK(t.shape() == tg::Shape{0, std::int64_t{1} << 62});
    CHECK(tg::sum_all(t) == 0.0);
    CHECK_THROWS_WITH_AS(tg::sum(t, {0}),
                         doctest::Contains("sum: cannot allocate shape [1,4611686018427387904]"),
                         tg::AllocationError);
}

TEST_CASE_TEMPLATE("every file of the fuzz seed corpus loads or throws a tg::Error", T, float, double) {
    // tests/data/npy_corpus (make_npy_corpus.py): ok_* files load as their own dtype, bad_* never
    // load; nothing may crash or throw anything but a tg::Error.
    const fs::path dir = fs::path(TG_TEST_DATA_DIR) / "npy_corpus";
    const std::string own = sizeof(T) == 4 ? "f4" : "f8";
    int files = 0, loaded = 0;
    for (const auto& entry : fs::directory_iterator(dir)) {
        const std::string name = entry.path().filename().string();
        CAPTURE(name);
        ++files;
        try {
            const auto t = tg::load_npy<T>(entry.path().string());
            double s = 0;
            for (T v : t.to_vector()) s += static_cast<double>(v);
            CHECK(std::isfinite(s));
            CHECK(name.rfind("ok_", 0) == 0);
            CHECK(name.find(own) != std::string::npos);
            ++loaded;
        } catch (const tg::Error& e) {
            CHECK(std::string(e.what()).rfind("load_npy: ", 0) == 0);
            if (name.rfind("ok_", 0) == 0) CHECK(name.find(own) == std::string::npos);
        }
    }
    CHECK(files >= 30);
    CHECK(loaded >= 2);
}
