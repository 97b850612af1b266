// Molecular dynamics: units, initial velocities, energy conservation without a
// thermostat, the target temperature with one, determinism and wrapping.
#include <cmath>
#include <string>

#include <catch2/catch.hpp>

#include "strider/error.hpp"
#include "strider/io.hpp"
#include "strider/md.hpp"
#include "../engine/src/md/portable_math.hpp"

using namespace strider;

namespace {

const std::string references = std::string(STRIDER_TEST_DATA) + "/references/";

struct Loaded {
  System system;
  std::unique_ptr<Evaluator> evaluator;
};

Loaded load(const std::string& name, const std::string& key, PotentialOptions options = {}) {
  Loaded out;
  out.evaluator = std::make_unique<Evaluator>(make_potential(key, options));
  out.system = to_system(read_structure_file(references + name), out.evaluator->potential());
  return out;
}

struct RunSummary {
  double first_conserved_mean = 0.0, last_conserved_mean = 0.0;  // means over the first and last tenth
  double max_deviation = 0.0;                                    // max |H - H_0|
  double mean_temperature_second_half = 0.0;
  double initial_potential = 0.0;
};

RunSummary run(Loaded& loaded, const std::string& key, MdSettings settings, long steps) {
  MolecularDynamics md(units_for_system(key), settings);
  const MdReport first = md.init(loaded.system, *loaded.evaluator);
  RunSummary s;
  s.initial_potential = first.potential_energy;
  const long tenth = steps / 10;
  long n_first = 0, n_last = 0, n_half = 0;
  for (long k = 1; k <= steps; ++k) {
    const MdReport r = md.step(loaded.system, *loaded.evaluator);
    s.max_deviation = std::max(s.max_deviation, std::abs(r.conserved - first.conserved));
    if (k <= tenth) s.first_conserved_mean += r.conserved, ++n_first;
    if (k > steps - tenth) s.last_conserved_mean += r.conserved, ++n_last;
    if (2 * k > steps) s.mean_temperature_second_half += r.temperature, ++n_half;
  }
  s.first_conserved_mean /= n_first;
  s.last_conserved_mean /= n_last;
  s.mean_temperature_second_half /= n_half;
  return s;
}

// NVE (no thermostat) from the structure in `loaded` at the temperature's
// velocities: the mean conserved energy of the last tenth stays within
// drift x |E_0| of the first tenth's, and every step within deviation x |E_0| of the start.
void check_nve(Loaded& loaded, const std::string& key, double dt, double temperature, long steps, double drift,
               double deviation) {
  MdSettings settings;
  settings.dt = dt;
  settings.temperature = temperature;
  settings.thermostat = Thermostat::None;
  const RunSummary s = run(loaded, key, settings, steps);
  INFO("drift " << s.last_conserved_mean - s.first_conserved_mean << " max dev " << s.max_deviation);
  CHECK(std::abs(s.last_conserved_mean - s.first_conserved_mean) < drift * std::abs(s.initial_potential));
  CHECK(s.max_deviation < deviation * std::abs(s.initial_potential));
}

}  // namespace

TEST_CASE("unit styles carry LAMMPS's constants", "[md]") {
  CHECK(units_for_system("lj-binary").name == "lj");
  CHECK(units_for_system("lj").boltzmann == 1.0);
  CHECK(units_for_system("sw-si").name == "metal");
  CHECK(units_for_system("sw-si").boltzmann == 8.617343e-5);
  CHECK(units_for_system("sw-si").mvv2e == 1.0364269e-4);
  CHECK(units_for_system("csh").name == "real");
  CHECK(units_for_system("csh").boltzmann == 0.0019872067);
  CHECK(units_for_system("csh").mvv2e == 48.88821291 * 48.88821291);
  CHECK_THROWS_AS(units_for_system("argon"), InputError);
}

TEST_CASE("portable exp and cbrt agree with the C library to a few ulp", "[md]") {
  for (double x : {-700.0, -30.5, -1.0, -0.1234, -1e-8, 0.0, 3e-9, 0.05, 0.693, 1.0, 2.5, 40.0, 700.0}) {
    INFO(x);
    CHECK(portable::exp(x) == Approx(std::exp(x)).epsilon(4e-16));
  }
  CHECK(portable::exp(-800.0) == 0.0);
  CHECK(std::isinf(portable::exp(710.0)));
  for (double x : {1e-300, 1e-9, 0.001, 0.5, 1.0, 8.0, 27.0, 83.33333333333333, 2.0, 1e10, 1e300}) {
    INFO(x);
    CHECK(portable::cbrt(x) == Approx(std::cbrt(x)).epsilon(4e-16));
  }
  CHECK(portable::cbrt(27.0) == 3.0);
}

