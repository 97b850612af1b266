// The local optimisers: they lower the energy of every system, reach a force
// tolerance, keep periodic systems wrapped; FIRE follows jax-md's update rule
// to the last bit on a hand-checked quadratic bowl; FIRE 2.0 follows LAMMPS's
// min_style fire step by step, and FIRE 2.0 and L-BFGS reach LAMMPS's minima
// (tests/references/minimize/*.json, from tests/references/minimize/generate.py).
#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "strider/error.hpp"
#include "strider/evaluator.hpp"
#include "strider/frame.hpp"
#include "strider/io.hpp"
#include "strider/optimizers.hpp"
#include "bowl_potential.hpp"

namespace fs = std::filesystem;
using namespace strider;

namespace {

const fs::path kReferences = fs::path(STRIDER_TEST_DATA) / "references";

// A structure of tests/references/ with its evaluator.
struct Loaded {
  std::unique_ptr<Evaluator> evaluator;
  System system;
};

Loaded load(const std::string& file, const std::string& key, const PotentialOptions& options = {}) {
  Loaded out;
  out.evaluator = std::make_unique<Evaluator>(make_potential(key, options));
  const std::vector<Frame> frames = read_extxyz_file((kReferences / file).string());
  out.system = to_system(frames.at(0), out.evaluator->potential());
  return out;
}

bool inside_box(const System& system) {
  for (int i = 0; i < system.size(); ++i) {
    for (int a = 0; a < 3; ++a) {
      if (!system.box.periodic[a]) continue;
      const double x = system.positions(a, i);
      if (!(x >= system.box.lo[a] && x < system.box.lo[a] + system.box.length[a])) return false;
    }
  }
  return true;
}

nlohmann::json read_json(const fs::path& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  return nlohmann::json::parse(in);
}

std::vector<fs::path> minimum_references() {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(kReferences / "minimize"))
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

PotentialOptions options_of(const nlohmann::json& ref) {
  PotentialOptions options;
  options.shift = ref["options"]["shift"].get<bool>();
  options.cutoff = ref["options"]["cutoff"].get<double>();
  return options;
}

}  // namespace

TEST_CASE("every optimiser lowers the energy of every system and keeps periodic systems wrapped") {
  struct Case {
    std::string file, key;
    double fire_dt_max;  // see below
  };
  // The paper's FIRE preset has dt_max 0.4, far above the stability limit of
  // the stiffest pairs of lj-binary (~0.03) and csh (~0.03): with the jax-md
  // rule it diverges there (strider minimize reports it), and from sw-si's
  // dt_start 0.5 it melts the crystal. Here FIRE keeps the paper's dt_start
  // with a dt_max the system tolerates.
  const std::vector<Case> cases{{"lj-binary-n100.xyz", "lj-binary", 0.02},
                                {"sw-si-hot64.xyz", "sw-si", 0.2},
                                {"csh-n152.xyz", "csh", 0.02},
                                {"lj-cluster13.xyz", "lj", 0.4}};
  for (const Case& c : cases) {
    for (const std::string& name : optimizer_names()) {
      DYNAMIC_SECTION(name << " on " << c.file) {
        Loaded s = load(c.file, c.key);
        ParameterOverrides overrides;
        if (name == "fire") overrides["dt_max"] = c.fire_dt_max;
        auto optimizer = make_optimizer(name, c.key, overrides);
        const StepReport first = optimizer->init(s.system, *s.evaluator);
        StepReport last = first;
        for (int k = 0; k < 200; ++k) {
          last = optimizer->step(s.system, *s.evaluator);
          REQUIRE(std::isfinite(last.energy));
          REQUIRE(inside_box(s.system));
        }
        CHECK(last.step == 200);
        CHECK(last.energy < first.energy - 1e-3 * std::abs(first.energy));
        CHECK(last.max_force < first.max_force);
        // The report is the energy at the positions the system holds now.
        Evaluator check(make_potential(c.key));
        CHECK(check.evaluate(s.system).energy == Approx(last.energy).epsilon(1e-12));
        // One evaluation per step (fire2: one more after each half step back).
        if (name == "fire2") {
          CHECK(last.evaluations >= 201);
        } else {
          CHECK(last.evaluations == 201);
        }
      }
    }
  }
}

