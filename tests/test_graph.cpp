// The policy's graph (graph.hpp): edges against the brute-force all-images
// pair search, node features (paper eq. 3) and edge features (eq. 4) against
// direct computation, presets, and bad input.
#include <algorithm>
#include <cmath>
#include <random>
#include <tuple>

#include <catch2/catch.hpp>

#include "strider/error.hpp"
#include "strider/evaluator.hpp"
#include "strider/graph.hpp"
#include "strider/io.hpp"
#include "strider/random.hpp"
#include "support.hpp"

using namespace strider;

namespace {

struct Loaded {
  System system;
  Eigen::VectorXd per_atom;
};

// A reference structure with its per-atom energies (periodic lj: cutoff 2.5, as its reference).
Loaded load(const std::string& name, const std::string& key) {
  const Frame frame = read_extxyz_file(std::string(STRIDER_TEST_DATA) + "/references/" + name).at(0);
  PotentialOptions options;
  if (key == std::string("lj") && frame.box.any_periodic()) options.cutoff = 2.5;
  Evaluator evaluator(make_potential(key, options));
  Loaded out;
  out.system = to_system(frame, evaluator.potential());
  out.per_atom = evaluator.evaluate(out.system).per_atom;
  return out;
}

using Edge = std::tuple<int, int, long, long, long>;  // sender, receiver, d rounded to 1e-7

Edge edge_key(int u, int v, const Eigen::Vector3d& d) {
  return {u, v, std::lround(d[0] * 1e7), std::lround(d[1] * 1e7), std::lround(d[2] * 1e7)};
}

std::vector<Edge> graph_edges(const Graph& g) {
  std::vector<Edge> edges;
  for (int k = 0; k < g.edges(); ++k) edges.push_back(edge_key(g.sender[k], g.receiver[k], g.displacement.col(k)));
  std::sort(edges.begin(), edges.end());
  return edges;
}

// Every pair of the oracle closer than its delta_ab, in both directions.
std::vector<Edge> oracle_edges(const System& system, const GraphSettings& settings) {
  std::vector<Edge> edges;
  for (const BrutePair& p : brute_force_pairs(system, settings.max_cutoff())) {
    if (!(p.d.norm() < settings.cutoff(system.species[p.i], system.species[p.j]))) continue;
    edges.push_back(edge_key(p.i, p.j, p.d));
    edges.push_back(edge_key(p.j, p.i, -p.d));
  }
  std::sort(edges.begin(), edges.end());
  return edges;
}

struct Case {
  const char* file;
  const char* key;
};

const Case kCases[] = {
    {"lj-binary-n25.xyz", "lj-binary"},      // cutoff 1.5 > L/2 = 1.38: several images per pair
    {"lj-binary-n100.xyz", "lj-binary"},     {"lj-binary-distorted.xyz", "lj-binary"},
    {"sw-si-hot64.xyz", "sw-si"},            {"sw-si-small8.xyz", "sw-si"},
    {"csh-n152.xyz", "csh"},                 {"csh-small.xyz", "csh"},
    {"lj-cluster38.xyz", "lj"},              {"lj-periodic.xyz", "lj"},
    {"lj-small.xyz", "lj"},                  // L = 2.1 < 2 x 1.5
};

}  // namespace

TEST_CASE("graph edges are the brute-force pairs within delta_ab, both directions", "[graph]") {
  for (const Case& c : kCases) {
    SECTION(c.file) {
      Loaded s = load(c.file, c.key);
      const GraphSettings settings = graph_preset(c.key);
      const Graph g = build_graph(s.system, s.per_atom, settings);
      const auto expected = oracle_edges(s.system, settings);
      CHECK(!expected.empty());
      CHECK(graph_edges(g) == expected);
      CHECK(g.nodes == s.system.size());

      // The builder's skin list gives the same edges while atoms wander.
      GraphBuilder builder(settings);
      std::mt19937_64 rng(7);
      std::uniform_real_distribution<double> noise(-0.02, 0.02);
      for (int move = 0; move < 6; ++move) {
        REQUIRE(graph_edges(builder.build(s.system, s.per_atom)) == oracle_edges(s.system, settings));
        for (int i = 0; i < s.system.size(); ++i)
          s.system.positions.col(i) += settings.length_scale * Eigen::Vector3d(noise(rng), noise(rng), noise(rng));
      }
    }
  }
}

