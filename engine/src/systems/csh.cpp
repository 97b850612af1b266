// csh: the coarse-grained C-S-H colloidal gel (Masoero 2012), Mie 28-14 grains
// (real units: kcal/mol, Angstrom, g/mol, fs).
#include <algorithm>
#include <cmath>

#include "strider/error.hpp"
#include "strider/gcmc.hpp"
#include "strider/md.hpp"
#include "strider/system_spec.hpp"
#include "../datasets/protocol_steps.hpp"
#include "../potentials/mie_pair.hpp"

namespace strider::systems {

namespace {

std::unique_ptr<Potential> make(const PotentialOptions& options) {
  // eps = k E sigma^3 = 2660.77425533 kcal/mol (E = 63.6 GPa, k = 0.0023324), sigma = 50 A, cutoff 150 A.
  const MieCoefficients grain{2660.77425533, 50.0, 150.0};
  return std::make_unique<MiePairPotential<14>>(std::vector<std::string>{"CSH"}, std::vector<double>{98551.0},
                                                std::vector<MieCoefficients>{grain}, options.shift);
}

void require_gcmc(const DatasetSettings& s) {
  using protocol::require;
  require(s.atoms >= 0 && s.atoms <= 1000, "csh N (the count GCMC stops at; 0: saturation) must be from 0 to 1000");
  require(std::isfinite(s.chemical_potential), "chemical potential must be finite");
  require(protocol::finite_positive(s.gcmc_temperature), "GCMC temperature must be a finite number > 0");
  require(s.gcmc_max_moves >= 1, "GCMC move budget must be >= 1");
}

// Per structure: GCMC from the empty box, then NVT.
void generate(const DatasetSettings& s, const std::function<void(const DatasetSample&)>& on_sample,
              const std::function<void(long, long)>& on_progress) {
  Random random(s.seed);
  const Box box = Box::cubic(s.gcmc_box);
  // Progress in units of 100 GCMC moves or one MD step; a GCMC run takes roughly 3000 units.
  const long per_sample_guess = 3000 + s.equilibration;
  long total = s.count * per_sample_guess, done = 0;
  Evaluator evaluator(make({}));
  const Units& units = units_for_system(s.system);
  for (int index = 0; index < s.count; ++index) {
    GcmcSettings g;
    g.temperature = s.gcmc_temperature;
    g.chemical_potential = s.chemical_potential;
    g.mass = evaluator.potential().masses()[0];
    g.max_moves = s.gcmc_max_moves;
    g.target_particles = s.atoms;
    g.seed = random.next();
    const std::uint64_t velocity_seed = random.next();
    GrandCanonicalMC mc(units, csh_pair_function(), g, box);
    System system;
    system.box = box;
    system.positions.resize(3, 0);
    mc.init(system);
    const long start = done;
    const GcmcReport gcmc = mc.run(system, [&](const GcmcReport& r) {
      done = start + r.moves / 100;
      total = std::max(total, done + (s.count - index) * s.equilibration + (s.count - index - 1) * 3000);
      if (on_progress) on_progress(done, total);
      return true;
    });
    if (system.size() < 2) throw InputError("csh GCMC ended with fewer than 2 particles (chemical potential too low?)");

    MdSettings md_settings;
    md_settings.dt = s.dt;
    md_settings.temperature = s.temperature;
    md_settings.seed = velocity_seed;
    MolecularDynamics md(units, md_settings);
    MdReport report = md.init(system, evaluator);
    for (long step = 0; step < s.equilibration; ++step) {
      report = md.step(system, evaluator);
      if (on_progress && (step + 1) % 100 == 0) on_progress(done + step + 1, total);
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
    on_sample(sample);
  }
  if (on_progress) on_progress(total, total);
}

}  // namespace

SystemSpec csh() {
  SystemSpec spec;
  spec.key = "csh";
  spec.description = "C-S-H colloidal gel, Mie 28-14, species CSH, cutoff 150 A";
  spec.units_description = "real (kcal/mol, Angstrom, g/mol)";
  spec.units = "real";
  spec.make_potential = make;

  // fire2 and lbfgs are not in the paper: fire2's dt_max = 10 dt_start sits near the
  // stability limit of the grain pair; dmax and the L-BFGS steps scale with sigma (50 A).
  spec.paper_optimizers = {{"gd", {{"learning_rate", 5e-4}}},
                           {"adam", {{"learning_rate", 1.0}}},
                           {"fire", {{"dt_start", 5e-3}}},
                           {"fire2", {{"dt_start", 0.002}, {"dmax", 2.5}}},
                           {"lbfgs", {{"max_step", 5.0}, {"first_step", 0.5}}}};
  // The paper's FIRE dt_max 0.4 is far above the stability limit of the stiff
  // 28-14 grain pair (~0.03 in unit-mass time): FIRE diverges on GCMC-grown gels.
  spec.stable_changes = {{"fire", {{"dt_max", 0.02}}}};
  spec.paper_steps = 2000;

  DatasetSettings& d = spec.dataset.settings;
  d.system = spec.key;
  d.atoms = 152;
  d.temperature = 1000.0;
  d.dt = 10.0;
  d.equilibration = 10000;
  d.interval = 0;
  d.chemical_potential = csh_default_chemical_potential();
  spec.dataset.validate = require_gcmc;
  spec.dataset.generate = generate;
  spec.dataset.gcmc_per_structure = true;
  spec.dataset.help =
      "  csh        per structure: grand-canonical Monte Carlo at 300 K from the empty\n"
      "             300 A box (insert, delete, displace) until the count reaches N or\n"
      "             saturates, then E steps of NVT at 1000 K. One GCMC per structure:\n"
      "             at 1000 K k_B T is 7e-4 of the well depth, so MD cannot decorrelate.\n"
      "             mu = 0 kcal/mol (LAMMPS fix gcmc convention) nucleates and fills the\n"
      "             box (any mu above -24 kcal/mol does the same; below, it stays\n"
      "             empty). Left to saturate (--n 0) the count plateaus at N = 172-184,\n"
      "             above the authors' 152, so --n 152 (default) stops there.\n";

  // Graph: Mie 28-14 minimum at 2^(1/14) sigma; sigma 50 A, eps 2660.77425533 kcal/mol;
  // cutoff 1.5 sigma.
  const double sigma = 50.0;
  spec.graph = single_species_graph(spec.key, "CSH", sigma, 1.5 * sigma, std::pow(2.0, 1.0 / 14.0) * sigma, sigma,
                                    2660.77425533);
  spec.displacement_scale = 5.0;
  spec.search = {800.0, 10.0, 1.0};
  return spec;
}

}  // namespace strider::systems
