#include "strider/adaptive_proposal.hpp"

#include <cmath>
#include <stdexcept>

#include "strider/error.hpp"

namespace strider {

AdaptiveProposal::AdaptiveProposal(PolicyModel& model, const AdaptiveProposalSettings& settings)
    : model_(model), settings_(settings) {
  if (!(settings.noise > 0.0) || !std::isfinite(settings.noise)) {
    throw InputError("the adaptive proposal's noise must be a finite number > 0");
  }
  if (!(settings.learning_rate >= 0.0) || !std::isfinite(settings.learning_rate)) {
    throw InputError("the adaptive proposal's learning rate must be a finite number >= 0");
  }
  if (!(settings.decay > 0.0 && settings.decay < 1.0)) throw InputError("the reward average's decay must be in (0, 1)");
  if (!(settings.clip > 0.0)) throw InputError("the adaptive proposal's gradient clip must be > 0");
}

void AdaptiveProposal::propose(System& trial, Evaluator& evaluator, Random& random) {
  const Evaluation evaluation = evaluator.evaluate(trial);
  const Eigen::Matrix3Xd mu = model_.forward(trial, evaluation, true);
  const int n = trial.size();
  last_mean_move_ = std::sqrt(mu.squaredNorm() / n);
  last_noise_.resize(3, n);
  for (int i = 0; i < n; ++i)
    for (int a = 0; a < 3; ++a) last_noise_(a, i) = random.normal();
  trial.positions += mu + settings_.noise * last_noise_;
  wrap_positions(trial);
}

void AdaptiveProposal::learn(double rise) {
  if (last_noise_.size() == 0) throw std::logic_error("AdaptiveProposal::learn without a proposal");
  Eigen::Matrix3Xd noise = std::move(last_noise_);
  last_noise_.resize(3, 0);
  if (!std::isfinite(rise)) return;
  const double reward = -rise;
  // The first hop only starts the averages: with no spread seen there is no scale.
  if (rewards_seen_++ == 0) {
    reward_mean_ = reward;
    return;
  }
  const double deviation = reward - reward_mean_;
  const double spread = std::sqrt(reward_variance_);
  reward_mean_ += (1.0 - settings_.decay) * deviation;
  reward_variance_ = settings_.decay * (reward_variance_ + (1.0 - settings_.decay) * deviation * deviation);
  if (settings_.learning_rate == 0.0 || !(spread > 0.0)) return;
  const double advantage = deviation / spread;
  model_.zero_gradient();
  model_.backward((-advantage / settings_.noise) * noise);  // the forward of propose(): nothing ran the model since
  Eigen::VectorXd gradient = model_.gradient();
  rl::clip_gradient(gradient, rl::Clipping::value, settings_.clip);
  Eigen::VectorXd parameters = model_.parameters();
  rl::adam_step(parameters, gradient, moments_, rl::AdamSettings{settings_.learning_rate});
  model_.set_parameters(parameters);
}

HopProposal AdaptiveProposal::as_hop_proposal() {
  return [this](System& trial, Evaluator& evaluator, Random& random) { propose(trial, evaluator, random); };
}

}  // namespace strider
