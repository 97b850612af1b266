// Gradient descent: x <- x + learning_rate * F, one evaluation per step.
#include "common.hpp"
#include "strider/optimizers.hpp"

namespace strider {

GradientDescent::GradientDescent(const GradientDescentParameters& parameters) : parameters_(parameters) {
  optimizers::require_positive("gd", "learning_rate", parameters_.learning_rate);
}

StepReport GradientDescent::init(System& system, Evaluator& evaluator) {
  evaluations_start_ = evaluator.evaluations();
  step_ = 0;
  const Evaluation& e = evaluator.evaluate(system);
  forces_ = e.forces;
  return optimizers::make_report(step_, e.energy, forces_, evaluator, evaluations_start_);
}

StepReport GradientDescent::step(System& system, Evaluator& evaluator) {
  optimizers::displace(system, parameters_.learning_rate * forces_);
  const Evaluation& e = evaluator.evaluate(system);
  forces_ = e.forces;
  return optimizers::make_report(++step_, e.energy, forces_, evaluator, evaluations_start_);
}

namespace optimizers {

OptimizerSpec gd() {
  return make_spec<GradientDescent>("gd", "gradient descent", +[](GradientDescentParameters& p) -> std::vector<Binding> {
    return {{"learning_rate", &p.learning_rate, "x += learning_rate F (length^2 / energy)"}};
  });
}

}  // namespace optimizers

}  // namespace strider
