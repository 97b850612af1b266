// sw-si: Stillinger-Weber silicon (metal units: eV, Angstrom, amu, ps).
#include <cmath>

#include "strider/system_spec.hpp"
#include "../datasets/protocol_steps.hpp"
#include "../potentials/potentials.hpp"

namespace strider::systems {

namespace {

void require_diamond(const DatasetSettings& s) {
  protocol::require(s.atoms >= 8 && s.atoms <= 8 * 40 * 40 * 40 && protocol::diamond_cells(s.atoms) > 0,
                    "sw-si starts from the diamond lattice: N must be 8 k^3 (8, 64, 216, 512, ...), got " +
                        std::to_string(s.atoms));
}

// The diamond lattice (a = 5.431 A), then NVT.
void generate(const DatasetSettings& s, const std::function<void(const DatasetSample&)>& on_sample,
              const std::function<void(long, long)>& on_progress) {
  Random random(s.seed);
  System system = diamond_lattice(protocol::diamond_cells(s.atoms), 5.431);
  Evaluator evaluator(make_stillinger_weber({}));
  protocol::sample_nvt(system, evaluator, random.next(), s, on_sample, on_progress);
}

}  // namespace

SystemSpec sw_si() {
  SystemSpec spec;
  spec.key = "sw-si";
  spec.description = "Stillinger-Weber silicon, species Si, cutoff 3.77118 A";
  spec.units_description = "metal (eV, Angstrom, amu)";
  spec.units = "metal";
  spec.make_potential = make_stillinger_weber;

  // fire2 and lbfgs are not in the paper: fire2's dt_max = 10 dt_start sits near the
  // stability limit, the fastest to a force tolerance on the tests/references structures.
  spec.paper_optimizers = {{"gd", {{"learning_rate", 1e-3}}},
                           {"adam", {{"learning_rate", 0.1}}},
                           {"fire", {{"dt_start", 0.5}}},
                           {"fire2", {{"dt_start", 0.05}, {"dmax", 0.1}}},
                           {"lbfgs", {{"max_step", 0.2}, {"first_step", 0.02}}}};
  // The paper's FIRE dt_start 0.5 (unit mass) moves the atoms of a hot structure by
  // several Angstrom in the first steps and melts a crystal: 0.05, growing to 0.2.
  spec.stable_changes = {{"fire", {{"dt_start", 0.05}, {"dt_max", 0.2}}}};
  spec.paper_steps = 1000;

  DatasetSettings& d = spec.dataset.settings;
  d.system = spec.key;
  d.atoms = 64;
  d.temperature = 3500.0;
  d.dt = 0.001;
  d.equilibration = 10000;
  d.interval = 1000;
  spec.dataset.validate = require_diamond;
  spec.dataset.generate = generate;
  spec.dataset.help = "  sw-si      diamond lattice (a = 5.431 A), NVT at 3500 K; equilibrate, sample.\n";

  // Graph: sigma 2.0951 A, eps 2.1683 eV. The pair term's minimum sits at
  // 2^(1/6) sigma = 2.3517 A, the diamond nearest-neighbour distance. Cutoff 3.0 A:
  // the first minimum of g(r) in inherent structures quenched from the 3500 K
  // liquid (2.8-3.0 A, coordination 4.4-4.8).
  const double sigma = 2.0951;
  spec.graph = single_species_graph(spec.key, "Si", sigma, 3.0, std::pow(2.0, 1.0 / 6.0) * sigma, sigma, 2.1683);
  spec.displacement_scale = 2.0;
  spec.search = {0.2, 0.4, 1e-3};
  return spec;
}

}  // namespace strider::systems
