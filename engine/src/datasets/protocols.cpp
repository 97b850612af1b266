// The paper's dataset protocols, one function per system (see strider/dataset.hpp).
#include <algorithm>
#include <cmath>

#include "strider/dataset.hpp"
#include "strider/error.hpp"
#include "strider/evaluator.hpp"
#include "strider/md.hpp"
#include "strider/optimizer.hpp"
#include "strider/random.hpp"
#include "../md/portable_math.hpp"

namespace strider {

DatasetSettings paper_dataset_settings(const std::string& system) {
  DatasetSettings s;
  s.system = system;
  s.count = 100;
  if (system == "lj-binary") {
    s.atoms = 100;
    s.temperature = 2.0;
    s.dt = 0.003;
    s.equilibration = 10000;
    s.interval = 1000;
    s.density = 1.2;
  } else if (system == "sw-si") {
    s.atoms = 64;
    s.temperature = 3500.0;
    s.dt = 0.001;
    s.equilibration = 10000;
    s.interval = 1000;
  } else if (system == "csh") {
    s.atoms = 152;
    s.temperature = 1000.0;
    s.dt = 10.0;
    s.equilibration = 10000;
    s.interval = 0;
    s.chemical_potential = csh_default_chemical_potential();
  } else if (system == "lj") {
    s.atoms = 38;
    s.temperature = 0.25;
    s.dt = 0.005;
    s.equilibration = 10000;
    s.interval = 1000;
    s.density = 0.9;
  } else {
    throw InputError("unknown system '" + system + "' (known: lj-binary, sw-si, csh, lj)");
  }
  return s;
}

namespace {

void require(bool ok, const std::string& message) {
  if (!ok) throw InputError(message);
}

bool finite_positive(double x) { return std::isfinite(x) && x > 0.0; }

int diamond_cells(int atoms) {
  const int k = static_cast<int>(std::lround(portable::cbrt(atoms / 8.0)));
  return (k >= 1 && 8 * k * k * k == atoms) ? k : 0;
}

}  // namespace

void validate(const DatasetSettings& s) {
  paper_dataset_settings(s.system);  // throws for an unknown key
  require(s.count >= 1 && s.count <= 1000000, "count must be a whole number from 1 to 1000000");
  require(finite_positive(s.temperature), "temperature must be a finite number > 0");
  require(finite_positive(s.dt), "time step must be a finite number > 0");
  require(s.equilibration >= 0, "equilibration steps must be >= 0");
  require(s.interval >= 0, "interval must be >= 0");
  if (s.system == "sw-si") {
    require(s.atoms >= 8 && s.atoms <= 8 * 40 * 40 * 40 && diamond_cells(s.atoms) > 0,
            "sw-si starts from the diamond lattice: N must be 8 k^3 (8, 64, 216, 512, ...), got " +
                std::to_string(s.atoms));
  } else if (s.system == "csh") {
    require(s.atoms >= 0 && s.atoms <= 1000, "csh N (the count GCMC stops at; 0: saturation) must be from 0 to 1000");
    require(std::isfinite(s.chemical_potential), "chemical potential must be finite");
    require(finite_positive(s.gcmc_temperature), "GCMC temperature must be a finite number > 0");
    require(s.gcmc_max_moves >= 1, "GCMC move budget must be >= 1");
  } else {
    require(s.atoms >= 2 && s.atoms <= 100000, "N must be from 2 to 100000");
    require(finite_positive(s.density), "density must be a finite number > 0");
  }
  if (s.system != "csh") require(s.count == 1 || s.interval >= 1, "interval must be >= 1 when count > 1");
}

System diamond_lattice(int cells, double a) {
  static const double basis[8][3] = {{0, 0, 0},          {0, 0.5, 0.5},       {0.5, 0, 0.5},       {0.5, 0.5, 0},
                                     {0.25, 0.25, 0.25}, {0.25, 0.75, 0.75}, {0.75, 0.25, 0.75}, {0.75, 0.75, 0.25}};
  System system;
  system.box = Box::cubic(cells * a);
  const int n = 8 * cells * cells * cells;
  system.positions.resize(3, n);
  system.species.assign(n, 0);
  int i = 0;
  for (int x = 0; x < cells; ++x)
    for (int y = 0; y < cells; ++y)
      for (int z = 0; z < cells; ++z)
        for (const auto& b : basis) system.positions.col(i++) = a * Eigen::Vector3d(x + b[0], y + b[1], z + b[2]);
  return system;
}

namespace {

// Places n atoms one by one at uniform random points accepted by `inside`,
// each no closer than min_distance (minimum image along periodic axes) to
// those placed before. `draw` gives a candidate point.
System place_randomly(int n, const Box& box, double min_distance, double fraction_second, Random& random,
                      const std::function<Eigen::Vector3d(Random&)>& draw) {
  System system;
  system.box = box;
  system.positions.resize(3, n);
  const int second = static_cast<int>(std::lround(n * fraction_second));
  system.species.assign(n, 0);
  for (int i = n - second; i < n; ++i) system.species[i] = 1;
  const double d2 = min_distance * min_distance;
  for (int i = 0; i < n; ++i) {
    bool placed = false;
    for (int attempt = 0; attempt < 1000000 && !placed; ++attempt) {
      const Eigen::Vector3d x = draw(random);
      placed = true;
      for (int j = 0; j < i && placed; ++j) {
        Eigen::Vector3d d = x - system.positions.col(j);
        for (int a = 0; a < 3; ++a) {
          if (box.periodic[a]) d[a] -= box.length[a] * std::round(d[a] / box.length[a]);
        }
        placed = d.squaredNorm() >= d2;
      }
      if (placed) system.positions.col(i) = x;
    }
    if (!placed) {
      throw InputError("cannot place " + std::to_string(n) + " atoms at random with no pair closer than " +
                       std::to_string(min_distance) + " (too dense)");
    }
  }
  return system;
}

}  // namespace

System random_packing(int n, const Box& box, double min_distance, double fraction_second, Random& random) {
  return place_randomly(n, box, min_distance, fraction_second, random, [&box](Random& r) {
    Eigen::Vector3d x;
    for (int a = 0; a < 3; ++a) x[a] = box.lo[a] + r.uniform() * box.length[a];
    return x;
  });
}

namespace {

// Removes the worst overlaps of a random start: steepest descent with every
// step scaled so the largest atom displacement is max_step (length unit),
// until max |F_i| <= fmax or after `steps` steps. Deterministic.
void relax_overlaps(System& system, Evaluator& evaluator, double max_step, double fmax, int steps) {
  for (int k = 0; k < steps; ++k) {
    const Evaluation& e = evaluator.evaluate(system);
    const double worst = max_atom_force(e.forces);
    if (worst <= fmax) break;
    system.positions += (max_step / worst) * e.forces;
    wrap_positions(system);
  }
}

struct Sampler {
  const DatasetSettings& settings;
  const std::function<void(const DatasetSample&)>& on_sample;
  const std::function<void(long, long)>& on_progress;
};

// NVT from `system`: equilibrate, then a sample every `interval` steps.
void sample_nvt(System system, Evaluator& evaluator, std::uint64_t velocity_seed, const Sampler& run) {
  const DatasetSettings& s = run.settings;
  MdSettings md_settings;
  md_settings.dt = s.dt;
  md_settings.temperature = s.temperature;
  md_settings.seed = velocity_seed;
  MolecularDynamics md(units_for_system(s.system), md_settings);
  MdReport report = md.init(system, evaluator);
  const long total = s.equilibration + static_cast<long>(s.count - 1) * s.interval;
  int index = 0;
  for (long step = 0;; ++step) {
    if (step >= s.equilibration && (step - s.equilibration) % std::max(s.interval, 1L) == 0) {
      DatasetSample sample;
      sample.index = index++;
      sample.system = system;
      sample.energy = report.potential_energy;
      sample.temperature = report.temperature;
      sample.md_step = report.step;
      run.on_sample(sample);
      if (index == s.count) break;
    }
    report = md.step(system, evaluator);
    if (run.on_progress && (step + 1) % 100 == 0) run.on_progress(step + 1, total);
  }
  if (run.on_progress) run.on_progress(total, total);
}

void generate_lj_binary(const DatasetSettings& s, const Sampler& run) {
  Random random(s.seed);
  const double L = portable::cbrt(s.atoms / s.density);
  System system = random_packing(s.atoms, Box::cubic(L), 0.75, 0.2, random);
  Evaluator evaluator(make_potential("lj-binary"));
  relax_overlaps(system, evaluator, 0.02, 20.0, 500);
  sample_nvt(system, evaluator, random.next(), run);
}

void generate_sw_si(const DatasetSettings& s, const Sampler& run) {
  Random random(s.seed);
  System system = diamond_lattice(diamond_cells(s.atoms), 5.431);
  Evaluator evaluator(make_potential("sw-si"));
  sample_nvt(system, evaluator, random.next(), run);
}

void generate_lj_cluster(const DatasetSettings& s, const Sampler& run) {
  Random random(s.seed);
  const double radius = portable::cbrt(3.0 * s.atoms / (4.0 * M_PI * s.density));
  System system = place_randomly(s.atoms, Box::free(), 0.85, 0.0, random, [radius](Random& r) {
    for (;;) {  // uniform in the ball, by rejection from the cube
      // One draw per statement: argument evaluation order is unspecified (g++ goes right
      // to left, clang left to right), so draws inside one call differ between native and wasm.
      // z first keeps the structures g++ builds have always made.
      const double z = 2.0 * r.uniform() - 1.0;
      const double y = 2.0 * r.uniform() - 1.0;
      const Eigen::Vector3d x(2.0 * r.uniform() - 1.0, y, z);
      if (x.squaredNorm() <= 1.0) return Eigen::Vector3d(radius * x);
    }
  });
  Evaluator evaluator(make_potential("lj"));
  relax_overlaps(system, evaluator, 0.02, 20.0, 500);
  sample_nvt(system, evaluator, random.next(), run);
}

void generate_csh(const DatasetSettings& s, const Sampler& run) {
  Random random(s.seed);
  const Box box = Box::cubic(300.0);
  // Progress in units of 100 GCMC moves or one MD step; a GCMC run takes roughly 3000 units.
  const long per_sample_guess = 3000 + s.equilibration;
  long total = s.count * per_sample_guess, done = 0;
  Evaluator evaluator(make_potential("csh"));
  for (int index = 0; index < s.count; ++index) {
    GcmcSettings g;
    g.temperature = s.gcmc_temperature;
    g.chemical_potential = s.chemical_potential;
    g.mass = evaluator.potential().masses()[0];
    g.max_moves = s.gcmc_max_moves;
    g.target_particles = s.atoms;
    g.seed = random.next();
    const std::uint64_t velocity_seed = random.next();
    GrandCanonicalMC mc(units_for_system("csh"), csh_pair_function(), g, box);
    System system;
    system.box = box;
    system.positions.resize(3, 0);
    mc.init(system);
    const long start = done;
    const GcmcReport gcmc = mc.run(system, [&](const GcmcReport& r) {
      done = start + r.moves / 100;
      total = std::max(total, done + (s.count - index) * s.equilibration + (s.count - index - 1) * 3000);
      if (run.on_progress) run.on_progress(done, total);
      return true;
    });
    if (system.size() < 2) throw InputError("csh GCMC ended with fewer than 2 particles (chemical potential too low?)");

    MdSettings md_settings;
    md_settings.dt = s.dt;
    md_settings.temperature = s.temperature;
    md_settings.seed = velocity_seed;
    MolecularDynamics md(units_for_system("csh"), md_settings);
    MdReport report = md.init(system, evaluator);
    for (long step = 0; step < s.equilibration; ++step) {
      report = md.step(system, evaluator);
      if (run.on_progress && (step + 1) % 100 == 0) run.on_progress(done + step + 1, total);
    }
    done += s.equilibration;
    total = std::max(total, done + (s.count - index - 1) * per_sample_guess);
    DatasetSample sample;
    sample.index = index;
    sample.system = system;
    sample.energy = report.potential_energy;
    sample.temperature = report.temperature;
    sample.md_step = report.step;
    sample.gcmc = gcmc;
    run.on_sample(sample);
  }
  if (run.on_progress) run.on_progress(total, total);
}

}  // namespace

void generate_dataset(const DatasetSettings& settings, const std::function<void(const DatasetSample&)>& on_sample,
                      const std::function<void(long done, long total)>& on_progress) {
  validate(settings);
  const Sampler run{settings, on_sample, on_progress};
  if (settings.system == "lj-binary") generate_lj_binary(settings, run);
  if (settings.system == "sw-si") generate_sw_si(settings, run);
  if (settings.system == "csh") generate_csh(settings, run);
  if (settings.system == "lj") generate_lj_cluster(settings, run);
}

}  // namespace strider
