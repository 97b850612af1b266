// Frames (species by name) to systems (species by index) and back.
#include <stdexcept>

#include "strider/frame.hpp"

namespace strider {

System to_system(const Frame& frame, const Potential& potential) {
  if (static_cast<int>(frame.species.size()) != frame.size())
    throw std::invalid_argument("to_system: one species name per atom expected");
  System system;
  system.positions = frame.positions;
  system.box = frame.box;
  system.species.reserve(frame.species.size());
  for (const std::string& name : frame.species) system.species.push_back(species_index(potential, name));
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
