// The StriderNET policy (policy.hpp): the hand-written backward pass against
// central finite differences (every parameter block, node and edge features,
// batch norm in training and eval modes, all four systems), symmetries,
// inductivity, and the weight file format.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <numeric>
#include <sstream>

#include <catch2/catch.hpp>

#include "strider/error.hpp"
#include "strider/evaluator.hpp"
#include "strider/io.hpp"
#include "strider/policy.hpp"
#include "support.hpp"
#include "reference_structures.hpp"

using namespace strider;

namespace {

using test::load_reference;
using test::normal_matrix;
using test::Structure;

// sum(w .* mu): the scalar whose gradient backward(w) computes.
double loss(StriderPolicy& policy, const Graph& graph, bool training, const Eigen::Matrix3Xd& w) {
  return (policy.forward(graph, training).array() * w.array()).sum();
}

// Running statistics near (not at) the graph's batch statistics, so eval
// mode differs from training mode.
void set_plausible_running_statistics(StriderPolicy& policy, const Graph& graph) {
  const Eigen::VectorXd mean = graph.node_features.rowwise().mean();
  const Eigen::VectorXd var = (graph.node_features.colwise() - mean).rowwise().squaredNorm() / graph.nodes;
  policy.set_running_statistics(mean.array() + 0.3, var.array() * 1.7 + 0.2);
}

// |central difference - analytic| for one input x of a scalar function
// loss_at(value), at steps 1e-4, 1e-6, 1e-8 relative to max(1, |x|): Leaky
// ReLU kinks, and in training mode the batch norm's 1/sqrt(eps) amplification
// of a nearly constant feature row, spoil the larger steps; rounding spoils
// the smaller ones. A wrong gradient fails at every step; a right one passes
// at least one (the first within `tolerance` ends the search).
template <class Loss>
double difference_error(Loss&& loss_at, double x, double analytic, double tolerance) {
  double best = std::numeric_limits<double>::infinity();
  for (double step : {1e-4, 1e-6, 1e-8}) {
    const double h = step * std::max(1.0, std::abs(x));
    const double fd = (loss_at(x + h) - loss_at(x - h)) / (2.0 * h);
    best = std::min(best, std::abs(fd - analytic));
    if (best <= tolerance) break;
  }
  loss_at(x);
  return best;
}

// Every parameter block against central differences: all entries of blocks
// with up to `per_block` entries, else `per_block` random ones. Tolerance:
// 1e-5 of the entry plus 1e-5 of the largest gradient entry.
void check_parameter_gradient(StriderPolicy& policy, const Graph& graph, bool training, int per_block,
                              std::uint64_t seed) {
  Random rng(seed);
  const Eigen::Matrix3Xd w = normal_matrix(graph.nodes, rng);
  policy.zero_gradient();
  policy.forward(graph, training);
  policy.backward(w);
  const Eigen::VectorXd grad = policy.gradient();
  const Eigen::VectorXd theta = policy.parameters();
  const double scale = grad.cwiseAbs().maxCoeff();
  REQUIRE(scale > 0.0);
  for (const ParameterBlock& block : policy.parameter_blocks()) {
    std::vector<int> entries;
    if (block.size() <= per_block) {
      for (int k = 0; k < block.size(); ++k) entries.push_back(block.offset + k);
    } else {
      for (int k = 0; k < per_block; ++k) entries.push_back(block.offset + static_cast<int>(rng.below(block.size())));
    }
    double worst = 0.0;
    for (int k : entries) {
      Eigen::VectorXd t = theta;
      auto loss_at = [&](double value) {
        t[k] = value;
        policy.set_parameters(t);
        return loss(policy, graph, training, w);
      };
      const double tolerance = 1e-5 * std::abs(grad[k]) + 1e-5 * scale;
      worst = std::max(worst, difference_error(loss_at, theta[k], grad[k], tolerance) / tolerance);
    }
    INFO(block.name << (training ? " (training)" : " (eval)") << ": worst error / tolerance " << worst);
    CHECK(worst <= 1.0);
  }
  policy.set_parameters(theta);
}

// d loss / d features against central differences, for `count` random entries
// of the node features and of the edge features (all when there are fewer).
void check_input_gradient(StriderPolicy& policy, Graph graph, bool training, int count, std::uint64_t seed) {
  Random rng(seed);
  const Eigen::Matrix3Xd w = normal_matrix(graph.nodes, rng);
  policy.forward(graph, training);
  policy.backward(w);
  const Eigen::MatrixXd node_grad = policy.node_feature_gradient();
  const Eigen::MatrixXd edge_grad = policy.edge_feature_gradient();
  REQUIRE(node_grad.rows() == graph.node_features.rows());
  REQUIRE(node_grad.cols() == graph.nodes);
  REQUIRE(edge_grad.rows() == 4);
  REQUIRE(edge_grad.cols() == graph.edges());
  const double scale = std::max(node_grad.cwiseAbs().maxCoeff(), edge_grad.cwiseAbs().maxCoeff());
  REQUIRE(scale > 0.0);
  auto check = [&](Eigen::MatrixXd& features, const Eigen::MatrixXd& grad, const char* what) {
    std::vector<Eigen::Index> entries(static_cast<size_t>(features.size()));
    std::iota(entries.begin(), entries.end(), 0);
    if (static_cast<int>(entries.size()) > count) {
      for (int k = 0; k < count; ++k) std::swap(entries[k], entries[k + rng.below(entries.size() - k)]);
      entries.resize(static_cast<size_t>(count));
    }
    double worst = 0.0;
    for (Eigen::Index k : entries) {
      auto loss_at = [&](double value) {
        features.data()[k] = value;
        return loss(policy, graph, training, w);
      };
      const double tolerance = 1e-5 * std::abs(grad.data()[k]) + 1e-5 * scale;
      worst = std::max(worst, difference_error(loss_at, features.data()[k], grad.data()[k], tolerance) / tolerance);
    }
    INFO(what << (training ? " (training)" : " (eval)") << ": worst error / tolerance " << worst);
    CHECK(worst <= 1.0);
  };
  check(graph.node_features, node_grad, "node features");
  check(graph.edge_features, edge_grad, "edge features");
}

struct Case {
  const char* file;
  const char* key;
};

const Case kSmall[] = {
    {"lj-binary-n25.xyz", "lj-binary"},
    {"sw-si-small8.xyz", "sw-si"},
    {"csh-small.xyz", "csh"},
    {"lj-cluster13.xyz", "lj"},
};

PolicyConfig preset_with(const std::string& key, Initialisation initialisation) {
  PolicyConfig config = policy_preset(key);
  config.initialisation = initialisation;
  return config;
}

}  // namespace

