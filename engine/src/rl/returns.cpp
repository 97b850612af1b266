// Rewards and discounted returns (paper eqs. 8-9).
#include <stdexcept>

#include "strider/rl.hpp"

namespace strider::rl {

std::vector<double> rewards(const std::vector<double>& energies) {
  std::vector<double> out;
  if (energies.size() < 2) return out;
  out.reserve(energies.size() - 1);
  for (std::size_t t = 0; t + 1 < energies.size(); ++t) out.push_back(energies[t] - energies[t + 1]);
  return out;
}

std::vector<double> discounted_returns(const std::vector<double>& rewards, double gamma) {
  std::vector<double> out(rewards.size());
  double running = 0.0;
  for (std::size_t k = rewards.size(); k-- > 0;) {
    running = rewards[k] + gamma * running;
    out[k] = running;
  }
  return out;
}

}  // namespace strider::rl
