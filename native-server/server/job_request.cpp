#include "job_request.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "job_store.hpp"
#include "strider/jobs/contract.hpp"
#include "strider/optimizers.hpp"
#include "json_schema.hpp"
#include "request_schema.hpp"
#include "strider/text.hpp"

namespace strider::server {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// The contract's entry of a request's command (the schema admits only those).
const jobs::JobCommand& job_command(const std::string& name) {
  const jobs::JobCommand* command = jobs::find_job_command(name);
  if (!command) throw RequestError(400, "unknown command '" + name + "'", "command");
  return *command;
}

const JsonSchema& request_schema() {
  static const JsonSchema schema(json::parse(job_request_schema_text));
  return schema;
}

// "--name=value" for one option (inline, so a value starting with dashes is never read as an option).
std::vector<std::string> option_arguments(const json& options) {
  std::vector<std::string> out;
  for (const auto& [name, value] : options.items()) {
    if (value.is_boolean()) {
      if (value.get<bool>()) out.push_back(jobs::flag(name));
    } else if (value.is_number_integer()) {
      out.push_back(jobs::argument(name, std::to_string(value.get<long long>())));
    } else if (value.is_number()) {
      out.push_back(jobs::argument(name, io::format_double(value.get<double>())));
    } else {
      out.push_back(jobs::argument(name, value.get<std::string>()));
    }
  }
  return out;
}

// A number given as JSON number or numeric string; nullopt when it is neither.
std::optional<double> numeric(const json& value) {
  if (value.is_number()) return value.get<double>();
  if (!value.is_string()) return std::nullopt;
  double x = 0.0;
  if (!io::parse_double(value.get_ref<const std::string&>(), x)) return std::nullopt;
  return x;
}

void check_system(const std::string& key, const ServerConfig& config, const std::string& field) {
  for (const std::string& known : config.systems) {
    if (known == key) return;
  }
  std::string list;
  for (const std::string& known : config.systems) list += (list.empty() ? "" : ", ") + known;
  throw RequestError(400, "unknown system '" + key + "' (known: " + list + ")", field);
}

// The largest seed the CLI takes (a signed 64-bit integer).
void check_seed(const json& value, const std::string& field) {
  if (value.is_number_unsigned() && value.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
    throw RequestError(422, "over the largest seed, 2^63 - 1", field);
  }
}

// Caps on options that cost memory, disk or time beyond steps and epochs.
void check_option_caps(const std::string& name, const json& value, const ServerLimits& limits, const std::string& field) {
  const auto x = numeric(value);
  auto over = [&](double maximum, const std::string& what) {
    if (x && *x > maximum) {
      char text[32];
      std::snprintf(text, sizeof text, "%g", maximum);
      throw RequestError(422, "over the server's limit of " + std::string(text) + " " + what, field);
    }
  };
  if (name == "cutoff") over(limits.max_cutoff, "sigma (max_cutoff)");
  if (name == "seeds") over(static_cast<double>(limits.max_seeds), "seeds (max_seeds)");
  if (name == "batch-size") over(static_cast<double>(limits.max_batch_size), "episodes (max_batch_size)");
  if (name == "seed") check_seed(value, field);
  if (value.is_number_integer() && !value.is_number_unsigned() && value.get<long long>() < 0 &&
      (name == "every" || name == "seeds" || name == "batch-size")) {
    throw RequestError(400, "must not be negative", field);
  }
}

// What a command needs besides its own option table: minimize an optimizer,
// and a trajectory of at most max_frames frames.
void check_command_caps(const std::string& command, const json& options, const ServerLimits& limits) {
  if (command != "minimize") return;
  if (!options.contains("optimizer")) {
    throw RequestError(400, "minimize needs options.optimizer (" + optimizer_names_text() + ")", "options.optimizer");
  }
  const auto steps = options.contains("steps") ? numeric(options.at("steps")) : std::optional<double>(2000);
  const auto every = options.contains("every") ? numeric(options.at("every")) : std::nullopt;
  if (steps && every && *every >= 1 && *steps / *every > static_cast<double>(limits.max_frames)) {
    throw RequestError(422, "steps / every is over the server's limit of " + std::to_string(limits.max_frames) +
                                " trajectory frames (max_frames): raise every", "options.every");
  }
}

void check_options(const json& options, const ServerConfig& config) {
  const ServerLimits& limits = config.limits;
  for (const auto& item : options.items()) {  // not a structured binding: clang 14 cannot capture one
    const std::string& name = item.key();
    const json& value = item.value();
    const std::string field = "options." + name;
    if (jobs::is_reserved_option(name)) throw RequestError(400, "the server sets this option itself", field);
    if (name.empty() || name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") != std::string::npos ||
        name[0] == '-') {
      throw RequestError(400, "not an option name (lowercase letters, digits, dashes; no leading dashes)", field);
    }
    if (auto x = numeric(value); x && !std::isfinite(*x)) {
      throw RequestError(400, "must be a finite number, got " + value.dump(), field);
    }
    if (value.is_string() && value.get_ref<const std::string&>().find('\0') != std::string::npos) {
      throw RequestError(400, "contains a NUL character", field);
    }
    auto limit = [&](long maximum, const std::string& what) {
      const auto x = numeric(value);
      if (x && *x > static_cast<double>(maximum)) {
        throw RequestError(422, "over the server's limit of " + std::to_string(maximum) + " " + what, field);
      }
    };
    if (name == "epochs") limit(limits.max_epochs, "epochs (max_epochs)");
    if (name == "steps" || name == "budget" || name == "repeat") limit(limits.max_steps, "(max_steps)");
    if (name == "backend") {
      if (value != "engine" && value != "torch") throw RequestError(400, "must be \"engine\" or \"torch\"", field);
      if (value == "torch" && !config.torch) throw RequestError(422, "this server was built without LibTorch", field);
    }
    check_option_caps(name, value, limits, field);
    if (name == "system") {
      if (!value.is_string()) throw RequestError(400, "must be a system key", field);
      check_system(value.get<std::string>(), config, field);
    }
  }
}

void check_structure_text(const std::string& text, const ServerConfig& config, const std::string& field) {
  const StructureCheck check = config.check_structure(text);
  if (!check.error.empty()) throw RequestError(400, "unreadable structure: " + check.error, field);
  if (check.frames != 1) {
    throw RequestError(400, "one structure expected, the text has " + std::to_string(check.frames) + " frames", field);
  }
  if (check.atoms > config.limits.max_atoms) {
    throw RequestError(422, std::to_string(check.atoms) + " atoms, over the server's limit of " +
                                std::to_string(config.limits.max_atoms) + " (max_atoms)", field);
  }
  if (!check.system.empty()) check_system(check.system, config, field);
}

void require(bool ok, const std::string& message, const std::string& field) {
  if (!ok) throw RequestError(400, message, field);
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out.flush()) throw std::runtime_error("cannot write " + path.string());
}

