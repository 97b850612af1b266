// strider in JavaScript: the embind API over the engine (the only file that sees Emscripten).
//
//   const createStriderModule = require('./strider_engine.js');   // CommonJS factory
//   const strider = await createStriderModule();
//   const engine = new strider.Engine(xyzText, {system: 'sw-si'});  // evaluates once
//   const made = strider.Engine.generate({system: 'lj-binary', n: 100, seed: 1});  // = strider generate
//   engine.energy();          // total energy, the system's energy unit
//   engine.forces();          // Float64Array, 3N: x0 y0 z0 x1 ... (energy / length)
//   engine.setPositions(xyz); // 3N numbers, length unit; re-evaluates
//   engine.start('fire', {dt_max: 0.02});  // an optimiser (or 'basin-hopping', 'policy')
//   engine.step();            // one step: {step, energy, maxForce, evaluations}
//   engine.delete();          // embind objects are freed by hand
//
// Views: positions(), forces(), perAtomEnergies() and species() are typed arrays over
// the wasm heap, not copies. A view is invalidated by the next evaluation (setPositions,
// evaluate, step, ...) and by any growth of the wasm memory (any call that allocates, e.g.
// building another Engine): read it at once, or keep a copy (view.slice()).
//
// Errors: bad input (a malformed file, an unknown system or species, a NaN coordinate, an
// unknown optimiser or parameter) throws a JS Error whose message is the engine's
// ("input.xyz:3: ..."); the Engine keeps its state.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "strider/basin_hopping.hpp"
#include "strider/dataset.hpp"
#include "strider/error.hpp"
#include "strider/evaluator.hpp"
#include "strider/frame.hpp"
#include "strider/io.hpp"
#include "strider/md.hpp"
#include "strider/optimizers.hpp"
#include "strider/policy.hpp"
#include "strider/potential.hpp"
#include "strider/rl.hpp"
#include "strider/rl_adaptation.hpp"
#include "strider/system_spec.hpp"

