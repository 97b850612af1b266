// The registry of optimisers, with the presets of each system (its SystemSpec:
// the paper's Table 6 and the stable changes to it; docs/optimizers.md) and named
// parameter overrides. Adding an optimiser: its file engine/src/optimizers/NAME.cpp
// defining strider::optimizers::NAME() (an OptimizerSpec), and one line X(NAME) below.
#include "strider/error.hpp"
#include "strider/optimizers.hpp"
#include "strider/system_spec.hpp"

// Every optimiser, in the order lists show them.
#define STRIDER_EACH_OPTIMIZER(X) \
  X(gd)                           \
  X(adam)                         \
  X(fire)                         \
  X(fire2)                        \
  X(lbfgs)                        \
  /* end of the list */

namespace strider {

namespace optimizers {
#define STRIDER_DECLARE_OPTIMIZER(name) OptimizerSpec name();
STRIDER_EACH_OPTIMIZER(STRIDER_DECLARE_OPTIMIZER)
#undef STRIDER_DECLARE_OPTIMIZER
}  // namespace optimizers

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

const OptimizerSpec& optimizer_spec(const std::string& name) {
  for (const OptimizerSpec& spec : optimizer_specs()) {
    if (spec.name == name) return spec;
  }
  throw InputError("unknown optimizer '" + name + "' (known: " + optimizer_names_text() + ")");
}

// Builds an optimiser into *made and lists its parameters.
std::vector<OptimizerParameter> build(const std::string& name, const std::string& system_key,
                                      const ParameterOverrides& overrides, OptimizerPreset preset,
                                      std::unique_ptr<Optimizer>* made) {
  const OptimizerSpec& spec = optimizer_spec(name);
  return spec.build(preset_values(name, system_spec(system_key), preset, overrides), made);
}

}  // namespace

const std::vector<OptimizerSpec>& optimizer_specs() {
#define STRIDER_MAKE_OPTIMIZER(name) optimizers::name(),
  static const std::vector<OptimizerSpec> specs{STRIDER_EACH_OPTIMIZER(STRIDER_MAKE_OPTIMIZER)};
#undef STRIDER_MAKE_OPTIMIZER
  return specs;
}

const std::vector<std::string>& optimizer_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const OptimizerSpec& spec : optimizer_specs()) out.push_back(spec.name);
    return out;
  }();
  return names;
}

std::string optimizer_names_text() {
  std::string known;
  for (const std::string& name : optimizer_names()) known += (known.empty() ? "" : ", ") + name;
  return known;
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
