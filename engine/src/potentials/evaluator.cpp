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

namespace {

void check_species(const System& system, const Potential& potential) {
  if (static_cast<int>(system.species.size()) != system.size()) {
    throw InputError("system has " + std::to_string(system.size()) + " positions but " +
                     std::to_string(system.species.size()) + " species");
  }
  const int species = static_cast<int>(potential.species_names().size());
  for (int s : system.species) {
    if (s < 0 || s >= species) throw InputError("species index " + std::to_string(s) + " out of range");
  }
}

}  // namespace

const Evaluation& Evaluator::evaluate(const System& system) {
  check_species(system, *potential_);
  list_.update(system);
  potential_->compute(system, list_, result_);
  ++evaluations_;
  return result_;
}

Eigen::Matrix3Xd Evaluator::weighted_forces(const System& system, const Eigen::VectorXd& weights) {
  check_species(system, *potential_);
  if (weights.size() != system.size()) {
    throw InputError("weighted forces: " + std::to_string(weights.size()) + " weights for " +
                     std::to_string(system.size()) + " atoms");
  }
  list_.update(system);
  Eigen::Matrix3Xd out;
  potential_->weighted_forces(system, list_, weights, out);
  ++evaluations_;
  return out;
}

}  // namespace strider
