#include "strider/evaluator.hpp"

#include <cmath>
#include <numeric>

#include "strider/error.hpp"

namespace strider {

namespace {

double default_skin(double cutoff, double skin) {
  if (skin >= 0.0) return skin;
  return std::isfinite(cutoff) ? 0.1 * cutoff : 0.0;
}

}  // namespace

Evaluator::Evaluator(std::unique_ptr<Potential> potential, double skin)
    : potential_(std::move(potential)), sorted_list_(potential_->cutoff(), default_skin(potential_->cutoff(), skin)) {}

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

void Evaluator::prepare(const System& system) {
  check_species(system, *potential_);
  const int n = system.size();
  if (static_cast<int>(order_.size()) != n) {
    order_.resize(n);
    std::iota(order_.begin(), order_.end(), 0);
  }
  auto gather = [&] {
    sorted_.box = system.box;
    sorted_.positions.resize(3, n);
    sorted_.species.resize(n);
    for (int p = 0; p < n; ++p) {
      sorted_.positions.col(p) = system.positions.col(order_[p]);
      sorted_.species[p] = system.species[order_[p]];
    }
  };
  gather();
  if (!sorted_list_.follow(sorted_)) {
    const std::vector<int> cells = sorted_list_.spatial_order(sorted_);
    const std::vector<int> previous = order_;
    for (int p = 0; p < n; ++p) order_[p] = previous[cells[p]];
    gather();
    sorted_list_.build(sorted_);
  }
}

const Evaluation& Evaluator::evaluate(const System& system) {
  prepare(system);
  const int n = system.size();
  potential_->compute(sorted_, sorted_list_, sorted_result_);
  result_.energy = sorted_result_.energy;
  result_.forces.resize(3, n);
  result_.per_atom.resize(n);
  for (int p = 0; p < n; ++p) {
    result_.forces.col(order_[p]) = sorted_result_.forces.col(p);
    result_.per_atom[order_[p]] = sorted_result_.per_atom[p];
  }
  ++evaluations_;
  return result_;
}

Eigen::Matrix3Xd Evaluator::weighted_forces(const System& system, const Eigen::VectorXd& weights) {
  if (weights.size() != system.size()) {
    throw InputError("weighted forces: " + std::to_string(weights.size()) + " weights for " +
                     std::to_string(system.size()) + " atoms");
  }
  prepare(system);
  const int n = system.size();
  Eigen::VectorXd sorted_weights(n);
  for (int p = 0; p < n; ++p) sorted_weights[p] = weights[order_[p]];
  Eigen::Matrix3Xd sorted_out;
  potential_->weighted_forces(sorted_, sorted_list_, sorted_weights, sorted_out);
  Eigen::Matrix3Xd out(3, n);
  for (int p = 0; p < n; ++p) out.col(order_[p]) = sorted_out.col(p);
  ++evaluations_;
  return out;
}

}  // namespace strider
