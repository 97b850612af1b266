// Velocity Verlet with a Nose-Hoover chain (see strider/md.hpp for the choices).
//
// One step, for time step dt (ftm2v = 1 / mvv2e turns force / mass into acceleration):
//   chain half step (dt/2)  ->  v += dt/2 F/m  ->  x += dt v, wrap  ->  F(x)  ->  v += dt/2 F/m  ->  chain half step
// The chain half step is the standard Trotter factorisation of the chain's
// equations of motion (Martyna, Tuckerman, Tobias & Klein 1996), written out here:
//   G_0 = (2 KE - g k_B T) / Q_0,   G_k = (Q_{k-1} vxi_{k-1}^2 - k_B T) / Q_k,
//   Q_0 = g k_B T tau^2,  Q_k = k_B T tau^2,  g = 3N - 3,
// and the conserved quantity is KE + PE + sum 1/2 Q_k vxi_k^2 + g k_B T xi_0 + k_B T sum_{k>0} xi_k.
#include <cmath>

#include "strider/error.hpp"
#include "strider/md.hpp"
#include "strider/random.hpp"
#include "portable_math.hpp"

namespace strider {

double kinetic_energy(const Eigen::Matrix3Xd& velocities, const Eigen::VectorXd& masses, const Units& units) {
  double twice = 0.0;
  for (Eigen::Index i = 0; i < velocities.cols(); ++i) twice += masses[i] * velocities.col(i).squaredNorm();
  return 0.5 * units.mvv2e * twice;
}

double kinetic_temperature(const Eigen::Matrix3Xd& velocities, const Eigen::VectorXd& masses, const Units& units) {
  const int dof = MolecularDynamics::degrees_of_freedom(static_cast<int>(velocities.cols()));
  if (dof == 0) return 0.0;
  return 2.0 * kinetic_energy(velocities, masses, units) / (dof * units.boltzmann);
}

Eigen::Matrix3Xd maxwell_boltzmann(const Eigen::VectorXd& masses, double temperature, const Units& units,
                                   std::uint64_t seed) {
  const Eigen::Index n = masses.size();
  Eigen::Matrix3Xd v = Eigen::Matrix3Xd::Zero(3, n);
  if (n < 2 || temperature <= 0.0) return v;
  Random random(seed);
  for (Eigen::Index i = 0; i < n; ++i) {
    const double width = std::sqrt(units.boltzmann * temperature / (masses[i] * units.mvv2e));
    for (int a = 0; a < 3; ++a) v(a, i) = width * random.normal();
  }
  // Zero total momentum, then scale to the exact temperature.
  const Eigen::Vector3d momentum = v * masses;
  const Eigen::Vector3d drift = momentum / masses.sum();
  v.colwise() -= drift;
  const double current = kinetic_temperature(v, masses, units);
  if (current > 0.0) v *= std::sqrt(temperature / current);
  return v;
}

Eigen::VectorXd atom_masses(const System& system, const Potential& potential) {
  const std::vector<double> per_species = potential.masses();
  Eigen::VectorXd m(system.size());
  for (int i = 0; i < system.size(); ++i) m[i] = per_species.at(static_cast<std::size_t>(system.species[i]));
  return m;
}

MolecularDynamics::MolecularDynamics(const Units& units, const MdSettings& settings)
    : units_(units), settings_(settings) {
  if (!(settings.dt > 0.0) || !std::isfinite(settings.dt)) throw InputError("time step must be a finite number > 0");
  if (!(settings.temperature >= 0.0) || !std::isfinite(settings.temperature)) {
    throw InputError("temperature must be a finite number >= 0");
  }
  if (settings.chain < 1) throw InputError("Nose-Hoover chain length must be >= 1");
  if (!std::isfinite(settings.damping)) throw InputError("thermostat damping must be finite");
  if (settings.thermostat == Thermostat::NoseHoover && settings.temperature <= 0.0) {
    throw InputError("the Nose-Hoover thermostat needs a temperature > 0");
  }
}

MdReport MolecularDynamics::init(System& system, Evaluator& evaluator) {
  const Eigen::VectorXd m = atom_masses(system, evaluator.potential());
  return init(system, evaluator, maxwell_boltzmann(m, settings_.temperature, units_, settings_.seed));
}

MdReport MolecularDynamics::init(System& system, Evaluator& evaluator, const Eigen::Matrix3Xd& velocities) {
  if (velocities.cols() != system.size()) {
    throw InputError("velocities for " + std::to_string(velocities.cols()) + " atoms given to a system of " +
                     std::to_string(system.size()));
  }
  state_ = MdState{};
  state_.masses = atom_masses(system, evaluator.potential());
  state_.velocities = velocities;
  start(system, evaluator);
  return report();
}

const Evaluation& MolecularDynamics::evaluate(System& system, Evaluator& evaluator) {
  work_.box = system.box;
  work_.species = system.species;
  work_.positions = state_.unwrapped;
  system.positions = state_.unwrapped;
  wrap_positions(system);
  handed_out_ = system.positions;
  ++evaluations_;
  return evaluator.evaluate(work_);
}

void MolecularDynamics::start(System& system, Evaluator& evaluator) {
  evaluations_ = 0;
  state_.unwrapped = system.positions;
  const Evaluation& e = evaluate(system, evaluator);
  state_.forces = e.forces;
  state_.potential_energy = e.energy;
  state_.step = 0;
  const int chain = settings_.thermostat == Thermostat::NoseHoover ? settings_.chain : 0;
  state_.chain_positions.assign(chain, 0.0);
  state_.chain_velocities.assign(chain, 0.0);
  state_.chain_masses.assign(chain, 0.0);
  if (chain > 0) {
    const double tau = settings_.damping > 0.0 ? settings_.damping : 100.0 * settings_.dt;
    const double kt = units_.boltzmann * settings_.temperature;
    const int dof = std::max(degrees_of_freedom(system.size()), 1);
    for (int k = 0; k < chain; ++k) state_.chain_masses[k] = (k == 0 ? dof : 1) * kt * tau * tau;
  }
}

void MolecularDynamics::chain_half_step() {
  std::vector<double>& xi = state_.chain_positions;
  std::vector<double>& vxi = state_.chain_velocities;
  const std::vector<double>& q = state_.chain_masses;
  const int m = static_cast<int>(xi.size());
  const int dof = degrees_of_freedom(static_cast<int>(state_.masses.size()));
  if (m == 0 || dof == 0) return;
  const double kt = units_.boltzmann * settings_.temperature;
  const double gkt = dof * kt;
  const double h = 0.5 * settings_.dt, h2 = 0.25 * settings_.dt, h4 = 0.125 * settings_.dt;
  double twice_ke = 2.0 * kinetic_energy(state_.velocities, state_.masses, units_);
  auto force = [&](int k) {
    return k == 0 ? (twice_ke - gkt) / q[0] : (q[k - 1] * vxi[k - 1] * vxi[k - 1] - kt) / q[k];
  };
  // Kick chain velocities from the end down to the first (each damped by the next).
  for (int k = m - 1; k >= 0; --k) {
    if (k == m - 1) {
      vxi[k] += h2 * force(k);
    } else {
      const double s = portable::exp(-h4 * vxi[k + 1]);
      vxi[k] = (vxi[k] * s + h2 * force(k)) * s;
    }
  }
  // Scale the particle velocities and advance the chain positions.
  const double scale = portable::exp(-h * vxi[0]);
  state_.velocities *= scale;
  twice_ke *= scale * scale;
  for (int k = 0; k < m; ++k) xi[k] += h * vxi[k];
  // Kick the chain velocities back up.
  for (int k = 0; k < m; ++k) {
    if (k == m - 1) {
      vxi[k] += h2 * force(k);
    } else {
      const double s = portable::exp(-h4 * vxi[k + 1]);
      vxi[k] = (vxi[k] * s + h2 * force(k)) * s;
    }
  }
}

MdReport MolecularDynamics::step(System& system, Evaluator& evaluator) {
  if (state_.masses.size() != system.size() || state_.forces.cols() != system.size()) {
    throw InputError("MolecularDynamics::step before init (or the atom count changed)");
  }
  const double dt = settings_.dt;
  const double ftm2v = 1.0 / units_.mvv2e;
  auto kick = [this](double factor) {  // v += factor F / m
    for (Eigen::Index i = 0; i < state_.velocities.cols(); ++i) {
      state_.velocities.col(i) += (factor / state_.masses[i]) * state_.forces.col(i);
    }
  };

  // Positions changed by the caller since the last step: continue from them.
  if (system.positions.cols() != handed_out_.cols() || system.positions != handed_out_) {
    state_.unwrapped = system.positions;
  }
  chain_half_step();
  kick(0.5 * dt * ftm2v);
  state_.unwrapped += dt * state_.velocities;
  const Evaluation& e = evaluate(system, evaluator);
  state_.forces = e.forces;
  state_.potential_energy = e.energy;

  kick(0.5 * dt * ftm2v);
  chain_half_step();
  ++state_.step;
  return report();
}

MdReport MolecularDynamics::report() const {
  MdReport r;
  r.step = state_.step;
  r.time = state_.step * settings_.dt;
  r.potential_energy = state_.potential_energy;
  r.kinetic_energy = kinetic_energy(state_.velocities, state_.masses, units_);
  r.temperature = kinetic_temperature(state_.velocities, state_.masses, units_);
  r.conserved = r.potential_energy + r.kinetic_energy;
  const int m = static_cast<int>(state_.chain_positions.size());
  if (m > 0) {
    const double kt = units_.boltzmann * settings_.temperature;
    const int dof = degrees_of_freedom(static_cast<int>(state_.masses.size()));
    for (int k = 0; k < m; ++k) {
      r.conserved += 0.5 * state_.chain_masses[k] * state_.chain_velocities[k] * state_.chain_velocities[k];
      r.conserved += (k == 0 ? dof : 1) * kt * state_.chain_positions[k];
    }
  }
  r.evaluations = evaluations_;
  return r;
}

}  // namespace strider