TEST_CASE("Maxwell-Boltzmann velocities: exact temperature, zero momentum, seeded", "[md]") {
  Eigen::VectorXd masses(50);
  for (int i = 0; i < 50; ++i) masses[i] = i % 5 == 0 ? 2.0 : 1.0;
  const Units& units = units_named("lj");
  const Eigen::Matrix3Xd v = maxwell_boltzmann(masses, 1.7, units, 42);
  CHECK(kinetic_temperature(v, masses, units) == Approx(1.7).epsilon(1e-13));
  CHECK((v * masses).norm() < 1e-12);
  const Eigen::Matrix3Xd again = maxwell_boltzmann(masses, 1.7, units, 42);
  CHECK((v.array() == again.array()).all());
  CHECK(!(v.array() == maxwell_boltzmann(masses, 1.7, units, 43).array()).all());
  // Metal units: the kinetic temperature of silicon at 3500 K.
  const Eigen::VectorXd si = Eigen::VectorXd::Constant(64, 28.0855);
  const Eigen::Matrix3Xd vs = maxwell_boltzmann(si, 3500.0, units_named("metal"), 7);
  CHECK(kinetic_temperature(vs, si, units_named("metal")) == Approx(3500.0).epsilon(1e-12));
  // 3/2 k_B T per degree of freedom pair: KE = (3N - 3)/2 k_B T.
  CHECK(kinetic_energy(vs, si, units_named("metal")) == Approx(0.5 * 189 * 8.617343e-5 * 3500.0).epsilon(1e-12));
}

TEST_CASE("NVE conserves energy: lj-binary N = 100, 5000 steps of dt 0.003", "[md]") {
  // Truncated, unshifted LJ (as the paper): each pair crossing the cutoff makes
  // the energy jump by |V(rc)| ~ 0.016-0.025, so H fluctuates; it must not drift.
  Loaded loaded = load("lj-binary-n100.xyz", "lj-binary");
  check_nve(loaded, "lj-binary", 0.003, 2.0, 5000, 2e-3, 6e-3);
  // Shifted pair energies remove the jumps: the conservation is much tighter.
  Loaded shifted = load("lj-binary-n100.xyz", "lj-binary", {true, 0.0});
  check_nve(shifted, "lj-binary", 0.003, 2.0, 5000, 5e-4, 1.5e-3);
}

TEST_CASE("NVE conserves energy: sw-si liquid, 5000 steps of 1 fs", "[md]") {
  Loaded loaded = load("sw-si-hot64.xyz", "sw-si");
  check_nve(loaded, "sw-si", 0.001, 3500.0, 5000, 1e-4, 3e-4);
}

TEST_CASE("the error of velocity Verlet shrinks as dt^2", "[md]") {
  // csh from the reference structure (which relaxes, releasing heat): max |H - H0| over 2 ps.
  double deviation[2];
  const double dts[2] = {10.0, 5.0};
  for (int k = 0; k < 2; ++k) {
    Loaded loaded = load("csh-n152.xyz", "csh");
    MdSettings settings;
    settings.dt = dts[k];
    settings.temperature = 1000.0;
    settings.thermostat = Thermostat::None;
    deviation[k] = run(loaded, "csh", settings, static_cast<long>(2000.0 / dts[k])).max_deviation;
  }
  INFO("max |H - H0|: dt 10 fs " << deviation[0] << ", dt 5 fs " << deviation[1]);
  CHECK(deviation[0] / deviation[1] > 3.0);
  CHECK(deviation[0] / deviation[1] < 5.5);
}

TEST_CASE("the Nose-Hoover chain holds the target temperature and conserves its extended energy", "[md]") {
  SECTION("lj-binary at T = 2.0 and cooled to T = 1.0") {
    for (double target : {2.0, 1.0}) {
      Loaded loaded = load("lj-binary-n100.xyz", "lj-binary", {true, 0.0});
      MdSettings settings;
      settings.dt = 0.003;
      settings.temperature = target;
      const RunSummary s = run(loaded, "lj-binary", settings, 10000);
      INFO("target " << target << " mean T " << s.mean_temperature_second_half << " max dev " << s.max_deviation);
      CHECK(s.mean_temperature_second_half == Approx(target).epsilon(0.03));
      CHECK(s.max_deviation < 2e-3 * std::abs(s.initial_potential));
    }
  }
  SECTION("sw-si liquid at 3500 K") {
    Loaded loaded = load("sw-si-hot64.xyz", "sw-si");
    MdSettings settings;
    settings.dt = 0.001;
    settings.temperature = 3500.0;
    const RunSummary s = run(loaded, "sw-si", settings, 10000);
    INFO("mean T " << s.mean_temperature_second_half << " max dev " << s.max_deviation);
    CHECK(s.mean_temperature_second_half == Approx(3500.0).epsilon(0.05));
    CHECK(s.max_deviation < 3e-4 * std::abs(s.initial_potential));
  }
}

