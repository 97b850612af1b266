#pragma once
// Factories of the potentials implemented in this folder, for the systems' files
// (engine/src/systems/); the pair potentials of the Mie family are in mie_pair.hpp.
#include <memory>

#include "strider/potential.hpp"

namespace strider {

std::unique_ptr<Potential> make_stillinger_weber(const PotentialOptions& options);

}  // namespace strider
