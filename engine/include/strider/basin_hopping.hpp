#pragma once
// Basin hopping (Wales & Doye 1997): random moves of every atom, each followed
// by a local minimisation, accepted by the Metropolis rule on the minimised
// energies; the lowest minimum seen is kept. Budgets count energy evaluations
// so that it compares fairly with every other optimiser.
#include <cstdint>
#include <functional>
#include <memory>

#include "strider/optimizer.hpp"
#include "strider/random.hpp"

namespace strider {

// How a hop leaves the current minimum: moves `trial` (a copy of the current
// minimum) in place. It may evaluate energies with `evaluator` (they count in
// the search's budget).
using HopProposal = std::function<void(System& trial, Evaluator& evaluator, Random& random)>;

// The classical proposal: every coordinate moves uniformly in [-step, step]
// (length unit, step > 0), positions wrapped into the box.
HopProposal random_displacement(double step);

struct BasinHoppingOptions {
  double temperature = 0.8;     // Metropolis temperature (energy unit, kB = 1)
  double step_size = 0.4;       // the default proposal's step: random_displacement(step_size)
  double local_fmax = 1e-3;     // local minimisation stops at max |F_i| <= this (energy/length)
  long local_steps = 2000;      // or after this many local steps
  std::uint64_t seed = 1;
};

// One hop's outcome and the running totals. energy: the current (last
// accepted) minimum; best_energy: the lowest minimum seen.
struct HopReport {
  long hop = 0;
  double trial_energy = 0.0;
  double energy = 0.0;
  double best_energy = 0.0;
  bool accepted = false;
  long accepted_hops = 0;
  long evaluations = 0;
};

class BasinHopping {
 public:
  // local: the local optimiser every hop uses (restarted at each hop);
  // proposal: how a hop moves away from the current minimum (default:
  // random_displacement(options.step_size)).
  BasinHopping(std::unique_ptr<Optimizer> local, const BasinHoppingOptions& options, HopProposal proposal = {});

  // Minimises `system` locally: the first current and best minimum. The
  // minimisation stops early if the evaluation budget (as in hop()) runs out.
  HopReport init(System& system, Evaluator& evaluator, long budget = 0);
  // One hop from the current minimum; `system` is left at the current minimum.
  // The local minimisation stops early if the evaluation budget (total, since
  // the evaluator was made; 0 = none) runs out.
  HopReport hop(System& system, Evaluator& evaluator, long budget = 0);

  // The lowest-energy structure seen so far.
  const System& best() const { return best_; }

 private:
  // Local minimisation of `system` in place; returns its final energy.
  double relax(System& system, Evaluator& evaluator, long budget);

  std::unique_ptr<Optimizer> local_;
  BasinHoppingOptions options_;
  HopProposal proposal_;
  Random random_;
  System current_, best_;
  HopReport report_;
};

}  // namespace strider
