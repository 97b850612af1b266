#pragma once
// The local optimisers (one file each under engine/src/optimizers/) and the
// factory that builds one with a preset (the paper's or the stable one) for a system.
//
// [SECTION] common conventions
// Positions are 3 x N in the system's length unit, forces 3 x N in energy /
// length. Every optimiser treats the 3N coordinates as one vector with unit
// mass: a FIRE time step dt makes dt^2 F a length (dt^2 in length^2 / energy),
// a gradient-descent learning rate makes lr F a length.
// Each step computes a displacement, applies it, wraps the periodic axes
// (free axes never wrap), evaluates once (FIRE 2.0 twice after a half step
// back) and reports. State lives in a plain struct that state() exposes.
//
// [SECTION] factory       make_optimizer, optimizer_specs, optimizer_names, optimizer_parameters, paper_steps
// [SECTION] gd            GradientDescent
// [SECTION] adam          Adam
// [SECTION] fire          Fire (jax-md fire_descent, the paper's FIRE)
// [SECTION] fire2         Fire2 (FIRE 2.0, LAMMPS min_style fire)
// [SECTION] lbfgs         Lbfgs (L-BFGS with a per-atom step cap and an overshoot guard)
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "strider/optimizer.hpp"

namespace strider {

// ---------------------------------------------------------------- [SECTION] factory

// One tunable number of an optimiser (integers and flags are stored as doubles).
struct OptimizerParameter {
  std::string name;  // "dt_start"
  double value;
  std::string help;  // one line, with units
};

// Parameter name -> value, replacing the preset's value.
using ParameterOverrides = std::map<std::string, double>;

// An optimiser of the registry (engine/src/optimizers/registry.cpp; each is
// defined in its own file): its name, one line for help texts, and its builder,
// which sets the parameters to `values` (the optimiser's defaults for those not
// given; InputError for an unknown name or a value out of range), builds the
// optimiser into *made and lists the parameters in a fixed order.
struct OptimizerSpec {
  std::string name;     // "fire2"
  std::string summary;  // "FIRE 2.0, as LAMMPS min_style fire"
  std::function<std::vector<OptimizerParameter>(const ParameterOverrides& values, std::unique_ptr<Optimizer>* made)>
      build;
};
// Every optimiser, in the order lists show them.
const std::vector<OptimizerSpec>& optimizer_specs();
// Their names: "gd", "adam", "fire", "fire2", "lbfgs"; and as one line, "gd, adam, ...".
const std::vector<std::string>& optimizer_names();
std::string optimizer_names_text();

// The presets of an optimiser's parameters, per system (its SystemSpec):
//   paper   Table 6 of the paper, literal (gd, adam, fire; fire2 and lbfgs are
//           strider's own). FIRE's dt_max 0.4 diverges on liquid lj-binary and
//           csh structures and its sw-si dt_start 0.5 on hot silicon.
//   stable  the paper's values, changed only where they diverge on the
//           structures `strider generate` makes (each system's file says why);
//           the default of `strider minimize`.
enum class OptimizerPreset { stable, paper };
// "stable" / "paper"; the parser throws InputError naming both for anything else.
std::string to_string(OptimizerPreset preset);
OptimizerPreset optimizer_preset_from_string(const std::string& name);

// The optimiser `name` with `preset` for `system_key` (the paper's unless told),
// then `overrides`. Throws InputError for an unknown optimiser, system or
// parameter name (each message lists the known ones) and for a value out of
// range (NaN, negative, a fraction where a count is expected).
std::unique_ptr<Optimizer> make_optimizer(const std::string& name, const std::string& system_key,
                                          const ParameterOverrides& overrides = {},
                                          OptimizerPreset preset = OptimizerPreset::paper);

// The parameters make_optimizer(name, system_key, overrides, preset) would use,
// in a fixed order (for --help, JSON output and logs). Same errors.
std::vector<OptimizerParameter> optimizer_parameters(const std::string& name, const std::string& system_key,
                                                     const ParameterOverrides& overrides = {},
                                                     OptimizerPreset preset = OptimizerPreset::paper);

// The paper's step budget for a system: 1000 (lj-binary, sw-si, lj), 2000 (csh).
// InputError naming the known keys for an unknown system.
long paper_steps(const std::string& system_key);

// ---------------------------------------------------------------- [SECTION] gd

// x <- x + learning_rate * F.
struct GradientDescentParameters {
  double learning_rate = 5e-4;  // length^2 / energy
};

class GradientDescent : public Optimizer {
 public:
  explicit GradientDescent(const GradientDescentParameters& parameters);
  std::string name() const override { return "gd"; }
  StepReport init(System& system, Evaluator& evaluator) override;
  StepReport step(System& system, Evaluator& evaluator) override;
  const GradientDescentParameters& parameters() const { return parameters_; }

