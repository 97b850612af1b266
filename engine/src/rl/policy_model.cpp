// PolicyModel's default batch evaluation: the states one by one.
#include "strider/policy_model.hpp"

#include <stdexcept>

#include "strider/error.hpp"

namespace strider {

std::vector<Eigen::Matrix3Xd> PolicyModel::forward_backward(const std::vector<System>& states,
                                                            const std::vector<const Evaluation*>& evaluations,
                                                            bool training,
                                                            const std::vector<Eigen::Matrix3Xd>& grad_mu) {
  if (evaluations.size() != states.size() || grad_mu.size() != states.size()) {
    throw std::invalid_argument("forward_backward: states, evaluations and gradients differ in number");
  }
  std::vector<Eigen::Matrix3Xd> mu;
  mu.reserve(states.size());
  for (std::size_t k = 0; k < states.size(); ++k) {
    mu.push_back(forward(states[k], *evaluations[k], training));
    backward(grad_mu[k]);
  }
  return mu;
}

std::vector<Eigen::Matrix3Xd> PolicyModel::forward_many(const std::vector<System>& states,
                                                        const std::vector<const Evaluation*>& evaluations,
                                                        bool training) {
  if (evaluations.size() != states.size()) {
    throw std::invalid_argument("forward_many: states and evaluations differ in number");
  }
  std::vector<Eigen::Matrix3Xd> mu;
  mu.reserve(states.size());
  for (std::size_t k = 0; k < states.size(); ++k) mu.push_back(forward(states[k], *evaluations[k], training));
  return mu;
}

void PolicyModel::backward_to_state(const Eigen::Matrix3Xd&, StateGradient&) {
  throw InputError("this policy model cannot differentiate through its inputs (the bptt estimator needs it)");
}

}  // namespace strider