TEST_CASE("policy backward equals finite differences for every parameter block", "[policy]") {
  for (const Case& c : kSmall) {
    for (Initialisation init : {Initialisation::torch, Initialisation::he}) {
      INFO((init == Initialisation::he ? "he" : "torch") << " initialisation");
      const Structure s = load_reference(c.file, c.key, 0.05, 11);
      const Graph graph = build_graph(s.system, s.evaluation.per_atom, graph_preset(c.key));
      REQUIRE(graph.edges() > 0);
      StriderPolicy policy(preset_with(c.key, init), 3);
      set_plausible_running_statistics(policy, graph);
      check_parameter_gradient(policy, graph, true, 8, 21);
      set_plausible_running_statistics(policy, graph);  // training forwards moved them
      check_parameter_gradient(policy, graph, false, 8, 22);
    }
  }
}

TEST_CASE("policy backward equals finite differences for node and edge features", "[policy]") {
  for (const Case& c : kSmall) {
    for (Initialisation init : {Initialisation::torch, Initialisation::he}) {
      INFO(c.file << ", " << (init == Initialisation::he ? "he" : "torch") << " initialisation");
      const Structure s = load_reference(c.file, c.key, 0.05, 12);
      const Graph graph = build_graph(s.system, s.evaluation.per_atom, graph_preset(c.key));
      StriderPolicy policy(preset_with(c.key, init), 4);
      set_plausible_running_statistics(policy, graph);
      check_input_gradient(policy, graph, true, 60, 31);
      set_plausible_running_statistics(policy, graph);
      check_input_gradient(policy, graph, false, 60, 32);
    }
  }
}