TEST_CASE("every optimiser reaches a force tolerance on small cases") {
  struct Case {
    std::string file, key, optimizer;
    ParameterOverrides overrides;
  };
  // Gradient descent's paper learning rate for sw-si (1e-3) needs ~1500
  // steps on the 8-atom cell; 0.02 is still stable there.
  const std::vector<Case> cases{
      {"sw-si-small8.xyz", "sw-si", "gd", {{"learning_rate", 0.02}}},
      {"lj-cluster13.xyz", "lj", "gd", {}},
      {"sw-si-small8.xyz", "sw-si", "adam", {}},
      {"lj-cluster13.xyz", "lj", "adam", {}},
      {"sw-si-small8.xyz", "sw-si", "fire", {}},
      {"lj-cluster13.xyz", "lj", "fire", {}},
      {"sw-si-small8.xyz", "sw-si", "fire2", {}},
      {"lj-cluster13.xyz", "lj", "fire2", {}},
      {"sw-si-small8.xyz", "sw-si", "lbfgs", {}},
      {"lj-cluster13.xyz", "lj", "lbfgs", {}},
  };
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.optimizer << " on " << c.file) {
      Loaded s = load(c.file, c.key);
      auto optimizer = make_optimizer(c.optimizer, c.key, c.overrides);
      StopCriteria stop;
      stop.fmax = 1e-4;
      stop.max_steps = 2000;
      const StepReport last = minimize(*optimizer, s.system, *s.evaluator, stop);
      CHECK(last.max_force <= 1e-4);
      CHECK(last.step < 2000);
      CHECK(inside_box(s.system));
      Evaluator check(make_potential(c.key));
      CHECK(max_atom_force(check.evaluate(s.system).forces) == Approx(last.max_force).margin(1e-12));
    }
  }
}

TEST_CASE("FIRE follows jax-md's fire_descent on a quadratic bowl, checked by hand") {
  SECTION("the first step, written out with numbers") {
    // One atom, k = 1, centre 0, x0 = (1, 0, 0), dt = 0.1: F0 = (-1, 0, 0).
    System system;
    system.positions = Eigen::Matrix3Xd::Zero(3, 1);
    system.positions(0, 0) = 1.0;
    system.species = {0};
    system.box = Box::free();
    Evaluator evaluator(std::make_unique<Bowl>(Eigen::Matrix3Xd::Zero(3, 1), Eigen::VectorXd::Ones(1)));
    FireParameters p;
    p.dt_start = 0.1;
    Fire fire(p);
    fire.init(system, evaluator);
    const StepReport r = fire.step(system, evaluator);
    // x1 = x0 + dt*0 + dt^2*(-1) = 0.99; F1 = -0.99; V = 0 + dt/2 (-1 - 0.99) = -0.0995;
    // P = F1 V = 0.098505 > 0; |V| = 0.0995; |F| = sqrt(0.99^2 + 1e-6) = sqrt(0.980101);
    // V <- V + 0.1 (F1 |V| / |F| - V); n_pos 1 (not > 5): dt, alpha unchanged.
    const double v1 = -0.0995 + 0.1 * (-0.99 * 0.0995 / std::sqrt(0.980101) + 0.0995);
    CHECK(system.positions(0, 0) == Approx(0.99).epsilon(1e-15));
    CHECK(system.positions(1, 0) == 0.0);
    CHECK(r.energy == Approx(0.5 * 0.99 * 0.99).epsilon(1e-15));
    CHECK(fire.state().velocities(0, 0) == Approx(v1).epsilon(1e-14));
    CHECK(fire.state().velocities(0, 0) == Approx(-0.099499994924).epsilon(1e-10));
    CHECK(fire.state().dt == 0.1);
    CHECK(fire.state().alpha == 0.1);
    CHECK(fire.state().n_pos == 1);
  }

  SECTION("twenty steps against the formulas evaluated here, through growth and resets") {
    // Two atoms, stiffnesses 1 and 4 about different centres; dt_start 0.3 is
    // large enough to overshoot (P < 0 resets) and n_min 2 small enough that dt
    // grows in between.
    const std::array<double, 2> k{1.0, 4.0};
    const std::array<double, 6> c{0.0, 0.0, 0.0, 1.0, 1.0, 1.0};
    const std::array<double, 6> x0{1.0, 0.5, 0.0, 1.3, 1.0, 0.8};
    const double dt_start = 0.3, dt_max = 0.5, n_min = 2, f_inc = 1.1, f_dec = 0.5, alpha_start = 0.1,
                 f_alpha = 0.99;

    Eigen::Matrix3Xd centres(3, 2);
    centres << c[0], c[3], c[1], c[4], c[2], c[5];
    System system;
    system.positions.resize(3, 2);
    system.positions << x0[0], x0[3], x0[1], x0[4], x0[2], x0[5];
    system.species = {0, 0};
    system.box = Box::free();
    Evaluator evaluator(std::make_unique<Bowl>(centres, Eigen::Vector2d(k[0], k[1])));
    Fire fire({dt_start, dt_max, n_min, f_inc, f_dec, alpha_start, f_alpha});
    fire.init(system, evaluator);

    // The same rule on plain arrays: index 3*i + a.
    std::array<double, 6> x = x0, v{}, f{};
    auto force = [&](const std::array<double, 6>& y) {
      std::array<double, 6> out{};
      for (int j = 0; j < 6; ++j) out[j] = -k[j / 3] * (y[j] - c[j]);
      return out;
    };
    f = force(x);
    double dt = dt_start, alpha = alpha_start;
    int n_pos = 0, resets = 0, growths = 0;
    for (int step = 1; step <= 20; ++step) {
      for (int j = 0; j < 6; ++j) x[j] = x[j] + dt * v[j] + dt * dt * f[j];
      const std::array<double, 6> g = force(x);
      for (int j = 0; j < 6; ++j) v[j] = v[j] + dt * 0.5 * (f[j] + g[j]);
      double gg = 0.0, vv = 0.0, power = 0.0;
      for (int j = 0; j < 6; ++j) {
        gg += g[j] * g[j];
        vv += v[j] * v[j];
        power += g[j] * v[j];
      }
      const double g_norm = std::sqrt(gg + 1e-6), v_norm = std::sqrt(vv);
      for (int j = 0; j < 6; ++j) v[j] = v[j] + alpha * (g[j] * v_norm / g_norm - v[j]);
      n_pos = power >= 0 ? n_pos + 1 : 0;
      if (power > 0 && n_pos > n_min) {
        dt = std::min(dt * f_inc, dt_max);
        alpha = alpha * f_alpha;
        ++growths;
      }
      if (power < 0) {
        dt = dt * f_dec;
        alpha = alpha_start;
        for (double& vj : v) vj = 0.0;
        ++resets;
      }
      f = g;

      fire.step(system, evaluator);
      INFO("step " << step);
      for (int j = 0; j < 6; ++j) {
        CHECK(system.positions(j % 3, j / 3) == Approx(x[j]).epsilon(1e-12).margin(1e-14));
        CHECK(fire.state().velocities(j % 3, j / 3) == Approx(v[j]).epsilon(1e-12).margin(1e-14));
      }
      CHECK(fire.state().dt == Approx(dt).epsilon(1e-15));
      CHECK(fire.state().alpha == Approx(alpha).epsilon(1e-15));
      CHECK(fire.state().n_pos == n_pos);
    }
    // The run went through both branches, else it proves less than it says.
    CHECK(resets >= 1);
    CHECK(growths >= 2);
  }
}

