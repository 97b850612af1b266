// What every command that evaluates energies shares: the potential options
// and reading a structure file into a System of a known system.
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "commands.hpp"
#include "strider/io.hpp"
#include "strider/system_spec.hpp"

namespace strider::cli {

std::vector<OptionSpec> potential_options() {
  return {{"--system", "KEY", "the system, overriding the file's system= key: " + system_keys_text()},
          {"--shift", "", "shift pair energies to zero at the cutoff (default: unshifted, as the paper)"},
          {"--cutoff", "RC", "lj only: cutoff in sigma (default: none, for free clusters)"}};
}

PotentialOptions potential_options_from(const ParsedArgs& args) {
  PotentialOptions options;
  options.shift = args.flag("--shift");
  if (auto rc = args.number("--cutoff")) {
    if (*rc <= 0.0) throw InputError("--cutoff must be positive");
    options.cutoff = *rc;
  }
  return options;
}

LoadedStructure load_structure(const ParsedArgs& args, const std::string& path) {
  const PotentialOptions options = potential_options_from(args);
  const auto chosen = args.value("--system");
  // A LAMMPS data file without strider's title needs the species order of the system.
  std::vector<std::string> species_order;
  if (chosen) species_order = make_potential(*chosen, options)->species_names();
  const Frame frame = read_structure_file(path, species_order);
  if (chosen) return resolve_structure(path, frame, *chosen, options);
  if (frame.system_key) return resolve_structure(path, frame, *frame.system_key, options);
  throw InputError(path + ": names no system (no system= key); pass --system KEY");
}

LoadedStructure resolve_structure(const std::string& path, const Frame& frame, const std::string& key,
                                  const PotentialOptions& options) {
  LoadedStructure loaded;
  loaded.key = key;
  loaded.potential = make_potential(key, options);
  try {
    loaded.system = to_system(frame, *loaded.potential);
  } catch (const InputError& e) {
    throw InputError(path + ": " + e.what());
  }
  const Box& box = loaded.system.box;
  const double cutoff = loaded.potential->cutoff();
  for (int a = 0; a < 3; ++a) {
    if (box.periodic[a] && std::isfinite(cutoff) && box.length[a] * kMaxCutoffPerBoxLength < cutoff) {
      char message[200];
      std::snprintf(message, sizeof message,
                    ": the periodic box length %.6g along %c is far below the cutoff %.6g of %s "
                    "(at least cutoff / %g: each atom would meet millions of its own images)",
                    box.length[a], "xyz"[a], cutoff, loaded.key.c_str(), kMaxCutoffPerBoxLength);
      throw InputError(path + message);
    }
  }
  return loaded;
}

void check_finite_energy(const std::string& path, const Evaluation& evaluation) {
  if (!std::isfinite(evaluation.energy) || !evaluation.forces.allFinite()) {
    throw InputError(path + ": the energy or a force is not finite (two atoms on the same spot?)");
  }
}

void check_xyz_output(const std::string& option, const std::string& path) {
  if (format_from_path(path) != FileFormat::ExtXYZ) {
    throw InputError(option + " " + path + ": must be an extended XYZ file (.xyz or .extxyz)");
  }
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty() && !std::filesystem::is_directory(parent)) {
    throw InputError(option + " " + path + ": no such directory " + parent.string());
  }
}

StructureOutputs structure_outputs(const ParsedArgs& args) {
  if (args.value("--every") && !args.value("--trajectory")) throw InputError("--every needs --trajectory");
  StructureOutputs outputs{args.value("--out"), args.value("--trajectory")};
  if (outputs.out) check_xyz_output("--out", *outputs.out);
  if (outputs.trajectory) check_xyz_output("--trajectory", *outputs.trajectory);
  return outputs;
}

}  // namespace strider::cli
