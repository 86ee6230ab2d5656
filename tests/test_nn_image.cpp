// Image grids: the PGM bytes exactly, the PNG's chunks (signature, IHDR, the inflated IDAT rows
// against the same pixels, CRCs) and every error.
#include <doctest/doctest.h>

#include <unistd.h>
#include <zlib.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <tensorgrad/tensorgrad.hpp>

#include "../nn/image.hpp"

using tg::Tensor;
namespace nn = tg::nn;
namespace fs = std::filesystem;

namespace {
std::string tmp(const std::string& name) {
    return (fs::temp_directory_path() / ("tg_nn_image_" + std::to_string(::getpid()) + "_" + name)).string();
}
std::vector<unsigned char> bytes_of(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}
std::uint32_t be32(const unsigned char* p) {
    return std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 | p[3];
}
// Two 2x3 images, values chosen to hit black, white, clamping, mid-gray and NaN.
Tensor<double> two_images() {
    return Tensor<double>::from_vector({0, 1, 0.5, -1, 2, std::nan(""), 1, 1, 1, 0, 0, 0.2}, {2, 2, 3});
}
// The expected 9 x 4 grid (2 columns, gap 1, background 40), row by row.
const std::vector<unsigned char> grid = {
    40, 40, 40,  40,  40, 40,  40,  40,  40,  //
    40, 0,  255, 128, 40, 255, 255, 255, 40,  // 0.5 -> 127.5 rounds to 128
    40, 0,  255, 0,   40, 0,   0,   51,  40,  // -1 and 2 clamp; NaN is black; 0.2 -> 51
    40, 40, 40,  40,  40, 40,  40,  40,  40};
}  // namespace

TEST_CASE("image grid: PGM bytes exactly") {
    const std::string p = tmp("g.pgm");
    nn::save_image_grid(p, two_images());
    std::vector<unsigned char> expect = {'P', '5', '\n', '9', ' ', '4', '\n', '2', '5', '5', '\n'};
    expect.insert(expect.end(), grid.begin(), grid.end());
    CHECK(bytes_of(p) == expect);
    // (N, H*W) with the height given is the same picture; float too.
    const std::vector<double> d = two_images().to_vector();
    nn::save_image_grid(p, Tensor<float>::from_vector(std::vector<float>(d.begin(), d.end()), {2, 6}), {}, 2);
    CHECK(bytes_of(p) == expect);
    fs::remove(p);
}

TEST_CASE("image grid: a valid PNG holding the same pixels") {
    const std::string p = tmp("g.png");
    nn::save_image_grid(p, two_images());
    const std::vector<unsigned char> b = bytes_of(p);
    REQUIRE(b.size() > 8 + 25 + 12 + 12);
    CHECK(std::vector<unsigned char>(b.begin(), b.begin() + 8) ==
          std::vector<unsigned char>{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
    CHECK(be32(&b[8]) == 13);
    CHECK(std::string(b.begin() + 12, b.begin() + 16) == "IHDR");
    CHECK(be32(&b[16]) == 9);  // width
    CHECK(be32(&b[20]) == 4);  // height
    CHECK(b[24] == 8);         // bit depth
    CHECK(b[25] == 0);         // grayscale
    CHECK(be32(&b[29]) == crc32(0L, &b[12], 17));
    const std::size_t idat = 33;
    const std::uint32_t zlen = be32(&b[idat]);
    CHECK(std::string(b.begin() + idat + 4, b.begin() + idat + 8) == "IDAT");
    std::vector<unsigned char> raw(4 * 10);
    uLongf rlen = raw.size();
    REQUIRE(uncompress(raw.data(), &rlen, &b[idat + 8], zlen) == Z_OK);
    CHECK(rlen == 40);
    std::vector<unsigned char> expect;
    for (int y = 0; y < 4; ++y) {
        expect.push_back(0);  // filter: none
        expect.insert(expect.end(), grid.begin() + 9 * y, grid.begin() + 9 * (y + 1));
    }
    CHECK(raw == expect);
    CHECK(be32(&b[idat + 8 + zlen]) == crc32(0L, &b[idat + 4], zlen + 4));
    CHECK(std::string(b.end() - 8, b.end() - 4) == "IEND");
    fs::remove(p);
}

TEST_CASE("image grid: scale, columns and the errors") {
    const std::string p = tmp("s.pgm");
    nn::save_image_grid(p, two_images(), {.cols = 1, .scale = 2, .gap = 0});
    const std::vector<unsigned char> b = bytes_of(p);
    CHECK(std::string(b.begin(), b.begin() + 11) == "P5\n6 8\n255\n");  // 2 rows of 6 x 4 images
    CHECK(b[11] == 0);
    CHECK(b[12] == 0);
    CHECK(b[13] == 255);
    fs::remove(p);
    CHECK_THROWS_AS(nn::save_image_grid(tmp("x.jpg"), two_images()), tg::DomainError);
    CHECK_THROWS_AS(nn::save_image_grid(p, two_images(), {.cols = 0}), tg::DomainError);
    CHECK_THROWS_AS(nn::save_image_grid(p, two_images(), {.lo = 1, .hi = 1}), tg::DomainError);
    CHECK_THROWS_AS(nn::save_image_grid(p, Tensor<double>(tg::Shape{2, 6})), tg::ShapeError);  // no height
    CHECK_THROWS_AS(nn::save_image_grid(p, Tensor<double>(tg::Shape{2, 6}), {}, 4), tg::ShapeError);
    CHECK_THROWS_AS(nn::save_image_grid(p, Tensor<double>(tg::Shape{0, 2, 2})), tg::ShapeError);
    CHECK_THROWS_AS(nn::save_image_grid(p, Tensor<double>(tg::Shape{1, 2, 40000})), tg::DomainError);
    CHECK_THROWS_AS(nn::save_image_grid("/nonexistent/dir/x.png", two_images()), tg::IOError);
}
