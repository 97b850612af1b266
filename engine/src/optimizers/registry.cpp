// The optimisers by name, with the presets of each system (its SystemSpec: the
// paper's Table 6 and the stable changes to it; docs/optimizers.md) and named
// parameter overrides.
#include <algorithm>

#include "strider/error.hpp"
#include "strider/optimizers.hpp"
#include "strider/system_spec.hpp"

namespace strider {

namespace {

// The values of a preset for optimiser `name` on a system: the paper's, then (stable)
// the system's changes to them, then `overrides`; later ones win.
ParameterOverrides preset_values(const std::string& name, const SystemSpec& system, OptimizerPreset preset,
                                 const ParameterOverrides& overrides) {
  ParameterOverrides values;
  auto add = [&](const std::map<std::string, ParameterOverrides>& table) {
    auto it = table.find(name);
    if (it == table.end()) return;
    for (const auto& [parameter, value] : it->second) values[parameter] = value;
  };
  add(system.paper_optimizers);
  if (preset == OptimizerPreset::stable) add(system.stable_changes);
  for (const auto& [parameter, value] : overrides) values[parameter] = value;
  return values;
}

// A parameter bound to a field of a parameter struct.
struct Binding {
  const char* name;
  double* value;
  const char* help;
};

// Sets the bound fields to `values` (InputError for an unknown name) and lists
// the resulting values.
std::vector<OptimizerParameter> apply(const std::string& optimizer, const std::vector<Binding>& bindings,
                                      const ParameterOverrides& values) {
  for (const auto& override : values) {
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
                                      const ParameterOverrides& overrides, OptimizerPreset preset,
                                      std::unique_ptr<Optimizer>* made) {
  const auto& names = optimizer_names();
  if (std::find(names.begin(), names.end(), name) == names.end()) {
    std::string known;
    for (const std::string& n : names) known += (known.empty() ? "" : ", ") + n;
    throw InputError("unknown optimizer '" + name + "' (known: " + known + ")");
  }
  const ParameterOverrides values = preset_values(name, system_spec(system_key), preset, overrides);
  if (name == "gd") {
    GradientDescentParameters p;
    auto list = apply(name, {{"learning_rate", &p.learning_rate, "x += learning_rate F (length^2 / energy)"}}, values);
    *made = std::make_unique<GradientDescent>(p);
    return list;
  }
  if (name == "adam") {
    AdamParameters p;
    auto list = apply(name,
                      {{"learning_rate", &p.learning_rate, "step scale (length)"},
                       {"beta1", &p.beta1, "decay of the first moment"},
                       {"beta2", &p.beta2, "decay of the second moment"},
                       {"epsilon", &p.epsilon, "added to sqrt(v_hat) (energy / length)"}},
                      values);
    *made = std::make_unique<Adam>(p);
    return list;
  }
  if (name == "fire") {
    FireParameters p;
    auto list = apply(name,
                      {{"dt_start", &p.dt_start, "initial time step (unit mass; dt^2 F is a length)"},
                       {"dt_max", &p.dt_max, "largest time step"},
                       {"n_min", &p.n_min, "steps with P >= 0 before dt grows"},
                       {"f_inc", &p.f_inc, "dt growth factor"},
                       {"f_dec", &p.f_dec, "dt shrink factor when P < 0"},
                       {"alpha_start", &p.alpha_start, "initial velocity mixing"},
                       {"f_alpha", &p.f_alpha, "mixing decay factor"}},
                      values);
    *made = std::make_unique<Fire>(p);
    return list;
  }
  if (name == "fire2") {
    Fire2Parameters p;
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
                      values);
    *made = std::make_unique<Fire2>(p);
    return list;
  }
  if (name == "lbfgs") {
    LbfgsParameters p;
    auto list = apply(name,
                      {{"memory", &p.memory, "(s, y) pairs kept"},
                       {"max_step", &p.max_step, "largest displacement of one atom in one step (length)"},
                       {"first_step", &p.first_step, "largest atom displacement of a steepest-descent step (length)"}},
                      values);
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

std::string to_string(OptimizerPreset preset) { return preset == OptimizerPreset::paper ? "paper" : "stable"; }

OptimizerPreset optimizer_preset_from_string(const std::string& name) {
  if (name == "stable") return OptimizerPreset::stable;
  if (name == "paper") return OptimizerPreset::paper;
  throw InputError("unknown preset '" + name + "' (known: stable, paper)");
}

std::unique_ptr<Optimizer> make_optimizer(const std::string& name, const std::string& system_key,
                                          const ParameterOverrides& overrides, OptimizerPreset preset) {
  std::unique_ptr<Optimizer> made;
  build(name, system_key, overrides, preset, &made);
  return made;
}

std::vector<OptimizerParameter> optimizer_parameters(const std::string& name, const std::string& system_key,
                                                     const ParameterOverrides& overrides, OptimizerPreset preset) {
  std::unique_ptr<Optimizer> checked;  // constructing it validates the values
  return build(name, system_key, overrides, preset, &checked);
}

long paper_steps(const std::string& system_key) { return system_spec(system_key).paper_steps; }

}  // namespace strider
