// LAMMPS's unit styles (its Update::set_units): the constants MD and GCMC need.
#include <vector>

#include "strider/error.hpp"
#include "strider/md.hpp"
#include "strider/system_spec.hpp"

namespace strider {

namespace {

const std::vector<Units>& all_units() {
  // boltz, mvv2e, hplanck and ftm2v exactly as LAMMPS sets them for each style.
  static const std::vector<Units> table{
      {"lj", 1.0, 1.0, 0.18292026, 1.0, "epsilon", "sigma", "tau", "epsilon/k_B", "m"},
      {"metal", 8.617343e-5, 1.0364269e-4, 4.135667403e-3, 1.0 / 1.0364269e-4, "eV", "Angstrom", "ps", "K", "amu"},
      {"real", 0.0019872067, 48.88821291 * 48.88821291, 95.306976368, 1.0 / 48.88821291 / 48.88821291, "kcal/mol",
       "Angstrom", "fs", "K", "g/mol"},
  };
  return table;
}

}  // namespace

const Units& units_named(const std::string& name) {
  for (const Units& u : all_units()) {
    if (u.name == name) return u;
  }
  throw InputError("unknown unit style '" + name + "' (known: lj, metal, real)");
}

const Units& units_for_system(const std::string& system_key) { return units_named(system_spec(system_key).units); }

}  // namespace strider
