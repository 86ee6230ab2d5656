// .npy / .npz for data sets (nn/npy.hpp): files written by numpy (tests/data/nn_npy/make.py says
// how they were made) in every supported dtype, Fortran order, format 2.0, stored and deflated
// archives; round trips through our writer; and every way a file can be corrupt or truncated,
// each an IOError naming the file (and the archive entry) and what is wrong.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

#include "../nn/npy.hpp"

using tg::index_t;
using tg::Tensor;
namespace nn = tg::nn;
namespace fs = std::filesystem;

namespace {
std::string fixture(const std::string& name) { return std::string(TG_TEST_DATA_DIR) + "/nn_npy/" + name; }
std::string tmp(const std::string& name) {
    return (fs::temp_directory_path() / ("tg_nn_npy_" + std::to_string(::getpid()) + "_" + name)).string();
}
std::vector<unsigned char> bytes_of(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}
void write_bytes(const std::string& path, const std::vector<unsigned char>& b) {
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
}
std::string message_of(auto&& f) {
    try {
        f();
    } catch (const tg::Error& e) {
        return e.what();
    }
    return "no throw";
}
// A .npy file with the given header dict (padded as numpy pads) and data bytes.
std::vector<unsigned char> npy_with(const std::string& dict, std::size_t data_bytes) {
    std::string h = dict;
    h.append((64 - (10 + h.size() + 1) % 64) % 64, ' ');
    h += '\n';
    std::string all = std::string("\x93NUMPY\x01\x00", 8) + static_cast<char>(h.size() & 0xff) +
                      static_cast<char>(h.size() >> 8) + h + std::string(data_bytes, '\0');
    return std::vector<unsigned char>(all.begin(), all.end());
}
std::string parse_error(const std::string& dict, std::size_t data_bytes) {
    return message_of([&] { nn::parse_npy(npy_with(dict, data_bytes), "m.npy"); });
}
const std::vector<double> a23 = {1.5, -2.0, 3.25, 4.0, 5.5, -6.0};
}  // namespace

TEST_CASE("npy: numpy's files in every dtype, converted to tensors and indices") {
    const nn::NpyArray f4 = nn::read_npy(fixture("f4.npy"));
    CHECK(f4.dtype == nn::NpyType::f4);
    CHECK(f4.shape == tg::Shape{2, 3});
    CHECK(nn::npy_to_tensor<double>(f4).to_vector() == a23);
    // Fortran order is reordered to C order: the same values as the C file.
    CHECK(nn::npy_to_tensor<double>(nn::read_npy(fixture("f8_fortran.npy"))).to_vector() == a23);
    std::vector<double> iota(24);
    for (int k = 0; k < 24; ++k) iota[std::size_t(k)] = k;
    const Tensor<double> f3 = nn::npy_to_tensor<double>(nn::read_npy(fixture("f8_3d_fortran.npy")));
    CHECK(f3.shape() == tg::Shape{2, 3, 4});
    CHECK(f3.to_vector() == iota);
    CHECK(nn::npy_to_index(nn::read_npy(fixture("i4.npy"))).data == std::vector<index_t>{0, -1, 7, 2147483647});
    CHECK(nn::npy_to_index(nn::read_npy(fixture("i8.npy"))).data ==
          std::vector<index_t>{3, -4, index_t(1) << 40});
    CHECK(nn::npy_to_index(nn::read_npy(fixture("u1.npy"))).data == std::vector<index_t>{0, 1, 255});
    CHECK(nn::npy_to_tensor<float>(nn::read_npy(fixture("u1.npy"))).to_vector() ==
          std::vector<float>{0, 1, 255});
    CHECK(nn::npy_to_index(nn::read_npy(fixture("b1.npy"))).data == std::vector<index_t>{1, 0, 1});
    CHECK(nn::npy_to_tensor<double>(nn::read_npy(fixture("b1.npy"))).to_vector() ==
          std::vector<double>{1, 0, 1});
    const nn::NpyArray s = nn::read_npy(fixture("scalar.npy"));
    CHECK(s.shape.size() == 0);
    CHECK(nn::npy_to_tensor<double>(s).to_vector() == std::vector<double>{2.5});
    CHECK(nn::npy_to_tensor<double>(nn::read_npy(fixture("v2.npy"))).to_vector() ==
          std::vector<double>{0, 1, 2, 3});
    CHECK(message_of([] { nn::npy_to_index(nn::read_npy(fixture("f4.npy"))); }) ==
          "npy_to_index: dtype <f4 is not an integer type (expected <i4, <i8, |u1 or |b1)");
}

TEST_CASE("npz: numpy's stored and deflated archives") {
    const auto st = nn::read_npz(fixture("stored.npz"));
    REQUIRE(st.size() == 2);
    CHECK(st[0].first == "x");
    CHECK(nn::npy_to_tensor<double>(nn::npz_get(st, "x")).to_vector() == a23);
    CHECK(nn::npy_to_index(nn::npz_get(st, "y")).data == std::vector<index_t>{1, 0, 2});
    const auto df = nn::read_npz(fixture("deflated.npz"));
    CHECK(nn::npy_to_tensor<double>(nn::npz_get(df, "x")).to_vector() == a23);
    CHECK(nn::npy_to_index(nn::npz_get(df, "labels")).data == std::vector<index_t>{9, 8, 7});
    CHECK(message_of([&] { nn::npz_get(df, "z"); }) == "npz_get: no array 'z' (the archive holds: x, labels)");
}

