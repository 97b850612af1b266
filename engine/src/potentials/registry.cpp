// The four systems strider knows, by key.
#include <algorithm>
#include <cmath>

#include "potentials.hpp"
#include "strider/error.hpp"

namespace strider {

namespace {

struct Entry {
  SystemInfo info;
  std::unique_ptr<Potential> (*make)(const PotentialOptions&);
};

const std::vector<Entry>& entries() {
  static const std::vector<Entry> table{
      {{"lj-binary", "Kob-Andersen 80:20 binary Lennard-Jones, species A and B, cutoff 2.5 sigma_ab",
        "reduced (sigma_AA, eps_AA, m = 1)"},
       make_lj_binary},
      {{"sw-si", "Stillinger-Weber silicon, species Si, cutoff 3.77118 A", "metal (eV, Angstrom, amu)"},
       make_stillinger_weber},
      {{"csh", "C-S-H colloidal gel, Mie 28-14, species CSH, cutoff 150 A", "real (kcal/mol, Angstrom, g/mol)"},
       make_csh},
      {{"lj", "single-species Lennard-Jones, species X, free cluster or periodic with --cutoff",
        "reduced (sigma, eps, m = 1)"},
       make_lennard_jones},
  };
  return table;
}

}  // namespace

const std::vector<SystemInfo>& known_systems() {
  static const std::vector<SystemInfo> infos = [] {
    std::vector<SystemInfo> out;
    for (const Entry& e : entries()) out.push_back(e.info);
    return out;
  }();
  return infos;
}

std::unique_ptr<Potential> make_potential(const std::string& key, const PotentialOptions& options) {
  if (!(options.cutoff >= 0.0) || !std::isfinite(options.cutoff)) {
    throw InputError("cutoff must be a finite number >= 0 (0 means none)");
  }
  for (const Entry& e : entries()) {
    if (e.info.key == key) return e.make(options);
  }
  std::string known;
  for (const Entry& e : entries()) known += (known.empty() ? "" : ", ") + e.info.key;
  throw InputError("unknown system '" + key + "' (known: " + known + ")");
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
