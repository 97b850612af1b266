// FIRE as jax-md's fire_descent (the paper's baseline), unit mass, one
// evaluation per step. The order of the updates below is jax-md's: the power
// P is taken after the velocity half kick and before the mixing, and the
// mixing uses alpha from before this step's update.
#include <algorithm>
#include <cmath>

#include "common.hpp"
#include "strider/optimizers.hpp"

namespace strider {

namespace {

// Fire's parameters: name, field, help and the rule its value must keep.
std::vector<optimizers::Binding> bindings(FireParameters& p) {
  using optimizers::Rule;
  return {{"dt_start", &p.dt_start, "initial time step (unit mass; dt^2 F is a length)", Rule::positive},
          {"dt_max", &p.dt_max, "largest time step", Rule::positive},
          {"n_min", &p.n_min, "steps with P >= 0 before dt grows", Rule::count, 0},
          {"f_inc", &p.f_inc, "dt growth factor", Rule::at_least, 1.0},
          {"f_dec", &p.f_dec, "dt shrink factor when P < 0", Rule::open_unit},
          {"alpha_start", &p.alpha_start, "initial velocity mixing", Rule::open_unit},
          {"f_alpha", &p.f_alpha, "mixing decay factor", Rule::open_unit}};
}

}  // namespace

Fire::Fire(const FireParameters& parameters) : parameters_(parameters) {
  optimizers::check_parameters("fire", bindings(parameters_));
}

StepReport Fire::init(System& system, Evaluator& evaluator) {
  evaluations_start_ = evaluator.evaluations();
  step_ = 0;
  const Evaluation& e = evaluator.evaluate(system);
  state_.forces = e.forces;
  state_.velocities.setZero(3, system.size());
  state_.dt = parameters_.dt_start;
  state_.alpha = parameters_.alpha_start;
  state_.n_pos = 0;
  return optimizers::make_report(step_, e.energy, state_.forces, evaluator, evaluations_start_);
}

StepReport Fire::step(System& system, Evaluator& evaluator) {
  const FireParameters& p = parameters_;
  FireState& s = state_;
  const double dt = s.dt;

  optimizers::displace(system, dt * s.velocities + (dt * dt) * s.forces);
  const Evaluation& e = evaluator.evaluate(system);
  const Eigen::Matrix3Xd& f = e.forces;

  s.velocities += (0.5 * dt) * (s.forces + f);
  const double f_norm = std::sqrt(f.squaredNorm() + 1e-6);
  const double v_norm = s.velocities.norm();
  const double power = f.cwiseProduct(s.velocities).sum();
  s.velocities += s.alpha * ((v_norm / f_norm) * f - s.velocities);

  s.n_pos = power >= 0.0 ? s.n_pos + 1 : 0;
  if (power > 0.0 && s.n_pos > p.n_min) {
    s.dt = std::min(dt * p.f_inc, p.dt_max);
    s.alpha *= p.f_alpha;
  }
  if (power < 0.0) {
    s.dt = dt * p.f_dec;
    s.alpha = p.alpha_start;
    s.velocities.setZero();
  }
  s.forces = f;
  return optimizers::make_report(++step_, e.energy, s.forces, evaluator, evaluations_start_);
}

namespace optimizers {

OptimizerSpec fire() {
  return make_spec<Fire>("fire", "FIRE, the paper's, as jax-md", bindings);
}

}  // namespace optimizers

}  // namespace strider
