#pragma once
// Reference structures (tests/references/) for the policy tests, engine and
// LibTorch alike: read, optionally jittered by a seeded random move, evaluated.
#include <cstdint>
#include <string>

#include <Eigen/Core>

#include "strider/evaluator.hpp"
#include "strider/graph.hpp"
#include "strider/io.hpp"
#include "strider/random.hpp"

namespace strider::test {

struct Structure {
  System system;
  Evaluation evaluation;
};

// tests/references/NAME for system KEY, every atom moved by a seeded uniform random
// vector of up to `jitter` (in the graph preset's length scale) per axis, with its energies.
inline Structure load_reference(const std::string& name, const std::string& key, double jitter = 0.0,
                                std::uint64_t seed = 1) {
  const Frame frame = read_extxyz_file(std::string(STRIDER_TEST_DATA) + "/references/" + name).at(0);
  PotentialOptions options;
  if (key == "lj" && frame.box.any_periodic()) options.cutoff = 2.5;  // as its LAMMPS reference
  Evaluator evaluator(make_potential(key, options));
  Structure s;
  s.system = to_system(frame, evaluator.potential());
  Random rng(seed);
  const double scale = jitter * graph_preset(key).length_scale;
  for (int i = 0; i < s.system.size(); ++i)
    for (int a = 0; a < 3; ++a) s.system.positions(a, i) += scale * (2.0 * rng.uniform() - 1.0);
  s.evaluation = evaluator.evaluate(s.system);
  return s;
}

// A 3 x cols matrix of standard normal numbers from rng.
inline Eigen::Matrix3Xd normal_matrix(Eigen::Index cols, Random& rng) {
  Eigen::Matrix3Xd m(3, cols);
  for (Eigen::Index k = 0; k < m.size(); ++k) m.data()[k] = rng.normal();
  return m;
}

}  // namespace strider::test