namespace {

using emscripten::val;

// Runs f() and returns its result; a C++ exception leaves as a thrown JS Error with the
// same message (anything but InputError is a bug in strider, and says so).
template <class F>
auto rethrow_as_js(F&& f) -> decltype(f()) {
  val error = val::undefined();
  try {
    return f();
  } catch (const strider::InputError& e) {
    error = val::global("Error").new_(std::string(e.what()));
  } catch (const strider::rl::DivergedError& e) {
    error = val::global("Error").new_("diverged: " + std::string(e.what()));
  } catch (const std::exception& e) {
    error = val::global("Error").new_("strider internal error: " + std::string(e.what()));
  }
  error.throw_();
}

// options[name] converted to T, or fallback when the field is absent (undefined or null).
template <class T>
T option(const val& options, const char* name, T fallback) {
  if (options.isUndefined() || options.isNull()) return fallback;
  val v = options[name];
  return v.isUndefined() || v.isNull() ? fallback : v.as<T>();
}

// A whole number option in [lo, hi] (InputError naming it otherwise).
// (long is 32 bits in wasm: whole numbers travel as long long.)
long long whole_option(const val& options, const char* name, long long fallback, long long lo, long long hi) {
  const double x = option<double>(options, name, static_cast<double>(fallback));
  if (!std::isfinite(x) || x != std::floor(x) || x < static_cast<double>(lo) || x > static_cast<double>(hi)) {
    throw strider::InputError(std::string(name) + " must be a whole number in [" + std::to_string(lo) + ", " +
                              std::to_string(hi) + "]");
  }
  return static_cast<long long>(x);
}

// Throws InputError unless all n values are finite.
void require_finite(const double* values, size_t n, const std::string& what) {
  for (size_t k = 0; k < n; ++k) {
    if (!std::isfinite(values[k])) {
      throw strider::InputError(what + ": value " + std::to_string(k) + " is not finite");
    }
  }
}

// Every numeric field of a JS object as an optimiser override (name -> value).
strider::ParameterOverrides overrides_of(const val& parameters) {
  strider::ParameterOverrides out;
  if (parameters.isUndefined() || parameters.isNull()) return out;
  const val keys = val::global("Object").call<val>("keys", parameters);
  const int n = keys["length"].as<int>();
  for (int k = 0; k < n; ++k) {
    const std::string name = keys[k].as<std::string>();
    const val v = parameters[name];
    if (!v.isNumber()) throw strider::InputError("parameter " + name + " must be a number");
    out[name] = v.as<double>();
  }
  return out;
}

// {step, energy, maxForce, evaluations} as a JS object.
val report_of(long step, double energy, double max_force, long evaluations) {
  val out = val::object();
  out.set("step", static_cast<double>(step));
  out.set("energy", energy);
  out.set("maxForce", max_force);
  out.set("evaluations", static_cast<double>(evaluations));
  return out;
}

// What moves the atoms step by step: an optimiser, basin hopping or the policy.
struct Driver {
  std::string name;                                     // gd adam fire fire2 lbfgs basin-hopping policy
  std::unique_ptr<strider::Optimizer> optimizer;        // gd .. lbfgs
  std::unique_ptr<strider::BasinHopping> hopping;       // basin-hopping
  std::unique_ptr<strider::Random> noise;               // policy: the action noise
  bool sample = true;                                   // policy: a = mu + noise (else the mean)
  long step = 0, evaluations_start = 0;
};

// One structure with its potential, the latest evaluation and what moves it.
class Engine {
 public:
  // Reads the first structure of `text` and evaluates it. options (a JS object, every
  // field optional): format ("extxyz", the default, or "lammps-data": atom_style atomic,
  // types numbered in the order of the system's species), system (key; default the
  // file's system=; a LAMMPS data file that strider did not write needs it), shift (bool),
  // cutoff (number, `lj` only, in sigma; 0 = none), name (the file name that error
  // messages show; default "input").
  static Engine* from_extxyz(const std::string& text, const val& options) {
    return rethrow_as_js([&] {
      const std::string name = option<std::string>(options, "name", "input");
      const std::string format = option<std::string>(options, "format", "extxyz");
      std::string key = option<std::string>(options, "system", "");
      std::istringstream in(text);
      strider::Frame frame;
      if (format == "lammps-data") {
        std::vector<std::string> species_order;
        if (!key.empty()) species_order = strider::make_potential(key, strider::PotentialOptions{})->species_names();
        frame = strider::read_lammps_data(in, name, species_order);
      } else if (format == "extxyz") {
        std::vector<strider::Frame> frames = strider::read_extxyz(in, name);
        if (frames.empty()) throw strider::InputError(name + ": no structure in the text");
        frame = std::move(frames.front());
      } else {
        throw strider::InputError(name + ": unknown format '" + format + "' (extxyz, lammps-data)");
      }
      if (key.empty()) key = frame.system_key.value_or("");
      if (key.empty()) {
        throw strider::InputError(name + ": no system given and no system= key in the file");
      }
      strider::PotentialOptions potential_options;
      potential_options.shift = option<bool>(options, "shift", false);
      potential_options.cutoff = option<double>(options, "cutoff", 0.0);
      auto potential = strider::make_potential(key, potential_options);
      strider::System system = strider::to_system(frame, *potential);
      return new Engine(key, potential_options, std::move(system));
    });
  }
  // As above with every option at its default.
  static Engine* from_extxyz_text(const std::string& text) { return from_extxyz(text, val::object()); }

  // The first structure `strider generate --system S --n N --seed SEED --count 1` writes
  // (the paper's protocol, strider/dataset.hpp), bit for bit. options: system (required),
  // n, seed (default 1), equilibration (MD steps, default the paper's 10000), temperature,
  // dt (the system's units; default the paper's).
  static Engine* generate(const val& options) {
    return rethrow_as_js([&] {
      const std::string key = option<std::string>(options, "system", "");
      if (key.empty()) throw strider::InputError("generate: system is required (" + strider::system_keys_text() + ")");
      strider::DatasetSettings settings = strider::paper_dataset_settings(key);
      settings.count = 1;
      settings.atoms = static_cast<int>(whole_option(options, "n", settings.atoms, 0, 1000000));
      settings.seed = static_cast<std::uint64_t>(whole_option(options, "seed", 1, 0, 1LL << 53));
      settings.equilibration = whole_option(options, "equilibration", settings.equilibration, 0, 100000000);
      settings.temperature = option<double>(options, "temperature", settings.temperature);
      settings.dt = option<double>(options, "dt", settings.dt);
      strider::validate(settings);
      strider::System system;
      strider::generate_dataset(settings, [&](const strider::DatasetSample& s) { system = s.system; });
      return new Engine(key, strider::PotentialOptions{}, std::move(system));
    });
  }

