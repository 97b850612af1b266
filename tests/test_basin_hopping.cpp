// Basin hopping finds the known global minimum of a small Lennard-Jones cluster.
#include <functional>

#include <catch2/catch.hpp>

#include "strider/basin_hopping.hpp"
#include "strider/error.hpp"
#include "strider/optimizers.hpp"
#include "support.hpp"

using namespace strider;

namespace {

// LJ13's global minimum, the Mackay icosahedron (Wales & Doye 1997; Cambridge Cluster Database).
constexpr double kLj13Minimum = -44.326801;

struct Outcome {
  double best;
  long evaluations, hops;
};

Outcome search(const System& start, std::uint64_t seed, long budget, double temperature = 0.8) {
  BasinHoppingOptions options;
  options.seed = seed;
  options.temperature = temperature;
  BasinHopping hopping(make_optimizer("lbfgs", "lj"), options);
  Evaluator evaluator(make_potential("lj"));
  System system = start;
  HopReport report = hopping.init(system, evaluator);
  double best = report.best_energy;
  while (report.evaluations < budget) {
    report = hopping.hop(system, evaluator, budget);
    REQUIRE(report.best_energy <= best);  // the best never gets worse
    REQUIRE(report.best_energy <= report.energy);
    best = report.best_energy;
  }
  // The kept best structure really has the reported energy.
  Evaluator check(make_potential("lj"));
  REQUIRE(check.evaluate(hopping.best()).energy == Approx(report.best_energy).epsilon(1e-12));
  return {report.best_energy, report.evaluations, report.hop};
}

// `hops` hops of `hopping` (a search on LJ) from `start`; `check` sees
// the report before and after each hop.
void hop_from(BasinHopping& hopping, const System& start, int hops,
              const std::function<void(const HopReport& before, const HopReport& after)>& check) {
  Evaluator evaluator(make_potential("lj"));
  System system = start;
  HopReport report = hopping.init(system, evaluator);
  for (int k = 0; k < hops; ++k) {
    const HopReport before = report;
    report = hopping.hop(system, evaluator);
    check(before, report);
  }
}

}  // namespace

TEST_CASE("basin hopping finds the LJ13 global minimum from random starts within 20000 evaluations") {
  for (unsigned start_seed : {41u, 42u, 43u}) {
    DYNAMIC_SECTION("start " << start_seed) {
      const System start = test::random_system(13, Box::free(), 2.6, 0.95, 0.0, start_seed);
      Evaluator evaluator(make_potential("lj"));
      REQUIRE(evaluator.evaluate(start).energy > -30.0);  // a genuinely random start
      const Outcome outcome = search(start, start_seed, 20000);
      CHECK(outcome.best == Approx(kLj13Minimum).margin(1e-5));
      CHECK(outcome.evaluations <= 20000 + 1);
    }
  }
}

TEST_CASE("basin hopping is reproducible for a seed and differs between seeds") {
  const System start = test::random_system(13, Box::free(), 2.6, 0.95, 0.0, 44);
  const Outcome a = search(start, 7, 3000), b = search(start, 7, 3000), c = search(start, 8, 3000);
  CHECK(a.best == b.best);
  CHECK(a.evaluations == b.evaluations);
  CHECK(a.hops == b.hops);
  CHECK((c.hops != a.hops || c.best != a.best));
}

TEST_CASE("basin hopping at zero temperature accepts only downhill hops") {
  const System start = test::random_system(13, Box::free(), 2.6, 0.95, 0.0, 45);
  BasinHoppingOptions options;
  options.temperature = 0.0;
  BasinHopping hopping(make_optimizer("lbfgs", "lj"), options);
  hop_from(hopping, start, 30, [](const HopReport& before, const HopReport& report) {
    CHECK(report.accepted == (report.trial_energy <= before.energy));
    CHECK(report.energy <= before.energy);
  });
}

TEST_CASE("basin hopping refuses bad options") {
  BasinHoppingOptions bad;
  bad.temperature = std::nan("");
  CHECK_THROWS_AS(BasinHopping(make_optimizer("fire", "lj"), bad), InputError);
  bad = BasinHoppingOptions{};
  bad.step_size = -1.0;
  CHECK_THROWS_AS(BasinHopping(make_optimizer("fire", "lj"), bad), InputError);
}

TEST_CASE("basin hopping's first minimisation stops when the budget runs out") {
  const System start = test::random_system(13, Box::free(), 2.6, 0.95, 0.0, 46);
  BasinHopping unbounded(make_optimizer("lbfgs", "lj"), BasinHoppingOptions{});
  Evaluator free_evaluator(make_potential("lj"));
  System a = start;
  REQUIRE(unbounded.init(a, free_evaluator).evaluations > 40);  // a random start takes many steps
  BasinHopping bounded(make_optimizer("lbfgs", "lj"), BasinHoppingOptions{});
  Evaluator evaluator(make_potential("lj"));
  System b = start;
  CHECK(bounded.init(b, evaluator, 10).evaluations <= 12);  // one local step may take a few evaluations
}

TEST_CASE("basin hopping moves with the proposal it is given, and its evaluations count in the budget") {
  const System start = test::random_system(13, Box::free(), 2.6, 0.95, 0.0, 47);
  int calls = 0;
  // Moves atom 0 by +0.3 along x and evaluates once (as a learned proposal would).
  HopProposal nudge = [&calls](System& trial, Evaluator& evaluator, Random&) {
    ++calls;
    trial.positions(0, 0) += 0.3;
    evaluator.evaluate(trial);
  };
  BasinHoppingOptions options;
  options.temperature = 0.0;
  BasinHopping hopping(make_optimizer("lbfgs", "lj"), options, nudge);
  hop_from(hopping, start, 5, [](const HopReport& before, const HopReport& report) {
    CHECK(report.evaluations >= before.evaluations + 2);  // the proposal's evaluation and at least one local one
  });
  CHECK(calls == 5);
  // The uniform proposal refuses a step size that is not > 0.
  CHECK_THROWS_AS(random_displacement(0.0), InputError);
}
