#include "strider/basin_hopping.hpp"

#include <cmath>

#include "strider/error.hpp"

namespace strider {

HopProposal random_displacement(double step) {
  if (!(step > 0.0) || !std::isfinite(step)) throw InputError("basin hopping step size must be a finite number > 0");
  return [step](System& trial, Evaluator&, Random& random) {
    for (int i = 0; i < trial.size(); ++i) {
      Eigen::Vector3d move;
      for (int a = 0; a < 3; ++a) move[a] = step * (2.0 * random.uniform() - 1.0);
      trial.positions.col(i) = trial.box.wrap(trial.positions.col(i) + move);
    }
  };
}

BasinHopping::BasinHopping(std::unique_ptr<Optimizer> local, const BasinHoppingOptions& options, HopProposal proposal)
    : local_(std::move(local)),
      options_(options),
      proposal_(proposal ? std::move(proposal) : random_displacement(options.step_size)),
      random_(options.seed) {
  if (!(options.temperature >= 0.0) || !std::isfinite(options.temperature)) {
    throw InputError("basin hopping temperature must be a finite number >= 0");
  }
  if (options.local_steps < 1) throw InputError("basin hopping needs at least one local step per hop");
}

double BasinHopping::relax(System& system, Evaluator& evaluator, long budget) {
  StepReport report = local_->init(system, evaluator);
  long steps = 0;
  while (steps < options_.local_steps && report.max_force > options_.local_fmax &&
         (budget <= 0 || evaluator.evaluations() < budget)) {
    report = local_->step(system, evaluator);
    ++steps;
  }
  return report.energy;
}

HopReport BasinHopping::init(System& system, Evaluator& evaluator, long budget) {
  report_ = HopReport{};
  report_.energy = report_.best_energy = report_.trial_energy = relax(system, evaluator, budget);
  report_.evaluations = evaluator.evaluations();
  current_ = best_ = system;
  return report_;
}

HopReport BasinHopping::hop(System& system, Evaluator& evaluator, long budget) {
  System trial = current_;
  proposal_(trial, evaluator, random_);
  const double energy = relax(trial, evaluator, budget);
  const double rise = energy - report_.energy;
  // Metropolis on the minimised energies; a NaN energy (atoms on top of each other) is refused.
  bool accept = rise <= 0.0;
  if (!accept && std::isfinite(energy) && options_.temperature > 0.0) {
    accept = random_.uniform() < std::exp(-rise / options_.temperature);
  }
  ++report_.hop;
  report_.trial_energy = energy;
  report_.accepted = accept;
  if (accept) {
    ++report_.accepted_hops;
    report_.energy = energy;
    current_ = trial;
    if (energy < report_.best_energy) {
      report_.best_energy = energy;
      best_ = trial;
    }
  }
  report_.evaluations = evaluator.evaluations();
  system = current_;
  return report_;
}

}  // namespace strider