TEST_CASE("every parameter of small variants (layer counts, L = 0..2, authors' features, centred mu) against finite "
          "differences",
          "[policy]") {
  struct Variant {
    int steps, edge_embed_layers, edge_update_layers;
    bool authors, center;
  };
  const Variant variants[] = {
      {2, 2, 2, true, true},    // two steps: a deferred stage feeding an edge update
      {2, 2, 1, false, false},  // one-layer edge updates: materialised stages
      {1, 2, 3, false, true},   // a hidden layer between the gathered first layer and the deferred last one
      {0, 1, 2, true, false},   // no message passing; one-layer edge embedding (a = the features)
      {1, 1, 2, false, false},
  };
  for (const Variant& v : variants) {
    INFO("L = " << v.steps << ", edge embed layers " << v.edge_embed_layers << ", edge update layers "
                << v.edge_update_layers << (v.authors ? ", authors' features" : "") << (v.center ? ", centred" : ""));
    const Structure s = load_reference("lj-binary-n25.xyz", "lj-binary", 0.05, 13);
    PolicyConfig config = policy_preset("lj-binary", v.authors ? GraphFeatures::authors : GraphFeatures::paper);
    config.architecture.width = 6;
    config.architecture.message_passing_steps = v.steps;
    config.architecture.edge_embed_layers = v.edge_embed_layers;
    config.architecture.edge_update_layers = v.edge_update_layers;
    config.architecture.center_mu = v.center;
    config.architecture.displacement_hidden_layers = 2;
    const Graph graph = build_graph(s.system, s.evaluation.per_atom, config.graph);
    StriderPolicy policy(config, 5);
    set_plausible_running_statistics(policy, graph);
    check_parameter_gradient(policy, graph, true, 1 << 30, 41);
    set_plausible_running_statistics(policy, graph);
    check_parameter_gradient(policy, graph, false, 1 << 30, 42);
    check_input_gradient(policy, graph, true, 200, 43);
    // Centred: the mean displacement is zero.
    if (v.center) CHECK(policy.forward(graph, false).rowwise().sum().norm() < 1e-15);
  }
}

namespace {

// The network of policy.hpp written out plainly from the documented parameter
// layout (shared/policy-weights.md), as the LibTorch twin computes it:
// concatenations per edge, every layer applied per edge. Eval-mode batch norm.
Eigen::Matrix3Xd reference_forward(const StriderPolicy& policy, const Graph& graph) {
  using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const PolicyConfig& config = policy.config();
  const Eigen::VectorXd theta = policy.parameters();
  auto block = [&](const std::string& name) -> Eigen::MatrixXd {
    for (const ParameterBlock& b : policy.parameter_blocks()) {
      if (b.name == name) return Eigen::Map<const RowMajor>(theta.data() + b.offset, b.rows, b.cols);
    }
    FAIL("no parameter block " << name);
    return {};
  };
  const double slope = config.architecture.leaky_relu_slope;
  auto mlp = [&](const std::string& name, int layers, Eigen::MatrixXd x) {
    for (int k = 0; k < layers; ++k) {
      const std::string prefix = name + "." + std::to_string(k);
      x = (block(prefix + ".weight") * x).colwise() + Eigen::VectorXd(block(prefix + ".bias"));
      if (k + 1 < layers) x = x.unaryExpr([&](double v) { return v > 0.0 ? v : slope * v; });
    }
    return x;
  };
  const int n = graph.nodes, e = graph.edges(), h = config.architecture.width;
  auto mean_over = [&](const Eigen::MatrixXd& edges, const std::vector<int>& index) {
    Eigen::MatrixXd sum = Eigen::MatrixXd::Zero(edges.rows(), n);
    Eigen::VectorXd count = Eigen::VectorXd::Zero(n);
    for (int k = 0; k < e; ++k) sum.col(index[k]) += edges.col(k), count[index[k]] += 1.0;
    for (int v = 0; v < n; ++v)
      if (count[v] > 0.0) sum.col(v) /= count[v];
    return sum;
  };
  auto around_node = [&](const Eigen::MatrixXd& nodes, const Eigen::MatrixXd& edges) {
    Eigen::MatrixXd x(3 * h, n);
    x << nodes, mean_over(edges, graph.receiver), mean_over(edges, graph.sender);
    return x;
  };

  const Eigen::VectorXd gamma = block("node_embed.norm.weight"), beta = block("node_embed.norm.bias");
  const Eigen::VectorXd scale = gamma.array() / (policy.running_var().array() + config.architecture.batch_norm_eps).sqrt();
  Eigen::MatrixXd normalised = scale.asDiagonal() * (graph.node_features.colwise() - policy.running_mean());
  normalised.colwise() += beta;
  Eigen::MatrixXd nodes = mlp("node_embed", config.architecture.node_embed_layers, normalised);
  Eigen::MatrixXd edges = mlp("edge_embed", config.architecture.edge_embed_layers, graph.edge_features);
  for (int l = 0; l < config.architecture.message_passing_steps; ++l) {
    const std::string step = "mp." + std::to_string(l);
    nodes = mlp(step + ".node", config.architecture.node_update_layers, around_node(nodes, edges));
    Eigen::MatrixXd x(3 * h, e);
    for (int k = 0; k < e; ++k) x.col(k) << edges.col(k), nodes.col(graph.sender[k]), nodes.col(graph.receiver[k]);
    edges = mlp(step + ".edge", config.architecture.edge_update_layers, x);
  }
  Eigen::Matrix3Xd mu = config.displacement_scale * config.output_gain *
                        mlp("displacement", config.architecture.displacement_hidden_layers + 1, around_node(nodes, edges));
  if (config.architecture.center_mu) mu.colwise() -= mu.rowwise().mean();
  return mu;
}

}  // namespace

