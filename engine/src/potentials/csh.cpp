// Coarse-grained C-S-H colloidal gel (Masoero 2012): Mie 28-14 (real units: kcal/mol, Angstrom).
#include "potentials.hpp"
#include "mie_pair.hpp"

namespace strider {

std::unique_ptr<Potential> make_csh(const PotentialOptions& options) {
  // eps = k E sigma^3 = 2660.77425533 kcal/mol (E = 63.6 GPa, k = 0.0023324), sigma = 50 A, cutoff 150 A.
  const MieCoefficients grain{2660.77425533, 50.0, 150.0};
  return std::make_unique<MiePairPotential<14>>(std::vector<std::string>{"CSH"}, std::vector<double>{98551.0},
                                                std::vector<MieCoefficients>{grain}, options.shift);
}

}  // namespace strider
