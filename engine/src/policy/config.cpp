// Policy configuration: validation and the per-system presets (docs/policy.md;
// the displacement scale of each system is in its file under engine/src/systems/).
#include <cmath>

#include "strider/error.hpp"
#include "strider/policy.hpp"
#include "strider/system_spec.hpp"

namespace strider {

void PolicyArchitecture::validate() const {
  auto check = [](int value, int low, const char* name) {
    if (value < low || value > 4096) {
      throw InputError(std::string("policy architecture: ") + name + " must be between " + std::to_string(low) +
                       " and 4096 (got " + std::to_string(value) + ")");
    }
  };
  check(width, 1, "width");
  check(node_embed_layers, 1, "node_embed_layers");
  check(edge_embed_layers, 1, "edge_embed_layers");
  check(message_passing_steps, 0, "message_passing_steps");
  check(node_update_layers, 1, "node_update_layers");
  check(edge_update_layers, 1, "edge_update_layers");
  check(displacement_hidden_layers, 0, "displacement_hidden_layers");
  if (!(leaky_relu_slope > 0.0 && leaky_relu_slope < 1.0)) {
    throw InputError("policy architecture: leaky_relu_slope must be in (0, 1)");
  }
  if (!(batch_norm_momentum >= 0.0 && batch_norm_momentum <= 1.0)) {
    throw InputError("policy architecture: batch_norm_momentum must be in [0, 1]");
  }
  if (!(batch_norm_eps > 0.0) || !std::isfinite(batch_norm_eps)) {
    throw InputError("policy architecture: batch_norm_eps must be a finite positive number");
  }
}

void PolicyConfig::validate() const {
  graph.validate();
  architecture.validate();
  auto positive = [](double x) { return x > 0.0 && std::isfinite(x); };
  if (!positive(displacement_scale)) throw InputError("policy: displacement_scale must be a finite positive number");
  if (!positive(output_gain)) throw InputError("policy: output_gain must be a finite positive number");
  if (!positive(variance)) throw InputError("policy: variance must be a finite positive number");
}

std::string to_string(Initialisation initialisation) {
  switch (initialisation) {
    case Initialisation::torch: return "torch";
    case Initialisation::he: return "he";
    case Initialisation::lecun: return "lecun";
  }
  throw InputError("unknown initialisation");
}

Initialisation initialisation_from_string(const std::string& name) {
  for (Initialisation i : {Initialisation::torch, Initialisation::he, Initialisation::lecun}) {
    if (name == to_string(i)) return i;
  }
  throw InputError("unknown initialisation '" + name + "' (known: torch, he, lecun)");
}

PolicyConfig policy_preset(const std::string& system_key, GraphFeatures features) {
  PolicyConfig config;
  config.graph = graph_preset(system_key, features);
  config.displacement_scale = system_spec(system_key).displacement_scale;
  return config;
}

}  // namespace strider
