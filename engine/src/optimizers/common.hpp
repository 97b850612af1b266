#pragma once
// What every optimiser file shares: moving atoms (wrapping periodic axes),
// filling a StepReport, binding parameters to their names and checking them.
#include <memory>
#include <string>
#include <vector>

#include "strider/optimizer.hpp"
#include "strider/optimizers.hpp"

namespace strider::optimizers {

// positions += displacement (3 x N, length), then every atom wrapped into the
// box along its periodic axes; free axes are never wrapped.
void displace(System& system, const Eigen::Matrix3Xd& displacement);

// The report after `step` steps: energy, max |F_i| of forces (3 x N) and the
// evaluations made since evaluations_start (the evaluator's count at init).
StepReport make_report(long step, double energy, const Eigen::Matrix3Xd& forces, const Evaluator& evaluator,
                       long evaluations_start);

// What a parameter's value must be: finite and > 0; a fraction in (0, 1),
// exclusive; a whole count >= minimum; a flag 0 or 1; finite and >= minimum.
enum class Rule { positive, open_unit, count, flag, at_least };

// A parameter bound to a field of an optimiser's parameter struct, with its rule.
struct Binding {
  const char* name;
  double* value;
  const char* help;  // one line, with units
  Rule rule;
  double minimum = 0.0;  // of Rule::count and Rule::at_least
};

// Throws InputError("OPTIMIZER: NAME must be ... (got VALUE)") for the first
// bound value that breaks its rule.
void check_parameters(const std::string& optimizer, const std::vector<Binding>& bindings);

// Sets the bound fields to `values` (InputError naming the known parameters for
// an unknown name) and lists the resulting values in the bindings' order.
std::vector<OptimizerParameter> bind_parameters(const std::string& optimizer, const std::vector<Binding>& bindings,
                                                const ParameterOverrides& values);

// The registry's entry for optimiser class Made, built from a Parameters struct
// (its defaults) whose fields `bindings` names: name, one line, and the builder.
template <class Made, class Parameters>
OptimizerSpec make_spec(const std::string& name, const std::string& summary,
                        std::vector<Binding> (*bindings)(Parameters& parameters)) {
  return {name, summary, [name, bindings](const ParameterOverrides& values, std::unique_ptr<Optimizer>* made) {
            Parameters p;
            std::vector<OptimizerParameter> list = bind_parameters(name, bindings(p), values);
            *made = std::make_unique<Made>(p);
            return list;
          }};
}

}  // namespace strider::optimizers
