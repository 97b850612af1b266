// The LibTorch twin (strider/torch/policy.hpp) against the engine's policy as the
// oracle: mu on graphs of all four systems and on one batch of graphs of
// different sizes (batch norm in both modes), parameter gradients for a given
// cotangent (the vector-Jacobian product both estimators reduce to), each
// estimator's gradient of a real episode, two training epochs, and weight files.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "strider/error.hpp"
#include "strider/evaluator.hpp"
#include "strider/io.hpp"
#include "strider/rl_training.hpp"
#include "strider/torch/policy.hpp"
#include "../reference_structures.hpp"

using namespace strider;

namespace {

using test::load_reference;
using test::normal_matrix;
using test::Structure;

// max |a - b| / max(max |b|, tiny): the relative difference the parity checks bound.
double relative_difference(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
  REQUIRE(a.rows() == b.rows());
  REQUIRE(a.cols() == b.cols());
  return (a - b).cwiseAbs().maxCoeff() / std::max(b.cwiseAbs().maxCoeff(), 1e-300);
}

// He initialisation: mu differs from atom to atom, so parity is checked on
// an atom-dependent output, not a near-constant one.
PolicyConfig config_for(const std::string& key, GraphFeatures features = GraphFeatures::paper) {
  PolicyConfig config = policy_preset(key, features);
  config.initialisation = Initialisation::he;
  return config;
}

// Running statistics near (not at) the graph's own, so eval mode differs from training mode.
void set_running_statistics(StriderPolicy& policy, const Graph& graph) {
  const Eigen::VectorXd mean = graph.node_features.rowwise().mean();
  const Eigen::VectorXd var = (graph.node_features.colwise() - mean).rowwise().squaredNorm() / graph.nodes;
  policy.set_running_statistics(mean.array() + 0.3, var.array() * 1.7 + 0.2);
}

struct Case {
  const char* file;
  const char* key;
};

const Case kSystems[] = {
    {"lj-binary-n100.xyz", "lj-binary"},
    {"sw-si-small8.xyz", "sw-si"},
    {"csh-small.xyz", "csh"},
    {"lj-cluster13.xyz", "lj"},
};

}  // namespace

TEST_CASE("torch mu equals the engine's on graphs of all four systems, batch norm in both modes", "[torch]") {
  for (const Case& c : kSystems) {
    for (bool training : {true, false}) {
      INFO(c.file << (training ? " (training)" : " (eval)"));
      const Structure s = load_reference(c.file, c.key, 0.05, 3);
      const Graph graph = build_graph(s.system, s.evaluation.per_atom, graph_preset(c.key));
      StriderPolicy engine(config_for(c.key), 11);
      set_running_statistics(engine, graph);
      TorchPolicy twin(engine);
      const Eigen::Matrix3Xd expected = engine.forward(graph, training);
      const Eigen::Matrix3Xd mu = twin.forward(std::vector<const Graph*>{&graph}, training).front();
      REQUIRE(expected.cwiseAbs().maxCoeff() > 0.0);
      CHECK(relative_difference(mu, expected) <= 1e-10);
      // Batch-norm running statistics move alike (training) or not at all (eval).
      CHECK(relative_difference(twin.running_mean(), engine.running_mean()) <= 1e-12);
      CHECK(relative_difference(twin.running_var(), engine.running_var()) <= 1e-12);
    }
  }
}