TEST_CASE("npy/npz: our files read back exactly, from any layout") {
    const Tensor<float> x = Tensor<float>{{1.f, 2.f, 3.f}, {4.f, 5.f, 6.f}}.transpose();  // a strided view
    const std::string p = tmp("x.npy"), z = tmp("a.npz");
    nn::write_npy(p, nn::to_npy(x));
    const Tensor<float> back = nn::npy_to_tensor<float>(nn::read_npy(p));
    CHECK(back.shape() == tg::Shape{3, 2});
    CHECK(back.to_vector() == x.to_vector());
    CHECK((bytes_of(p).size() - 24) % 64 == 0);  // the header padded as numpy pads it: aligned data
                                                 // of data: 128 + 24?)
    const tg::IndexArray lab{tg::Shape{2, 2}, {5, -1, 0, 9}};
    for (bool compress : {false, true}) {
        nn::write_npz(z, {{"x", nn::to_npy(Tensor<double>{0.1, -0.0, 1e300})}, {"y", nn::to_npy(lab)}},
                      compress);
        const auto r = nn::read_npz(z);
        CHECK(nn::npy_to_tensor<double>(nn::npz_get(r, "x")).to_vector() ==
              std::vector<double>{0.1, -0.0, 1e300});
        CHECK(nn::npy_to_index(nn::npz_get(r, "y")).data == lab.data);
        CHECK(nn::npz_get(r, "y").shape == tg::Shape{2, 2});
    }
    CHECK_THROWS_AS(nn::write_npz(z, {{"a", nn::to_npy(x)}, {"a", nn::to_npy(x)}}), tg::DomainError);
    CHECK_THROWS_AS(nn::write_npz(z, {{"", nn::to_npy(x)}}), tg::DomainError);
    CHECK_THROWS_AS(nn::write_npy(p, nn::NpyArray{nn::NpyType::f8, tg::Shape{2}, {1, 2, 3}}), tg::ShapeError);
    CHECK_THROWS_AS(nn::write_npy("/nonexistent/dir/x.npy", nn::to_npy(x)), tg::IOError);
    fs::remove(p);
    fs::remove(z);
}

TEST_CASE("npy: every corrupt or truncated file is an IOError naming it and the fault") {
    CHECK(message_of([] { nn::read_npy("/nonexistent/x.npy"); }) == "read_npy: /nonexistent/x.npy: cannot open");
    CHECK(message_of([] { nn::read_npy(fixture("be.npy")); }).find("big-endian dtype '>f8'") !=
          std::string::npos);
    CHECK(message_of([] { nn::read_npy(fixture("c16.npy")); }) ==
          "read_npy: " + fixture("c16.npy") + ": unsupported dtype '<c16' (supported: <f4 <f8 <i4 <i8 |u1 |b1)");
    const std::vector<unsigned char> good = bytes_of(fixture("f4.npy"));
    const auto err = [](std::vector<unsigned char> b) {
        return message_of([&] { nn::parse_npy(b, "m.npy"); });
    };
    CHECK(err(std::vector<unsigned char>()) == "read_npy: m.npy: truncated: 0 bytes, no .npy magic");
    CHECK(err({'P', 'K', 3, 4, 0, 0, 0, 0}) ==
          "read_npy: m.npy: not a .npy file (the magic \\x93NUMPY is missing)");
    CHECK(err({good.begin(), good.begin() + 7}) == "read_npy: m.npy: truncated in the version bytes");
    CHECK(err({good.begin(), good.begin() + 9}) == "read_npy: m.npy: truncated in the header length");
    CHECK(err({good.begin(), good.begin() + 40})
              .find("read_npy: m.npy: truncated header: 118 bytes announced, 30 present") == 0);
    CHECK(err({good.begin(), good.end() - 1}) ==
          "read_npy: m.npy: truncated data: shape [2,3] of <f4 needs 24 bytes, the file has 23");
    std::vector<unsigned char> extra = good;
    extra.push_back(0);
    CHECK(err(extra) == "read_npy: m.npy: 1 bytes after the data of shape [2,3] <f4");
    std::vector<unsigned char> v4 = good;
    v4[6] = 4;
    CHECK(err(v4) == "read_npy: m.npy: unsupported format version 4.0 (1.0, 2.0 and 3.0 are read)");
    CHECK(parse_error("{'descr': '<f8', 'fortran_order': False, }", 0)
              .find("a key of descr, fortran_order, shape is missing") != std::string::npos);
    CHECK(parse_error("{'descr': '<f8', 'fortran_order': Maybe, 'shape': (1,), }", 8)
              .find("expected True or False") != std::string::npos);
    CHECK(parse_error("{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", 8)
              .find("unexpected or repeated key 'descr'") != std::string::npos);
    CHECK(parse_error("{'descr': '<f8, 'fortran_order': False, 'shape': (1,), }", 8).find("corrupt header") !=
          std::string::npos);
    CHECK(parse_error("{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }", 8)
              .find("expected a non-negative dimension") != std::string::npos);
    CHECK(parse_error("{'descr': '<f8', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1), }", 8)
              .find("more than 8 dimensions") != std::string::npos);
    CHECK(parse_error("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", 8)
              .find("shape [4294967296,4294967296] overflows") != std::string::npos);
    CHECK(parse_error("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'x': 1}", 8)
              .find("unexpected or repeated key 'x'") != std::string::npos);
    CHECK(parse_error("[1, 2]", 0).find("expected '{'") != std::string::npos);
    // A well-formed header for an empty array: no data at all.
    CHECK(nn::parse_npy(npy_with("{'descr': '<i8', 'fortran_order': False, 'shape': (0, 3), }", 0), "m").numel() ==
          0);
}

