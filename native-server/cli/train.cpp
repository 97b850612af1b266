// `strider train --system KEY --data DIR --out MODEL`: learn a StriderNET policy on a dataset.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "learning.hpp"
#include "strider/system_spec.hpp"
#include "progress.hpp"
#include "strider/io.hpp"
#include "strider/rl_protocol.hpp"
#include "strider/rl_training.hpp"
#include "torch_backend.hpp"

namespace strider::cli {

const CommandSpec train_spec{
    "train",
    "--system KEY --data DIR --out MODEL [--estimator pathwise|bptt|reinforce] [--epochs E] [--seed S]\n"
    "                        [--resume] [--log CURVES.csv] [--validation-every K] [--json] [options]",
    "Train a StriderNET policy on a dataset (75% training, 25% validation) and write its weights.",
    {},
    [] {
      std::vector<OptionSpec> options = potential_options();
      options[0].help = "the system (default: the dataset's manifest): " + system_keys_text();
      options.push_back({"--data", "DIR", "dataset folder from strider generate (manifest.json + extxyz files;"
                                          " without a manifest, every .xyz file in name order) (required)"});
      options.push_back({"--out", "MODEL", "policy weight file to write (required); MODEL.checkpoint beside it"});
      options.push_back({"--epochs", "E", "epochs (parameter updates) in total (default 100)"});
      options.push_back({"--seed", "S", "seed of the initial weights, the episode order and the noise (default 1)"});
      options.push_back({"--resume", "", "continue the run whose MODEL and MODEL.checkpoint exist, up to --epochs"});
      options.push_back({"--log", "CURVES.csv", "training and validation curves (default MODEL.csv), rewritten at"
                                                " every checkpoint"});
      options.push_back({"--validation-every", "K", "epochs between validations and checkpoints (default 20)"});
      options.push_back({"--validation-steps", "T", "policy steps of a validation episode (default 20)"});
      options.push_back({"--batch-size", "B", "episodes per batch (default 4)"});
      options.push_back({"--accumulation", "A", "batches per update (default 2)"});
      options.push_back({"--features", "SET", "graph features: paper (the paper's eq. 3-4: one-hot species and"
                                              " per-atom energies, default), authors (what the authors' code used:"
                                              " no one-hot, r - sigma edges) or forces (strider's own: paper's plus"
                                              " each atom's force and its previous policy step)"});
      options.push_back({"--init", "NAME", "initial weights: lecun (truncated-normal weights of variance 1/fan_in,"
                                           " zero biases: flax's default, the authors' code; the default: the largest"
                                           " single gain in demos/ablation), torch (uniform weights and biases,"
                                           " torch.nn.Linear's: the untrained policy moves every atom alike) or he"});
      options.push_back({"--variance", "ALPHA", "action variance alpha (length^2), stored in MODEL (default 1e-5, the"
                                                " paper's; the authors' code sampled with alpha 1e-12)"});
      options.push_back({"--displacement-scale", "S", "the policy's displacement scale s (length unit; mu = s x 0.01 x"
                                                      " network output), stored in MODEL (default: the system's preset,"
                                                      " listed in docs/policy.md)"});
      for (const OptionSpec& o : learning_options(15, rl::AdamSettings{}.learning_rate)) options.push_back(o);
      options.push_back({"--backend", "NAME", "engine (the hand-written network, default) or torch (the LibTorch twin;"
                                              " data parallel over processes when WORLD_SIZE > 1, see below)"});
      options.push_back({"--device", "DEV", "with --backend torch: cpu (default) or cuda"});
      options.push_back({"--json", "", "print one JSON object at the end: model, curves, evaluations, seconds, ..."});
      return options;
    }(),
    "One epoch is one Adam update from B x A episodes (4 x 2) of T steps, each from\n"
    "the next training structure in a seeded random order. Rewards are energy\n"
    "decreases, returns discounted with gamma 0.9. The pathwise estimator (default)\n"
    "differentiates each step's return through the forces; reinforce (paper eq. 10)\n"
    "weights the score of each action by its return minus a baseline: FIRE's own\n"
    "return from the same structure (paper preset, once per structure) by default.\n"
    "Every K epochs (and at epoch 0) the policy runs 20 steps from every\n"
    "validation structure; the curve is <E_20 - E_0>, the mean energy change\n"
    "(lower is better). Then MODEL, MODEL.checkpoint and the log are written\n"
    "(atomically): a killed run continues with --resume exactly as if never\n"
    "stopped. The split is contiguous: the first 75% of the dataset's structures\n"
    "train, the rest validate.\n"
    "\n"
    "--backend torch runs the same training with the network in LibTorch (same\n"
    "options, files and logs; equal results to rounding). With WORLD_SIZE > 1,\n"
    "MASTER_ADDR, MASTER_PORT and RANK in the environment (as torchrun, mpirun\n"
    "wrappers or a shell loop set them), every process runs its share of each\n"
    "epoch's episodes and the gradients are summed with c10d (Gloo): the result\n"
    "equals one process's. Rank 0 writes the files and prints.\n"
    "\n"
    "The progress bar shows the epoch, the last epoch's mean return <D^0> (the\n"
    "reward) and the last validation's <E_20 - E_0>. The summary adds FIRE's\n"
    "<E_20 - E_0> on the validation structures as the line to beat.\n"};

namespace {

struct Dataset {
  std::string system;
  std::vector<std::string> files;
};

Dataset list_dataset(const std::filesystem::path& dir) {
  if (!std::filesystem::is_directory(dir)) throw InputError("--data " + dir.string() + ": no such folder");
  Dataset out;
  const std::filesystem::path manifest = dir / "manifest.json";
  if (std::filesystem::is_regular_file(manifest)) {
    std::ifstream in(manifest);
    nlohmann::json m;
    try {
      m = nlohmann::json::parse(in);
      if (m.contains("system")) out.system = m.at("system").get<std::string>();
      for (const auto& s : m.at("structures")) out.files.push_back((dir / s.at("file").get<std::string>()).string());
    } catch (const nlohmann::json::exception& e) {
      throw InputError(manifest.string() + ": not a dataset manifest (" + e.what() + ")");
    }
  } else {
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      const std::string ext = entry.path().extension().string();
      if (ext == ".xyz" || ext == ".extxyz") out.files.push_back(entry.path().string());
    }
    std::sort(out.files.begin(), out.files.end());
  }
  if (out.files.size() < 2) {
    throw InputError("--data " + dir.string() + ": needs at least 2 structures (training and validation)");
  }
  return out;
}

// A training run as the options describe it, checked before any work is done.
struct TrainRun {
  std::string data, model_path, checkpoint_path, log_path;
  Dataset dataset;
  rl::TrainSettings settings;  // settings.system: the system key
  long epochs = 0;
  GraphFeatures features = GraphFeatures::paper;  // of a fresh policy
  BackendChoice backend;
};

TrainRun train_run_from(const ParsedArgs& args) {
  TrainRun run;
  const auto data_option = args.value("--data");
  if (!data_option) throw InputError("--data DIR is required");
  const auto out_option = args.value("--out");
  if (!out_option) throw InputError("--out MODEL is required");
  run.data = *data_option;
  run.model_path = *out_option;
  run.checkpoint_path = rl::checkpoint_path(run.model_path);
  run.log_path = args.value("--log").value_or(run.model_path + ".csv");
  const std::filesystem::path parent = std::filesystem::path(run.model_path).parent_path();
  if (!parent.empty() && !std::filesystem::is_directory(parent)) {
    throw InputError("--out " + run.model_path + ": no such directory " + parent.string());
  }
  run.dataset = list_dataset(run.data);
  const std::string key = args.value("--system").value_or(run.dataset.system);
  if (key.empty()) throw InputError("--data names no system (no manifest.json): pass --system KEY");
  if (!run.dataset.system.empty() && run.dataset.system != key) {
    throw InputError("--system " + key + " differs from the dataset's system " + run.dataset.system);
  }
  rl::TrainSettings& settings = run.settings;
  settings.system = key;
  settings.potential = potential_options_from(args);
  apply_learning_options(learning_options_from(args, 15, rl::AdamSettings{}.learning_rate), settings);
  settings.batch_size = static_cast<int>(args.whole("--batch-size", 4, 1, 100000));
  settings.accumulation = static_cast<int>(args.whole("--accumulation", 2, 1, 100000));
  settings.validation_every = static_cast<int>(args.whole("--validation-every", 20, 1, 1000000000));
  settings.validation_steps = static_cast<int>(args.whole("--validation-steps", 20, 1, 100000));
  settings.seed = static_cast<std::uint64_t>(args.whole("--seed", 1, 0, 1L << 53));
  run.epochs = args.whole("--epochs", 100, 0, 1000000000);
  run.features = graph_features_from_string(args.value("--features").value_or("paper"));
  settings.validate();
  run.backend = backend_option(args);  // before any work: may hand over to strider-torch
  return run;
}

// The dataset's structures, resolved against the system's potential (errors name the file).
std::vector<System> load_dataset(const TrainRun& run) {
  const std::string& key = run.settings.system;
  const std::unique_ptr<Potential> potential = make_potential(key, run.settings.potential);
  std::vector<System> structures;
  for (const std::string& file : run.dataset.files) {
    const Frame frame = read_structure_file(file, potential->species_names());
    if (frame.system_key && *frame.system_key != key) {
      throw InputError(file + ": a " + *frame.system_key + " structure in a " + key + " training run");
    }
    try {
      structures.push_back(to_system(frame, *potential));
    } catch (const InputError& e) {
      throw InputError(file + ": " + e.what());
    }
  }
  return structures;
}

// The policy that trains: fresh from --init, --variance and --features, or the one being resumed.
struct StartingPolicy {
  std::unique_ptr<StriderPolicy> policy;
  std::unique_ptr<rl::TrainerState> resume_state;
  std::string initialisation;  // how the weights were first drawn, for the metadata
};

StartingPolicy starting_policy(const ParsedArgs& args, const TrainRun& run) {
  StartingPolicy start;
  const std::string& key = run.settings.system;
  if (args.flag("--resume")) {
    rl::ResumedRun resumed;
    try {
      resumed = rl::resume_run(run.model_path, key);
    } catch (const InputError& e) {
      throw InputError(std::string("--resume: ") + e.what() + " (start without --resume)");
    }
    start.policy = std::move(resumed.model.policy);
    start.initialisation = nlohmann::json::parse(resumed.model.training).value("initialisation", "torch");
    start.resume_state = std::make_unique<rl::TrainerState>(std::move(resumed.state));
  } else {
    PolicyConfig config = policy_preset(key, run.features);
    config.initialisation = initialisation_from_string(args.value("--init").value_or("lecun"));
    if (auto alpha = variance_option(args)) config.variance = *alpha;
    if (auto scale = args.number("--displacement-scale")) {
      if (!(*scale > 0.0) || !std::isfinite(*scale)) throw InputError("--displacement-scale must be a finite number > 0");
      config.displacement_scale = *scale;
    }
    start.policy = std::make_unique<StriderPolicy>(config, run.settings.seed);
    start.initialisation = to_string(config.initialisation);
  }
  return start;
}

// The "training" object of the weight file written at checkpoint `s`.
std::string training_metadata(const TrainRun& run, const StartingPolicy& start, const rl::TrainerState& s,
                              std::size_t n_training, std::size_t n_validation) {
  const rl::TrainSettings& settings = run.settings;
  nlohmann::json j{{"command", "strider train"},
                   {"backend", run.backend.name},
                   {"data", run.data},
                   {"estimator", rl::to_string(settings.estimator)},
                   {"initialisation", start.initialisation},
                   {"features", to_string(start.policy->config().graph.features)},
                   {"variance", start.policy->variance()},
                   {"displacement_scale", start.policy->config().displacement_scale},
                   {"epochs", s.epoch},
                   {"seed", settings.seed},
                   {"steps", settings.steps},
                   {"batch_size", settings.batch_size},
                   {"accumulation", settings.accumulation},
                   {"learning_rate", settings.adam.learning_rate},
                   {"clipping", rl::to_string(settings.clipping)},
                   {"clip", settings.clip},
                   {"baseline", rl::to_string(settings.baseline)},
                   {"training_structures", n_training},
                   {"validation_structures", n_validation}};
  if (!s.validations.empty()) {
    j["validation_energy_change"] = s.validations.back().mean_energy_change;
    j["validation_epoch"] = s.validations.back().epoch;
  }
  return j.dump();
}

// What a finished run reports (rank 0 only).
struct TrainOutcome {
  long first_epoch = 0, epochs = 0, evaluations = 0;
  int processes = 1;
  std::size_t n_training = 0, n_validation = 0;
  double fire_reference = 0.0, seconds = 0.0;
  std::vector<rl::ValidationRecord> validations;
};

void print_json_summary(const TrainRun& run, const StartingPolicy& start, const TrainOutcome& o) {
  const rl::TrainSettings& settings = run.settings;
  nlohmann::json curve = nlohmann::json::array();
  for (const auto& v : o.validations) {
    curve.push_back({{"epoch", v.epoch},
                     {"mean_energy_change", v.mean_energy_change},
                     {"mean_final_energy", v.mean_final_energy},
                     {"evaluations", v.evaluations}});
  }
  nlohmann::json result{{"model", run.model_path},
                        {"checkpoint", run.checkpoint_path},
                        {"log", run.log_path},
                        {"system", settings.system},
                        {"estimator", rl::to_string(settings.estimator)},
                        {"initialisation", start.initialisation},
                        {"features", to_string(start.policy->config().graph.features)},
                        {"variance", start.policy->variance()},
                        {"displacement_scale", start.policy->config().displacement_scale},
                        {"backend", run.backend.name},
                        {"device", run.backend.device},
                        {"processes", o.processes},
                        {"epochs", o.epochs},
                        {"resumed_from_epoch", o.first_epoch},
                        {"seed", settings.seed},
                        {"parameters", start.policy->parameter_count()},
                        {"training_structures", o.n_training},
                        {"validation_structures", o.n_validation},
                        {"validation", curve},
                        {"fire_validation_energy_change", o.fire_reference},
                        {"evaluations", o.evaluations},
                        {"seconds", o.seconds}};
  if (!o.validations.empty()) {
    const auto best = std::min_element(o.validations.begin(), o.validations.end(), [](const auto& a, const auto& b) {
      return a.mean_energy_change < b.mean_energy_change;
    });
    result["final_validation_energy_change"] = o.validations.back().mean_energy_change;
    result["best_validation_energy_change"] = best->mean_energy_change;
    result["best_validation_epoch"] = best->epoch;
  }
  std::cout << result.dump() << "\n";
}

void print_text_summary(const TrainRun& run, const StartingPolicy& start, const TrainOutcome& o) {
  const rl::TrainSettings& settings = run.settings;
  std::printf("system:       %s, %zu training and %zu validation structures\n", settings.system.c_str(), o.n_training,
              o.n_validation);
  std::printf("policy:       %d parameters, %s estimator, seed %llu, %s backend (%s, %d process%s)\n",
              start.policy->parameter_count(), rl::to_string(settings.estimator).c_str(),
              static_cast<unsigned long long>(settings.seed), run.backend.name.c_str(), run.backend.device.c_str(),
              o.processes, o.processes == 1 ? "" : "es");
  std::printf("epochs:       %ld (from %ld), %ld energy evaluations, %.3g s\n", o.epochs, o.first_epoch, o.evaluations,
              o.seconds);
  if (!o.validations.empty()) {
    const auto best = std::min_element(o.validations.begin(), o.validations.end(), [](const auto& a, const auto& b) {
      return a.mean_energy_change < b.mean_energy_change;
    });
    std::printf("validation:   <E_%d - E_0> %.10g at epoch 0 -> %.10g at epoch %ld (best %.10g at epoch %ld)\n",
                settings.validation_steps, o.validations.front().mean_energy_change,
                o.validations.back().mean_energy_change, o.validations.back().epoch, best->mean_energy_change,
                best->epoch);
    std::printf("FIRE:         <E_%d - E_0> %.10g on the same structures (paper preset)\n", settings.validation_steps,
                o.fire_reference);
  }
  std::printf("wrote:        %s, %s, %s\n", run.model_path.c_str(), run.checkpoint_path.c_str(), run.log_path.c_str());
}

}  // namespace