  Engine(std::string key, const strider::PotentialOptions& options, strider::System system)
      : key_(std::move(key)),
        options_(options),
        system_(std::move(system)),
        evaluator_(strider::make_potential(key_, options_)) {
    evaluate_now();
  }

  // A copy of the structure (same system and options), freshly evaluated, with no driver
  // and no policy: the start of a race lane.
  Engine* clone() const {
    return rethrow_as_js([&] { return new Engine(key_, options_, system_); });
  }

  // Atom count N.
  int size() const { return system_.size(); }
  // The system key (one of knownSystems()).
  std::string system() const { return key_; }
  // Total energy of the latest evaluation (the system's energy unit).
  double energy() const { return result_->energy; }
  // Total energy / N.
  double energy_per_atom() const { return result_->energy / system_.size(); }
  // max over atoms of |F_i| (energy / length).
  double max_force() const { return strider::max_atom_force(result_->forces); }
  // Float64Array view, 3N (atom-major x, y, z): forces, energy / length.
  val forces() const { return view(result_->forces.data(), result_->forces.size()); }
  // Float64Array view, N: per-atom energies (LAMMPS split; they sum to energy()).
  val per_atom_energies() const { return view(result_->per_atom.data(), result_->per_atom.size()); }
  // Float64Array view, 3N (atom-major x, y, z): positions, length unit. Writes through
  // it take effect at the next evaluate().
  val positions() const { return view(system_.positions.data(), system_.positions.size()); }
  // Int32Array view, N: species indices into speciesNames().
  val species() const { return view(system_.species.data(), system_.species.size()); }
  // JS array of the potential's species names.
  val species_names() const {
    val names = val::array();
    for (const std::string& s : evaluator_.potential().species_names()) names.call<void>("push", s);
    return names;
  }
  // {lo: [3], length: [3], periodic: [3 bools]}, length unit.
  val box() const {
    const strider::Box& b = system_.box;
    val out = val::object();
    out.set("lo", val::array(b.lo.data(), b.lo.data() + 3));
    out.set("length", val::array(b.length.data(), b.length.data() + 3));
    out.set("periodic", val::array(b.periodic.begin(), b.periodic.end()));
    return out;
  }
  // The structure as extended XYZ text (system=, energy=, forces, per-atom energies).
  std::string to_extxyz() const {
    return rethrow_as_js([&] {
      strider::Frame frame = strider::to_frame(system_, evaluator_.potential());
      frame.system_key = key_;
      frame.energy = result_->energy;
      frame.forces = result_->forces;
      frame.per_atom_energy = result_->per_atom;
      std::ostringstream out;
      strider::write_extxyz(out, frame);
      return out.str();
    });
  }