TEST_CASE("mu equals the plainly written network of the documented parameter layout", "[policy]") {
  for (const Case& c : kSmall) {
    for (int steps : {0, 1, 2}) {
      for (int edge_layers : {1, 2, 3}) {
        for (int embed_layers : {1, 2}) {
          INFO(c.file << " L = " << steps << ", edge update layers " << edge_layers << ", edge embed layers "
                      << embed_layers);
          const Structure s = load_reference(c.file, c.key, 0.05, 19);
          PolicyConfig config = policy_preset(c.key);
          config.architecture.message_passing_steps = steps;
          config.architecture.edge_update_layers = edge_layers;
          config.architecture.edge_embed_layers = embed_layers;
          config.architecture.center_mu = steps == 2;
          const Graph graph = build_graph(s.system, s.evaluation.per_atom, config.graph);
          StriderPolicy policy(config, 20);
          set_plausible_running_statistics(policy, graph);
          const Eigen::Matrix3Xd mu = policy.forward(graph, false);
          const Eigen::Matrix3Xd expected = reference_forward(policy, graph);
          CHECK((mu - expected).cwiseAbs().maxCoeff() <= 1e-13 * std::max(1.0, expected.cwiseAbs().maxCoeff()));
        }
      }
    }
  }
  // The default network on a graph with an isolated atom: its edge means are
  // zero, bias included.
  Structure s = load_reference("lj-cluster13.xyz", "lj");
  s.system.positions.col(0) = Eigen::Vector3d(30.0, 30.0, 30.0);
  s.evaluation.per_atom[0] = 0.0;
  const Graph graph = build_graph(s.system, s.evaluation.per_atom, graph_preset("lj"));
  StriderPolicy policy(policy_preset("lj"), 21);
  CHECK((policy.forward(graph, false) - reference_forward(policy, graph)).cwiseAbs().maxCoeff() < 1e-14);
}

TEST_CASE("batch norm: training uses batch statistics and updates running ones as torch does", "[policy]") {
  const Structure s = load_reference("lj-binary-n100.xyz", "lj-binary");
  const Graph graph = build_graph(s.system, s.evaluation.per_atom, graph_preset("lj-binary"));
  StriderPolicy policy(policy_preset("lj-binary"), 6);
  const Eigen::MatrixXd& x = graph.node_features;
  const int n = graph.nodes;
  const Eigen::VectorXd mean = x.rowwise().mean();
  const Eigen::VectorXd biased = (x.colwise() - mean).rowwise().squaredNorm() / n;

  CHECK(policy.running_mean().isZero());
  CHECK(policy.running_var().isOnes());
  const Eigen::Matrix3Xd eval_before = policy.forward(graph, false);
  CHECK(policy.running_mean().isZero());  // eval leaves them alone
  const Eigen::Matrix3Xd train = policy.forward(graph, true);
  CHECK(policy.running_mean().isApprox(0.1 * mean, 1e-14));
  CHECK(policy.running_var().isApprox(0.9 * Eigen::VectorXd::Ones(mean.size()) + 0.1 * biased * n / (n - 1.0), 1e-14));
  CHECK((train - eval_before).cwiseAbs().maxCoeff() > 1e-6);  // different statistics, different mu
  CHECK(policy.forward(graph, true) == train);                 // batch statistics: the same mu again

  // Eval with running statistics equal to the batch's gives training mode's mu.
  policy.set_running_statistics(mean, biased);
  CHECK((policy.forward(graph, false) - train).cwiseAbs().maxCoeff() < 1e-14);
  CHECK_THROWS_AS(policy.set_running_statistics(mean, -biased), InputError);
  CHECK_THROWS_AS(policy.set_running_statistics(mean.head(2), biased), InputError);
}

