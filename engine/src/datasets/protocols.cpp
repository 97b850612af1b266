// The dataset protocols' shared checks and steps (see strider/dataset.hpp); each
// system's own protocol is in its file under engine/src/systems/.
#include <algorithm>
#include <cmath>

#include "strider/dataset.hpp"
#include "strider/error.hpp"
#include "strider/evaluator.hpp"
#include "strider/md.hpp"
#include "strider/optimizer.hpp"
#include "strider/random.hpp"
#include "strider/system_spec.hpp"
#include "protocol_steps.hpp"
#include "../md/portable_math.hpp"

namespace strider {

DatasetSettings paper_dataset_settings(const std::string& system) { return system_spec(system).dataset.settings; }

namespace protocol {

void require(bool ok, const std::string& message) {
  if (!ok) throw InputError(message);
}

bool finite_positive(double x) { return std::isfinite(x) && x > 0.0; }

void require_random_start(const DatasetSettings& s) {
  require(s.atoms >= 2 && s.atoms <= 100000, "N must be from 2 to 100000");
  require(finite_positive(s.density), "density must be a finite number > 0");
}

int diamond_cells(int atoms) {
  const int k = static_cast<int>(std::lround(portable::cbrt(atoms / 8.0)));
  return (k >= 1 && 8 * k * k * k == atoms) ? k : 0;
}

}  // namespace protocol

void validate(const DatasetSettings& s) {
  using protocol::require, protocol::finite_positive;
  const DatasetProtocol& own = system_spec(s.system).dataset;  // throws for an unknown key
  require(s.count >= 1 && s.count <= 1000000, "count must be a whole number from 1 to 1000000");
  require(finite_positive(s.temperature), "temperature must be a finite number > 0");
  require(finite_positive(s.dt), "time step must be a finite number > 0");
  require(s.equilibration >= 0, "equilibration steps must be >= 0");
  require(s.interval >= 0, "interval must be >= 0");
  own.validate(s);
  if (!own.gcmc_per_structure) require(s.count == 1 || s.interval >= 1, "interval must be >= 1 when count > 1");
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

namespace protocol {

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

}  // namespace protocol

System random_packing(int n, const Box& box, double min_distance, double fraction_second, Random& random) {
  return protocol::place_randomly(n, box, min_distance, fraction_second, random, [&box](Random& r) {
    Eigen::Vector3d x;
    for (int a = 0; a < 3; ++a) x[a] = box.lo[a] + r.uniform() * box.length[a];
    return x;
  });
}

namespace protocol {

void relax_overlaps(System& system, Evaluator& evaluator, double max_step, double fmax, int steps) {
  for (int k = 0; k < steps; ++k) {
    const Evaluation& e = evaluator.evaluate(system);
    const double worst = max_atom_force(e.forces);
    if (worst <= fmax) break;
    system.positions += (max_step / worst) * e.forces;
    wrap_positions(system);
  }
}

void sample_nvt(System system, Evaluator& evaluator, std::uint64_t velocity_seed, const DatasetSettings& s,
                const std::function<void(const DatasetSample&)>& on_sample,
                const std::function<void(long, long)>& on_progress) {
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
      on_sample(sample);
      if (index == s.count) break;
    }
    report = md.step(system, evaluator);
    if (on_progress && (step + 1) % 100 == 0) on_progress(step + 1, total);
  }
  if (on_progress) on_progress(total, total);
}

}  // namespace protocol

void generate_dataset(const DatasetSettings& settings, const std::function<void(const DatasetSample&)>& on_sample,
                      const std::function<void(long done, long total)>& on_progress) {
  validate(settings);
  system_spec(settings.system).dataset.generate(settings, on_sample, on_progress);
}

}  // namespace strider