 private:
  GradientDescentParameters parameters_;
  Eigen::Matrix3Xd forces_;  // at the current positions, 3 x N
  long step_ = 0;
  long evaluations_start_ = 0;
};

// ---------------------------------------------------------------- [SECTION] adam

// Adam (Kingma & Ba 2015) on the positions with gradient g = -F, per
// coordinate: m <- b1 m + (1-b1) g, v <- b2 v + (1-b2) g^2,
// x <- x - lr m_hat / (sqrt(v_hat) + eps), m_hat = m / (1 - b1^t), v_hat = v / (1 - b2^t).
struct AdamParameters {
  double learning_rate = 0.05;  // length per step (the largest a coordinate moves, roughly)
  double beta1 = 0.9;
  double beta2 = 0.999;
  double epsilon = 1e-8;  // energy / length
};

struct AdamState {
  Eigen::Matrix3Xd m, v;  // first and second moments of the gradient, 3 x N
  Eigen::Matrix3Xd forces;  // at the current positions, 3 x N
  long t = 0;               // steps taken
};

class Adam : public Optimizer {
 public:
  explicit Adam(const AdamParameters& parameters);
  std::string name() const override { return "adam"; }
  StepReport init(System& system, Evaluator& evaluator) override;
  StepReport step(System& system, Evaluator& evaluator) override;
  const AdamParameters& parameters() const { return parameters_; }
  const AdamState& state() const { return state_; }

 private:
  AdamParameters parameters_;
  AdamState state_;
  long evaluations_start_ = 0;
};

// ---------------------------------------------------------------- [SECTION] fire

// FIRE (Bitzek et al. 2006) exactly as jax-md's fire_descent (the paper's
// code), unit mass, all sums over the whole 3N vector:
//   x += dt V + dt^2 F;  F' = F(x);  V += dt/2 (F + F')
//   P = F'.V;  V += alpha (F' |V| / sqrt(|F'|^2 + 1e-6) - V)
//   n_pos = P >= 0 ? n_pos + 1 : 0
//   P > 0 and n_pos > n_min: dt = min(dt f_inc, dt_max), alpha *= f_alpha
//   P < 0: dt *= f_dec, alpha = alpha_start, V = 0
struct FireParameters {
  double dt_start = 0.01;  // sqrt(length^2 / energy) (unit mass)
  double dt_max = 0.4;
  double n_min = 5;        // steps with P >= 0 before dt grows (a count)
  double f_inc = 1.1;
  double f_dec = 0.5;
  double alpha_start = 0.1;
  double f_alpha = 0.99;
};

struct FireState {
  Eigen::Matrix3Xd velocities;  // 3 x N, length / time
  Eigen::Matrix3Xd forces;      // at the current positions, 3 x N
  double dt = 0.0;
  double alpha = 0.0;
  long n_pos = 0;
};

class Fire : public Optimizer {
 public:
  explicit Fire(const FireParameters& parameters);
  std::string name() const override { return "fire"; }
  StepReport init(System& system, Evaluator& evaluator) override;
  StepReport step(System& system, Evaluator& evaluator) override;
  const FireParameters& parameters() const { return parameters_; }
  const FireState& state() const { return state_; }