TEST_CASE("npz: every corrupt or truncated archive is an IOError naming the file and entry") {
    const std::string p = tmp("bad.npz");
    const auto err = [&](const std::vector<unsigned char>& b) {
        write_bytes(p, b);
        return message_of([&] { nn::read_npz(p); });
    };
    const std::vector<unsigned char> st = bytes_of(fixture("stored.npz")),
                                     df = bytes_of(fixture("deflated.npz"));
    CHECK(err({1, 2, 3}) == "read_npz: " + p + ": not a zip archive (3 bytes)");
    CHECK(err(std::vector<unsigned char>(100, 0)).find("no end-of-central-directory record") !=
          std::string::npos);
    CHECK(err({st.begin(), st.end() - 30}).find("no end-of-central-directory record") != std::string::npos);
    // Cut from the front: the central directory now points past the end.
    CHECK(err({st.begin() + 200, st.end()}).find("truncated: the central directory lies outside the file") !=
          std::string::npos);
    // A flipped data byte: the CRC catches it (stored), or inflate does (deflated).
    std::vector<unsigned char> flip = st;
    flip[150] ^= 0xff;
    CHECK(err(flip) == "read_npz: " + p + ": entry 'x.npy': CRC mismatch (corrupt data)");
    std::vector<unsigned char> dflip = df;
    dflip[100] ^= 0x55;
    const std::string dm = err(dflip);
    CHECK(dm.find("read_npz: " + p + ": entry 'x.npy': ") == 0);
    CHECK((dm.find("corrupt deflate data") != std::string::npos ||
           dm.find("CRC mismatch") != std::string::npos));
    // The central directory's fields: method, flags, name.
    const std::size_t cd = [&] {
        for (std::size_t i = 0; i + 4 <= st.size(); ++i)
            if (st[i] == 'P' && st[i + 1] == 'K' && st[i + 2] == 1 && st[i + 3] == 2) return i;
        return std::size_t(0);
    }();
    REQUIRE(cd > 0);
    std::vector<unsigned char> m = st;
    m[cd + 10] = 12;  // bzip2
    CHECK(err(m) ==
          "read_npz: " + p + ": entry 'x.npy': compression method 12 (only stored and deflate are read)");
    m = st;
    m[cd + 8] |= 1;
    CHECK(err(m) == "read_npz: " + p + ": entry 'x.npy': encrypted entries are not supported");
    m = st;
    m[cd + 46 + 2] = 't';  // x.npy -> x.tpy
    CHECK(err(m) == "read_npz: " + p + ": entry 'x.tpy': not a .npy array");
    m = st;
    m[cd + 42] += 1;  // the local header offset, one byte off
    CHECK(err(m) == "read_npz: " + p + ": entry 'x.npy': corrupt or missing local header");
    m = df;  // a deflated entry claiming 4 GiB - 1 uncompressed: refused before allocating
    {
        const std::size_t dcd = [&] {
            for (std::size_t i = 0; i + 4 <= df.size(); ++i)
                if (df[i] == 'P' && df[i + 1] == 'K' && df[i + 2] == 1 && df[i + 3] == 2) return i;
            return std::size_t(0);
        }();
        REQUIRE(dcd > 0);
        for (int k = 0; k < 4; ++k) m[dcd + 24 + std::size_t(k)] = 0xfe;
    }
    CHECK(err(m).find("entry 'x.npy': uncompressed size 4278124286 does not fit the") != std::string::npos);
    m = st;
    m[cd + 24] ^= 1;  // stored, with sizes that differ
    CHECK(err(m).find("entry 'x.npy': uncompressed size") != std::string::npos);
    m = st;
    m[cd] = 'Q';
    CHECK(err(m) == "read_npz: " + p + ": corrupt central directory entry 0");
    // A valid zip whose entry is not a valid .npy (written by Python's zipfile): the entry is named.
    CHECK(message_of([] { nn::read_npz(fixture("bad_entry.npz")); }) ==
          "read_npz: " + fixture("bad_entry.npz") + ": bad.npy: truncated in the header length");
    fs::remove(p);
}
