#pragma once
// What every writer refuses: a frame its reader would not read back.
// Private to engine/src/io.
#include "strider/frame.hpp"

namespace strider::io {

// Throws InputError (message without a file name) unless the frame has at
// least one atom, one species name per atom without blanks, finite positions
// and box lengths, and forces / per-atom energies, when present, of the
// right size and finite.
void check_writable(const Frame& frame);

}  // namespace strider::io
