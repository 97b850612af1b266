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
#include "strider/rl_training.hpp"
#ifdef STRIDER_WITH_TORCH
#include "strider/torch/distributed.hpp"
#include "strider/torch/policy.hpp"
#endif

namespace strider::cli {

const CommandSpec train_spec{
    "train",
    "--system KEY --data DIR --out MODEL [--estimator pathwise|reinforce] [--epochs E] [--seed S]\n"
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
      options.push_back({"--features", "SET", "graph features: paper (eq. 3-4, default) or authors (their code)"});
      options.push_back({"--init", "NAME", "initial weights: lecun (truncated-normal weights of variance 1/fan_in,"
                                           " zero biases: flax's default, the authors' code; the default: the largest"
                                           " single gain in demos/ablation), torch (uniform weights and biases,"
                                           " torch.nn.Linear's: the untrained policy moves every atom alike) or he"});
      options.push_back({"--variance", "ALPHA", "action variance alpha (length^2), stored in MODEL (default 1e-5, the"
                                                " paper's; the authors' code sampled with alpha 1e-12)"});
      for (const OptionSpec& o : learning_options(15)) options.push_back(o);
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

std::string csv_number(double x) {
  char text[40];
  std::snprintf(text, sizeof text, "%.10g", x);
  return text;
}

// One row per epoch (epoch 0: validation only), validation columns empty between validations.
std::string curves_csv(const std::vector<rl::EpochRecord>& epochs, const std::vector<rl::ValidationRecord>& validations) {
  std::ostringstream out;
  out << "epoch,mean_return,mean_energy_change,mean_objective,gradient_norm,evaluations,"
         "validation_energy_change,validation_final_energy\n";
  std::size_t v = 0;
  auto validation_columns = [&](long epoch) {
    while (v < validations.size() && validations[v].epoch < epoch) ++v;
    if (v < validations.size() && validations[v].epoch == epoch) {
      return csv_number(validations[v].mean_energy_change) + "," + csv_number(validations[v].mean_final_energy);
    }
    return std::string(",");
  };
  if (!validations.empty() && validations.front().epoch == 0) {
    out << "0,,,,," << validations.front().evaluations << "," << validation_columns(0) << "\n";
  }
  for (const rl::EpochRecord& r : epochs) {
    out << r.epoch << "," << csv_number(r.mean_return) << "," << csv_number(r.mean_energy_change) << ","
        << csv_number(r.mean_objective) << "," << csv_number(r.gradient_norm) << "," << r.evaluations << ","
        << validation_columns(r.epoch) << "\n";
  }
  return out.str();
}

}  // namespace

int run_train(const ParsedArgs& args) {
  using Clock = std::chrono::steady_clock;
  const auto data_option = args.value("--data");
  if (!data_option) throw InputError("--data DIR is required");
  const auto out_option = args.value("--out");
  if (!out_option) throw InputError("--out MODEL is required");
  const std::string model_path = *out_option;
  const std::string checkpoint_path = model_path + ".checkpoint";
  const std::string log_path = args.value("--log").value_or(model_path + ".csv");
  {
    const std::filesystem::path parent = std::filesystem::path(model_path).parent_path();
    if (!parent.empty() && !std::filesystem::is_directory(parent)) {
      throw InputError("--out " + model_path + ": no such directory " + parent.string());
    }
  }

  const Dataset dataset = list_dataset(*data_option);
  std::string key = args.value("--system").value_or(dataset.system);
  if (key.empty()) throw InputError("--data names no system (no manifest.json): pass --system KEY");
  if (!dataset.system.empty() && dataset.system != key) {
    throw InputError("--system " + key + " differs from the dataset's system " + dataset.system);
  }

  rl::TrainSettings settings;
  settings.system = key;
  settings.potential = potential_options_from(args);
  apply_learning_options(learning_options_from(args, 15), settings);
  settings.batch_size = static_cast<int>(args.whole("--batch-size", 4, 1, 100000));
  settings.accumulation = static_cast<int>(args.whole("--accumulation", 2, 1, 100000));
  settings.validation_every = static_cast<int>(args.whole("--validation-every", 20, 1, 1000000000));
  settings.validation_steps = static_cast<int>(args.whole("--validation-steps", 20, 1, 100000));
  settings.seed = static_cast<std::uint64_t>(args.whole("--seed", 1, 0, 1L << 53));
  const long epochs = args.whole("--epochs", 100, 0, 1000000000);
  const GraphFeatures features = graph_features_from_string(args.value("--features").value_or("paper"));
  settings.validate();

  // The structures, resolved against the system's potential.
  const std::unique_ptr<Potential> potential = make_potential(key, settings.potential);
  std::vector<System> structures;
  for (const std::string& file : dataset.files) {
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
  const std::size_t n_training =
      std::clamp<std::size_t>(static_cast<std::size_t>(std::lround(0.75 * structures.size())), 1, structures.size() - 1);
  std::vector<System> training(structures.begin(), structures.begin() + static_cast<long>(n_training));
  std::vector<System> validation(structures.begin() + static_cast<long>(n_training), structures.end());

  // The reference line of the validation curve: FIRE (paper preset) over the same steps.
  double fire_reference = 0.0;
  for (const System& v : validation) {
    Evaluator evaluator(make_potential(key, settings.potential));
    const std::vector<double> e = rl::fire_baseline(v, evaluator, key, settings.validation_steps).energies;
    fire_reference += (e.back() - e.front()) / static_cast<double>(validation.size());
  }

  // The policy: fresh, or the one being resumed.
  std::unique_ptr<StriderPolicy> policy;
  std::unique_ptr<rl::TrainerState> resume_state;
  std::string initialisation;  // how the weights were first drawn, for the metadata
  if (args.flag("--resume")) {
    if (!std::filesystem::is_regular_file(checkpoint_path)) {
      throw InputError("--resume: no checkpoint " + checkpoint_path + " (start without --resume)");
    }
    PolicyFile file = load_policy(model_path);
    policy = std::move(file.policy);
    initialisation = nlohmann::json::parse(file.training).value("initialisation", "torch");
    if (policy->config().graph.system != key) {
      throw InputError("--resume: " + model_path + " is a " + policy->config().graph.system + " policy");
    }
    resume_state = std::make_unique<rl::TrainerState>(rl::read_checkpoint_file(checkpoint_path));
  } else {
    PolicyConfig config = policy_preset(key, features);
    config.initialisation = initialisation_from_string(args.value("--init").value_or("lecun"));
    if (auto alpha = variance_option(args)) config.variance = *alpha;
    policy = std::make_unique<StriderPolicy>(config, settings.seed);
    initialisation = to_string(config.initialisation);
  }

  // The network that trains: the engine's policy itself, or its LibTorch twin
  // (copied back into `policy` before every save).
  const std::string backend = args.value("--backend").value_or("engine");
  const std::string device = args.value("--device").value_or("cpu");
  if (backend != "engine" && backend != "torch") {
    throw InputError("--backend " + backend + ": unknown backend (known: engine, torch)");
  }
  if (backend == "engine" && device != "cpu") throw InputError("--device " + device + " needs --backend torch");
  PolicyModel* model = policy.get();
#ifdef STRIDER_WITH_TORCH
  std::unique_ptr<TorchPolicy> twin;
  std::unique_ptr<C10dEpisodeGroup> group;
  if (backend == "torch") {
    twin = std::make_unique<TorchPolicy>(*policy, device);
    model = twin.get();
    group = episode_group_from_environment();
  }
  const int processes = group ? group->size() : 1;
  const bool lead = !group || group->rank() == 0;
#else
  if (backend == "torch") throw InputError("--backend torch: this strider was built without LibTorch");
  const int processes = 1;
  const bool lead = true;
#endif

  rl::Trainer trainer(*model, settings, std::move(training), std::move(validation));
#ifdef STRIDER_WITH_TORCH
  if (group) trainer.set_group(group.get());
#endif
  if (resume_state) trainer.restore(*resume_state);
  const long first_epoch = trainer.epoch();

  auto metadata = [&](const rl::TrainerState& s) {
    nlohmann::json j{{"command", "strider train"},
                     {"backend", backend},
                     {"data", *data_option},
                     {"estimator", rl::to_string(settings.estimator)},
                     {"initialisation", initialisation},
                     {"variance", policy->variance()},
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
                     {"validation_structures", structures.size() - n_training}};
    if (!s.validations.empty()) {
      j["validation_energy_change"] = s.validations.back().mean_energy_change;
      j["validation_epoch"] = s.validations.back().epoch;
    }
    return j.dump();
  };
  auto save = [&](const rl::TrainerState& s) {
#ifdef STRIDER_WITH_TORCH
    if (twin) twin->copy_to(*policy);
#endif
    if (!lead) return;  // one writer: rank 0
    write_policy_weights_file(model_path, *policy, metadata(s));
    rl::write_checkpoint_file(checkpoint_path, s);
    io::write_file_atomically(log_path, curves_csv(s.epochs, s.validations));
  };

  Progress progress(epochs, "epochs");
  double last_return = NAN, last_validation = NAN;
  if (!trainer.validations().empty()) last_validation = trainer.validations().back().mean_energy_change;
  auto note = [&] {
    char text[96];
    std::snprintf(text, sizeof text, "reward %.5g  val <dE%d> %.5g", last_return, settings.validation_steps,
                  last_validation);
    return std::string(text);
  };
  const auto t0 = Clock::now();
  try {
    trainer.run(
        epochs,
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
                 e.what(), trainer.epoch() + 1, checkpoint_path.c_str());
    return 3;
  }
  progress.finish();
  if (trainer.epoch() == first_epoch) save(trainer.state());  // no epoch ran: still write the files
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();

  const auto& validations = trainer.validations();
  const auto best = std::min_element(validations.begin(), validations.end(), [](const auto& a, const auto& b) {
    return a.mean_energy_change < b.mean_energy_change;
  });
  if (!lead) return 0;
  if (args.flag("--json")) {
    nlohmann::json curve = nlohmann::json::array();
    for (const auto& v : validations) {
      curve.push_back({{"epoch", v.epoch},
                       {"mean_energy_change", v.mean_energy_change},
                       {"mean_final_energy", v.mean_final_energy},
                       {"evaluations", v.evaluations}});
    }
    nlohmann::json result{{"model", model_path},
                          {"checkpoint", checkpoint_path},
                          {"log", log_path},
                          {"system", key},
                          {"estimator", rl::to_string(settings.estimator)},
                          {"initialisation", initialisation},
                          {"variance", policy->variance()},
                          {"backend", backend},
                          {"device", device},
                          {"processes", processes},
                          {"epochs", trainer.epoch()},
                          {"resumed_from_epoch", first_epoch},
                          {"seed", settings.seed},
                          {"parameters", policy->parameter_count()},
                          {"training_structures", n_training},
                          {"validation_structures", structures.size() - n_training},
                          {"validation", curve},
                          {"fire_validation_energy_change", fire_reference},
                          {"evaluations", trainer.evaluations()},
                          {"seconds", seconds}};
    if (!validations.empty()) {
      result["final_validation_energy_change"] = validations.back().mean_energy_change;
      result["best_validation_energy_change"] = best->mean_energy_change;
      result["best_validation_epoch"] = best->epoch;
    }
    std::cout << result.dump() << "\n";
  } else {
    std::printf("system:       %s, %zu training and %zu validation structures\n", key.c_str(), n_training,
                structures.size() - n_training);
    std::printf("policy:       %d parameters, %s estimator, seed %llu, %s backend (%s, %d process%s)\n",
                policy->parameter_count(), rl::to_string(settings.estimator).c_str(),
                static_cast<unsigned long long>(settings.seed), backend.c_str(), device.c_str(), processes,
                processes == 1 ? "" : "es");
    std::printf("epochs:       %ld (from %ld), %ld energy evaluations, %.3g s\n", trainer.epoch(), first_epoch,
                trainer.evaluations(), seconds);
    if (!validations.empty()) {
      std::printf("validation:   <E_%d - E_0> %.10g at epoch 0 -> %.10g at epoch %ld (best %.10g at epoch %ld)\n",
                  settings.validation_steps, validations.front().mean_energy_change,
                  validations.back().mean_energy_change, validations.back().epoch, best->mean_energy_change,
                  best->epoch);
      std::printf("FIRE:         <E_%d - E_0> %.10g on the same structures (paper preset)\n",
                  settings.validation_steps, fire_reference);
    }
    std::printf("wrote:        %s, %s, %s\n", model_path.c_str(), checkpoint_path.c_str(), log_path.c_str());
  }
  return 0;
}

}  // namespace strider::cli