  // Copies 3N numbers (atom-major x, y, z; length unit; a JS array or typed array) into
  // the positions, re-evaluates and restarts the driver; returns the new energy.
  double set_positions(const val& values) {
    return rethrow_as_js([&] {
      std::vector<double> v = emscripten::convertJSArrayToNumberVector<double>(values);
      if (v.size() != static_cast<size_t>(system_.positions.size())) {
        throw strider::InputError("setPositions: got " + std::to_string(v.size()) + " numbers, expected 3 x " +
                                  std::to_string(system_.size()));
      }
      require_finite(v.data(), v.size(), "setPositions");
      std::copy(v.begin(), v.end(), system_.positions.data());
      moved();
      return result_->energy;
    });
  }
  // Re-evaluates at the current positions (after writes through positions()) and
  // restarts the driver; returns the energy.
  double evaluate() {
    return rethrow_as_js([&] {
      require_finite(system_.positions.data(), system_.positions.size(), "positions");
      moved();
      return result_->energy;
    });
  }
  // Puts atom i at (x, y, z) (length unit; wrapped along periodic axes), re-evaluates and
  // restarts the driver from there (a drag). Returns the new energy.
  double move_atom(int i, double x, double y, double z) {
    return rethrow_as_js([&] {
      if (i < 0 || i >= system_.size()) {
        throw strider::InputError("moveAtom: atom " + std::to_string(i) + " out of range [0, " +
                                  std::to_string(system_.size()) + ")");
      }
      const double p[3] = {x, y, z};
      require_finite(p, 3, "moveAtom");
      system_.positions.col(i) = Eigen::Vector3d(x, y, z);
      strider::wrap_positions(system_);
      moved();
      return result_->energy;
    });
  }
  // Heats the structure: `steps` NVT MD steps (Nose-Hoover, the system's units and the
  // paper's dataset time step) from seeded Maxwell-Boltzmann velocities at `temperature`
  // (the system's temperature unit); then re-evaluates and restarts the driver. Returns the energy.
  double shake(double temperature, int steps, double seed) {
    return rethrow_as_js([&] {
      if (!(temperature >= 0.0) || !std::isfinite(temperature)) throw strider::InputError("shake: temperature must be >= 0");
      if (steps < 1 || steps > 100000) throw strider::InputError("shake: steps must be in [1, 100000]");
      strider::MdSettings settings;
      settings.dt = strider::paper_dataset_settings(key_).dt;
      settings.temperature = temperature;
      settings.seed = static_cast<std::uint64_t>(seed);
      strider::MolecularDynamics md(strider::units_for_system(key_), settings);
      strider::System work = system_;
      md.init(work, evaluator_);
      for (int k = 0; k < steps; ++k) md.step(work, evaluator_);
      if (!work.positions.allFinite()) throw strider::InputError("shake: the dynamics diverged; try a lower temperature");
      system_ = std::move(work);
      moved();
      return result_->energy;
    });
  }

  // The parameters of optimiser `name` ("gd" ... "lbfgs") with the paper's preset for
  // `system`: JS array of {name, value, help}. Throws for unknown names.
  static val optimizer_parameters(const std::string& name, const std::string& system) {
    return optimizer_preset(name, system, "paper");
  }
  // The same with preset `preset` ("stable": the default of `strider minimize`, or "paper").
  static val optimizer_preset(const std::string& name, const std::string& system, const std::string& preset) {
    return rethrow_as_js([&] {
      val out = val::array();
      for (const strider::OptimizerParameter& p :
           strider::optimizer_parameters(name, system, {}, strider::optimizer_preset_from_string(preset))) {
        val entry = val::object();
        entry.set("name", p.name);
        entry.set("value", p.value);
        entry.set("help", p.help);
        out.call<void>("push", entry);
      }
      return out;
    });
  }
  // JS array of every driver name start() accepts.
  static val driver_names() {
    val out = val::array();
    for (const std::string& n : strider::optimizer_names()) out.call<void>("push", n);
    out.call<void>("push", std::string("basin-hopping"));
    out.call<void>("push", std::string("policy"));
    return out;
  }

