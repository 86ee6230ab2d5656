#pragma once
// Grayscale pictures of tensors, for looking at data and reconstructions: a grid of images written
// as PNG (8-bit gray, deflated through zlib) or as binary PGM, chosen by the file's extension.
#include <string>

#include "../tensor/tensor.hpp"

namespace tg::nn {

struct ImageGridOptions {
    index_t cols = 10;      ///< images per row of the grid
    index_t scale = 1;      ///< each pixel drawn as a scale x scale square
    index_t gap = 1;        ///< pixels of background between images
    double lo = 0, hi = 1;  ///< values mapped to black and white (clamped outside)
};

/// Writes images (N, H, W), or (N, H*W) with `height` given, as a grid, row-major, to a .png or
/// .pgm file. NaN is drawn black.
/// @throws ShapeError (rank, height not dividing), DomainError (another extension, cols, scale,
/// gap, lo >= hi, more than 2^15 pixels a side), IOError naming the file
template <class T>
void save_image_grid(const std::string& path, const Tensor<T>& images, const ImageGridOptions& o = {},
                     index_t height = 0);

}  // namespace tg::nn