 private:
  FireParameters parameters_;
  FireState state_;
  long step_ = 0;
  long evaluations_start_ = 0;
};

// ---------------------------------------------------------------- [SECTION] fire2

// FIRE 2.0 (Guenole et al. 2020) as LAMMPS's `min_style fire` (2020-2022,
// integrator eulerimplicit), unit mass. Per step, with P = V.F at the current
// positions:
//   P > 0: mixing coefficients a = 1 - alpha, b = alpha |V| / |F| (taken now);
//          if more than n_delay steps since the last P <= 0: dt = min(dt f_inc, dt_max),
//          alpha *= f_alpha
//   P <= 0: unless within the first n_delay steps (initial_delay): alpha = alpha_start,
//          dt *= f_dec if that stays >= dt_min; then x -= dt/2 V (half_step_back,
//          forces re-evaluated there), V = 0
//   dtv = dt, cut so that dtv * max_i max_a |V_ia| <= dmax (V = dt F right after a reset)
//   V += dtv F;  P > 0: V = a V + b F;  x += dtv V;  F = F(x)
// LAMMPS with timestep dt_L, mass m and its unit factor ftm2v is the same run
// as this with dt_start = dt_L sqrt(ftm2v / m) (see lammps_equivalent_dt).
struct Fire2Parameters {
  double dt_start = 0.01;     // sqrt(length^2 / energy) (unit mass)
  double t_max = 10.0;        // dt_max = t_max dt_start
  double t_min = 0.02;        // dt_min = t_min dt_start
  double dmax = 0.1;          // length: cap on dt * (largest velocity component)
  double n_delay = 20;        // steps after a reset before dt grows (a count)
  double f_inc = 1.1;
  double f_dec = 0.5;
  double alpha_start = 0.25;
  double f_alpha = 0.99;
  double half_step_back = 1;  // flag: x -= dt/2 V when P <= 0
  double initial_delay = 1;   // flag: no dt/alpha reset in the first n_delay steps
};

struct Fire2State {
  Eigen::Matrix3Xd velocities;  // 3 x N
  Eigen::Matrix3Xd forces;      // at the current positions, 3 x N
  double dt = 0.0;
  double alpha = 0.0;
  long iteration = 0;           // LAMMPS's ntimestep counted from the start
  long last_negative = 0;       // iteration of the last P <= 0
  bool velocities_reset = true; // LAMMPS's flagv0
};

class Fire2 : public Optimizer {
 public:
  explicit Fire2(const Fire2Parameters& parameters);
  std::string name() const override { return "fire2"; }
  StepReport init(System& system, Evaluator& evaluator) override;
  StepReport step(System& system, Evaluator& evaluator) override;
  const Fire2Parameters& parameters() const { return parameters_; }
  const Fire2State& state() const { return state_; }

 private:
  Fire2Parameters parameters_;
  Fire2State state_;
  double energy_ = 0.0;
  long evaluations_start_ = 0;
};

// The unit-mass dt of Fire2 that reproduces LAMMPS min_style fire with
// timestep dt_lammps (LAMMPS time unit) for a system whose atoms all have
// `mass`: dt_lammps * sqrt(ftm2v / mass), ftm2v of the system's LAMMPS units
// (Units::ftm2v: lj 1, metal 1 / 1.0364269e-4, real 1 / 48.88821291^2).
// InputError naming the known keys for an unknown system.
double lammps_equivalent_dt(const std::string& system_key, double dt_lammps, double mass);

// ---------------------------------------------------------------- [SECTION] lbfgs

// L-BFGS (Nocedal 1980) with memory m, the two-loop recursion and H0 = gamma I
// (gamma = s.y / y.y of the newest pair). No line search; instead, as ASE's
// LBFGS, the step is scaled so no atom moves more than max_step, and an
// overshoot guard: a step that raised the energy and ends going uphill along
// itself (F'.s < 0) is undone, the memory cleared, and the next step is a
// steepest-descent step half as long. A step that raised the energy while
// still going downhill (a pair crossing a truncated cutoff) is kept.
// The memory holds the steps actually taken, never wrapped position differences.
struct LbfgsParameters {
  double memory = 10;        // pairs (s, y) kept (a count)
  double max_step = 0.2;     // length: largest displacement of any atom in one step
  double first_step = 0.02;  // length: largest atom displacement of a steepest-descent step
};

struct LbfgsState {
  std::deque<Eigen::VectorXd> s, y;  // steps taken and force decreases y = F_old - F_new, 3N each
  std::deque<double> rho;            // 1 / s.y
  Eigen::Matrix3Xd forces;           // at the current positions, 3 x N
  double energy = 0.0;
  double next_first_step = 0.0;      // length of the next steepest-descent step
  long rejected = 0;                 // steps undone so far
};

class Lbfgs : public Optimizer {
 public:
  explicit Lbfgs(const LbfgsParameters& parameters);
  std::string name() const override { return "lbfgs"; }
  StepReport init(System& system, Evaluator& evaluator) override;
  StepReport step(System& system, Evaluator& evaluator) override;
  const LbfgsParameters& parameters() const { return parameters_; }
  const LbfgsState& state() const { return state_; }

 private:
  LbfgsParameters parameters_;
  LbfgsState state_;
  long step_ = 0;
  long evaluations_start_ = 0;
};

}  // namespace strider