  // Makes `name` the driver and starts it at the current positions; returns the report
  // of step 0. parameters (a JS object of numbers):
  //   gd, adam, fire, fire2, lbfgs: overrides of the paper's preset (optimizerParameters);
  //   basin-hopping: temperature, step_size, local_fmax, local_steps, seed (defaults as
  //     `strider search`), local (0 = lbfgs, the only local optimiser offered here);
  //   policy (needs loadPolicy): seed (default 1; the noise of `strider rollout --seed`),
  //     mean (1: the mean action, as --mean).
  // On an error the previous driver stays.
  val start(const std::string& name, const val& parameters) {
    return rethrow_as_js([&] {
      auto driver = std::make_unique<Driver>();
      driver->name = name;
      if (name == "basin-hopping") {
        strider::ParameterOverrides p = overrides_of(parameters);
        const strider::SearchDefaults& defaults = strider::system_spec(key_).search;
        strider::BasinHoppingOptions o;
        o.temperature = defaults.temperature;
        o.step_size = defaults.step;
        o.local_fmax = defaults.fmax;
        for (const auto& [k, v] : p) {
          if (k == "temperature") o.temperature = v;
          else if (k == "step_size") o.step_size = v;
          else if (k == "local_fmax") o.local_fmax = v;
          else if (k == "local_steps") o.local_steps = static_cast<long>(v);
          else if (k == "seed") o.seed = static_cast<std::uint64_t>(v);
          else throw strider::InputError("basin-hopping has no parameter '" + k +
                                         "' (known: temperature, step_size, local_fmax, local_steps, seed)");
        }
        if (!(o.temperature >= 0.0) || !(o.step_size > 0.0) || !(o.local_fmax > 0.0) || o.local_steps < 1) {
          throw strider::InputError("basin-hopping: temperature >= 0, step_size > 0, local_fmax > 0, local_steps >= 1");
        }
        driver->hopping = std::make_unique<strider::BasinHopping>(strider::make_optimizer("lbfgs", key_), o);
      } else if (name == "policy") {
        if (!policy_) throw strider::InputError("policy: no policy loaded (loadPolicy)");
        strider::ParameterOverrides p = overrides_of(parameters);
        for (const auto& [k, v] : p) {
          if (k != "seed" && k != "mean") throw strider::InputError("policy has no parameter '" + k + "' (known: seed, mean)");
        }
        const double seed = p.count("seed") ? p["seed"] : 1.0;
        if (!(seed >= 0.0) || seed != std::floor(seed)) throw strider::InputError("policy: seed must be a whole number >= 0");
        driver->noise = std::make_unique<strider::Random>(strider::rl::stream_seed(static_cast<std::uint64_t>(seed), {5}));
        driver->sample = !(p.count("mean") && p["mean"] != 0.0);
      } else {
        driver->optimizer = strider::make_optimizer(name, key_, overrides_of(parameters));
      }
      driver_ = std::move(driver);
      return restart();
    });
  }
  // The current driver's name ("" for none).
  std::string driver() const { return driver_ ? driver_->name : std::string(); }

  // One step of the driver (a basin-hopping step is one hop: a random move and a local
  // minimisation); returns {step, energy, maxForce, evaluations} (evaluations since start).
  val step() {
    return rethrow_as_js([&] {
      if (!driver_) throw strider::InputError("step: no optimiser started (start)");
      Driver& d = *driver_;
      double energy = 0.0;
      if (d.optimizer) {
        const strider::StepReport r = d.optimizer->step(system_, evaluator_);
        d.step = r.step;
        energy = r.energy;
      } else if (d.hopping) {
        const strider::HopReport r = d.hopping->hop(system_, evaluator_);
        d.step = r.hop;
        energy = r.energy;
      } else {
        // One step of `strider rollout`: the same noise stream, one draw per coordinate.
        strider::rl::RolloutSettings settings;
        settings.steps = 1;
        settings.sample = d.sample;
        const strider::rl::Episode episode = strider::rl::rollout(*policy_, system_, evaluator_, settings, *d.noise);
        // rollout() evaluates its start again, a state already counted: the CLI counts T + 1 for T steps.
        ++d.evaluations_start;
        system_.positions = episode.positions.back();
        system_.previous_displacement = episode.actions.back();  // the next step's, as in a T-step rollout
        ++d.step;
        energy = episode.evaluations.back().energy;
      }
      if (!std::isfinite(energy) || !system_.positions.allFinite()) {
        throw strider::rl::DivergedError(d.name + ": the energy is no longer finite at step " + std::to_string(d.step));
      }
      sync_evaluation(energy);
      return report_of(d.step, energy, max_force(), evaluator_.evaluations() - d.evaluations_start);
    });
  }
  // Reads a policy weight file (text of the format of shared/policy-weights.md) for this
  // structure's system; returns its parameter count.
  int load_policy(const std::string& text, const std::string& source) {
    return rethrow_as_js([&] {
      std::istringstream in(text);
      strider::PolicyFile file = strider::read_policy_weights(in, source);
      const std::string policy_system = file.policy->config().graph.system;
      if (policy_system != key_) {
        throw strider::InputError(source + ": the policy is for " + policy_system + ", the structure is " + key_);
      }
      adaptation_.reset();  // it adapts the policy being replaced
      policy_ = std::move(file.policy);
      return policy_->parameter_count();
    });
  }
  // Whether a policy is loaded.
  bool has_policy() const { return static_cast<bool>(policy_); }
  // The loaded policy (adapted or not) as a weight file's text (shared/policy-weights.md),
  // which loadPolicy and `strider adapt` read.
  std::string policy_weights() const {
    return rethrow_as_js([&] {
      if (!policy_) throw strider::InputError("policyWeights: no policy loaded (loadPolicy)");
      std::ostringstream out;
      strider::write_policy_weights(out, *policy_);
      return out.str();
    });
  }

