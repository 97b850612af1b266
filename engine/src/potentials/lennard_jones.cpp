// Single-species Lennard-Jones (reduced units, eps = sigma = 1): free clusters or periodic.
#include <limits>

#include "potentials.hpp"
#include "mie_pair.hpp"

namespace strider {

std::unique_ptr<Potential> make_lennard_jones(const PotentialOptions& options) {
  // options.cutoff in sigma; 0 means no cutoff (every pair of a free cluster).
  const double cutoff = options.cutoff > 0.0 ? options.cutoff : std::numeric_limits<double>::infinity();
  const MieCoefficients atom{1.0, 1.0, cutoff};
  return std::make_unique<MiePairPotential<6>>(std::vector<std::string>{"X"}, std::vector<double>{1.0},
                                               std::vector<MieCoefficients>{atom}, options.shift);
}

}  // namespace strider