TEST_CASE("FIRE 2.0 follows LAMMPS min_style fire step by step") {
  for (const fs::path& path : minimum_references()) {
    DYNAMIC_SECTION(path.filename().string()) {
      const nlohmann::json ref = read_json(path);
      const std::string key = ref["system"];
      Loaded s = load(ref["structure"], key, options_of(ref));
      const double mass = s.evaluator->potential().masses().at(0);
      ParameterOverrides overrides{
          {"dt_start", lammps_equivalent_dt(key, ref["lammps_fire_settings"]["timestep"].get<double>(), mass)},
          {"dmax", ref["lammps_fire_settings"]["dmax"].get<double>()}};
      auto optimizer = make_optimizer("fire2", key, overrides);
      const std::vector<double> lammps = ref["lammps_fire_energies"];
      REQUIRE(lammps.size() > 50);
      StepReport r = optimizer->init(s.system, *s.evaluator);
      for (size_t k = 0; k < lammps.size(); ++k) {
        if (k > 0) r = optimizer->step(s.system, *s.evaluator);
        INFO("step " << k);
        REQUIRE(r.energy == Approx(lammps[k]).epsilon(1e-10).margin(1e-10));
      }
    }
  }
}

TEST_CASE("FIRE 2.0 and L-BFGS reach the minima LAMMPS reaches") {
  for (const fs::path& path : minimum_references()) {
    for (const std::string name : {"fire2", "lbfgs"}) {
      DYNAMIC_SECTION(name << " on " << path.filename().string()) {
        const nlohmann::json ref = read_json(path);
        const std::string key = ref["system"];
        Loaded s = load(ref["structure"], key, options_of(ref));
        auto optimizer = make_optimizer(name, key);
        StopCriteria stop;
        stop.fmax = key == "csh" ? 1e-3 : 1e-6;  // csh forces are ~1e4 times larger
        stop.max_steps = 5000;
        const StepReport last = minimize(*optimizer, s.system, *s.evaluator, stop);
        const double expected = ref["energy"];
        INFO("steps " << last.step << ", max force " << last.max_force);
        CHECK(last.max_force <= stop.fmax);
        CHECK(last.energy == Approx(expected).epsilon(1e-8));
        CHECK(inside_box(s.system));
      }
    }
  }
}