TEST_CASE("torch mu and gradients on one batch of graphs of different sizes equal the engine's graph by graph",
          "[torch]") {
  // Variants: the default network, L = 2 with centred mu on the authors' features,
  // and one-layer edge MLPs (their output kept per edge, not deferred past the means).
  for (int variant : {0, 1, 2}) {
    PolicyConfig config = config_for("lj-binary");
    if (variant == 1) {
      config = policy_preset("lj-binary", GraphFeatures::authors);
      config.initialisation = Initialisation::he;
      config.architecture.message_passing_steps = 2;
      config.architecture.center_mu = true;
    }
    if (variant == 2) {
      config.architecture.edge_embed_layers = 1;
      config.architecture.edge_update_layers = 1;
    }
    std::vector<Graph> graphs;
    graphs.push_back(build_graph(load_reference("lj-binary-n25.xyz", "lj-binary", 0.05, 1).system,
                                 load_reference("lj-binary-n25.xyz", "lj-binary", 0.05, 1).evaluation.per_atom, config.graph));
    for (std::uint64_t seed : {2, 3}) {
      const Structure s = load_reference(seed == 2 ? "lj-binary-n100.xyz" : "lj-binary-distorted.xyz", "lj-binary", 0.03, seed);
      graphs.push_back(build_graph(s.system, s.evaluation.per_atom, config.graph));
    }
    REQUIRE(graphs[0].nodes != graphs[1].nodes);
    std::vector<const Graph*> batch;
    for (const Graph& g : graphs) batch.push_back(&g);

    for (bool training : {true, false}) {
      INFO("variant " << variant << (training ? " (training)" : " (eval)"));
      StriderPolicy engine(config, 12);
      set_running_statistics(engine, graphs[1]);
      TorchPolicy twin(engine);
      Random rng(13);
      std::vector<Eigen::Matrix3Xd> cotangents;
      for (const Graph& g : graphs) cotangents.push_back(normal_matrix(g.nodes, rng));

      // The engine one graph at a time, its gradients accumulated.
      engine.zero_gradient();
      std::vector<Eigen::Matrix3Xd> expected;
      for (std::size_t k = 0; k < graphs.size(); ++k) {
        expected.push_back(engine.forward(graphs[k], training));
        engine.backward(cotangents[k]);
      }
      // The twin on the whole batch at once.
      twin.zero_gradient();
      const std::vector<Eigen::Matrix3Xd> mu = twin.forward(batch, training);
      twin.backward(cotangents);
      REQUIRE(mu.size() == graphs.size());
      for (std::size_t k = 0; k < graphs.size(); ++k) {
        INFO("graph " << k << ", N = " << graphs[k].nodes);
        CHECK(relative_difference(mu[k], expected[k]) <= 1e-10);
      }
      CHECK(engine.gradient().cwiseAbs().maxCoeff() > 0.0);
      CHECK(relative_difference(twin.gradient(), engine.gradient()) <= 1e-10);
      CHECK(relative_difference(twin.running_mean(), engine.running_mean()) <= 1e-12);
      CHECK(relative_difference(twin.running_var(), engine.running_var()) <= 1e-12);

      // Gradients accumulate over calls and zero_gradient clears them.
      const Eigen::VectorXd once = twin.gradient();
      twin.forward(batch, training);
      twin.backward(cotangents);
      CHECK(relative_difference(twin.gradient(), 2.0 * once) <= 1e-12);
      twin.zero_gradient();
      CHECK(twin.gradient().isZero());
    }
  }
}

TEST_CASE("torch parameter gradients of one vector-Jacobian product equal the engine's on all four systems",
          "[torch]") {
  for (const Case& c : kSystems) {
    for (bool training : {true, false}) {
      INFO(c.file << (training ? " (training)" : " (eval)"));
      const Structure s = load_reference(c.file, c.key, 0.05, 4);
      StriderPolicy engine(config_for(c.key), 14);
      const Graph graph = build_graph(s.system, s.evaluation.per_atom, engine.config().graph);
      set_running_statistics(engine, graph);
      TorchPolicy twin(engine);
      Random rng(15);
      const Eigen::Matrix3Xd w = normal_matrix(graph.nodes, rng);
      engine.forward(graph, training);
      engine.backward(w);
      twin.forward(std::vector<const Graph*>{&graph}, training);
      twin.backward(std::vector<Eigen::Matrix3Xd>{w});
      REQUIRE(engine.gradient().cwiseAbs().maxCoeff() > 0.0);
      CHECK(relative_difference(twin.gradient(), engine.gradient()) <= 1e-10);

      // Through the PolicyModel interface (the twin's forward runs without
      // autograd and backward runs it again): the same gradient, added, and
      // the running statistics updated once per forward.
      const Eigen::Matrix3Xd mu = twin.forward(s.system, s.evaluation, training);
      CHECK(relative_difference(mu, engine.forward(s.system, s.evaluation, training)) <= 1e-10);
      twin.backward(w);
      engine.backward(w);
      CHECK(relative_difference(twin.gradient(), engine.gradient()) <= 1e-10);
      CHECK(relative_difference(twin.running_mean(), engine.running_mean()) <= 1e-12);
      CHECK(relative_difference(twin.running_var(), engine.running_var()) <= 1e-12);
    }
  }
}