TEST_CASE("MD is deterministic, keeps periodic atoms wrapped and follows positions the caller moves", "[md]") {
  MdSettings settings;
  settings.dt = 0.003;
  settings.temperature = 2.0;
  settings.seed = 9;
  Loaded a = load("lj-binary-n100.xyz", "lj-binary"), b = load("lj-binary-n100.xyz", "lj-binary");
  MolecularDynamics ma(units_for_system("lj-binary"), settings), mb(units_for_system("lj-binary"), settings);
  ma.init(a.system, *a.evaluator);
  mb.init(b.system, *b.evaluator);
  for (int k = 0; k < 500; ++k) {
    ma.step(a.system, *a.evaluator);
    mb.step(b.system, *b.evaluator);
  }
  CHECK((a.system.positions.array() == b.system.positions.array()).all());
  CHECK((ma.state().velocities.array() == mb.state().velocities.array()).all());
  const Box& box = a.system.box;
  for (int i = 0; i < a.system.size(); ++i) {
    for (int d = 0; d < 3; ++d) {
      CHECK(a.system.positions(d, i) >= box.lo[d]);
      CHECK(a.system.positions(d, i) < box.lo[d] + box.length[d]);
    }
  }
  // The caller moves atom 0 by 0.1: the next step starts from there.
  const Eigen::Vector3d before = a.system.positions.col(0);
  a.system.positions.col(0) = box.wrap(before + Eigen::Vector3d(0.1, 0.0, 0.0));
  const Eigen::Vector3d moved = a.system.positions.col(0);
  ma.step(a.system, *a.evaluator);
  Eigen::Vector3d d = a.system.positions.col(0) - moved;
  for (int k = 0; k < 3; ++k) d[k] -= box.length[k] * std::round(d[k] / box.length[k]);
  CHECK(d.norm() < 0.05);
}

TEST_CASE("a free cluster is never wrapped and keeps its centre of mass", "[md]") {
  Loaded loaded = load("lj-cluster13.xyz", "lj");
  MdSettings settings;
  settings.dt = 0.005;
  settings.temperature = 0.2;
  MolecularDynamics md(units_for_system("lj"), settings);
  const Eigen::Vector3d centre = loaded.system.positions.rowwise().mean();
  md.init(loaded.system, *loaded.evaluator);
  for (int k = 0; k < 2000; ++k) md.step(loaded.system, *loaded.evaluator);
  CHECK((loaded.system.positions.rowwise().mean() - centre).norm() < 1e-9);
}

TEST_CASE("bad MD settings are refused", "[md]") {
  MdSettings s;
  s.dt = 0.0;
  CHECK_THROWS_AS(MolecularDynamics(units_named("lj"), s), InputError);
  s.dt = 0.001;
  s.temperature = std::nan("");
  CHECK_THROWS_AS(MolecularDynamics(units_named("lj"), s), InputError);
  s.temperature = -1.0;
  CHECK_THROWS_AS(MolecularDynamics(units_named("lj"), s), InputError);
  s.temperature = 0.0;  // a thermostat at zero temperature has no meaning
  CHECK_THROWS_AS(MolecularDynamics(units_named("lj"), s), InputError);
  s.thermostat = Thermostat::None;
  CHECK_NOTHROW(MolecularDynamics(units_named("lj"), s));
}

TEST_CASE("NVT trajectories equal LAMMPS fix nvt step for step in lj, metal and real units", "[md]") {
  // Reference: LAMMPS 2022-01-06 (Debian), started from the same positions and
  // from strider's seed-1 velocities (written to a data file with a Velocities
  // section at %.17g), `fix 1 all nvt temp T T 100dt` (chain 3, tloop 1),
  // `thermo_modify norm no format float %.12g`; pe and ke at steps 50 ... 200.
  struct Case {
    std::string file, key;
    double temperature, dt;
    double pe[4], ke[4];
  };
  const Case cases[] = {
      {"lj-binary-n100.xyz", "lj-binary", 2.0, 0.003,
       {-549.147407375, -521.331258919, -536.103486614, -519.755787222},
       {302.057145923, 278.304805156, 302.811077019, 311.410226246}},
      {"sw-si-hot64.xyz", "sw-si", 3500.0, 0.001,
       {-224.50547939, -223.958683595, -221.662499793, -219.605816782},
       {28.4544335739, 29.1930716153, 29.8397971008, 31.3726173013}},
      {"csh-n152.xyz", "csh", 1000.0, 10.0,
       {-946440.93163, -954039.921325, -962937.355906, -971410.82871},
       {3021.51940275, 6259.15302446, 6447.61329698, 5744.22269733}},
  };
  for (const Case& c : cases) {
    INFO(c.key);
    Loaded loaded = load(c.file, c.key);
    MdSettings settings;
    settings.dt = c.dt;
    settings.temperature = c.temperature;
    settings.seed = 1;
    MolecularDynamics md(units_for_system(c.key), settings);
    md.init(loaded.system, *loaded.evaluator);
    for (int k = 1; k <= 200; ++k) {
      const MdReport r = md.step(loaded.system, *loaded.evaluator);
      if (k % 50 != 0) continue;
      INFO("step " << k);
      CHECK(r.potential_energy == Approx(c.pe[k / 50 - 1]).epsilon(1e-10));
      CHECK(r.kinetic_energy == Approx(c.ke[k / 50 - 1]).epsilon(1e-10));
    }
  }
}