TEST_CASE("wrapping atoms back into the box every step forces no neighbour list rebuilds") {
  // A rigid translation of the whole crystal, wrapped after every move as the
  // optimisers do: the energy must not change, and the list must be rebuilt
  // only when atoms really moved half a skin, not at every face crossing.
  Loaded s = load("sw-si-diamond64.xyz", "sw-si");
  const double e0 = s.evaluator->evaluate(s.system).energy;
  const int builds0 = s.evaluator->neighbor_list().builds();
  const Eigen::Matrix3Xd step = Eigen::Vector3d(0.011, -0.007, 0.005).replicate(1, s.system.size());
  int crossings = 0;
  for (int k = 0; k < 100; ++k) {
    const Eigen::Matrix3Xd before = s.system.positions;
    s.system.positions += step;
    for (int i = 0; i < s.system.size(); ++i) s.system.positions.col(i) = s.system.box.wrap(s.system.positions.col(i));
    crossings += static_cast<int>(((s.system.positions - before).cwiseAbs().array() > 1.0).count());
    REQUIRE(s.evaluator->evaluate(s.system).energy == Approx(e0).epsilon(1e-12));
  }
  const double moved = 100 * Eigen::Vector3d(0.011, -0.007, 0.005).norm();
  const double half_skin = 0.5 * s.evaluator->neighbor_list().skin();
  CHECK(crossings > 5);
  CHECK(s.evaluator->neighbor_list().builds() - builds0 <= static_cast<int>(moved / half_skin) + 1);
}

TEST_CASE("free clusters are never wrapped") {
  Loaded s = load("lj-cluster13.xyz", "lj");
  s.system.positions.row(0).array() += 50.0;  // far from the origin, as a free cluster may be
  s.system.box.length = Eigen::Vector3d::Constant(10.0);  // a recorded extent, not periodic
  for (const std::string& name : optimizer_names()) {
    System system = s.system;
    auto optimizer = make_optimizer(name, "lj");
    for (long k = 0, n = 50; k <= n; ++k) k == 0 ? optimizer->init(system, *s.evaluator) : optimizer->step(system, *s.evaluator);
    CHECK(system.positions.row(0).minCoeff() > 45.0);
  }
}

TEST_CASE("L-BFGS remembers the step it took, not wrapped position differences") {
  // Perturbed diamond: atoms sit on the box faces and cross them while relaxing.
  Loaded s = load("sw-si-diamond64.xyz", "sw-si");
  Lbfgs lbfgs({10, 0.2, 0.02});
  lbfgs.init(s.system, *s.evaluator);
  const Eigen::Vector3d L = s.system.box.length;
  int crossings = 0;
  for (int k = 0; k < 30; ++k) {
    const Eigen::Matrix3Xd before = s.system.positions;
    const Eigen::VectorXd newest = lbfgs.state().s.empty() ? Eigen::VectorXd() : lbfgs.state().s.back();
    lbfgs.step(s.system, *s.evaluator);
    if (lbfgs.state().s.empty() || (lbfgs.state().s.back().size() == newest.size() && lbfgs.state().s.back() == newest))
      continue;  // no new pair stored (an undone step, or no positive curvature)
    const Eigen::Map<const Eigen::Matrix3Xd> taken(lbfgs.state().s.back().data(), 3, s.system.size());
    for (int i = 0; i < s.system.size(); ++i) {
      CHECK(taken.col(i).norm() <= 0.2 + 1e-12);
      for (int a = 0; a < 3; ++a) {
        const double moved = s.system.positions(a, i) - before(a, i);
        const double images = (moved - taken(a, i)) / L[a];
        CHECK(std::abs(images - std::round(images)) < 1e-9);
        if (std::round(images) != 0.0) ++crossings;
      }
    }
  }
  CHECK(crossings > 0);  // the case this test is about happened
}