TEST_CASE("each estimator's gradient of one episode batch is the same from both backends", "[torch]") {
  const std::string key = "lj-binary";
  for (GraphFeatures features : {GraphFeatures::paper, GraphFeatures::forces}) {
    INFO(to_string(features) << " features");
    StriderPolicy engine(config_for(key, features), 16);
    TorchPolicy twin(engine);
    std::vector<System> starts{load_reference("lj-binary-n25.xyz", key, 0.05, 5).system,
                               load_reference("lj-binary-n100.xyz", key, 0.05, 6).system};
    rl::RolloutSettings settings;
    settings.steps = 12;  // the N = 100 episode's 12 graphs (~20k edges) run as two batches (kBatchEdges)
    for (rl::Estimator estimator : {rl::Estimator::reinforce, rl::Estimator::pathwise, rl::Estimator::bptt}) {
      INFO(rl::to_string(estimator));
      engine.zero_gradient();
      twin.zero_gradient();
      double engine_objective = 0.0, twin_objective = 0.0;
      for (std::size_t i = 0; i < starts.size(); ++i) {
        Evaluator evaluator(make_potential(key));
        Random random(20 + i);
        // The engine's rollout; the twin recomputes its means (accumulate_gradient
        // throws if they differ from the recorded ones by more than 1e-9).
        const rl::Episode episode = rl::rollout(engine, starts[i], evaluator, settings, random);
        Evaluator fire_evaluator(make_potential(key));
        const std::vector<double> baseline =
            estimator == rl::Estimator::reinforce
                ? rl::fire_baseline(starts[i], fire_evaluator, key, settings.steps).returns
                : std::vector<double>{};
        // bptt's weighted-force passes need the episode's potential.
        engine_objective += rl::accumulate_gradient(engine, episode, estimator, baseline, 0.5, rl::kGamma, &evaluator);
        twin_objective += rl::accumulate_gradient(twin, episode, estimator, baseline, 0.5, rl::kGamma, &evaluator);
      }
      CHECK(twin_objective == engine_objective);
      REQUIRE(engine.gradient().cwiseAbs().maxCoeff() > 0.0);
      CHECK(relative_difference(twin.gradient(), engine.gradient()) <= 1e-9);
    }
  }
}

