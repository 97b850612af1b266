#pragma once
// Dataset generators: the paper's protocols (docs/datasets.md, paper section 4.1
// and App. B) for the initial structures of each system, seeded and
// deterministic (same settings and seed -> the same structures, bit for bit,
// on every platform).
//
//   lj-binary  N atoms 80:20 A:B at number density 1.2; random non-overlapping
//              start, overlaps relaxed; NVT (Nose-Hoover) at T = 2.0, dt 0.003;
//              equilibrate, then one structure every `interval` steps.
//   sw-si      diamond lattice (N = 8 k^3, a = 5.431 A); NVT at 3500 K, dt 1 fs
//              (0.001 ps); equilibrate, then sample.
//   csh        per structure: GCMC at 300 K from the empty 300 A box (see
//              strider/gcmc.hpp) until the count saturates or reaches N, then
//              NVT at 1000 K (dt 10 fs) for `equilibration` steps; sample. One
//              GCMC run per structure, because at 1000 K k_B T is 7e-4 of the
//              well depth: MD cannot decorrelate a gel, so samples of one run
//              would all be the same structure vibrating.
//   lj         free clusters: N atoms at random in a sphere at density 0.9,
//              overlaps relaxed; NVT at a moderate T (0.25); sample.
// The engine does no file I/O: the caller writes each sample (strider generate
// writes extxyz files and a manifest).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "strider/gcmc.hpp"
#include "strider/system.hpp"

namespace strider {

struct DatasetSettings {
  std::string system;          // lj-binary, sw-si, csh, lj
  int atoms = 0;               // N (csh: the count GCMC stops at; 0 = run to saturation)
  int count = 100;             // structures
  std::uint64_t seed = 1;
  double temperature = 0.0;    // NVT temperature (system's unit: reduced or K)
  double dt = 0.0;             // MD time step (system's time unit: tau, ps, fs)
  long equilibration = 0;      // MD steps before the first sample (csh: before each sample)
  long interval = 0;           // MD steps between samples (csh: unused, each sample has its own GCMC)
  double density = 0.0;        // lj-binary: number density (box from N); lj: start density of the cluster
  // csh only.
  double gcmc_temperature = 300.0;   // K
  double chemical_potential = 0.0;   // kcal/mol
  long gcmc_max_moves = 5'000'000;
  double gcmc_box = 300.0;           // Angstrom: edge of the cubic box GCMC fills
};

// The paper's protocol for `system` (its SystemSpec's; InputError for an unknown key):
// count 100; lj-binary N 100, T 2.0, dt 0.003, equilibration 10000, interval 1000, density 1.2;
// sw-si N 64, T 3500 K, dt 0.001 ps, equilibration 10000, interval 1000;
// csh N 152, GCMC at 300 K, mu csh_default_chemical_potential(), then T 1000 K, dt 10 fs, equilibration 10000;
// lj N 38, T 0.25, dt 0.005, equilibration 10000, interval 1000, start density 0.9.
DatasetSettings paper_dataset_settings(const std::string& system);

// InputError naming the first bad setting (unknown system, count < 1, N out of
// range or not 8 k^3 for sw-si, non-finite or non-positive T or dt, negative steps, ...).
void validate(const DatasetSettings& settings);

struct DatasetSample {
  int index = 0;               // 0 .. count-1
  System system;               // positions wrapped into the box (periodic systems)
  double energy = 0.0;         // potential energy (system's energy unit)
  double temperature = 0.0;    // instantaneous kinetic temperature at the sample
  long md_step = 0;            // MD steps since the last start (lj-binary, sw-si, lj: the whole run)
  GcmcReport gcmc;             // csh: the GCMC run of this sample (zero otherwise)
};

// Runs the protocol and hands every sample to on_sample, in order.
// on_progress(done, total) (if set) is called as work units (MD steps and
// GCMC moves / 100) finish; total may grow for csh (GCMC length is not known ahead).
void generate_dataset(const DatasetSettings& settings, const std::function<void(const DatasetSample&)>& on_sample,
                      const std::function<void(long done, long total)>& on_progress = {});

// Starting structures, exposed for tests and demos.
// Cubic diamond: cells^3 conventional cells of edge a (8 cells^3 atoms, species 0).
System diamond_lattice(int cells, double a);
// n atoms uniformly at random in `box` (periodic) with no pair (minimum image)
// closer than min_distance; species 1 for the last round(n * fraction_second) atoms.
// InputError if it cannot place them (too dense).
System random_packing(int n, const Box& box, double min_distance, double fraction_second, Random& random);

}  // namespace strider