// Any NaN or infinity (JSON has none, but 1e999 parses to infinity), with its path.
void check_finite(const json& value, const std::string& path) {
  if (value.is_number_float() && !std::isfinite(value.get<double>())) {
    throw RequestError(400, "must be a finite number (NaN and infinity are refused)", path);
  }
  if (value.is_object()) {
    for (const auto& [name, sub] : value.items()) check_finite(sub, path.empty() ? name : path + "." + name);
  } else if (value.is_array()) {
    for (std::size_t k = 0; k < value.size(); ++k) check_finite(value[k], path + "[" + std::to_string(k) + "]");
  }
}

}  // namespace

void check_job_request(const json& request, const ServerConfig& config, JobStore& store) {
  check_finite(request, "");
  if (auto violation = request_schema().validate(request)) {
    throw RequestError(400, (violation->path.empty() ? "request" : violation->path) + " " + violation->message,
                       violation->path);
  }
  const std::string command = request.at("command");
  const json options = request.value("options", json::object());
  check_options(options, config);
  if (request.contains("generate") && request.at("generate").contains("seed")) {
    check_seed(request.at("generate").at("seed"), "generate.seed");
  }

  // The inputs each command takes, and only those.
  const jobs::JobCommand& takes = job_command(command);
  require(takes.structure == request.contains("structure"),
          takes.structure ? command + " needs a structure (extxyz text)" : command + " takes no structure",
          "structure");
  if (takes.dataset) {
    require(request.contains("generate") != request.contains("dataset"),
            command + " needs either generate {system, n, count} or dataset (extxyz texts), not both", "generate");
  } else {
    require(!request.contains("generate") && !request.contains("dataset"), "only train takes a dataset", "generate");
  }
  if (takes.policy) {
    require(request.contains("policy") != request.contains("policy_job"),
            command + " needs either policy (weight file text) or policy_job (a train job's id), not both", "policy");
  } else {
    require(!request.contains("policy") && !request.contains("policy_job"), "only adapt takes a policy", "policy");
  }

  if (request.contains("structure")) check_structure_text(request.at("structure"), config, "structure");
  if (request.contains("generate")) {
    const json& g = request.at("generate");
    check_system(g.at("system"), config, "generate.system");
    if (g.at("n").get<long>() > config.limits.max_atoms) {
      throw RequestError(422, "over the server's limit of " + std::to_string(config.limits.max_atoms) + " atoms (max_atoms)",
                         "generate.n");
    }
    if (g.at("count").get<long>() > config.limits.max_structures) {
      throw RequestError(422, "over the server's limit of " + std::to_string(config.limits.max_structures) +
                                  " structures (max_structures)", "generate.count");
    }
  }
  if (request.contains("dataset")) {
    const json& d = request.at("dataset");
    if (static_cast<long>(d.size()) > config.limits.max_structures) {
      throw RequestError(422, "over the server's limit of " + std::to_string(config.limits.max_structures) +
                                  " structures (max_structures)", "dataset");
    }
    for (std::size_t k = 0; k < d.size(); ++k) check_structure_text(d[k], config, "dataset[" + std::to_string(k) + "]");
    require(options.contains("system"), "a dataset needs its system in options.system", "options.system");
  }
  if (request.contains("policy")) {
    require(request.at("policy").get<std::string>().rfind("strider-policy-weights", 0) == 0,
            "not a strider policy weight file (shared/policy-weights.md)", "policy");
  }
  if (request.contains("policy_job")) {
    const auto job = store.get(request.at("policy_job"));
    require(job && job->command == "train" && job->status == "succeeded", "not the id of a succeeded train job",
            "policy_job");
  }

  // The CLI's own option table has the last word on names and arity.
  const std::vector<JobStage> stages = job_stages(request, "/job", false);
  const JobStage& main = stages.back();
  if (const std::string error = config.check_arguments(main.args.front(), {main.args.begin() + 1, main.args.end()});
      !error.empty()) {
    throw RequestError(400, error, "options");
  }
  check_command_caps(command, options, config.limits);
}