  // Adapts the loaded policy to the current structure for `epochs` more epochs (paper
  // section 3.5, strider adapt with one seed): each epoch a T-step rollout, an Adam update
  // of the policy, the next start the lowest of the last 3 states. Calls continue one run
  // (its Adam state and next start kept), so E calls of adapt(1) are one `strider adapt
  // --epochs E --seeds 1`; a new run starts when the structure was changed by anything
  // else since the last call, or a policy was loaded. The structure becomes the lowest
  // start seen, the policy keeps its learned parameters. options (read when a run starts):
  // seed (default 1), steps (T, 15), lr (Adam, 5e-4 as strider adapt), estimator ("pathwise", "bptt" or "reinforce").
  // Returns the run so far: {initialEnergy, finalEnergy, startEnergies: [...], epochs,
  // diverged, message}.
  val adapt(int epochs, const val& options) {
    return rethrow_as_js([&] {
      if (!policy_) throw strider::InputError("adapt: no policy loaded (loadPolicy)");
      const bool changed = system_.positions.cols() != adapted_positions_.cols() ||
                           system_.positions != adapted_positions_;
      if (!adaptation_ || changed) {
        strider::rl::AdaptSettings s;
        s.system = key_;
        s.potential = options_;
        s.seeds = 1;
        s.seed = static_cast<std::uint64_t>(whole_option(options, "seed", 1, 0, 1LL << 53));
        s.steps = static_cast<int>(whole_option(options, "steps", s.steps, 1, 1000));
        s.adam.learning_rate = option<double>(options, "lr", s.adam.learning_rate);
        s.estimator = strider::rl::estimator_from_string(option<std::string>(options, "estimator", "pathwise"));
        adaptation_ = std::make_unique<strider::rl::AdaptSession>(*policy_, system_, s);
      }
      for (int k = 0; k < epochs; ++k) {
        if (!adaptation_->step()) break;
      }
      const strider::rl::AdaptRun& run = adaptation_->run();
      system_ = run.best;
      moved();
      adapted_positions_ = system_.positions;
      val out = val::object();
      out.set("initialEnergy", run.initial_energy);
      out.set("finalEnergy", run.final_energy);
      out.set("startEnergies", val::array(run.start_energies.begin(), run.start_energies.end()));
      out.set("epochs", static_cast<double>(run.epochs));
      out.set("diverged", run.diverged);
      out.set("message", run.message);
      return out;
    });
  }

  // JS array, one per system strider knows, in the registry's order: {key, description,
  // units, energy, length, temperature (unit names), datasetTemperature (the protocol's
  // NVT temperature), species (names), search: {temperature, step, fmax} (basin
  // hopping's defaults, as `strider search`)}.
  static val known_systems() {
    val out = val::array();
    for (const strider::SystemSpec& spec : strider::system_specs()) {
      const strider::Units& units = strider::units_named(spec.units);
      val entry = val::object();
      entry.set("key", spec.key);
      entry.set("description", spec.description);
      entry.set("units", spec.units_description);
      entry.set("energy", units.energy);
      entry.set("length", units.length);
      entry.set("temperature", units.temperature);
      entry.set("datasetTemperature", spec.dataset.settings.temperature);
      val species = val::array();
      for (const std::string& name : spec.graph.species) species.call<void>("push", name);
      entry.set("species", species);
      val search = val::object();
      search.set("temperature", spec.search.temperature);
      search.set("step", spec.search.step);
      search.set("fmax", spec.search.fmax);
      entry.set("search", search);
      out.call<void>("push", entry);
    }
    return out;
  }

