#include "image.hpp"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <vector>

#include "../tensor/error.hpp"

namespace tg::nn {

namespace {

void put32be(std::vector<unsigned char>& b, std::uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<unsigned char>((v >> s) & 0xff));
}

// A PNG chunk: length, type, data, CRC of type and data.
void chunk(std::vector<unsigned char>& out, const char* type, const std::vector<unsigned char>& data) {
    put32be(out, static_cast<std::uint32_t>(data.size()));
    const std::size_t start = out.size();
    out.insert(out.end(), type, type + 4);
    out.insert(out.end(), data.begin(), data.end());
    put32be(out,
            static_cast<std::uint32_t>(crc32(0L, out.data() + start, static_cast<uInt>(out.size() - start))));
}

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

template <class T>
void save_image_grid(const std::string& path, const Tensor<T>& images, const ImageGridOptions& o,
                     index_t height) {
    images.require_defined("save_image_grid");
    const bool png = ends_with(path, ".png"), pgm = ends_with(path, ".pgm");
    if (!png && !pgm) throw DomainError("save_image_grid: " + path + ": the file must end in .png or .pgm");
    if (o.cols < 1 || o.scale < 1 || o.gap < 0 || !(o.lo < o.hi))
        throw DomainError("save_image_grid: cols >= 1, scale >= 1, gap >= 0 and lo < hi needed, got cols " +
                          std::to_string(o.cols) + ", scale " + std::to_string(o.scale) + ", gap " +
                          std::to_string(o.gap));
    // Bounded before any product below, so none can overflow; lo and hi finite so (hi - lo) is.
    if (o.scale > 32768 || o.gap > 32768 || !std::isfinite(o.lo) || !std::isfinite(o.hi) ||
        !std::isfinite(o.hi - o.lo))
        throw DomainError("save_image_grid: scale " + std::to_string(o.scale) + ", gap " +
                          std::to_string(o.gap) + ", lo " + std::to_string(o.lo) + ", hi " +
                          std::to_string(o.hi) + ": scale and gap at most 32768, lo and hi finite");
    index_t n, h, w;
    if (images.dim() == 3) {
        n = images.size(0), h = images.size(1), w = images.size(2);
    } else if (images.dim() == 2 && height > 0 && images.size(1) % height == 0) {
        n = images.size(0), h = height, w = images.size(1) / height;
    } else {
        throw ShapeError("save_image_grid: images must be (N, H, W), or (N, H*W) with the height given; got " +
                         images.shape().str() + " and height " + std::to_string(height));
    }
    if (n == 0 || h == 0 || w == 0) throw ShapeError("save_image_grid: no pixels in " + images.shape().str());
    if (h > 32768 || w > 32768)
        throw DomainError("save_image_grid: images of " + std::to_string(h) + " x " + std::to_string(w) +
                          " pixels are too large");
    const index_t cols = std::min(o.cols, n), rows = (n + cols - 1) / cols;
    const index_t cw = w * o.scale, ch = h * o.scale;
    const index_t W = cols * cw + (cols + 1) * o.gap, H = rows * ch + (rows + 1) * o.gap;
    if (W > 32768 || H > 32768)
        throw DomainError("save_image_grid: a " + std::to_string(W) + " x " + std::to_string(H) +
                          " picture is too large");
    std::vector<unsigned char> pix(static_cast<std::size_t>(W * H), 40);  // a dark gray background
    const std::vector<T> v = images.to_vector();
    for (index_t k = 0; k < n; ++k) {
        const index_t x0 = o.gap + (k % cols) * (cw + o.gap), y0 = o.gap + (k / cols) * (ch + o.gap);
        for (index_t y = 0; y < ch; ++y)
            for (index_t x = 0; x < cw; ++x) {
                const double val = static_cast<double>(v[std::size_t((k * h + y / o.scale) * w + x / o.scale)]);
                const double t = std::isnan(val) ? 0.0 : std::clamp((val - o.lo) / (o.hi - o.lo), 0.0, 1.0);
                pix[std::size_t((y0 + y) * W + x0 + x)] = static_cast<unsigned char>(std::lround(255 * t));
            }
    }
    std::vector<unsigned char> out;
    if (pgm) {
        const std::string head = "P5\n" + std::to_string(W) + " " + std::to_string(H) + "\n255\n";
        out.assign(head.begin(), head.end());
        out.insert(out.end(), pix.begin(), pix.end());
    } else {
        std::vector<unsigned char> raw;  // each row: filter type 0 (none), then its bytes
        raw.reserve(static_cast<std::size_t>((W + 1) * H));
        for (index_t y = 0; y < H; ++y) {
            raw.push_back(0);
            raw.insert(raw.end(), pix.begin() + y * W, pix.begin() + (y + 1) * W);
        }
        uLongf zlen = compressBound(static_cast<uLong>(raw.size()));
        std::vector<unsigned char> z(zlen);
        if (compress2(z.data(), &zlen, raw.data(), static_cast<uLong>(raw.size()), 6) != Z_OK)
            throw IOError("save_image_grid: " + path + ": zlib compress failed");
        z.resize(zlen);
        out = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
        std::vector<unsigned char> ihdr;
        put32be(ihdr, static_cast<std::uint32_t>(W));
        put32be(ihdr, static_cast<std::uint32_t>(H));
        ihdr.insert(ihdr.end(), {8, 0, 0, 0, 0});  // 8-bit gray, deflate, adaptive filters, no interlace
        chunk(out, "IHDR", ihdr);
        chunk(out, "IDAT", z);
        chunk(out, "IEND", {});
    }
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    if (!f || !f.write(reinterpret_cast<const char*>(out.data()), static_cast<std::streamsize>(out.size())) ||
        !f.flush())
        throw IOError("save_image_grid: " + path + ": cannot write");
}

template void save_image_grid<float>(const std::string&, const Tensor<float>&, const ImageGridOptions&,
                                     index_t);
template void save_image_grid<double>(const std::string&, const Tensor<double>&, const ImageGridOptions&,
                                      index_t);

}  // namespace tg::nn
