// Adam on the policy parameters and gradient clipping (paper Table 5: learning
// rate 0.005, clipping 0.1), as the authors' optax chain clip(0.1) -> adam(0.005).
#include <cmath>
#include <stdexcept>

#include "strider/error.hpp"
#include "strider/rl_training.hpp"

namespace strider::rl {

std::string to_string(Clipping clipping) {
  switch (clipping) {
    case Clipping::value: return "value";
    case Clipping::norm: return "norm";
    case Clipping::none: return "none";
  }
  return "value";
}

Clipping clipping_from_string(const std::string& name) {
  if (name == "value") return Clipping::value;
  if (name == "norm") return Clipping::norm;
  if (name == "none") return Clipping::none;
  throw InputError("unknown clipping '" + name + "' (known: value, norm, none)");
}

void clip_gradient(Eigen::VectorXd& gradient, Clipping clipping, double limit) {
  switch (clipping) {
    case Clipping::value:
      gradient = gradient.cwiseMax(-limit).cwiseMin(limit);
      break;
    case Clipping::norm: {
      const double norm = gradient.norm();
      if (norm > limit) gradient *= limit / norm;
      break;
    }
    case Clipping::none:
      break;
  }
}

void adam_step(Eigen::VectorXd& parameters, const Eigen::VectorXd& gradient, AdamMoments& state,
               const AdamSettings& settings) {
  if (gradient.size() != parameters.size()) {
    throw std::invalid_argument("adam_step: gradient and parameters differ in length");
  }
  if (state.m.size() != parameters.size()) {
    state.m = Eigen::VectorXd::Zero(parameters.size());
    state.v = Eigen::VectorXd::Zero(parameters.size());
    state.steps = 0;
    state.beta1_power = 1.0;
    state.beta2_power = 1.0;
  }
  const double b1 = settings.beta1, b2 = settings.beta2;
  ++state.steps;
  state.beta1_power *= b1;
  state.beta2_power *= b2;
  state.m = b1 * state.m + (1.0 - b1) * gradient;
  state.v = b2 * state.v + (1.0 - b2) * gradient.cwiseProduct(gradient);
  const double c1 = 1.0 / (1.0 - state.beta1_power);
  const double c2 = 1.0 / (1.0 - state.beta2_power);
  for (Eigen::Index i = 0; i < parameters.size(); ++i) {
    const double m_hat = state.m[i] * c1;
    const double v_hat = state.v[i] * c2;
    parameters[i] -= settings.learning_rate * m_hat / (std::sqrt(v_hat) + settings.epsilon);
  }
}

}  // namespace strider::rl
