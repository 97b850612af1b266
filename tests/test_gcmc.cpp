// Grand-canonical Monte Carlo: one-particle energy changes against full
// evaluations (boxes of 2, 1.67 and 0.93 times the cutoff), the acceptance
// rule against the ideal gas, saturation and determinism.
#include <cmath>

#include <catch2/catch.hpp>

#include "strider/dataset.hpp"
#include "strider/error.hpp"
#include "strider/evaluator.hpp"
#include "strider/gcmc.hpp"
#include "strider/random.hpp"

using namespace strider;

namespace {

System empty_system(const Box& box) {
  System system;
  system.box = box;
  system.positions.resize(3, 0);
  return system;
}

GrandCanonicalMC make_mc(const Box& box, GcmcSettings settings = {}, PairFunction pair = csh_pair_function()) {
  return GrandCanonicalMC(units_named("real"), std::move(pair), settings, box);
}

bool same_energy(double a, double b) { return std::abs(a - b) <= 1e-9 * std::max({std::abs(a), std::abs(b), 1.0}); }

}  // namespace

TEST_CASE("the csh pair function is the csh potential", "[gcmc]") {
  for (bool shift : {false, true}) {
    Evaluator evaluator(make_potential("csh", {shift, 0.0}));
    const PairFunction pair = csh_pair_function(shift);
    CHECK(pair.cutoff == evaluator.potential().cutoff());
    for (double r : {42.0, 50.0, 56.1, 73.0, 120.0, 149.9, 150.0, 170.0}) {
      System two = empty_system(Box::cubic(1000.0));
      two.positions = Eigen::Matrix3Xd::Zero(3, 2);
      two.positions(0, 1) = r;
      two.species = {0, 0};
      INFO("r = " << r << " shift " << shift);
      CHECK(pair.energy(r * r) == evaluator.evaluate(two).energy);  // the same operations, bit for bit
    }
  }
}

TEST_CASE("GCMC energy changes equal full-evaluation differences", "[gcmc]") {
  // 300 A = 2 x cutoff (only the minimum image), 250 A (one image per axis may
  // reach), 140 A < cutoff (several images, and a particle's own images).
  for (double L : {300.0, 250.0, 140.0}) {
    const Box box = Box::cubic(L);
    Random random(static_cast<std::uint64_t>(L));
    const int n = L > 200 ? 40 : 8;
    System system = random_packing(n, box, 44.0, 0.0, random);
    GrandCanonicalMC mc = make_mc(box);
    Evaluator evaluator(make_potential("csh"));
    const double e0 = evaluator.evaluate(system).energy;
    INFO("box " << L);
    CHECK(same_energy(mc.total_energy(system), e0));
    if (L < 150.0) CHECK(mc.self_image_energy() != 0.0);
    if (L >= 150.0) CHECK(mc.self_image_energy() == 0.0);
    for (int trial = 0; trial < 10; ++trial) {
      // Insertion at a random point.
      const Eigen::Vector3d x(random.uniform() * L, random.uniform() * L, random.uniform() * L);
      System inserted = system;
      inserted.positions.conservativeResize(3, n + 1);
      inserted.positions.col(n) = x;
      inserted.species.push_back(0);
      const double insert_delta = mc.interaction_energy(system, x, -1) + mc.self_image_energy();
      CHECK(same_energy(evaluator.evaluate(inserted).energy - e0, insert_delta));
      // Deletion of particle i.
      const int i = static_cast<int>(random.below(n));
      System deleted = system;
      deleted.positions.col(i) = system.positions.col(n - 1);
      deleted.species.pop_back();
      deleted.positions.conservativeResize(3, n - 1);
      const double delete_delta = -(mc.interaction_energy(system, system.positions.col(i), i) + mc.self_image_energy());
      CHECK(same_energy(evaluator.evaluate(deleted).energy - e0, delete_delta));
      // Displacement of particle i by up to 20 A.
      System displaced = system;
      Eigen::Vector3d y = system.positions.col(i);
      for (int a = 0; a < 3; ++a) y[a] += 40.0 * random.uniform() - 20.0;
      y = box.wrap(y);
      displaced.positions.col(i) = y;
      const double move_delta =
          mc.interaction_energy(system, y, i) - mc.interaction_energy(system, system.positions.col(i), i);
      CHECK(same_energy(evaluator.evaluate(displaced).energy - e0, move_delta));
    }
  }
}

