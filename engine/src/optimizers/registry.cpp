// The optimisers by name, with the paper's Table 6 presets per system
// (docs/optimizers.md, "The presets") and named parameter overrides.
#include <algorithm>

#include "strider/error.hpp"
#include "strider/optimizers.hpp"

namespace strider {

namespace {

// The systems with presets; `lj` takes the lj-binary values (both reduced units).
enum class PresetSystem { LjBinary, SwSi, Csh };

PresetSystem preset_system(const std::string& key) {
  if (key == "lj-binary" || key == "lj") return PresetSystem::LjBinary;
  if (key == "sw-si") return PresetSystem::SwSi;
  if (key == "csh") return PresetSystem::Csh;
  throw InputError("no optimiser presets for system '" + key + "' (known: lj-binary, sw-si, csh, lj)");
}

// Picks the value for a system: (lj-binary and lj, sw-si, csh).
double per_system(PresetSystem system, double lj_binary, double sw_si, double csh) {
  switch (system) {
    case PresetSystem::LjBinary: return lj_binary;
    case PresetSystem::SwSi: return sw_si;
    case PresetSystem::Csh: return csh;
  }
  return lj_binary;
}

// A parameter bound to a field of a parameter struct.
struct Binding {
  const char* name;
  double* value;
  const char* help;
};

// Applies overrides to the bound fields (InputError for an unknown name) and
// lists the resulting values.
std::vector<OptimizerParameter> apply(const std::string& optimizer, const std::vector<Binding>& bindings,
                                      const ParameterOverrides& overrides) {
  for (const auto& override : overrides) {
    const std::string& name = override.first;
    auto it = std::find_if(bindings.begin(), bindings.end(), [&](const Binding& b) { return name == b.name; });
    if (it == bindings.end()) {
      std::string known;
      for (const Binding& b : bindings) known += (known.empty() ? "" : ", ") + std::string(b.name);
      throw InputError("unknown parameter '" + name + "' for optimizer " + optimizer + " (known: " + known + ")");
    }
    *it->value = override.second;
  }
  std::vector<OptimizerParameter> out;
  for (const Binding& b : bindings) out.push_back({b.name, *b.value, b.help});
  return out;
}

// Builds an optimiser into *made and lists its parameters.
std::vector<OptimizerParameter> build(const std::string& name, const std::string& system_key,
                                      const ParameterOverrides& overrides, std::unique_ptr<Optimizer>* made) {
  const auto& names = optimizer_names();
  if (std::find(names.begin(), names.end(), name) == names.end()) {
    std::string known;
    for (const std::string& n : names) known += (known.empty() ? "" : ", ") + n;
    throw InputError("unknown optimizer '" + name + "' (known: " + known + ")");
  }
  const PresetSystem sys = preset_system(system_key);
  if (name == "gd") {
    GradientDescentParameters p;
    p.learning_rate = per_system(sys, 5e-4, 1e-3, 5e-4);
    auto list = apply(name, {{"learning_rate", &p.learning_rate, "x += learning_rate F (length^2 / energy)"}}, overrides);
    *made = std::make_unique<GradientDescent>(p);
    return list;
  }
  if (name == "adam") {
    AdamParameters p;
    p.learning_rate = per_system(sys, 0.05, 0.1, 1.0);
    auto list = apply(name,
                      {{"learning_rate", &p.learning_rate, "step scale (length)"},
                       {"beta1", &p.beta1, "decay of the first moment"},
                       {"beta2", &p.beta2, "decay of the second moment"},
                       {"epsilon", &p.epsilon, "added to sqrt(v_hat) (energy / length)"}},
                      overrides);
    *made = std::make_unique<Adam>(p);
    return list;
  }
  if (name == "fire") {
    FireParameters p;
    p.dt_start = per_system(sys, 0.01, 0.5, 5e-3);
    auto list = apply(name,
                      {{"dt_start", &p.dt_start, "initial time step (unit mass; dt^2 F is a length)"},
                       {"dt_max", &p.dt_max, "largest time step"},
                       {"n_min", &p.n_min, "steps with P >= 0 before dt grows"},
                       {"f_inc", &p.f_inc, "dt growth factor"},
                       {"f_dec", &p.f_dec, "dt shrink factor when P < 0"},
                       {"alpha_start", &p.alpha_start, "initial velocity mixing"},
                       {"f_alpha", &p.f_alpha, "mixing decay factor"}},
                      overrides);
    *made = std::make_unique<Fire>(p);
    return list;
  }
  if (name == "fire2") {
    // Not in the paper: dt_max = 10 dt_start near the stability limit of each
    // system's stiffest pair (the fastest to a force tolerance on the
    // tests/references structures), dmax scaled with the length unit.
    Fire2Parameters p;
    p.dt_start = per_system(sys, 0.003, 0.05, 0.002);
    p.dmax = per_system(sys, 0.1, 0.1, 2.5);
    auto list = apply(name,
                      {{"dt_start", &p.dt_start, "initial time step (unit mass; dt^2 F is a length)"},
                       {"t_max", &p.t_max, "dt_max = t_max dt_start"},
                       {"t_min", &p.t_min, "dt_min = t_min dt_start"},
                       {"dmax", &p.dmax, "cap on dt times the largest velocity component (length)"},
                       {"n_delay", &p.n_delay, "steps after a reset before dt grows"},
                       {"f_inc", &p.f_inc, "dt growth factor"},
                       {"f_dec", &p.f_dec, "dt shrink factor when P <= 0"},
                       {"alpha_start", &p.alpha_start, "initial velocity mixing"},
                       {"f_alpha", &p.f_alpha, "mixing decay factor"},
                       {"half_step_back", &p.half_step_back, "1: x -= dt/2 V when P <= 0"},
                       {"initial_delay", &p.initial_delay, "1: no dt or alpha reset in the first n_delay steps"}},
                      overrides);
    *made = std::make_unique<Fire2>(p);
    return list;
  }
  if (name == "lbfgs") {
    LbfgsParameters p;
    p.max_step = per_system(sys, 0.2, 0.2, 5.0);
    p.first_step = per_system(sys, 0.02, 0.02, 0.5);
    auto list = apply(name,
                      {{"memory", &p.memory, "(s, y) pairs kept"},
                       {"max_step", &p.max_step, "largest displacement of one atom in one step (length)"},
                       {"first_step", &p.first_step, "largest atom displacement of a steepest-descent step (length)"}},
                      overrides);
    *made = std::make_unique<Lbfgs>(p);
    return list;
  }
  return {};  // unreachable: the name was checked above
}

}  // namespace

const std::vector<std::string>& optimizer_names() {
  static const std::vector<std::string> names{"gd", "adam", "fire", "fire2", "lbfgs"};
  return names;
}

std::unique_ptr<Optimizer> make_optimizer(const std::string& name, const std::string& system_key,
                                          const ParameterOverrides& overrides) {
  std::unique_ptr<Optimizer> made;
  build(name, system_key, overrides, &made);
  return made;
}

std::vector<OptimizerParameter> optimizer_parameters(const std::string& name, const std::string& system_key,
                                                     const ParameterOverrides& overrides) {
  std::unique_ptr<Optimizer> checked;  // constructing it validates the values
  return build(name, system_key, overrides, &checked);
}

long paper_steps(const std::string& system_key) {
  return preset_system(system_key) == PresetSystem::Csh ? 2000 : 1000;
}

}  // namespace strider
