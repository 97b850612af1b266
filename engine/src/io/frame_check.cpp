#include "frame_check.hpp"

#include <cmath>

#include "strider/error.hpp"
#include "strider/text.hpp"

namespace strider::io {

void check_writable(const Frame& frame) {
  int n = frame.size();
  if (n == 0) throw InputError("a frame without atoms cannot be written");
  if (static_cast<int>(frame.species.size()) != n)
    throw InputError(std::to_string(frame.species.size()) + " species names for " + std::to_string(n) + " atoms");
  if ((frame.forces && frame.forces->cols() != n) || (frame.per_atom_energy && frame.per_atom_energy->size() != n))
    throw InputError("the forces or per-atom energies do not match the atom count");
  if (!frame.box.lo.allFinite() || !frame.box.length.allFinite()) throw InputError("non-finite box");
  if (frame.energy && !std::isfinite(*frame.energy)) throw InputError("non-finite energy");
  for (int i = 0; i < n; ++i) {
    std::string atom = "atom " + std::to_string(i + 1);
    const std::string& name = frame.species[i];
    if (name.empty() || name.find_first_of(" \t\r\n") != std::string::npos)
      throw InputError(atom + ": species name '" + name + "' is empty or has blanks");
    if (!frame.positions.col(i).allFinite()) throw InputError(atom + ": non-finite position");
    if (frame.forces && !frame.forces->col(i).allFinite()) throw InputError(atom + ": non-finite force");
    if (frame.per_atom_energy && !std::isfinite((*frame.per_atom_energy)[i]))
      throw InputError(atom + ": non-finite per-atom energy");
  }
}

std::string box_length_problem(double length, bool periodic) {
  const std::string text = format_double(length);
  if (!std::isfinite(length) || length > kMaxCoordinate)
    return "box length " + text + " is over the limit of " + format_double(kMaxCoordinate);
  if (length < 0 || (periodic && length == 0)) return "box of zero or negative volume";
  if (periodic && length < kMinBoxLength)
    return "periodic box length " + text + " is below the limit of " + format_double(kMinBoxLength);
  return "";
}

std::string coordinate_problem(double x, const Box& box, int axis) {
  if (std::abs(x) > kMaxCoordinate)
    return "coordinate " + format_double(x) + " is over the limit of " + format_double(kMaxCoordinate) +
           " in magnitude (a double would hold it too coarsely)";
  if (!box.periodic[axis]) return "";
  const double lo = box.lo[axis], length = box.length[axis];
  const double outside = x < lo ? lo - x : x - (lo + length);
  if (outside > kMaxLengthsOutside * length)
    return "coordinate " + format_double(x) + " lies " + format_double(std::round(outside / length)) +
           " box lengths outside the periodic box (at most " + format_double(kMaxLengthsOutside) +
           ": wrapping it would lose precision)";
  return "";
}

}  // namespace strider::io