TEST_CASE("make_optimizer gives the paper's presets and refuses bad options clearly") {
  auto value = [](const std::string& name, const std::string& key, const std::string& parameter) {
    for (const OptimizerParameter& p : optimizer_parameters(name, key)) {
      if (p.name == parameter) return p.value;
    }
    FAIL("no parameter " << parameter);
    return 0.0;
  };
  SECTION("Table 6 of the paper") {
    CHECK(value("gd", "lj-binary", "learning_rate") == 5e-4);
    CHECK(value("gd", "sw-si", "learning_rate") == 1e-3);
    CHECK(value("gd", "csh", "learning_rate") == 5e-4);
    CHECK(value("adam", "lj-binary", "learning_rate") == 0.05);
    CHECK(value("adam", "sw-si", "learning_rate") == 0.1);
    CHECK(value("adam", "csh", "learning_rate") == 1.0);
    CHECK(value("fire", "lj-binary", "dt_start") == 0.01);
    CHECK(value("fire", "sw-si", "dt_start") == 0.5);
    CHECK(value("fire", "csh", "dt_start") == 5e-3);
    CHECK(value("fire", "lj", "dt_start") == 0.01);
    for (const std::string key : {"lj-binary", "sw-si", "csh"}) {
      CHECK(value("fire", key, "dt_max") == 0.4);
      CHECK(value("fire", key, "n_min") == 5);
      CHECK(value("fire", key, "f_inc") == 1.1);
      CHECK(value("fire", key, "f_dec") == 0.5);
      CHECK(value("fire", key, "alpha_start") == 0.1);
      CHECK(value("fire", key, "f_alpha") == 0.99);
    }
    CHECK(paper_steps("lj-binary") == 1000);
    CHECK(paper_steps("sw-si") == 1000);
    CHECK(paper_steps("csh") == 2000);
    CHECK(value("lbfgs", "lj", "memory") == 10);
    CHECK(value("fire2", "sw-si", "alpha_start") == 0.25);
    CHECK(value("fire2", "sw-si", "n_delay") == 20);
  }
  SECTION("overrides replace preset values") {
    CHECK(value("gd", "sw-si", "learning_rate") == 1e-3);
    const auto list = optimizer_parameters("gd", "sw-si", {{"learning_rate", 0.02}});
    CHECK(list.at(0).value == 0.02);
    auto fire = make_optimizer("fire", "csh", {{"dt_max", 0.02}});
    CHECK(dynamic_cast<Fire&>(*fire).parameters().dt_max == 0.02);
    CHECK(dynamic_cast<Fire&>(*fire).parameters().dt_start == 5e-3);
  }
  SECTION("errors") {
    using Catch::Matchers::Contains;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    // The message lists the registry's optimisers in its order (the five below first).
    std::string known;
    for (const std::string& name : optimizer_names()) known += (known.empty() ? "" : ", ") + name;
    CHECK(known.rfind("gd, adam, fire, fire2, lbfgs", 0) == 0);
    CHECK_THROWS_WITH(make_optimizer("bfgs", "lj"), Contains("unknown optimizer 'bfgs' (known: " + known + ")"));
    CHECK_THROWS_WITH(make_optimizer("fire", "argon"), Contains("argon") && Contains("lj-binary"));
    CHECK_THROWS_WITH(make_optimizer("fire", "lj", {{"dt", 0.1}}),
                      Contains("unknown parameter 'dt'") && Contains("dt_start"));
    CHECK_THROWS_WITH(make_optimizer("gd", "lj", {{"learning_rate", -1.0}}), Contains("learning_rate"));
    CHECK_THROWS_WITH(make_optimizer("gd", "lj", {{"learning_rate", nan}}), Contains("learning_rate"));
    CHECK_THROWS_WITH(make_optimizer("adam", "lj", {{"beta1", 1.0}}), Contains("beta1"));
    CHECK_THROWS_WITH(make_optimizer("fire", "lj", {{"n_min", 2.5}}), Contains("whole number"));
    CHECK_THROWS_WITH(make_optimizer("fire", "lj", {{"f_dec", 1.5}}), Contains("f_dec"));
    CHECK_THROWS_WITH(make_optimizer("fire2", "lj", {{"half_step_back", 2}}), Contains("0 or 1"));
    CHECK_THROWS_WITH(make_optimizer("fire2", "lj", {{"t_min", 20}}), Contains("t_min"));
    CHECK_THROWS_WITH(make_optimizer("lbfgs", "lj", {{"memory", 0}}), Contains("memory"));
    CHECK_THROWS_WITH(optimizer_parameters("lbfgs", "lj", {{"max_step", nan}}), Contains("max_step"));
    CHECK_THROWS_AS(Fire2(Fire2Parameters{-1.0}), InputError);
  }
}
