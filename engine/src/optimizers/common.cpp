#include "common.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "strider/error.hpp"
#include "strider/system.hpp"
#include "strider/text.hpp"

namespace strider::optimizers {

void displace(System& system, const Eigen::Matrix3Xd& displacement) {
  system.positions += displacement;
  wrap_positions(system);
}

StepReport make_report(long step, double energy, const Eigen::Matrix3Xd& forces, const Evaluator& evaluator,
                       long evaluations_start) {
  StepReport report;
  report.step = step;
  report.energy = energy;
  report.max_force = max_atom_force(forces);
  report.evaluations = evaluator.evaluations() - evaluations_start;
  return report;
}

namespace {

[[noreturn]] void fail(const std::string& optimizer, const std::string& name, double value, const std::string& what) {
  throw InputError(optimizer + ": " + name + " must be " + what + " (got " + io::format_double(value) + ")");
}

}  // namespace

void require_positive(const std::string& optimizer, const std::string& name, double value) {
  if (!(std::isfinite(value) && value > 0.0)) fail(optimizer, name, value, "a finite number > 0");
}

void require_open_unit(const std::string& optimizer, const std::string& name, double value) {
  if (!(std::isfinite(value) && value > 0.0 && value < 1.0)) fail(optimizer, name, value, "between 0 and 1 (exclusive)");
}

void require_count(const std::string& optimizer, const std::string& name, double value, long minimum) {
  if (!(std::isfinite(value) && value >= static_cast<double>(minimum) && value <= 1e9 && value == std::floor(value))) {
    fail(optimizer, name, value, "a whole number >= " + std::to_string(minimum));
  }
}

void require_flag(const std::string& optimizer, const std::string& name, double value) {
  if (!(value == 0.0 || value == 1.0)) fail(optimizer, name, value, "0 or 1");
}

void require_at_least(const std::string& optimizer, const std::string& name, double value, double minimum) {
  if (!(std::isfinite(value) && value >= minimum)) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", minimum);
    fail(optimizer, name, value, std::string("a finite number >= ") + text);
  }
}

std::vector<OptimizerParameter> bind_parameters(const std::string& optimizer, const std::vector<Binding>& bindings,
                                                const ParameterOverrides& values) {
  for (const auto& override : values) {
    const std::string& name = override.first;  // not a structured binding: clang 14 (Emscripten) cannot capture one
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

}  // namespace strider::optimizers
