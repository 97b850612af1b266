#include "chemical_symbols.hpp"

#include <map>

namespace strider::io {

const std::string& chemical_symbol(const std::string& type_name) {
  // Kob-Andersen's large A and small B as argon and neon (their sigma ratio, 0.82, is near
  // the model's 0.88); a C-S-H colloid as calcium. "Si" and ASE's dummy "X" are symbols already.
  static const std::map<std::string, std::string> stand_ins{{"A", "Ar"}, {"B", "Ne"}, {"CSH", "Ca"}};
  const auto it = stand_ins.find(type_name);
  return it == stand_ins.end() ? type_name : it->second;
}

}  // namespace strider::io
