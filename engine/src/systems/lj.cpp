// lj: single-species Lennard-Jones (reduced units, eps = sigma = 1): free
// clusters, or periodic with a cutoff.
#include <cmath>
#include <limits>

#include "strider/system_spec.hpp"
#include "../datasets/protocol_steps.hpp"
#include "../md/portable_math.hpp"
#include "../potentials/mie_pair.hpp"

namespace strider::systems {

namespace {

std::unique_ptr<Potential> make(const PotentialOptions& options) {
  // options.cutoff in sigma; 0 means no cutoff (every pair of a free cluster).
  const double cutoff = options.cutoff > 0.0 ? options.cutoff : std::numeric_limits<double>::infinity();
  const MieCoefficients atom{1.0, 1.0, cutoff};
  return std::make_unique<MiePairPotential<6>>(std::vector<std::string>{"X"}, std::vector<double>{1.0},
                                               std::vector<MieCoefficients>{atom}, options.shift);
}

// A free cluster: N atoms at random in the sphere of the density, overlaps relaxed, then NVT.
void generate(const DatasetSettings& s, const std::function<void(const DatasetSample&)>& on_sample,
              const std::function<void(long, long)>& on_progress) {
  Random random(s.seed);
  const double radius = portable::cbrt(3.0 * s.atoms / (4.0 * M_PI * s.density));
  System system = protocol::place_randomly(s.atoms, Box::free(), 0.85, 0.0, random, [radius](Random& r) {
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
  Evaluator evaluator(make({}));
  protocol::relax_overlaps(system, evaluator, 0.02, 20.0, 500);
  protocol::sample_nvt(system, evaluator, random.next(), s, on_sample, on_progress);
}

}  // namespace

SystemSpec lj_binary();

SystemSpec lj() {
  SystemSpec spec;
  spec.key = "lj";
  spec.description = "single-species Lennard-Jones, species X, free cluster or periodic with --cutoff";
  spec.units_description = "reduced (sigma, eps, m = 1)";
  spec.units = "lj";
  spec.make_potential = make;

  // Not in the paper: lj-binary's values (the same reduced units), stable changes included.
  const SystemSpec binary = lj_binary();
  spec.paper_optimizers = binary.paper_optimizers;
  // The paper's FIRE dt_max 0.4 (and even 0.1) also flings atoms out of the clusters that
  // `strider generate` makes (T = 0.25, close contacts): lj-binary's 0.02 relaxes them.
  spec.stable_changes = binary.stable_changes;
  spec.paper_steps = 1000;

  DatasetSettings& d = spec.dataset.settings;
  d.system = spec.key;
  d.atoms = 38;
  d.temperature = 0.25;
  d.dt = 0.005;
  d.equilibration = 10000;
  d.interval = 1000;
  d.density = 0.9;
  spec.dataset.validate = protocol::require_random_start;
  spec.dataset.generate = generate;
  spec.dataset.help =
      "  lj         free clusters: random start in a sphere at density 0.9, overlaps\n"
      "             relaxed, NVT at T = 0.25; equilibrate, sample.\n";

  // Graph: cutoff 1.5, r_eq the 12-6 minimum 2^(1/6), scales 1, 1.
  spec.graph = single_species_graph(spec.key, "X", 1.0, 1.5, std::pow(2.0, 1.0 / 6.0), 1.0, 1.0);
  spec.displacement_scale = 2.0;
  spec.search = {0.8, 0.4, 1e-3};
  return spec;
}

}  // namespace strider::systems
