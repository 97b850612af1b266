// Adam on the positions (gradient -F), per coordinate, as optax.adam:
// bias-corrected moments, eps added outside the square root.
#include <cmath>

#include "common.hpp"
#include "strider/optimizers.hpp"

namespace strider {

namespace {

// Adam's parameters: name, field, help and the rule its value must keep.
std::vector<optimizers::Binding> bindings(AdamParameters& p) {
  using optimizers::Rule;
  return {{"learning_rate", &p.learning_rate, "step scale (length)", Rule::positive},
          {"beta1", &p.beta1, "decay of the first moment", Rule::open_unit},
          {"beta2", &p.beta2, "decay of the second moment", Rule::open_unit},
          {"epsilon", &p.epsilon, "added to sqrt(v_hat) (energy / length)", Rule::positive}};
}

}  // namespace

Adam::Adam(const AdamParameters& parameters) : parameters_(parameters) {
  optimizers::check_parameters("adam", bindings(parameters_));
}

StepReport Adam::init(System& system, Evaluator& evaluator) {
  evaluations_start_ = evaluator.evaluations();
  const Evaluation& e = evaluator.evaluate(system);
  state_.forces = e.forces;
  state_.m.setZero(3, system.size());
  state_.v.setZero(3, system.size());
  state_.t = 0;
  return optimizers::make_report(0, e.energy, state_.forces, evaluator, evaluations_start_);
}

StepReport Adam::step(System& system, Evaluator& evaluator) {
  const AdamParameters& p = parameters_;
  AdamState& s = state_;
  ++s.t;
  // g = -F: m tracks -F, v tracks F^2.
  s.m = p.beta1 * s.m - (1.0 - p.beta1) * s.forces;
  s.v = p.beta2 * s.v + (1.0 - p.beta2) * s.forces.cwiseAbs2();
  const double c1 = 1.0 - std::pow(p.beta1, static_cast<double>(s.t));
  const double c2 = 1.0 - std::pow(p.beta2, static_cast<double>(s.t));
  const Eigen::Matrix3Xd step =
      -p.learning_rate * ((s.m / c1).array() / ((s.v / c2).array().sqrt() + p.epsilon)).matrix();
  optimizers::displace(system, step);
  const Evaluation& e = evaluator.evaluate(system);
  s.forces = e.forces;
  return optimizers::make_report(s.t, e.energy, s.forces, evaluator, evaluations_start_);
}

namespace optimizers {

OptimizerSpec adam() {
  return make_spec<Adam>("adam", "Adam, as optax", bindings);
}

}  // namespace optimizers

}  // namespace strider
