#include "strider/evaluator.hpp"

#include <cmath>

#include "strider/error.hpp"

namespace strider {

namespace {

double default_skin(double cutoff, double skin) {
  if (skin >= 0.0) return skin;
  return std::isfinite(cutoff) ? 0.1 * cutoff : 0.0;
}

}  // namespace

Evaluator::Evaluator(std::unique_ptr<Potential> potential, double skin)
    : potential_(std::move(potential)), list_(potential_->cutoff(), default_skin(potential_->cutoff(), skin)) {}

const Evaluation& Evaluator::evaluate(const System& system) {
  if (static_cast<int>(system.species.size()) != system.size()) {
    throw InputError("system has " + std::to_string(system.size()) + " positions but " +
                     std::to_string(system.species.size()) + " species");
  }
  const int species = static_cast<int>(potential_->species_names().size());
  for (int s : system.species) {
    if (s < 0 || s >= species) throw InputError("species index " + std::to_string(s) + " out of range");
  }
  list_.update(system);
  potential_->compute(system, list_, result_);
  ++evaluations_;
  return result_;
}

}  // namespace strider