TEST_CASE("a small box gives an atom edges to its own images", "[graph]") {
  System one;
  one.box = Box::cubic(1.2);  // delta 1.5 > L: the atom sees 6 images of itself within 1.5
  one.positions = Eigen::Matrix3Xd::Constant(3, 1, 0.3);
  one.species = {0};
  const Graph g = build_graph(one, Eigen::VectorXd::Constant(1, -2.0), graph_preset("lj"));
  CHECK(g.edges() == 6);
  for (int k = 0; k < g.edges(); ++k) {
    CHECK(g.sender[k] == 0);
    CHECK(g.receiver[k] == 0);
    CHECK(g.displacement.col(k).norm() == Approx(1.2));
  }
  // Its neighbour sum counts every image: six times its own energy.
  CHECK(g.node_features(1, 0) == -2.0);
  CHECK(g.node_features(2, 0) == Approx(-12.0));
  CHECK(g.node_features(3, 0) == Approx(-2.0));
}

TEST_CASE("node features are paper eq. 3 and edge features eq. 4", "[graph]") {
  const Loaded s = load("lj-binary-n100.xyz", "lj-binary");
  const GraphSettings paper = graph_preset("lj-binary", GraphFeatures::paper);
  const GraphSettings authors = graph_preset("lj-binary", GraphFeatures::authors);
  const Graph g = build_graph(s.system, s.per_atom, paper);
  const Graph a = build_graph(s.system, s.per_atom, authors);
  REQUIRE(g.node_features.rows() == 5);  // one-hot A, B | U | sum | mean
  REQUIRE(a.node_features.rows() == 3);  // U | sum | mean
  REQUIRE(g.edge_features.rows() == 4);
  REQUIRE(graph_edges(a) == graph_edges(g));

  const int n = s.system.size();
  for (int v = 0; v < n; ++v) {
    double sum = 0.0;
    int count = 0;
    for (const BrutePair& p : brute_force_pairs(s.system, paper.max_cutoff())) {
      if (!(p.d.norm() < paper.cutoff(s.system.species[p.i], s.system.species[p.j]))) continue;
      if (p.j == v) sum += s.per_atom[p.i], ++count;
      if (p.i == v) sum += s.per_atom[p.j], ++count;
    }
    const int species = s.system.species[v];
    CHECK(g.node_features(0, v) == (species == 0 ? 1.0 : 0.0));
    CHECK(g.node_features(1, v) == (species == 1 ? 1.0 : 0.0));
    CHECK(g.node_features(2, v) == s.per_atom[v]);
    CHECK(g.node_features(3, v) == Approx(sum).margin(1e-12));
    CHECK(g.node_features(4, v) == Approx(count ? sum / count : 0.0).margin(1e-12));
    CHECK(a.node_features.col(v) == g.node_features.bottomRows(3).col(v));
  }
  for (int k = 0; k < g.edges(); ++k) {
    const int u = g.sender[k], v = g.receiver[k];
    const Eigen::Vector3d d = g.displacement.col(k);  // x_v - x_u through an image
    const double r = d.norm();
    const double sigma = paper.sigma(s.system.species[u], s.system.species[v]);
    CHECK(g.edge_features.col(k).head<3>() == d);
    CHECK(g.edge_features(3, k) == Approx(std::pow(2.0, 1.0 / 6.0) * sigma - r).margin(1e-14));
    CHECK(a.edge_features(3, k) == Approx(r - sigma).margin(1e-14));
    // Periodic displacement: the minimum image here (1.5 < L/2).
    Eigen::Vector3d direct = s.system.positions.col(v) - s.system.positions.col(u);
    for (int ax = 0; ax < 3; ++ax) direct[ax] -= s.system.box.length[ax] * std::round(direct[ax] / s.system.box.length[ax]);
    CHECK((direct - d).norm() < 1e-12);
  }
}

TEST_CASE("features are scaled by the preset's length and energy scales", "[graph]") {
  const Loaded s = load("csh-n152.xyz", "csh");
  const GraphSettings settings = graph_preset("csh");
  const Graph g = build_graph(s.system, s.per_atom, settings);
  REQUIRE(g.edges() > 0);
  CHECK(g.node_features.row(0).isOnes());
  CHECK(g.node_features(1, 0) == Approx(s.per_atom[0] / 2660.77425533));
  for (int k = 0; k < g.edges(); ++k) {
    CHECK(g.edge_features.col(k).head<3>().isApprox(g.displacement.col(k) / 50.0));
    CHECK(g.edge_features(3, k) == Approx((std::pow(2.0, 1.0 / 14.0) * 50.0 - g.displacement.col(k).norm()) / 50.0));
  }
  // Scaled features stay O(1)-O(10) in every system (raw csh energies are ~1e4;
  // the distorted structures hold overlapping atoms).
  for (const Case& c : kCases) {
    const Loaded t = load(c.file, c.key);
    const Graph h = build_graph(t.system, t.per_atom, graph_preset(c.key));
    INFO(c.file);
    const int u = h.node_features.rows() - 3;  // rows u, u + 2: U_v and the neighbours' mean
    CHECK(h.node_features.row(u).cwiseAbs().maxCoeff() < 100.0);
    CHECK(h.node_features.row(u + 2).cwiseAbs().maxCoeff() < 100.0);
    CHECK(h.edge_features.cwiseAbs().maxCoeff() < 3.0);
  }
}

