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

void check_parameters(const std::string& optimizer, const std::vector<Binding>& bindings) {
  for (const Binding& b : bindings) {
    const double value = *b.value;
    switch (b.rule) {
      case Rule::positive:
        if (!(std::isfinite(value) && value > 0.0)) fail(optimizer, b.name, value, "a finite number > 0");
        break;
      case Rule::open_unit:
        if (!(std::isfinite(value) && value > 0.0 && value < 1.0)) {
          fail(optimizer, b.name, value, "between 0 and 1 (exclusive)");
        }
        break;
      case Rule::count:
        if (!(std::isfinite(value) && value >= b.minimum && value <= 1e9 && value == std::floor(value))) {
          fail(optimizer, b.name, value, "a whole number >= " + std::to_string(static_cast<long>(b.minimum)));
        }
        break;
      case Rule::flag:
        if (!(value == 0.0 || value == 1.0)) fail(optimizer, b.name, value, "0 or 1");
        break;
      case Rule::at_least:
        if (!(std::isfinite(value) && value >= b.minimum)) {
          char text[32];
          std::snprintf(text, sizeof text, "%g", b.minimum);
          fail(optimizer, b.name, value, std::string("a finite number >= ") + text);
        }
        break;
    }
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