TEST_CASE("mu is permutation-equivariant and translation-invariant", "[policy]") {
  for (bool training : {true, false}) {
    for (const char* key : {"lj-binary", "sw-si"}) {
      const Structure s = std::string(key) == "sw-si" ? load_reference("sw-si-hot64.xyz", key) : load_reference("lj-binary-n100.xyz", key);
      StriderPolicy policy(policy_preset(key), 7);
      const Graph graph = build_graph(s.system, s.evaluation.per_atom, graph_preset(key));
      set_plausible_running_statistics(policy, graph);
      const Eigen::Matrix3Xd mu = policy.forward(s.system, s.evaluation, training);
      const double tol = 1e-12 * std::max(1.0, mu.cwiseAbs().maxCoeff());
      INFO(key << (training ? " training" : " eval"));

      // New atom i is old atom order[i].
      std::vector<int> order(static_cast<size_t>(s.system.size()));
      std::iota(order.begin(), order.end(), 0);
      Random rng(8);
      for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
      System permuted = s.system;
      Evaluation evaluation = s.evaluation;
      for (size_t i = 0; i < order.size(); ++i) {
        permuted.positions.col(static_cast<Eigen::Index>(i)) = s.system.positions.col(order[i]);
        permuted.species[i] = s.system.species[static_cast<size_t>(order[i])];
        evaluation.per_atom[static_cast<Eigen::Index>(i)] = s.evaluation.per_atom[order[i]];
      }
      StriderPolicy twin(policy_preset(key), 7);
      twin.set_running_statistics(policy.running_mean(), policy.running_var());
      const Eigen::Matrix3Xd mu_permuted = twin.forward(permuted, evaluation, training);
      double worst = 0.0;
      for (size_t i = 0; i < order.size(); ++i) {
        worst = std::max(worst, (mu_permuted.col(static_cast<Eigen::Index>(i)) - mu.col(order[i])).cwiseAbs().maxCoeff());
      }
      CHECK(worst < tol);

      // Translated (and wrapped back into the box), energies recomputed.
      System moved = s.system;
      for (int i = 0; i < moved.size(); ++i) {
        moved.positions.col(i) = moved.box.wrap(moved.positions.col(i) + Eigen::Vector3d(0.37, -1.91, 2.63));
      }
      Evaluator evaluator(make_potential(key));
      const Evaluation moved_evaluation = evaluator.evaluate(moved);
      StriderPolicy third(policy_preset(key), 7);
      third.set_running_statistics(policy.running_mean(), policy.running_var());
      CHECK((third.forward(moved, moved_evaluation, training) - mu).cwiseAbs().maxCoeff() < 1e-10);
    }
  }
}

TEST_CASE("the policy is inductive: the same parameters serve N = 25 and N = 1000", "[policy]") {
  const Structure small = load_reference("lj-binary-n25.xyz", "lj-binary");
  // 1000 atoms at number density 1.2: a jittered simple cubic lattice, 20% B.
  const double L = std::cbrt(1000 / 1.2);
  System big;
  big.box = Box::cubic(L);
  big.positions.resize(3, 1000);
  Random rng(9);
  for (int i = 0; i < 1000; ++i) {
    const Eigen::Vector3d cell(i % 10, (i / 10) % 10, i / 100);
    for (int a = 0; a < 3; ++a) big.positions(a, i) = (cell[a] + 0.5 + 0.1 * (rng.uniform() - 0.5)) * L / 10;
    big.species.push_back(rng.uniform() < 0.2 ? 1 : 0);
  }
  Evaluator evaluator(make_potential("lj-binary"));
  const Evaluation big_evaluation = evaluator.evaluate(big);

  StriderPolicy policy(policy_preset("lj-binary"), 10);
  const int count = policy.parameter_count();
  CHECK(count == 40381);  // shared/policy-weights.md
  CHECK(StriderPolicy(policy_preset("sw-si"), 1).parameter_count() == 40331);
  const Eigen::VectorXd before = policy.parameters();
  const Eigen::Matrix3Xd mu_small = policy.forward(small.system, small.evaluation, false);
  CHECK(mu_small.cols() == 25);
  const Eigen::Matrix3Xd mu_big = policy.forward(big, big_evaluation, false);
  CHECK(mu_big.cols() == 1000);
  CHECK(mu_big.allFinite());
  CHECK(policy.parameter_count() == count);
  CHECK(policy.parameters() == before);
  policy.backward(Eigen::Matrix3Xd::Ones(3, 1000));
  CHECK(policy.gradient().size() == count);
  CHECK(StriderPolicy(policy_preset("lj-binary"), 99).parameter_count() == count);
}