int run_train(const ParsedArgs& args) {
  const TrainRun run = train_run_from(args);
  rl::DatasetSplit split = rl::split_dataset(load_dataset(run));
  TrainOutcome outcome;
  outcome.n_training = split.training.size();
  outcome.n_validation = split.validation.size();
  outcome.fire_reference =
      rl::fire_reference(split.validation, run.settings.system, run.settings.potential, run.settings.validation_steps);
  StartingPolicy start = starting_policy(args, run);

  // The network that trains: the engine's policy itself, or its LibTorch twin
  // (copied back into start.policy before every save).
  const TorchBackend* torch = run.backend.torch;
  std::unique_ptr<PolicyModel> twin = torch ? torch->twin(*start.policy, run.backend.device) : nullptr;
  std::unique_ptr<rl::EpisodeGroup> group = torch ? torch->episode_group_from_environment() : nullptr;
  outcome.processes = group ? group->size() : 1;
  const bool lead = !group || group->rank() == 0;
  rl::Trainer trainer(twin ? *twin : static_cast<PolicyModel&>(*start.policy), run.settings,
                      std::move(split.training), std::move(split.validation));
  if (group) trainer.set_group(group.get());
  if (start.resume_state) trainer.restore(*start.resume_state);
  outcome.first_epoch = trainer.epoch();

  auto save = [&](const rl::TrainerState& s) {
    if (twin) torch->copy_back(*twin, *start.policy);
    if (!lead) return;  // one writer: rank 0
    write_policy_weights_file(run.model_path, *start.policy,
                              training_metadata(run, start, s, outcome.n_training, outcome.n_validation));
    rl::write_checkpoint_file(run.checkpoint_path, s);
    io::write_file_atomically(run.log_path, rl::training_curves_csv(s.epochs, s.validations));
  };

  Progress progress(run.epochs, "epochs");
  double last_return = NAN, last_validation = NAN;
  if (!trainer.validations().empty()) last_validation = trainer.validations().back().mean_energy_change;
  auto note = [&] {
    char text[96];
    std::snprintf(text, sizeof text, "reward %.5g  val <dE%d> %.5g", last_return, run.settings.validation_steps,
                  last_validation);
    return std::string(text);
  };
  const auto t0 = std::chrono::steady_clock::now();
  try {
    trainer.run(
        run.epochs,
        [&](const rl::EpochRecord& r) {
          last_return = r.mean_return;
          progress.update(r.epoch, note());
        },
        [&](const rl::ValidationRecord& v) {
          last_validation = v.mean_energy_change;
          progress.update(v.epoch, note());
        },
        save);
  } catch (const rl::DivergedError& e) {
    progress.finish();
    std::fprintf(stderr,
                 "strider train: error: %s at epoch %ld; the last checkpoint (%s) is kept: try a smaller --lr\n",
                 e.what(), trainer.epoch() + 1, run.checkpoint_path.c_str());
    return 3;
  }
  progress.finish();
  if (trainer.epoch() == outcome.first_epoch) save(trainer.state());  // no epoch ran: still write the files
  outcome.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  outcome.epochs = trainer.epoch();
  outcome.evaluations = trainer.evaluations();
  outcome.validations = trainer.validations();
  if (!lead) return 0;
  if (args.flag("--json")) {
    print_json_summary(run, start, outcome);
  } else {
    print_text_summary(run, start, outcome);
  }
  return 0;
}

}  // namespace strider::cli
