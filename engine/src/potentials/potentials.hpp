#pragma once
// Factories of the individual potentials, one per file; make_potential picks among them.
#include <memory>

#include "strider/potential.hpp"

namespace strider {

std::unique_ptr<Potential> make_lj_binary(const PotentialOptions& options);
std::unique_ptr<Potential> make_stillinger_weber(const PotentialOptions& options);
std::unique_ptr<Potential> make_csh(const PotentialOptions& options);
std::unique_ptr<Potential> make_lennard_jones(const PotentialOptions& options);

}  // namespace strider
