#pragma once
// Everything that differs between the systems strider knows, one SystemSpec per
// system. Each system is one file under engine/src/systems/ and one line of
// engine/src/systems/registry.cpp; every per-system value (units, potential,
// optimiser presets, dataset protocol, graph preset, search defaults, policy
// scale) is looked up here by key, and an unknown key is an InputError that
// lists the known ones.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "strider/dataset.hpp"
#include "strider/graph.hpp"
#include "strider/optimizers.hpp"
#include "strider/potential.hpp"

namespace strider {

// Basin hopping's defaults for a system (strider search, the page).
struct SearchDefaults {
  double temperature;  // Metropolis temperature, energy unit
  double step;         // each coordinate moves uniformly in [-step, step], length unit
  double fmax;         // a local minimisation ends at max |F_i| <= fmax, energy / length
};

// A system's dataset protocol (strider/dataset.hpp): the paper's settings,
// the checks of its own settings and the generator.
struct DatasetProtocol {
  DatasetSettings settings;  // the paper's protocol (settings.system is the key)
  // Throws InputError naming the first bad system-specific setting (N, density, GCMC ...).
  std::function<void(const DatasetSettings&)> validate;
  // Runs the protocol on validated settings (see generate_dataset).
  std::function<void(const DatasetSettings&, const std::function<void(const DatasetSample&)>&,
                     const std::function<void(long, long)>&)>
      generate;
  // True when each structure is grown by its own GCMC run (csh): the settings'
  // GCMC fields and chemical potential apply, interval does not.
  bool gcmc_per_structure = false;
  // The protocol in a few lines of text (strider generate --help), each indented.
  std::string help;
};

struct SystemSpec {
  std::string key;                // "lj-binary"
  std::string description;        // one line: model, species, cutoff
  std::string units_description;  // "reduced (sigma_AA, eps_AA, m = 1)"
  std::string units;              // the LAMMPS unit style: "lj", "metal", "real" (units_named)
  std::function<std::unique_ptr<Potential>(const PotentialOptions&)> make_potential;
  // Optimiser presets, optimiser name -> parameter values replacing the parameter
  // structs' defaults. paper: Table 6 of the paper (gd, adam, fire) and strider's own
  // (fire2, lbfgs). stable_changes: what the default preset changes in the paper's,
  // each with its reason in the system's file.
  std::map<std::string, ParameterOverrides> paper_optimizers, stable_changes;
  long paper_steps = 1000;        // the paper's step budget of a local optimisation
  DatasetProtocol dataset;
  GraphSettings graph;            // the graph preset (features: paper; graph.system is the key)
  double displacement_scale = 2.0;  // the policy's displacement scale, length unit
  SearchDefaults search;
};

// Every system, in the order of the registry (the order lists show them).
const std::vector<SystemSpec>& system_specs();

// The system of `key`; InputError "unknown system 'KEY' (known: ...)" otherwise.
const SystemSpec& system_spec(const std::string& key);

// "lj-binary, sw-si, csh, lj": the known keys, for messages and help text.
std::string system_keys_text();

}  // namespace strider
