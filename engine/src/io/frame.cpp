// Frames (species by name) to systems (species by index) and back.
#include <algorithm>
#include <stdexcept>

#include "chemical_symbols.hpp"
#include "strider/frame.hpp"

namespace strider {

System to_system(const Frame& frame, const Potential& potential) {
  if (static_cast<int>(frame.species.size()) != frame.size())
    throw std::invalid_argument("to_system: one species name per atom expected");
  System system;
  system.positions = frame.positions;
  system.box = frame.box;
  system.species.reserve(frame.species.size());
  const std::vector<std::string>& names = potential.species_names();
  for (const std::string& name : frame.species) {
    // A type name, or the chemical symbol written for one (a file whose type_name column was dropped).
    auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) {
      it = std::find_if(names.begin(), names.end(), [&](const std::string& n) { return io::chemical_symbol(n) == name; });
    }
    system.species.push_back(it != names.end() ? static_cast<int>(it - names.begin()) : species_index(potential, name));
  }
  return system;
}

Frame to_frame(const System& system, const Potential& potential) {
  const std::vector<std::string>& names = potential.species_names();
  Frame frame;
  frame.positions = system.positions;
  frame.box = system.box;
  frame.species.reserve(system.species.size());
  for (int index : system.species) frame.species.push_back(names.at(static_cast<std::size_t>(index)));
  return frame;
}

}  // namespace strider
