#pragma once
// What every writer refuses: a frame its reader would not read back; and
// the geometry every reader refuses. Private to engine/src/io.
#include <string>

#include "strider/frame.hpp"

namespace strider::io {

// Throws InputError (message without a file name) unless the frame has at
// least one atom, one species name per atom without blanks, finite positions
// and box lengths, and forces / per-atom energies, when present, of the
// right size and finite.
void check_writable(const Frame& frame);

// Geometry limits of every reader (length units). Beyond 1e8 a double holds a
// position to 1e-8 or worse, coarser than any energy here needs.
constexpr double kMaxCoordinate = 1e8;
// A periodic box edge shorter than this is a typo or an overflow, not a structure.
constexpr double kMinBoxLength = 1e-6;
// Along a periodic axis a coordinate may lie this many box lengths outside
// the box at most: wrapping it back costs about that many units in the last
// place of the box length (1e4 ulps: a relative 2e-12).
constexpr double kMaxLengthsOutside = 1e4;

// "" when a box edge of `length` is acceptable (positive and at least
// kMinBoxLength when periodic, at most kMaxCoordinate), else what is wrong.
std::string box_length_problem(double length, bool periodic);
// "" when coordinate x along `axis` of `box` is acceptable (|x| at most
// kMaxCoordinate; along a periodic axis, within kMaxLengthsOutside box
// lengths of the box), else what is wrong.
std::string coordinate_problem(double x, const Box& box, int axis);

}  // namespace strider::io
