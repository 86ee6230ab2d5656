// .npy files: round trips, files written by numpy (tests/data, made by make_npy.py), and every
// kind of broken file, each of which must be a tg::IOError naming load_npy and the file.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <unistd.h>

#include "../tensor/io.hpp"

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
