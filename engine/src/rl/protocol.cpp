#include "strider/rl_protocol.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "strider/error.hpp"
#include "strider/evaluator.hpp"
#include "strider/rl.hpp"
#include "strider/text.hpp"

namespace strider::rl {

namespace {

bool is_readable(const std::string& path) { return std::ifstream(path).good(); }

}  // namespace

DatasetSplit split_dataset(std::vector<System> structures) {
  const std::size_t n = structures.size();
  if (n < 2) throw InputError("a dataset needs at least 2 structures (training and validation)");
  const std::size_t training = std::clamp<std::size_t>(static_cast<std::size_t>(std::lround(0.75 * n)), 1, n - 1);
  DatasetSplit split;
  split.validation.assign(std::make_move_iterator(structures.begin() + static_cast<long>(training)),
                          std::make_move_iterator(structures.end()));
  structures.resize(training);
  split.training = std::move(structures);
  return split;
}

double fire_reference(const std::vector<System>& structures, const std::string& key,
                      const PotentialOptions& potential, int steps) {
  double reference = 0.0;
  for (const System& start : structures) {
    Evaluator evaluator(make_potential(key, potential));
    const std::vector<double> e = fire_baseline(start, evaluator, key, steps).energies;
    reference += (e.back() - e.front()) / static_cast<double>(structures.size());
  }
  return reference;
}

std::string checkpoint_path(const std::string& model_path) { return model_path + ".checkpoint"; }

ResumedRun resume_run(const std::string& model_path, const std::string& key) {
  const std::string checkpoint = checkpoint_path(model_path);
  if (!is_readable(checkpoint)) throw InputError("no checkpoint " + checkpoint);
  if (!is_readable(model_path)) throw InputError(model_path + ": no such policy file");
  ResumedRun run{read_policy_weights_file(model_path), {}};
  const std::string& system = run.model.policy->config().graph.system;
  if (system != key) throw InputError(model_path + " is a " + system + " policy");
  run.state = read_checkpoint_file(checkpoint);
  return run;
}

std::string training_curves_csv(const std::vector<EpochRecord>& epochs,
                                const std::vector<ValidationRecord>& validations) {
  std::ostringstream out;
  out << "epoch,mean_return,mean_energy_change,mean_objective,gradient_norm,evaluations,"
         "validation_energy_change,validation_final_energy\n";
  std::size_t v = 0;
  auto validation_columns = [&](long epoch) {
    while (v < validations.size() && validations[v].epoch < epoch) ++v;
    if (v < validations.size() && validations[v].epoch == epoch) {
      return io::format_double(validations[v].mean_energy_change) + "," + io::format_double(validations[v].mean_final_energy);
    }
    return std::string(",");
  };
  if (!validations.empty() && validations.front().epoch == 0) {
    out << "0,,,,," << validations.front().evaluations << "," << validation_columns(0) << "\n";
  }
  for (const EpochRecord& r : epochs) {
    out << r.epoch << "," << io::format_double(r.mean_return) << "," << io::format_double(r.mean_energy_change) << ","
        << io::format_double(r.mean_objective) << "," << io::format_double(r.gradient_norm) << "," << r.evaluations << ","
        << validation_columns(r.epoch) << "\n";
  }
  return out.str();
}

int restart_candidates(const std::string& rule, int steps) {
  if (rule == "last3") return 3;
  if (rule == "any") return steps;
  throw InputError(rule + ": unknown rule (known: last3, any)");
}

}  // namespace strider::rl
