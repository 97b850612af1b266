// Kob-Andersen 80:20 binary Lennard-Jones (reduced units: sigma_AA, eps_AA, m = 1).
#include "potentials.hpp"
#include "mie_pair.hpp"

namespace strider {

std::unique_ptr<Potential> make_lj_binary(const PotentialOptions& options) {
  // eps_AA 1.0, eps_AB 1.5, eps_BB 0.5; sigma_AA 1.0, sigma_AB 0.8, sigma_BB 0.88; cutoff 2.5 sigma.
  const MieCoefficients aa{1.0, 1.0, 2.5 * 1.0}, ab{1.5, 0.8, 2.5 * 0.8}, bb{0.5, 0.88, 2.5 * 0.88};
  return std::make_unique<MiePairPotential<6>>(std::vector<std::string>{"A", "B"}, std::vector<double>{1.0, 1.0},
                                               std::vector<MieCoefficients>{aa, ab, ab, bb}, options.shift);
}

}  // namespace strider