TEST_CASE("graph presets hold the documented cutoffs and equilibrium distances", "[graph]") {
  const double lj_min = std::pow(2.0, 1.0 / 6.0);
  const GraphSettings kab = graph_preset("lj-binary");
  CHECK(kab.species == std::vector<std::string>{"A", "B"});
  CHECK(kab.cutoff(0, 0) == 1.5);
  CHECK(kab.cutoff(0, 1) == Approx(1.2));
  CHECK(kab.cutoff(1, 1) == Approx(1.32));
  CHECK(kab.r_eq(0, 1) == Approx(0.8 * lj_min));
  CHECK(graph_preset("lj").cutoff(0, 0) == 1.5);
  const GraphSettings sw = graph_preset("sw-si");
  CHECK(sw.cutoff(0, 0) == 3.0);
  CHECK(sw.r_eq(0, 0) == Approx(5.431 * std::sqrt(3.0) / 4.0).epsilon(1e-4));  // diamond nearest neighbour
  const GraphSettings csh = graph_preset("csh");
  CHECK(csh.cutoff(0, 0) == 75.0);
  CHECK(csh.r_eq(0, 0) == Approx(52.53783).epsilon(1e-6));
  CHECK(graph_preset("csh", GraphFeatures::authors).node_feature_count() == 3);
  CHECK(kab.node_feature_count() == 5);
  CHECK_THROWS_WITH(graph_preset("argon"), Catch::Contains("lj-binary, sw-si, csh, lj"));
  CHECK(graph_features_from_string("authors") == GraphFeatures::authors);
  CHECK_THROWS_WITH(graph_features_from_string("mine"), Catch::Contains("paper, authors"));
}

TEST_CASE("graph features are unchanged by a translation", "[graph]") {
  Loaded s = load("sw-si-hot64.xyz", "sw-si");
  const GraphSettings settings = graph_preset("sw-si");
  const Graph g = build_graph(s.system, s.per_atom, settings);
  for (int i = 0; i < s.system.size(); ++i) {
    s.system.positions.col(i) = s.system.box.wrap(s.system.positions.col(i) + Eigen::Vector3d(3.3, -7.1, 12.5));
  }
  const Graph t = build_graph(s.system, s.per_atom, settings);
  auto sorted = [](const Graph& h) {
    std::vector<std::vector<long>> rows;
    for (int k = 0; k < h.edges(); ++k) {
      std::vector<long> row{h.sender[k], h.receiver[k]};
      for (int f = 0; f < 4; ++f) row.push_back(std::lround(h.edge_features(f, k) * 1e9));
      rows.push_back(row);
    }
    std::sort(rows.begin(), rows.end());
    return rows;
  };
  CHECK(sorted(t) == sorted(g));
  CHECK((t.node_features - g.node_features).cwiseAbs().maxCoeff() < 1e-12);
}

TEST_CASE("graph input errors are reported", "[graph]") {
  Loaded s = load("lj-binary-n25.xyz", "lj-binary");
  GraphSettings lj = graph_preset("lj");
  CHECK_THROWS_AS(build_graph(s.system, s.per_atom, lj), InputError);  // species B outside "lj"
  CHECK_THROWS_WITH(build_graph(s.system, Eigen::VectorXd::Zero(3), graph_preset("lj-binary")),
                    Catch::Contains("3 per-atom energies for 25 atoms"));
  GraphSettings bad = graph_preset("lj-binary");
  bad.cutoff(0, 1) = 2.0;
  CHECK_THROWS_WITH(bad.validate(), Catch::Contains("symmetric"));
  bad = graph_preset("lj-binary");
  bad.r_eq = Eigen::MatrixXd::Ones(3, 3);
  CHECK_THROWS_WITH(bad.validate(), Catch::Contains("2 x 2"));
  bad = graph_preset("csh");
  bad.energy_scale = 0.0;
  CHECK_THROWS_AS(GraphBuilder(bad), InputError);
}

