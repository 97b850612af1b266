#pragma once
// A structure as files hold it: species by name, the box, and the metadata
// line of extended XYZ. Converting to a System needs a potential.
#include <Eigen/Core>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "strider/box.hpp"
#include "strider/potential.hpp"
#include "strider/system.hpp"

namespace strider {

struct Frame {
  Eigen::Matrix3Xd positions;              // 3 x N, length unit of the system
  std::vector<std::string> species;        // N model type names ("A", "B", "Si", "CSH", "X")
  Box box;
  std::optional<std::string> system_key;   // "system=" in extxyz, or the LAMMPS data title
  std::optional<double> energy;            // "energy=" if present
  std::optional<Eigen::Matrix3Xd> forces;  // 3 x N, "forces" column if present
  std::optional<Eigen::VectorXd> per_atom_energy;  // N, "energies" column if present

  int size() const { return static_cast<int>(positions.cols()); }
};

// The engine's view of a frame: species names resolved against the
// potential, a type name or the chemical symbol extxyz writes for it (InputError
// names the unknown species and the known ones).
System to_system(const Frame& frame, const Potential& potential);
// The file view of a system: species indices turned into the potential's names.
Frame to_frame(const System& system, const Potential& potential);

}  // namespace strider
