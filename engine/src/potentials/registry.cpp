// The potentials of the systems strider knows, by key (from their SystemSpecs).
#include <algorithm>
#include <cmath>

#include "strider/potential.hpp"
#include "strider/error.hpp"
#include "strider/system_spec.hpp"

namespace strider {

const std::vector<SystemInfo>& known_systems() {
  static const std::vector<SystemInfo> infos = [] {
    std::vector<SystemInfo> out;
    for (const SystemSpec& spec : system_specs()) out.push_back({spec.key, spec.description, spec.units_description});
    return out;
  }();
  return infos;
}

std::unique_ptr<Potential> make_potential(const std::string& key, const PotentialOptions& options) {
  if (!(options.cutoff >= 0.0) || !std::isfinite(options.cutoff)) {
    throw InputError("cutoff must be a finite number >= 0 (0 means none)");
  }
  return system_spec(key).make_potential(options);
}

int species_index(const Potential& potential, const std::string& name) {
  const auto& names = potential.species_names();
  auto it = std::find(names.begin(), names.end(), name);
  if (it != names.end()) return static_cast<int>(it - names.begin());
  std::string known;
  for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
  throw InputError("unknown species '" + name + "' (this system has: " + known + ")");
}

void Potential::weighted_forces(const System&, const NeighborList&, const Eigen::VectorXd&, Eigen::Matrix3Xd&) const {
  throw InputError("this potential cannot weight its per-atom energies (needed by the bptt estimator)");
}

}  // namespace strider
