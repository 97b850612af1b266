#pragma once
// Molecular dynamics: velocity Verlet with a Nose-Hoover chain thermostat, in
// the unit systems LAMMPS uses, as init + step over a plain state struct.
//
// Thermostat: a Nose-Hoover chain (Martyna, Klein & Tuckerman 1992), integrated
// as LAMMPS `fix nvt` does by default (chain of 3, one Trotter stage, a half
// step of the chain before and after the velocity Verlet step). Chosen over
// Langevin because (1) the paper's authors made their data with LAMMPS `fix
// nvt`, so this samples the same ensemble with the same dynamics; (2) it is
// deterministic given the initial velocities: one random draw at init, none
// per step, so a trajectory is a pure function of the seed on every platform;
// (3) it has a conserved quantity (MdReport::conserved) that tests can check,
// with or without the thermostat.
//
// Units (LAMMPS `units`): lj (lj-binary, lj): k_B = 1, mvv2e = 1, time in tau;
// metal (sw-si): eV, Angstrom, amu, ps, K; real (csh): kcal/mol, Angstrom,
// g/mol, fs, K. The time step is in the system's time unit, as in LAMMPS:
// sw-si's 1 fs is dt = 0.001 (ps).
//
// Temperature counts 3N - 3 degrees of freedom: initial velocities have zero
// total momentum and the thermostat keeps it zero. (The angular momentum of a
// free cluster is not removed.)
#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <vector>

#include "strider/evaluator.hpp"
#include "strider/system.hpp"

namespace strider {

// The constants of one LAMMPS unit style.
struct Units {
  std::string name;        // "lj", "metal", "real"
  double boltzmann;        // k_B, energy unit per temperature unit
  double mvv2e;            // mass * velocity^2 -> energy unit
  double planck;           // h, energy unit * time unit (GCMC thermal wavelength)
  double ftm2v;            // force * time^2 / mass -> length (1 / mvv2e, as LAMMPS writes it)
  std::string energy, length, time, temperature, mass;  // unit names, for help text
};

// Units by name: "lj", "metal", "real" (InputError otherwise).
const Units& units_named(const std::string& name);
// Units of a system key (its SystemSpec's unit style): lj-binary, lj -> lj; sw-si -> metal;
// csh -> real. InputError naming the known keys for an unknown one.
const Units& units_for_system(const std::string& system_key);

enum class Thermostat { None, NoseHoover };

struct MdSettings {
  double dt = 0.005;           // time step (time unit)
  double temperature = 1.0;    // target and initial temperature (temperature unit)
  Thermostat thermostat = Thermostat::NoseHoover;
  double damping = 0.0;        // thermostat relaxation time (time unit); <= 0: 100 dt, as LAMMPS advises
  int chain = 3;               // Nose-Hoover chain length (LAMMPS default 3)
  std::uint64_t seed = 1;      // initial velocities
};

// Everything a run needs to continue: save it, restore it, replay it.
struct MdState {
  Eigen::Matrix3Xd velocities;          // 3 x N, length unit / time unit
  Eigen::Matrix3Xd unwrapped;           // 3 x N positions never wrapped: the evaluator sees a continuous
                                        // path, so atoms crossing the box do not force neighbour-list rebuilds
  Eigen::Matrix3Xd forces;              // 3 x N at the current positions (energy / length)
  Eigen::VectorXd masses;               // N (mass unit)
  double potential_energy = 0.0;        // at the current positions (energy unit)
  std::vector<double> chain_positions;  // eta_k (dimensionless)
  std::vector<double> chain_velocities; // d eta_k / dt (1 / time unit)
  std::vector<double> chain_masses;     // Q_k (energy * time^2)
  long step = 0;
};

// What a step (or init) leaves behind. Energies in the energy unit.
struct MdReport {
  long step = 0;
  double time = 0.0;            // step * dt (time unit)
  double potential_energy = 0.0;
  double kinetic_energy = 0.0;
  double temperature = 0.0;     // instantaneous, 3N - 3 degrees of freedom
  double conserved = 0.0;       // total energy plus the thermostat's energy
  long evaluations = 0;         // evaluator calls by this run
};

class MolecularDynamics {
 public:
  // Throws InputError for dt <= 0, a negative or non-finite temperature, or chain < 1.
  MolecularDynamics(const Units& units, const MdSettings& settings);

  // Starts from `system`: masses from the evaluator's potential, seeded
  // Maxwell-Boltzmann velocities at exactly settings.temperature with zero
  // total momentum, forces at the current positions (one evaluation).
  MdReport init(System& system, Evaluator& evaluator);
  // As above with given velocities (3 x N); the temperature is not rescaled.
  MdReport init(System& system, Evaluator& evaluator, const Eigen::Matrix3Xd& velocities);
  // One velocity Verlet step (one evaluation); periodic axes of system.positions
  // stay wrapped. If the caller moved atoms since the last step, the run goes
  // on from the caller's positions.
  MdReport step(System& system, Evaluator& evaluator);

  const MdState& state() const { return state_; }
  MdState& state() { return state_; }
  const MdSettings& settings() const { return settings_; }
  const Units& units() const { return units_; }
  // Degrees of freedom used for the temperature of N atoms: 3N - 3 (0 for N < 2).
  static int degrees_of_freedom(int atoms) { return atoms > 1 ? 3 * atoms - 3 : 0; }

 private:
  void start(System& system, Evaluator& evaluator);
  const Evaluation& evaluate(System& system, Evaluator& evaluator);
  void chain_half_step();
  MdReport report() const;

  Units units_;
  MdSettings settings_;
  MdState state_;
  System work_;                   // the system at the unwrapped positions, as evaluated
  Eigen::Matrix3Xd handed_out_;   // system.positions as the last step left them
  long evaluations_ = 0;
};

// Kinetic energy 1/2 mvv2e sum m v^2 (energy unit); velocities 3 x N, masses N.
double kinetic_energy(const Eigen::Matrix3Xd& velocities, const Eigen::VectorXd& masses, const Units& units);
// Instantaneous temperature 2 KE / (dof k_B) with dof = 3N - 3 (0 for N < 2).
double kinetic_temperature(const Eigen::Matrix3Xd& velocities, const Eigen::VectorXd& masses, const Units& units);
// Seeded Maxwell-Boltzmann velocities (3 x N) at exactly `temperature` with
// zero total momentum (for N < 2: zero). Deterministic on every platform.
Eigen::Matrix3Xd maxwell_boltzmann(const Eigen::VectorXd& masses, double temperature, const Units& units,
                                   std::uint64_t seed);
// Per-atom masses (N) from the potential's per-species masses.
Eigen::VectorXd atom_masses(const System& system, const Potential& potential);

}  // namespace strider