TEST_CASE("episodes in lockstep (one batch per step) equal the engine's episodes one by one", "[torch]") {
  const std::string key = "lj-binary";
  for (GraphFeatures features : {GraphFeatures::paper, GraphFeatures::forces}) {
    INFO(to_string(features) << " features");
    StriderPolicy engine(config_for(key, features), 19);
    TorchPolicy twin(engine);
    const std::vector<System> starts{load_reference("lj-binary-n25.xyz", key, 0.05, 8).system,
                                     load_reference("lj-binary-n100.xyz", key, 0.05, 9).system,
                                     load_reference("lj-binary-n25.xyz", key, 0.05, 10).system};
    rl::RolloutSettings settings;
    settings.steps = 6;
    std::vector<std::unique_ptr<Evaluator>> evaluators;
    std::vector<Evaluator*> pointers;
    std::vector<Random> randoms;
    for (std::size_t k = 0; k < starts.size(); ++k) {
      evaluators.push_back(std::make_unique<Evaluator>(make_potential(key)));
      pointers.push_back(evaluators.back().get());
      randoms.emplace_back(40 + k);
    }
    const std::vector<rl::Episode> batch = rl::rollouts(twin, starts, pointers, settings, randoms);
    REQUIRE(batch.size() == starts.size());
    for (std::size_t k = 0; k < starts.size(); ++k) {
      INFO("episode " << k);
      Evaluator evaluator(make_potential(key));
      Random random(40 + k);
      const rl::Episode one = rl::rollout(engine, starts[k], evaluator, settings, random);
      REQUIRE(batch[k].steps() == settings.steps);
      CHECK(batch[k].evaluations_used == one.evaluations_used);
      for (int t = 0; t < settings.steps; ++t) {
        CHECK(relative_difference(batch[k].mu[t], one.mu[t]) <= 1e-10);
        CHECK(batch[k].noise[t] == one.noise[t]);
      }
      CHECK(std::abs(batch[k].energies().back() - one.energies().back()) <= 1e-10 * std::abs(one.energies().back()));
    }
  }
}

TEST_CASE("two training epochs with the torch backend end with the engine's parameters", "[torch]") {
  // Four small lj-binary structures; two train, two validate.
  std::vector<System> structures;
  for (std::uint64_t seed : {31, 32, 33, 34}) structures.push_back(load_reference("lj-binary-n25.xyz", "lj-binary", 0.08, seed).system);
  const std::vector<System> training(structures.begin(), structures.begin() + 2);
  const std::vector<System> validation(structures.begin() + 2, structures.end());
  rl::TrainSettings settings;
  settings.system = "lj-binary";
  settings.steps = 4;
  settings.batch_size = 2;
  settings.accumulation = 1;
  settings.validation_every = 1;
  settings.validation_steps = 3;
  settings.seed = 9;
  // Adam divides each gradient component by its own size (plus epsilon): a
  // component that is zero but for rounding gets a step of lr x (rounding /
  // epsilon), and the two backends round differently. With the pathwise
  // estimator the output layer's bias has such a gradient, the total force on
  // the structure (zero by Newton's third law): at epsilon 1e-8 its rounding
  // (~1e-14) moves that bias by ~1e-9 differently in each backend. A larger
  // epsilon leaves every real gradient component's step unchanged to < 1e-3.
  settings.adam.epsilon = 1e-5;
  for (rl::Estimator estimator : {rl::Estimator::pathwise, rl::Estimator::reinforce}) {
    INFO(rl::to_string(estimator));
    settings.estimator = estimator;
    StriderPolicy engine(policy_preset("lj-binary"), 17);
    TorchPolicy twin(engine);
    rl::Trainer engine_trainer(engine, settings, training, validation);
    rl::Trainer twin_trainer(twin, settings, training, validation);
    engine_trainer.run(2);
    twin_trainer.run(2);
    REQUIRE(twin_trainer.epochs().size() == 2);
    CHECK(relative_difference(twin.parameters(), engine.parameters()) <= 1e-10);
    CHECK((twin.parameters() - StriderPolicy(policy_preset("lj-binary"), 17).parameters()).norm() > 0.0);
    for (std::size_t v = 0; v < engine_trainer.validations().size(); ++v) {
      CHECK(std::abs(twin_trainer.validations()[v].mean_energy_change -
                     engine_trainer.validations()[v].mean_energy_change) <= 1e-9);
    }
  }
}