TEST_CASE("the PolicyModel interface: graph built from the evaluation, gradients accumulate", "[policy]") {
  const Structure s = load_reference("csh-n152.xyz", "csh");
  StriderPolicy policy(policy_preset("csh"), 12);
  PolicyModel& model = policy;
  const Eigen::Matrix3Xd mu = model.forward(s.system, s.evaluation, true);
  const Graph graph = build_graph(s.system, s.evaluation.per_atom, graph_preset("csh"));
  CHECK(policy.last_graph().edges() == graph.edges());
  CHECK((policy.forward(graph, true) - mu).cwiseAbs().maxCoeff() < 1e-15);
  CHECK(model.variance() == 1e-5);
  CHECK(policy.config().displacement_scale == 5.0);

  // Initial steps are small: |mu| ~ 1e-2 of the displacement scale.
  CHECK(mu.colwise().norm().maxCoeff() < 0.2 * 5.0);

  model.zero_gradient();
  const Eigen::Matrix3Xd w = Eigen::Matrix3Xd::Constant(3, s.system.size(), 0.5);
  model.forward(s.system, s.evaluation, true);
  model.backward(w);
  const Eigen::VectorXd once = model.gradient();
  model.backward(w);
  CHECK(model.gradient().isApprox(2.0 * once));
  model.zero_gradient();
  CHECK(model.gradient().isZero());
  CHECK_THROWS_AS(model.backward(Eigen::Matrix3Xd::Zero(3, 3)), InputError);
  CHECK_THROWS_AS(model.set_parameters(Eigen::VectorXd::Zero(5)), InputError);

  // Same seed, same parameters; another seed, others.
  CHECK(StriderPolicy(policy_preset("csh"), 12).parameters() == policy.parameters());
  CHECK(StriderPolicy(policy_preset("csh"), 13).parameters() != policy.parameters());
  StriderPolicy fresh(policy_preset("csh"), 12);
  CHECK_THROWS_AS(fresh.backward(w), std::logic_error);
}

TEST_CASE("initialisations: seeded, torch's default moves atoms alike, he's does not", "[policy]") {
  const Structure s = load_reference("lj-binary-n100.xyz", "lj-binary");
  auto spread = [&](Initialisation init) {
    StriderPolicy policy(preset_with("lj-binary", init), 22);
    const Eigen::Matrix3Xd mu = policy.forward(s.system, s.evaluation, true);
    const Eigen::Vector3d mean = mu.rowwise().mean();
    // Spread of mu over the atoms, relative to the mean step.
    return (mu.colwise() - mean).colwise().norm().maxCoeff() / mu.colwise().norm().mean();
  };
  CHECK(spread(Initialisation::torch) < 0.05);
  CHECK(spread(Initialisation::he) > 0.5);
  StriderPolicy he(preset_with("lj-binary", Initialisation::he), 22);
  CHECK(he.parameters() == StriderPolicy(preset_with("lj-binary", Initialisation::he), 22).parameters());
  CHECK(he.parameters() != StriderPolicy(policy_preset("lj-binary"), 22).parameters());
}

TEST_CASE("actions are Gaussian around mu with the policy's variance", "[policy]") {
  Random rng(14);
  const Eigen::Matrix3Xd mu = Eigen::Matrix3Xd::Constant(3, 20000, 0.25);
  const Eigen::Matrix3Xd a = sample_action(mu, 1e-5, rng);
  const Eigen::ArrayXXd z = (a - mu).array() / std::sqrt(1e-5);
  CHECK(std::abs(z.mean()) < 0.02);
  CHECK(std::abs((z * z).mean() - 1.0) < 0.03);
}

