// FIRE 2.0 (Guenole, Noehring, Vaid, Houlle, Xie, Prakash, Bitzek, Comput.
// Mater. Sci. 175, 109584 (2020)) as LAMMPS's `min_style fire` with its
// defaults (integrator eulerimplicit, halfstepback yes, initialdelay yes),
// unit mass. One evaluation per step, two after a half step back.
#include <algorithm>
#include <cmath>

#include "common.hpp"
#include "strider/error.hpp"
#include "strider/md.hpp"
#include "strider/optimizers.hpp"

namespace strider {

namespace {

// Fire2's parameters: name, field, help and the rule its value must keep.
std::vector<optimizers::Binding> bindings(Fire2Parameters& p) {
  using optimizers::Rule;
  return {{"dt_start", &p.dt_start, "initial time step (unit mass; dt^2 F is a length)", Rule::positive},
          {"t_max", &p.t_max, "dt_max = t_max dt_start", Rule::at_least, 1.0},
          {"t_min", &p.t_min, "dt_min = t_min dt_start", Rule::positive},
          {"dmax", &p.dmax, "cap on dt times the largest velocity component (length)", Rule::positive},
          {"n_delay", &p.n_delay, "steps after a reset before dt grows", Rule::count, 0},
          {"f_inc", &p.f_inc, "dt growth factor", Rule::at_least, 1.0},
          {"f_dec", &p.f_dec, "dt shrink factor when P <= 0", Rule::open_unit},
          {"alpha_start", &p.alpha_start, "initial velocity mixing", Rule::open_unit},
          {"f_alpha", &p.f_alpha, "mixing decay factor", Rule::open_unit},
          {"half_step_back", &p.half_step_back, "1: x -= dt/2 V when P <= 0", Rule::flag},
          {"initial_delay", &p.initial_delay, "1: no dt or alpha reset in the first n_delay steps", Rule::flag}};
}

}  // namespace

Fire2::Fire2(const Fire2Parameters& parameters) : parameters_(parameters) {
  optimizers::check_parameters("fire2", bindings(parameters_));
  if (parameters_.t_min > parameters_.t_max) throw InputError("fire2: t_min must not exceed t_max");
}

StepReport Fire2::init(System& system, Evaluator& evaluator) {
  evaluations_start_ = evaluator.evaluations();
  const Evaluation& e = evaluator.evaluate(system);
  energy_ = e.energy;
  state_.forces = e.forces;
  state_.velocities.setZero(3, system.size());
  state_.dt = parameters_.dt_start;
  state_.alpha = parameters_.alpha_start;
  state_.iteration = 0;
  state_.last_negative = 0;
  state_.velocities_reset = true;
  return optimizers::make_report(0, energy_, state_.forces, evaluator, evaluations_start_);
}

StepReport Fire2::step(System& system, Evaluator& evaluator) {
  const Fire2Parameters& p = parameters_;
  Fire2State& s = state_;
  const long it = ++s.iteration;
  const double dt_max = p.t_max * p.dt_start;
  const double dt_min = p.t_min * p.dt_start;

  const double power = s.velocities.cwiseProduct(s.forces).sum();
  double keep = 1.0, mix = 0.0;  // V <- keep V + mix F after the kick when power > 0
  if (power > 0.0) {
    const double ff = s.forces.squaredNorm();
    keep = 1.0 - s.alpha;
    mix = ff <= 1e-20 ? 0.0 : s.alpha * std::sqrt(s.velocities.squaredNorm() / ff);
    if (it - s.last_negative > static_cast<long>(p.n_delay)) {
      s.dt = std::min(s.dt * p.f_inc, dt_max);
      s.alpha *= p.f_alpha;
    }
  } else {
    s.last_negative = it;
    const bool delayed = p.initial_delay != 0.0 && it < static_cast<long>(p.n_delay);
    if (!delayed) {
      s.alpha = p.alpha_start;
      if (s.dt * p.f_dec >= dt_min) s.dt *= p.f_dec;
    }
    // Half a step back along the velocity that overshot; the forces there are new.
    if (p.half_step_back != 0.0 && (s.velocities.array() != 0.0).any()) {
      optimizers::displace(system, (-0.5 * s.dt) * s.velocities);
      const Evaluation& e = evaluator.evaluate(system);
      energy_ = e.energy;
      s.forces = e.forces;
    }
    s.velocities.setZero();
    s.velocities_reset = true;
  }

  // The step: dt, cut so that no velocity component times dt exceeds dmax
  // (right after a reset LAMMPS judges the velocity dt F).
  double dtv = s.dt;
  const Eigen::VectorXd vmax =
      (s.velocities_reset ? Eigen::Matrix3Xd(s.dt * s.forces) : s.velocities).cwiseAbs().colwise().maxCoeff().transpose();
  for (Eigen::Index i = 0; i < vmax.size(); ++i) {
    if (dtv * vmax[i] > p.dmax) dtv = p.dmax / vmax[i];
  }

  s.velocities += dtv * s.forces;
  if (power > 0.0) s.velocities = keep * s.velocities + mix * s.forces;
  optimizers::displace(system, dtv * s.velocities);
  const Evaluation& e = evaluator.evaluate(system);
  energy_ = e.energy;
  s.forces = e.forces;
  s.velocities_reset = false;
  return optimizers::make_report(it, energy_, s.forces, evaluator, evaluations_start_);
}

double lammps_equivalent_dt(const std::string& system_key, double dt_lammps, double mass) {
  return dt_lammps * std::sqrt(units_for_system(system_key).ftm2v / mass);
}

namespace optimizers {

OptimizerSpec fire2() {
  return make_spec<Fire2>("fire2", "FIRE 2.0, as LAMMPS min_style fire", bindings);
}

}  // namespace optimizers

}  // namespace strider