void write_job_inputs(const json& request, const std::string& dir, const std::string& data_dir) {
  const fs::path folder(dir);
  fs::create_directories(folder);
  if (request.contains("structure")) write_text(folder / "input.xyz", request.at("structure"));
  if (request.contains("policy")) write_text(folder / "policy.weights", request.at("policy"));
  if (request.contains("policy_job")) {
    fs::copy_file(fs::path(data_dir) / "jobs" / request.at("policy_job").get<std::string>() / "model.weights",
                  folder / "policy.weights", fs::copy_options::overwrite_existing);
  }
  if (request.contains("dataset")) {
    fs::create_directories(folder / "data");
    const json& d = request.at("dataset");
    for (std::size_t k = 0; k < d.size(); ++k) {
      char name[32];
      std::snprintf(name, sizeof name, "%05zu.xyz", k);
      write_text(folder / "data" / name, d[k]);
    }
  }
}

std::vector<JobStage> job_stages(const json& request, const std::string& dir, bool resume) {
  namespace option = jobs::option;
  const std::string command = request.at("command");
  const jobs::JobCommand& job = job_command(command);
  const fs::path folder(dir);
  auto file = [&](const char* name) { return (folder / name).string(); };
  std::vector<JobStage> stages;
  std::vector<std::string> args{std::string(job.cli)};
  if (job.dataset) {
    if (request.contains("generate")) {
      const json& g = request.at("generate");
      stages.push_back({std::string(jobs::generate_command),
                        {std::string(jobs::generate_command), jobs::argument("system", g.at("system").get<std::string>()),
                         jobs::argument("n", std::to_string(g.at("n").get<long>())),
                         jobs::argument("count", std::to_string(g.at("count").get<long>())),
                         jobs::argument("seed", std::to_string(g.value("seed", 1L))),
                         jobs::argument(option::out, file("data.partial"))},
                        file("data")});
    }
    args.insert(args.end(), {jobs::argument(option::data, file("data")),
                             jobs::argument(option::out, file("model.weights")),
                             jobs::argument(option::log, file("curve.csv"))});
    if (resume) args.push_back(jobs::flag(jobs::resume_flag));
  } else {
    if (job.policy) args.push_back(file("policy.weights"));
    args.push_back(file("input.xyz"));
    if (command == "minimize") {
      args.push_back(jobs::argument(option::trajectory, file("trajectory.xyz")));
      // At most about 1000 frames unless the request says how often: a long run would fill the disk.
      const json options = request.value("options", json::object());
      const auto steps = options.contains("steps") ? numeric(options.at("steps")) : std::nullopt;
      if (!options.contains("every") && steps && *steps > 1000) {
        args.push_back(jobs::argument("every", std::to_string(static_cast<long>(std::ceil(*steps / 1000.0)))));
      }
    }
    if (job.structure_out) args.push_back(jobs::argument(option::out, file("structure.xyz")));
    if (job.policy) {
      args.insert(args.end(), {jobs::argument(option::policy_out, file("model.weights")),
                               jobs::argument(option::curve, file("curve.csv"))});
    }
  }
  args.push_back(jobs::flag(jobs::json_flag));
  for (std::string& a : option_arguments(request.value("options", json::object()))) args.push_back(std::move(a));
  stages.push_back({command, std::move(args), ""});
  return stages;
}

}  // namespace strider::server
