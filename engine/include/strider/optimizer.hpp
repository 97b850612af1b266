#pragma once
// Local optimisers as init + step over their own plain state, so a caller (a
// browser frame, a server job, a test) drives one step at a time.
#include <functional>
#include <memory>
#include <string>

#include "strider/evaluator.hpp"
#include "strider/system.hpp"

namespace strider {

// What one step (or init) leaves behind. energy: the energy at the current
// positions (energy unit); max_force: max over atoms of |F_i| (energy/length);
// evaluations: energy+force evaluations used so far, init included.
struct StepReport {
  long step = 0;
  double energy = 0.0;
  double max_force = 0.0;
  long evaluations = 0;
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  virtual std::string name() const = 0;
  // Starts from `system` (one evaluation) and forgets any previous run.
  virtual StepReport init(System& system, Evaluator& evaluator) = 0;
  // Exactly one step: moves system.positions (periodic axes stay wrapped in
  // the box, free axes never wrap) and reports the energy at the new positions.
  virtual StepReport step(System& system, Evaluator& evaluator) = 0;
};

// When a run stops: max |F_i| <= fmax (0 never), or after max_steps steps.
struct StopCriteria {
  double fmax = 0.0;
  long max_steps = 1000;
};

// init, then step until a stop criterion holds; on_step (if set) sees every report.
// Returns the last report.
StepReport minimize(Optimizer& optimizer, System& system, Evaluator& evaluator, const StopCriteria& stop,
                    const std::function<void(const StepReport&)>& on_step = {});

// max over atoms of the force norm |F_i| (3 x N forces).
double max_atom_force(const Eigen::Matrix3Xd& forces);

}  // namespace strider