TEST_CASE("weight files round-trip exactly", "[policy][weights]") {
  for (const char* key : {"lj-binary", "sw-si", "csh", "lj"}) {
    for (GraphFeatures features : {GraphFeatures::paper, GraphFeatures::authors, GraphFeatures::forces}) {
      INFO(key << " " << to_string(features));
      PolicyConfig config = policy_preset(key, features);
      config.architecture.center_mu = features == GraphFeatures::authors;
      StriderPolicy policy(config, 15);
      // Trained-looking state: perturbed parameters, running statistics.
      Random rng(16);
      Eigen::VectorXd p = policy.parameters();
      for (Eigen::Index k = 0; k < p.size(); ++k) p[k] += 1e-3 * rng.normal() / 3.0;
      policy.set_parameters(p);
      const int f = config.graph.node_feature_count();
      policy.set_running_statistics(Eigen::VectorXd::LinSpaced(f, -1.0 / 3.0, 7.1),
                                    Eigen::VectorXd::LinSpaced(f, 0.1, std::acos(-1.0)));
      const std::string training = R"({"epochs": 200, "estimator": "pathwise", "seed": 3, "curve": [-1.5, -2.25e-3], "note": "caf\u00e9 \"q\""})";

      std::ostringstream out;
      write_policy_weights(out, policy, training);
      std::istringstream in(out.str());
      const PolicyFile back = read_policy_weights(in, "memory");
      CHECK(back.policy->parameters() == policy.parameters());  // bit for bit
      CHECK(back.policy->running_mean() == policy.running_mean());
      CHECK(back.policy->running_var() == policy.running_var());
      CHECK(back.policy->config().graph.cutoff == config.graph.cutoff);
      CHECK(back.policy->config().graph.r_eq == config.graph.r_eq);
      CHECK(back.policy->config().graph.features == features);
      CHECK(back.policy->config().architecture.center_mu == config.architecture.center_mu);
      CHECK(back.policy->config().displacement_scale == config.displacement_scale);
      CHECK(back.training == R"({"epochs": 200, "estimator": "pathwise", "seed": 3, "curve": [-1.5, -0.00225], "note": "café \"q\""})");
      std::ostringstream again;
      write_policy_weights(again, *back.policy, back.training);
      CHECK(again.str() == out.str());  // the file itself round-trips byte for byte
    }
  }

  // Through a file, and the same mu from the loaded policy.
  const Structure s = load_reference("lj-binary-n25.xyz", "lj-binary");
  StriderPolicy policy(policy_preset("lj-binary"), 17);
  policy.forward(s.system, s.evaluation, true);  // moves the running statistics
  const auto dir = std::filesystem::temp_directory_path() / "strider-test-policy-weights";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "lj-binary.weights").string();
  write_policy_weights_file(path, policy);
  const PolicyFile back = read_policy_weights_file(path);
  CHECK(back.training == "{}");
  CHECK(back.policy->forward(s.system, s.evaluation, false) == policy.forward(s.system, s.evaluation, false));
  std::filesystem::remove_all(dir);
}