TEST_CASE("the forces feature set: paper's features, the scaled force and the previous displacement", "[graph]") {
  CHECK(graph_features_from_string("forces") == GraphFeatures::forces);
  CHECK(to_string(GraphFeatures::forces) == "forces");
  CHECK_THROWS_WITH(graph_features_from_string("force"), Catch::Contains("paper, authors, forces"));
  for (const Case& c : {Case{"lj-binary-n25.xyz", "lj-binary"}, Case{"sw-si-small8.xyz", "sw-si"},
                        Case{"csh-small.xyz", "csh"}}) {
    INFO(c.key);
    Loaded s = load(c.file, c.key);
    const int n = s.system.size();
    const GraphSettings settings = graph_preset(c.key, GraphFeatures::forces);
    const int species = settings.species_count();
    REQUIRE(settings.node_feature_count() == species + 9);
    Evaluator evaluator(make_potential(c.key));
    const Eigen::Matrix3Xd forces = evaluator.evaluate(s.system).forces;
    Random rng(21);
    s.system.previous_displacement.resize(3, n);
    for (int i = 0; i < n; ++i)
      for (int a = 0; a < 3; ++a) s.system.previous_displacement(a, i) = 0.1 * rng.normal();
    const Graph g = build_graph(s.system, s.per_atom, settings, forces);
    const Graph paper = build_graph(s.system, s.per_atom, graph_preset(c.key, GraphFeatures::paper));
    REQUIRE(g.node_features.rows() == species + 9);
    CHECK(g.node_features.topRows(species + 3) == paper.node_features);
    CHECK(g.edge_features == paper.edge_features);

    // The force rows against -dE/dx by central differences of the energy (not the potential's forces).
    const double to_feature = settings.length_scale / settings.energy_scale;
    System moved = s.system;
    double worst = 0.0;
    for (int i = 0; i < n; i += std::max(1, n / 6)) {
      for (int a = 0; a < 3; ++a) {
        const double h = 1e-5 * settings.length_scale;
        moved.positions(a, i) = s.system.positions(a, i) + h;
        const double up = evaluator.evaluate(moved).energy;
        moved.positions(a, i) = s.system.positions(a, i) - h;
        const double down = evaluator.evaluate(moved).energy;
        moved.positions(a, i) = s.system.positions(a, i);
        const double expected = -(up - down) / (2.0 * h) * to_feature;
        worst = std::max(worst, std::abs(g.node_features(species + 3 + a, i) - expected) /
                                    std::max(1.0, std::abs(expected)));
        CHECK(g.node_features(species + 6 + a, i) ==
              Approx(s.system.previous_displacement(a, i) / settings.length_scale).epsilon(1e-15));
      }
    }
    INFO("worst relative error of the force rows " << worst);
    CHECK(worst < 1e-6);  // O(h^2) truncation and rounding of the difference quotient

    // No previous displacement (an episode's first step): zero rows.
    System first = s.system;
    first.previous_displacement.resize(3, 0);
    CHECK(build_graph(first, s.per_atom, settings, forces).node_features.bottomRows(3).isZero(0.0));

    // The derivative with respect to the new inputs: d/dF = g l / e, d/da = g / l.
    Eigen::MatrixXd grad_node = Eigen::MatrixXd::Zero(species + 9, n);
    grad_node.middleRows(species + 3, 6).setRandom();
    StateGradient out;
    graph_feature_gradient(g, settings, grad_node, Eigen::MatrixXd::Zero(4, g.edges()), out);
    // (to rounding: the code may multiply by 1 / l)
    CHECK((out.forces - grad_node.middleRows(species + 3, 3) * to_feature).cwiseAbs().maxCoeff() <=
          1e-15 * to_feature);
    CHECK((out.previous_displacement - grad_node.middleRows(species + 6, 3) / settings.length_scale)
              .cwiseAbs()
              .maxCoeff() <= 1e-15 / settings.length_scale);
    CHECK(out.positions.isZero(0.0));
    CHECK(out.per_atom.isZero(0.0));

    // Missing or mis-sized inputs are errors.
    CHECK_THROWS_WITH(build_graph(s.system, s.per_atom, settings), Catch::Contains("'forces' needs the forces"));
    System wrong = s.system;
    wrong.previous_displacement.resize(3, n + 1);
    CHECK_THROWS_AS(build_graph(wrong, s.per_atom, settings, forces), InputError);
  }
}
