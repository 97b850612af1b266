#pragma once
// The steps the systems' dataset protocols are made of (engine/src/systems/*.cpp):
// random starts, overlap relaxation and NVT sampling. Internal to the engine.
#include <functional>
#include <string>

#include "strider/dataset.hpp"
#include "strider/evaluator.hpp"

namespace strider::protocol {

// InputError(message) unless ok.
void require(bool ok, const std::string& message);
bool finite_positive(double x);

// The checks of a random start (lj-binary, lj): N from 2 to 100000, density > 0.
void require_random_start(const DatasetSettings& settings);

// k when atoms = 8 k^3 (a diamond lattice of k^3 cells), else 0.
int diamond_cells(int atoms);

// Places n atoms one by one at uniform random points that `draw` gives, each no
// closer than min_distance (minimum image along periodic axes) to those placed
// before; species 1 for the last round(n * fraction_second). InputError if too dense.
System place_randomly(int n, const Box& box, double min_distance, double fraction_second, Random& random,
                      const std::function<Eigen::Vector3d(Random&)>& draw);

// Removes the worst overlaps of a random start: steepest descent with every
// step scaled so the largest atom displacement is max_step (length unit),
// until max |F_i| <= fmax or after `steps` steps. Deterministic.
void relax_overlaps(System& system, Evaluator& evaluator, double max_step, double fmax, int steps);

// NVT (the settings' T and dt, the system's units) from `system`: equilibrate,
// then a sample every `interval` steps, handed to on_sample.
void sample_nvt(System system, Evaluator& evaluator, std::uint64_t velocity_seed, const DatasetSettings& settings,
                const std::function<void(const DatasetSample&)>& on_sample,
                const std::function<void(long, long)>& on_progress);

}  // namespace strider::protocol
