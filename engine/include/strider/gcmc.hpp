#pragma once
// Grand-canonical Monte Carlo (mu V T) for one-species pair potentials: the
// C-S-H precipitation protocol of the paper (App. B, after Masoero et al.
// 2012): insertions, deletions and displacements with Metropolis acceptance in
// a fixed box, until the particle count saturates.
//
// Acceptance (Frenkel & Smit, ch. 5; the convention of LAMMPS fix gcmc, whose
// mu includes the ideal-gas part through the thermal wavelength
// Lambda = sqrt(h^2 / (2 pi m mvv2e k_B T))):
//   insert:   min(1, V / (Lambda^3 (N+1)) exp(-(dU - mu) / k_B T))
//   delete:   min(1, Lambda^3 N / V      exp(-(dU + mu) / k_B T))
//   displace: min(1, exp(-dU / k_B T))
// dU is the energy of the one particle concerned with all the others, summed
// over every periodic image within the cutoff (and its own images, if the box
// is shorter than the cutoff), so a move costs O(N), not a full evaluation.
//
// The chemical potential. We could not obtain the paper's eq. 14, so the
// default (csh_default_chemical_potential, 0 kcal/mol) is chosen and the
// choice documented in gcmc.cpp: any mu that nucleates the empty box at all
// fills it to about the same count (N ~ 172-184 at the plateau in 300 A).
//
// Saturation: the count is sampled after every block of moves; the run is
// saturated when the mean count over the last `window` blocks differs from the
// mean over the `window` blocks before by at most `tolerance` particles.
#include <Eigen/Core>
#include <cstdint>
#include <functional>

#include "strider/md.hpp"
#include "strider/random.hpp"
#include "strider/system.hpp"

namespace strider {

// A pair interaction of one species: V(r) from r^2 (energy unit), zero at and beyond `cutoff` (length).
struct PairFunction {
  std::function<double(double r2)> energy;
  double cutoff = 0.0;
};

// The csh pair: Mie 28-14, eps = 2660.77425533 kcal/mol, sigma = 50 A, cutoff 150 A
// (shifted to zero at the cutoff when `shift`), equal to make_potential("csh").
PairFunction csh_pair_function(bool shift = false);

// mu (kcal/mol) used by default for csh at 300 K; see gcmc.cpp for how it was chosen.
double csh_default_chemical_potential();

struct GcmcSettings {
  double temperature = 300.0;        // temperature unit (K for real units)
  double chemical_potential = 0.0;   // energy unit, LAMMPS fix gcmc convention (see above)
  double mass = 98551.0;             // particle mass (mass unit), for Lambda
  int species = 0;                   // species index given to inserted particles
  double max_displacement = 2.5;     // length unit: displacements uniform in a cube of this half-width
  double overlap_distance = 0.0;     // length: insertions and displacements closer than this to any
                                     // particle are rejected outright (LAMMPS fix gcmc overlap_cutoff); 0: none
  double exchange_fraction = 0.5;    // share of moves that are insertions or deletions (half each)
  long block = 1000;                 // moves between samples of the count
  int window = 25;                   // blocks per plateau window
  double tolerance = 0.5;            // particles: plateau when the two windows' means differ by no more
  long max_moves = 5'000'000;        // stop here even if not saturated
  int target_particles = 0;          // > 0: run() also stops as soon as the count reaches this
  std::uint64_t seed = 1;
};

struct GcmcReport {
  long moves = 0;
  int particles = 0;
  double energy = 0.0;               // running total energy (energy unit), from the accepted deltas
  long insert_attempts = 0, inserts = 0;
  long delete_attempts = 0, deletes = 0;
  long displace_attempts = 0, displaces = 0;
  bool saturated = false;            // the plateau criterion held
  bool reached_target = false;       // the count reached target_particles
};

class GrandCanonicalMC {
 public:
  // Throws InputError for a box without three periodic axes, T <= 0, mass <= 0,
  // non-finite mu, a cutoff <= 0, block or window < 1.
  GrandCanonicalMC(const Units& units, PairFunction pair, const GcmcSettings& settings, const Box& box);

  // Starts from `system` (may be empty; its box must be the one given above):
  // computes its energy by pair sums and resets the counters and the random stream.
  GcmcReport init(const System& system);
  // One move (insert, delete or displace) with Metropolis acceptance.
  GcmcReport step(System& system);
  // Moves until saturated, the target count is reached, or max_moves; on_block
  // (if set) sees the report after each block of moves and may return false to stop.
  GcmcReport run(System& system, const std::function<bool(const GcmcReport&)>& on_block = {});

  // Energy (energy unit) of a particle at x with every particle of `system`
  // except `skip` (-1: none), over all periodic images within the cutoff; the
  // particle's interaction with its own images is not included. +infinity if
  // any pair is closer than the overlap distance.
  double interaction_energy(const System& system, const Eigen::Vector3d& x, int skip) const;
  // Energy of one particle with its own periodic images (a constant: zero unless an edge is shorter than the cutoff).
  double self_image_energy() const { return self_energy_; }
  // Total energy of `system` by pair sums (for checks; O(N^2)).
  double total_energy(const System& system) const;
  // Thermal de Broglie wavelength (length unit).
  double thermal_wavelength() const { return lambda_; }
  const GcmcReport& report() const { return report_; }

 private:
  bool plateau() const;

  Units units_;
  PairFunction pair_;
  GcmcSettings settings_;
  Box box_;
  Random random_;
  double beta_, lambda_, volume_, cutoff2_, overlap2_, self_energy_ = 0.0;
  int images_[3] = {0, 0, 0};
  GcmcReport report_;
  std::vector<double> counts_;  // particle count after each block
};

}  // namespace strider