TEST_CASE("weight files: engine -> torch -> engine is byte-identical, also after training-mode statistics",
          "[torch][weights]") {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "strider-test-torch-weights";
  std::filesystem::create_directories(dir);
  auto bytes = [](const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  };
  for (const char* key : {"lj-binary", "sw-si"}) {
    StriderPolicy engine(config_for(key), 18);
    const std::string training = "{\"estimator\":\"pathwise\",\"epochs\":3}";
    write_policy_weights_file((dir / "engine.weights").string(), engine, training);
    TorchPolicyFile file = read_torch_policy_file((dir / "engine.weights").string());
    CHECK(file.training == read_policy_weights_file((dir / "engine.weights").string()).training);
    CHECK(file.policy->parameters() == engine.parameters());
    write_torch_policy_file((dir / "torch.weights").string(), *file.policy, file.training);
    CHECK(bytes(dir / "torch.weights") == bytes(dir / "engine.weights"));

    // A training-mode forward moves both running statistics alike; the files stay equal.
    const Structure s = load_reference(std::string(key) == "sw-si" ? "sw-si-small8.xyz" : "lj-binary-n25.xyz", key, 0.05, 7);
    engine.forward(s.system, s.evaluation, true);
    file.policy->forward(s.system, s.evaluation, true);
    CHECK_FALSE(engine.running_mean().isZero());
    write_policy_weights_file((dir / "engine.weights").string(), engine, training);
    write_torch_policy_file((dir / "torch.weights").string(), *file.policy, training);
    // The running statistics agree to rounding, not always bit for bit: compare as numbers.
    const PolicyFile from_torch = read_policy_weights_file((dir / "torch.weights").string());
    CHECK(from_torch.policy->parameters() == engine.parameters());
    CHECK(relative_difference(from_torch.policy->running_mean(), engine.running_mean()) <= 1e-14);
    CHECK(relative_difference(from_torch.policy->running_var(), engine.running_var()) <= 1e-14);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("an atom without edges gets zero edge means in the twin as in the engine", "[torch]") {
  for (int edge_layers : {1, 2}) {
    INFO(edge_layers << " layer edge MLPs");
    const Frame frame = read_extxyz_file(std::string(STRIDER_TEST_DATA) + "/references/lj-cluster13.xyz").at(0);
    Evaluator evaluator(make_potential("lj"));
    System system = to_system(frame, evaluator.potential());
    system.positions.col(0) = Eigen::Vector3d(30.0, 30.0, 30.0);
    const Evaluation evaluation = evaluator.evaluate(system);
    PolicyConfig config = config_for("lj");
    config.architecture.edge_embed_layers = edge_layers;
    config.architecture.edge_update_layers = edge_layers;
    StriderPolicy engine(config, 22);
    TorchPolicy twin(engine);
    const Graph graph = build_graph(system, evaluation.per_atom, config.graph);
    REQUIRE(std::count(graph.receiver.begin(), graph.receiver.end(), 0) == 0);
    for (bool training : {true, false}) {
      CHECK(relative_difference(twin.forward(std::vector<const Graph*>{&graph}, training).front(),
                                engine.forward(graph, training)) <= 1e-10);
    }
  }
}

TEST_CASE("torch policy: clear errors for a bad device, a bad file and mismatched inputs", "[torch]") {
  StriderPolicy engine(policy_preset("lj"), 1);
  CHECK_THROWS_AS(TorchPolicy(engine, "tpu"), InputError);
  if (!torch_cuda_available()) CHECK_THROWS_AS(TorchPolicy(engine, "cuda"), InputError);
  TorchPolicy twin(engine);
  CHECK_THROWS_AS(twin.set_parameters(Eigen::VectorXd::Zero(3)), InputError);
  Graph wrong;
  wrong.nodes = 2;
  wrong.node_features = Eigen::MatrixXd::Zero(7, 2);  // lj has 4 node features
  wrong.edge_features = Eigen::MatrixXd::Zero(4, 0);
  CHECK_THROWS_AS(twin.forward(std::vector<const Graph*>{&wrong}, true), InputError);
  CHECK_THROWS_AS(read_torch_policy_file("/nonexistent/policy.weights"), InputError);
  StriderPolicy other(policy_preset("lj-binary"), 1);
  CHECK_THROWS_AS(twin.copy_to(other), InputError);
}
