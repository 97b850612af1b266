// strider in JavaScript: the embind API over the engine (the only file that sees Emscripten).
//
//   const createStriderModule = require('./strider_engine.js');   // CommonJS factory
//   const strider = await createStriderModule();
//   const engine = new strider.Engine(xyzText, {system: 'sw-si'});  // evaluates once
//   engine.energy();          // total energy, the system's energy unit
//   engine.forces();          // Float64Array, 3N: x0 y0 z0 x1 ... (energy / length)
//   engine.setPositions(xyz); // 3N numbers, length unit; re-evaluates
//   engine.delete();          // embind objects are freed by hand
//
// Views: positions(), forces(), perAtomEnergies() and species() are typed arrays over
// the wasm heap, not copies. A view is invalidated by the next evaluation (setPositions,
// evaluate) and by any growth of the wasm memory (any call that allocates, e.g. building
// another Engine): read it at once, or keep a copy (view.slice()).
//
// Errors: bad input (a malformed file, an unknown system or species, a NaN coordinate)
// throws a JS Error whose message is the engine's ("input.xyz:3: ...").
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "strider/error.hpp"
#include "strider/evaluator.hpp"
#include "strider/frame.hpp"
#include "strider/io.hpp"
#include "strider/potential.hpp"

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
  } catch (const std::exception& e) {
    error = val::global("Error").new_("strider internal error: " + std::string(e.what()));
  }
  error.throw_();
}

// options[name] converted to T, or fallback when the field is absent (undefined or null).
template <class T>
T option(const val& options, const char* name, T fallback) {
  val v = options[name];
  return v.isUndefined() || v.isNull() ? fallback : v.as<T>();
}

// Throws InputError unless all n values are finite.
void require_finite(const double* values, size_t n, const std::string& what) {
  for (size_t k = 0; k < n; ++k) {
    if (!std::isfinite(values[k])) {
      throw strider::InputError(what + ": value " + std::to_string(k) + " is not finite");
    }
  }
}

// One structure with its potential and the latest evaluation.
class Engine {
 public:
  // Reads the first structure of extended-XYZ `text` and evaluates it. options (a JS
  // object, every field optional): system (key; default the file's system=), shift
  // (bool), cutoff (number, `lj` only, in sigma; 0 = none), name (the file name that
  // error messages show; default "input").
  static Engine* from_extxyz(const std::string& text, const val& options) {
    return rethrow_as_js([&] {
      const std::string name = option<std::string>(options, "name", "input");
      std::istringstream in(text);
      std::vector<strider::Frame> frames = strider::read_extxyz(in, name);
      if (frames.empty()) throw strider::InputError(name + ": no structure in the text");
      const strider::Frame& frame = frames.front();

      std::string key = option<std::string>(options, "system", "");
      if (key.empty()) key = frame.system_key.value_or("");
      if (key.empty()) {
        throw strider::InputError(name + ": no system given and no system= key in the file");
      }
      strider::PotentialOptions potential_options;
      potential_options.shift = option<bool>(options, "shift", false);
      potential_options.cutoff = option<double>(options, "cutoff", 0.0);
      auto potential = strider::make_potential(key, potential_options);
      strider::System system = strider::to_system(frame, *potential);
      auto engine = std::make_unique<Engine>(key, std::move(system), std::move(potential));
      engine->evaluate_now();
      return engine.release();
    });
  }
  // As above with every option at its default.
  static Engine* from_extxyz_text(const std::string& text) { return from_extxyz(text, val::object()); }

  Engine(std::string key, strider::System system, std::unique_ptr<strider::Potential> potential)
      : key_(std::move(key)), system_(std::move(system)), evaluator_(std::move(potential)) {}

  // Atom count N.
  int size() const { return system_.size(); }
  // The system key ("lj-binary", "sw-si", "csh", "lj").
  std::string system() const { return key_; }
  // Total energy of the latest evaluation (the system's energy unit).
  double energy() const { return result_->energy; }
  // Total energy / N.
  double energy_per_atom() const { return result_->energy / system_.size(); }
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

  // Copies 3N numbers (atom-major x, y, z; length unit; a JS array or typed array) into
  // the positions and re-evaluates; returns the new energy.
  double set_positions(const val& values) {
    return rethrow_as_js([&] {
      std::vector<double> v = emscripten::convertJSArrayToNumberVector<double>(values);
      if (v.size() != static_cast<size_t>(system_.positions.size())) {
        throw strider::InputError("setPositions: got " + std::to_string(v.size()) + " numbers, expected 3 x " +
                                  std::to_string(system_.size()));
      }
      require_finite(v.data(), v.size(), "setPositions");
      std::copy(v.begin(), v.end(), system_.positions.data());
      evaluate_now();
      return result_->energy;
    });
  }
  // Re-evaluates at the current positions (after writes through positions()); returns the energy.
  double evaluate() {
    return rethrow_as_js([&] {
      require_finite(system_.positions.data(), system_.positions.size(), "positions");
      evaluate_now();
      return result_->energy;
    });
  }

  // JS array of {key, description, units}, one per system strider knows.
  static val known_systems() {
    val out = val::array();
    for (const strider::SystemInfo& info : strider::known_systems()) {
      val entry = val::object();
      entry.set("key", info.key);
      entry.set("description", info.description);
      entry.set("units", info.units);
      out.call<void>("push", entry);
    }
    return out;
  }

 private:
  template <class T>
  static val view(const T* data, Eigen::Index n) {
    return val(emscripten::typed_memory_view(static_cast<size_t>(n), data));
  }
  void evaluate_now() { result_ = &evaluator_.evaluate(system_); }

  std::string key_;
  strider::System system_;
  strider::Evaluator evaluator_;
  const strider::Evaluation* result_ = nullptr;
};

// The engine's version string ("0.1.0").
std::string version() { return STRIDER_VERSION; }

}  // namespace

EMSCRIPTEN_BINDINGS(strider) {
  emscripten::class_<Engine>("Engine")
      .constructor(&Engine::from_extxyz_text)
      .constructor(&Engine::from_extxyz)
      .function("size", &Engine::size)
      .function("system", &Engine::system)
      .function("energy", &Engine::energy)
      .function("energyPerAtom", &Engine::energy_per_atom)
      .function("forces", &Engine::forces)
      .function("perAtomEnergies", &Engine::per_atom_energies)
      .function("positions", &Engine::positions)
      .function("species", &Engine::species)
      .function("speciesNames", &Engine::species_names)
      .function("box", &Engine::box)
      .function("setPositions", &Engine::set_positions)
      .function("evaluate", &Engine::evaluate)
      .class_function("knownSystems", &Engine::known_systems);
  emscripten::function("version", &version);
}
