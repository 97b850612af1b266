// L-BFGS with a per-atom step cap (as ASE's LBFGS maxstep) and an overshoot
// guard instead of a line search: one evaluation per step.
#include <algorithm>
#include <cmath>

#include "common.hpp"
#include "strider/optimizers.hpp"

namespace strider {

namespace {

// Largest per-atom displacement norm of a 3N vector.
double max_atom_norm(const Eigen::VectorXd& d) {
  if (d.size() == 0) return 0.0;
  return std::sqrt(Eigen::Map<const Eigen::Matrix3Xd>(d.data(), 3, d.size() / 3).colwise().squaredNorm().maxCoeff());
}

// Lbfgs's parameters: name, field, help and the rule its value must keep.
std::vector<optimizers::Binding> bindings(LbfgsParameters& p) {
  using optimizers::Rule;
  return {{"memory", &p.memory, "(s, y) pairs kept", Rule::count, 1},
          {"max_step", &p.max_step, "largest displacement of one atom in one step (length)", Rule::positive},
          {"first_step", &p.first_step, "largest atom displacement of a steepest-descent step (length)", Rule::positive}};
}

}  // namespace

Lbfgs::Lbfgs(const LbfgsParameters& parameters) : parameters_(parameters) {
  optimizers::check_parameters("lbfgs", bindings(parameters_));
}

StepReport Lbfgs::init(System& system, Evaluator& evaluator) {
  evaluations_start_ = evaluator.evaluations();
  step_ = 0;
  const Evaluation& e = evaluator.evaluate(system);
  state_ = LbfgsState{};
  state_.forces = e.forces;
  state_.energy = e.energy;
  state_.next_first_step = std::min(parameters_.first_step, parameters_.max_step);
  return optimizers::make_report(step_, state_.energy, state_.forces, evaluator, evaluations_start_);
}

StepReport Lbfgs::step(System& system, Evaluator& evaluator) {
  LbfgsState& s = state_;
  const Eigen::Index n3 = s.forces.size();
  const Eigen::Map<const Eigen::VectorXd> force(s.forces.data(), n3);

  // Two-loop recursion: d = -H g = H F, newest pair last in the deques.
  Eigen::VectorXd d = force;
  const size_t m = s.s.size();
  std::vector<double> a(m);
  for (size_t k = m; k-- > 0;) {
    a[k] = s.rho[k] * s.s[k].dot(d);
    d -= a[k] * s.y[k];
  }
  if (m > 0) {
    d *= s.s.back().dot(s.y.back()) / s.y.back().squaredNorm();
    for (size_t k = 0; k < m; ++k) {
      const double b = s.rho[k] * s.y[k].dot(d);
      d += (a[k] - b) * s.s[k];
    }
  }
  // No memory, or not a descent direction: steepest descent of a set length.
  const double f_max = max_atom_norm(force);
  if (m == 0 || !(d.dot(force) > 0.0)) {
    s.s.clear();
    s.y.clear();
    s.rho.clear();
    d = f_max > 0.0 ? Eigen::VectorXd(force * (s.next_first_step / f_max)) : Eigen::VectorXd::Zero(n3);
  }
  const double longest = max_atom_norm(d);
  if (longest > parameters_.max_step) d *= parameters_.max_step / longest;

  const Eigen::Matrix3Xd before = system.positions;
  optimizers::displace(system, Eigen::Map<const Eigen::Matrix3Xd>(d.data(), 3, system.size()));
  const Evaluation& e = evaluator.evaluate(system);
  const Eigen::Map<const Eigen::VectorXd> new_force(e.forces.data(), n3);

  const double rise_tolerance = 1e-12 * std::max(std::abs(s.energy), 1.0);
  if (e.energy > s.energy + rise_tolerance && new_force.dot(d) < 0.0) {
    // Overshoot: back to where we were, forget the curvature, try a shorter plain step.
    system.positions = before;
    s.s.clear();
    s.y.clear();
    s.rho.clear();
    s.next_first_step = 0.5 * max_atom_norm(d);
    ++s.rejected;
  } else {
    Eigen::VectorXd y = force - new_force;  // gradient change g_new - g_old
    const double sy = d.dot(y);
    if (sy > 1e-12 * d.norm() * y.norm() && sy > 0.0) {
      s.s.push_back(d);
      s.y.push_back(std::move(y));
      s.rho.push_back(1.0 / sy);
      if (s.s.size() > static_cast<size_t>(parameters_.memory)) {
        s.s.pop_front();
        s.y.pop_front();
        s.rho.pop_front();
      }
    }
    s.forces = e.forces;
    s.energy = e.energy;
    s.next_first_step = std::min(parameters_.first_step, parameters_.max_step);
  }
  return optimizers::make_report(++step_, s.energy, s.forces, evaluator, evaluations_start_);
}

namespace optimizers {

OptimizerSpec lbfgs() {
  return make_spec<Lbfgs>("lbfgs", "L-BFGS with a per-atom step cap", bindings);
}

}  // namespace optimizers

}  // namespace strider
