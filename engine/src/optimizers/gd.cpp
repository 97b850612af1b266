// Gradient descent: x <- x + learning_rate * F, one evaluation per step.
#include "common.hpp"
#include "strider/optimizers.hpp"

namespace strider {

namespace {

// GradientDescent's parameters: name, field, help and the rule its value must keep.
std::vector<optimizers::Binding> bindings(GradientDescentParameters& p) {
  using optimizers::Rule;
  return {{"learning_rate", &p.learning_rate, "x += learning_rate F (length^2 / energy)", Rule::positive}};
}

}  // namespace

GradientDescent::GradientDescent(const GradientDescentParameters& parameters) : parameters_(parameters) {
  optimizers::check_parameters("gd", bindings(parameters_));
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
  return make_spec<GradientDescent>("gd", "gradient descent", bindings);
}

}  // namespace optimizers

}  // namespace strider
