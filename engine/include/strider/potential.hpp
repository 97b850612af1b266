#pragma once
// The interface every interatomic potential implements, and the potentials of
// the systems strider knows (strider/system_spec.hpp) by key.
#include <memory>
#include <string>
#include <vector>

#include "strider/neighbor_list.hpp"
#include "strider/evaluation.hpp"
#include "strider/system.hpp"

namespace strider {

class Potential {
 public:
  virtual ~Potential() = default;
  // Largest interaction range (length unit); infinite for an untruncated cluster.
  virtual double cutoff() const = 0;
  // Species names in file order: index k of System::species is species_names()[k].
  virtual const std::vector<std::string>& species_names() const = 0;
  // Mass per species (the system's mass unit), same order as species_names().
  virtual std::vector<double> masses() const = 0;
  // Fills out (energy, forces 3 x N, per-atom energies N). The neighbour
  // list must be up to date for `system` with a cutoff >= cutoff().
  virtual void compute(const System& system, const NeighborList& list, Evaluation& out) const = 0;
  // out (3 x N) = -d/dx sum_i weights[i] e_i(x): the forces of the per-atom
  // energies e_i of compute() weighted by `weights` (N, dimensionless); all
  // weights 1 give the forces. What back-propagation through per-atom energy
  // features needs. The default throws InputError (a potential without it).
  virtual void weighted_forces(const System& system, const NeighborList& list, const Eigen::VectorXd& weights,
                               Eigen::Matrix3Xd& out) const;
};

// Options shared by the potentials that accept them.
struct PotentialOptions {
  bool shift = false;        // shift pair energies to zero at the cutoff
  double cutoff = 0.0;       // `lj` only: cutoff in sigma; 0 means none (free clusters)
};

// The systems: key, what it is and its units, for --help and error messages.
struct SystemInfo {
  std::string key, description, units;
};
const std::vector<SystemInfo>& known_systems();

// A potential by system key ("lj-binary", "sw-si", "csh", "lj": system_specs()).
// Throws InputError naming the known keys for an unknown one.
std::unique_ptr<Potential> make_potential(const std::string& key, const PotentialOptions& options = {});

// Species index of `name` in potential's list; throws InputError if absent.
int species_index(const Potential& potential, const std::string& name);

}  // namespace strider