 private:
  template <class T>
  static val view(const T* data, Eigen::Index n) {
    return val(emscripten::typed_memory_view(static_cast<size_t>(n), data));
  }
  void evaluate_now() { result_ = last_ = &evaluator_.evaluate(system_); }

  // After the atoms moved from outside the driver: evaluate, restart the driver there.
  void moved() {
    evaluate_now();
    if (driver_) restart();
  }
  // (Re)starts the driver at the current positions; returns the report of step 0.
  val restart() {
    Driver& d = *driver_;
    d.step = 0;
    d.evaluations_start = evaluator_.evaluations();
    system_.previous_displacement.resize(3, 0);  // a run starts without a previous policy step
    double energy = result_->energy;
    if (d.optimizer) energy = d.optimizer->init(system_, evaluator_).energy;
    if (d.hopping) energy = d.hopping->init(system_, evaluator_).energy;
    if (d.noise) --d.evaluations_start;  // policy: the start's evaluation is the run's first, as in the CLI
    sync_evaluation(energy);
    return report_of(0, energy, max_force(), evaluator_.evaluations() - d.evaluations_start);
  }
  // Points result_ at an evaluation of the current positions, whose energy is `energy`:
  // the driver's last evaluation (the usual case), else (L-BFGS undid a step, basin hopping
  // went back to its minimum) a fresh one by a second evaluator, so that the driver's
  // evaluator counts the evaluations the CLI counts.
  void sync_evaluation(double energy) {
    result_ = last_;
    if (result_->energy == energy) return;
    if (!display_) display_ = std::make_unique<strider::Evaluator>(strider::make_potential(key_, options_));
    result_ = &display_->evaluate(system_);
  }

  std::string key_;
  strider::PotentialOptions options_;
  strider::System system_;
  strider::Evaluator evaluator_;
  const strider::Evaluation* result_ = nullptr;  // the latest evaluation at the current positions
  const strider::Evaluation* last_ = nullptr;    // evaluator_'s own result (the same object after every call)
  std::unique_ptr<strider::Evaluator> display_;  // see sync_evaluation
  std::unique_ptr<Driver> driver_;
  std::unique_ptr<strider::StriderPolicy> policy_;
  std::unique_ptr<strider::rl::AdaptSession> adaptation_;  // the run adapt() continues
  Eigen::Matrix3Xd adapted_positions_;                     // where adapt() left the structure
};

// The engine's version string ("0.1.0").
std::string version() { return STRIDER_VERSION; }

}  // namespace

EMSCRIPTEN_BINDINGS(strider) {
  emscripten::class_<Engine>("Engine")
      .constructor(&Engine::from_extxyz_text, emscripten::allow_raw_pointers())
      .constructor(&Engine::from_extxyz, emscripten::allow_raw_pointers())
      .class_function("generate", &Engine::generate, emscripten::allow_raw_pointers())
      .function("clone", &Engine::clone, emscripten::allow_raw_pointers())
      .function("size", &Engine::size)
      .function("system", &Engine::system)
      .function("energy", &Engine::energy)
      .function("energyPerAtom", &Engine::energy_per_atom)
      .function("maxForce", &Engine::max_force)
      .function("forces", &Engine::forces)
      .function("perAtomEnergies", &Engine::per_atom_energies)
      .function("positions", &Engine::positions)
      .function("species", &Engine::species)
      .function("speciesNames", &Engine::species_names)
      .function("box", &Engine::box)
      .function("toExtxyz", &Engine::to_extxyz)
      .function("setPositions", &Engine::set_positions)
      .function("evaluate", &Engine::evaluate)
      .function("moveAtom", &Engine::move_atom)
      .function("shake", &Engine::shake)
      .function("start", &Engine::start)
      .function("driver", &Engine::driver)
      .function("step", &Engine::step)
      .function("loadPolicy", &Engine::load_policy)
      .function("hasPolicy", &Engine::has_policy)
      .function("policyWeights", &Engine::policy_weights)
      .function("adapt", &Engine::adapt)
      .class_function("optimizerParameters", &Engine::optimizer_parameters)
      .class_function("optimizerPreset", &Engine::optimizer_preset)
      .class_function("driverNames", &Engine::driver_names)
      .class_function("knownSystems", &Engine::known_systems);
  emscripten::function("version", &version);
}