TEST_CASE("the GCMC running energy stays equal to a full evaluation", "[gcmc]") {
  const Box box = Box::cubic(300.0);
  GcmcSettings settings;
  settings.seed = 5;
  GrandCanonicalMC mc = make_mc(box, settings);
  System system = empty_system(box);
  mc.init(system);
  for (int k = 0; k < 20000; ++k) mc.step(system);
  const GcmcReport r = mc.report();
  CHECK(r.particles == system.size());
  CHECK(r.inserts > 20);
  CHECK(r.displaces > 0);
  Evaluator evaluator(make_potential("csh"));
  CHECK(same_energy(r.energy, evaluator.evaluate(system).energy));
}

TEST_CASE("without interactions GCMC gives the ideal gas: <N> = V exp(mu / kT) / Lambda^3", "[gcmc]") {
  const Box box = Box::cubic(300.0);
  GcmcSettings settings;
  settings.seed = 11;
  settings.exchange_fraction = 1.0;
  const PairFunction none{[](double) { return 0.0; }, 150.0};
  // mu for <N> = 20.
  GrandCanonicalMC probe = make_mc(box, settings, none);
  const double kt = units_named("real").boltzmann * settings.temperature;
  const double lambda = probe.thermal_wavelength();
  CHECK(lambda == Approx(3.209e-3).epsilon(1e-3));  // h / sqrt(2 pi m k_B T) of a 98551 g/mol grain at 300 K
  settings.chemical_potential = kt * std::log(20.0 * lambda * lambda * lambda / box.volume());
  GrandCanonicalMC mc = make_mc(box, settings, none);
  System system = empty_system(box);
  mc.init(system);
  double sum = 0.0;
  long samples = 0;
  for (int k = 0; k < 400000; ++k) {
    mc.step(system);
    if (k >= 20000 && k % 10 == 0) sum += system.size(), ++samples;
  }
  CHECK(sum / samples == Approx(20.0).epsilon(0.05));
}

TEST_CASE("GCMC saturates, and the same seed gives the same particles", "[gcmc]") {
  // A 150 A box (one eighth of the paper's volume) fills quickly.
  const Box box = Box::cubic(150.0);
  GcmcSettings settings;
  settings.seed = 3;
  settings.block = 500;
  settings.window = 10;
  GrandCanonicalMC mc = make_mc(box, settings);
  System system = empty_system(box);
  mc.init(system);
  const GcmcReport r = mc.run(system);
  INFO("saturated at N = " << r.particles << " after " << r.moves << " moves");
  CHECK(r.saturated);
  CHECK(r.particles >= 15);
  CHECK(r.particles <= 30);
  // Saturated: ten times the plateau windows more moves add hardly anything.
  GcmcSettings more = settings;
  more.block = 100000;
  more.window = 1;
  more.max_moves = 100000;
  GrandCanonicalMC longer = make_mc(box, more);
  System continued = system;
  longer.init(continued);
  longer.run(continued);
  CHECK(continued.size() <= system.size() + 2);
  // Determinism.
  GrandCanonicalMC again = make_mc(box, settings);
  System other = empty_system(box);
  again.init(other);
  again.run(other);
  CHECK(other.size() == system.size());
  CHECK((other.positions.array() == system.positions.array()).all());
}

TEST_CASE("GCMC in the paper's empty 300 A box at 300 K saturates near the authors' N", "[gcmc]") {
  const Box box = Box::cubic(300.0);
  GcmcSettings settings;
  settings.chemical_potential = csh_default_chemical_potential();
  settings.seed = 1;
  GrandCanonicalMC mc = make_mc(box, settings);
  System system = empty_system(box);
  mc.init(system);
  const GcmcReport r = mc.run(system);
  INFO("saturated at N = " << r.particles << " after " << r.moves << " moves, energy " << r.energy);
  CHECK(r.saturated);
  CHECK(r.particles >= 165);
  CHECK(r.particles <= 195);
  // With a target count the run stops there.
  settings.target_particles = 152;
  GrandCanonicalMC capped = make_mc(box, settings);
  System small = empty_system(box);
  capped.init(small);
  const GcmcReport c = capped.run(small);
  CHECK(c.reached_target);
  CHECK(small.size() == 152);
}

TEST_CASE("bad GCMC settings are refused", "[gcmc]") {
  GcmcSettings s;
  s.temperature = 0.0;
  CHECK_THROWS_AS(make_mc(Box::cubic(300.0), s), InputError);
  s = GcmcSettings{};
  s.chemical_potential = std::nan("");
  CHECK_THROWS_AS(make_mc(Box::cubic(300.0), s), InputError);
  CHECK_THROWS_AS(make_mc(Box::free(), GcmcSettings{}), InputError);
}
