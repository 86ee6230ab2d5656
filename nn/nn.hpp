#pragma once
// tg::nn: modules, initializers, optimizers, clipping, schedules, data, progress, checkpoints.
#include "activations.hpp"
#include "checkpoint.hpp"
#include "clip.hpp"
#include "data.hpp"
#include "init.hpp"
#include "layers.hpp"
#include "module.hpp"
#include "optim.hpp"
#include "progress.hpp"
#include "schedule.hpp"
// nn layers: recurrent networks, Bilinear, ConvTranspose2d, conversion between float and double
#include "bilinear.hpp"
#include "conv_transpose.hpp"
#include "convert.hpp"
#include "recurrent.hpp"
// nn: data readers, metrics, curves and image grids
#include "csv.hpp"
#include "curves.hpp"
#include "image.hpp"
#include "metrics.hpp"
#include "npy.hpp"