namespace {

// The InputError message of reading `contents` as a weight file named model.weights ("no error" if none).
std::string weights_error(const std::string& contents) {
  std::istringstream in(contents);
  try {
    read_policy_weights(in, "model.weights");
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("truncated, wrong-version and malformed weight files give clear errors", "[policy][weights]") {
  StriderPolicy policy(policy_preset("sw-si"), 18);
  std::ostringstream out;
  write_policy_weights(out, policy, R"({"epochs": 1})");
  const std::string text = out.str();
  REQUIRE(weights_error(text) == "no error");

  // Cut anywhere: inside the header, between parameters, mid-number, before "end".
  const size_t params_at = text.find("\nparameters ");
  const size_t end_at = text.rfind("end\n");
  for (size_t cut : {size_t{30}, text.size() / 5, params_at + 1, params_at + 40, (params_at + end_at) / 2, end_at,
                     text.size() - 2}) {
    INFO("cut at " << cut << " of " << text.size());
    const std::string message = weights_error(text.substr(0, cut));
    CHECK_THAT(message, Catch::StartsWith("model.weights:") && Catch::Contains("truncated"));
  }
  CHECK_THAT(weights_error(""), Catch::Contains("not a strider policy weight file"));

  std::string v2 = text;
  v2.replace(0, v2.find('\n'), "strider-policy-weights 2");
  CHECK(weights_error(v2) == "model.weights:1: weight file version 2 is not supported (this build reads version 1)");
  CHECK_THAT(weights_error("PK\x03\x04 zip\n"), Catch::Contains("model.weights:1: not a strider policy weight file"));

  std::string bad_number = text;
  bad_number.replace(params_at + 1 + text.substr(params_at + 1).find('\n') + 1, 1, "x");
  CHECK_THAT(weights_error(bad_number), Catch::Contains("is not a finite number"));
  std::string wrong_width = text;
  wrong_width.replace(wrong_width.find("\"width\": 48"), 11, "\"width\": 47");
  CHECK_THAT(weights_error(wrong_width), Catch::Contains("parameter_count"));
  std::string bad_json = text;
  bad_json.replace(bad_json.find("\"system\""), 8, "\"system");
  CHECK_THAT(weights_error(bad_json), Catch::StartsWith("model.weights:3: header:"));
  // A number no double holds (found by fuzz_weights: the JSON library's out_of_range escaped the reader).
  std::string huge = text;
  const size_t width_at = huge.find("\"width\": 48");
  huge.replace(width_at, 11, "\"width\": 1e405");
  const long width_line = 1 + std::count(huge.begin(), huge.begin() + static_cast<long>(width_at), '\n');
  CHECK_THAT(weights_error(huge), Catch::StartsWith("model.weights:" + std::to_string(width_line) + ": header:") &&
                                      Catch::Contains("1e405 is out of range"));
  CHECK_THAT(weights_error(text + "more\n"), Catch::Contains("unexpected text after 'end'"));

  CHECK_THROWS_WITH(write_policy_weights(out, policy, "[1, 2]"), Catch::Contains("must be a JSON object"));
  CHECK_THROWS_WITH(write_policy_weights(out, policy, "{\"a\": }"), Catch::Contains("not valid JSON"));
  CHECK_THROWS_WITH(read_policy_weights_file("/nonexistent/model.weights"), Catch::Contains("cannot open"));
}

TEST_CASE("a weight file declaring a huge network is refused before anything is allocated", "[policy][weights]") {
  StriderPolicy policy(policy_preset("lj-binary"), 3);
  std::ostringstream out;
  write_policy_weights(out, policy);
  const std::string text = out.str();
  REQUIRE(weights_error(text) == "no error");
  auto replaced = [&](const std::string& from, const std::string& to) {
    std::string t = text;
    REQUIRE(t.find(from) != std::string::npos);
    t.replace(t.find(from), from.size(), to);
    return t;
  };
  // Width 2048 with 4096 hidden layers overflowed an int offset (a segfault); width 4096
  // allocated 4.6 GB before the parameter count was compared. 4096 x 4096 x 4097 layers
  // need 6.9e10 parameters, one line each: the file has ~2e4 lines.
  const std::string huge = replaced("\"displacement_hidden_layers\": 4", "\"displacement_hidden_layers\": 4096");
  std::string wide = huge;
  wide.replace(wide.find("\"width\": 48"), 11, "\"width\": 2048");
  CHECK_THAT(weights_error(wide), Catch::StartsWith("model.weights:2: truncated, or a header out of proportion: "
                                                 "the architecture has ") &&
                                 Catch::Contains("lines follow the header"));
  // The parameter count of the architecture, counted independently of the policy's layout:
  // 2048 hidden displacement layers of 48 x 48 (+ bias) more than the file's 4.
  std::string deeper = replaced("\"displacement_hidden_layers\": 4", "\"displacement_hidden_layers\": 2052");
  CHECK_THAT(weights_error(deeper), Catch::Contains("the architecture has " +
                                               std::to_string(policy.parameter_count() + 2048 * (48 * 48 + 48))));
  // 10^5 species: the n x n cutoff matrix (80 GB) is not allocated from a header whose rows are empty.
  std::string species = "[";
  std::string rows = "[";
  for (int k = 0; k < 100000; ++k) {
    species += (k ? ", \"S" : "\"S") + std::to_string(k) + "\"";
    rows += k ? ", []" : "[]";
  }
  std::string many = replaced("\"species\": [\"A\", \"B\"]", "\"species\": " + species + "]");
  many.replace(many.find("\"cutoff\": "), 10, "\"cutoff\": " + rows + "], \"unused\": ");
  CHECK_THAT(weights_error(many), Catch::Contains("\"cutoff\" must be a 100000 x 100000 array of numbers"));
  // A repeated member is found in a header of 10^5 members (a linear search each took minutes).
  std::string members = "{";
  for (int k = 0; k < 100000; ++k) members += "\"m" + std::to_string(k) + "\": 0, ";
  CHECK_THAT(weights_error(replaced("\"training\": {}", "\"training\": " + members + "\"m7\": 1}")),
             Catch::Contains("member \"m7\" appears twice"));
}
