#include "strider/evaluation.hpp"

namespace strider {

void Evaluation::reset(int n) {
  energy = 0.0;
  forces.setZero(3, n);
  per_atom.setZero(n);
}

}  // namespace strider
