#include "strider/optimizer.hpp"

#include <cmath>

namespace strider {

double max_atom_force(const Eigen::Matrix3Xd& forces) {
  return forces.cols() == 0 ? 0.0 : std::sqrt(forces.colwise().squaredNorm().maxCoeff());
}

StepReport minimize(Optimizer& optimizer, System& system, Evaluator& evaluator, const StopCriteria& stop,
                    const std::function<void(const StepReport&)>& on_step) {
  StepReport report = optimizer.init(system, evaluator);
  if (on_step) on_step(report);
  while (report.step < stop.max_steps && !(stop.fmax > 0.0 && report.max_force <= stop.fmax)) {
    report = optimizer.step(system, evaluator);
    if (on_step) on_step(report);
  }
  return report;
}

}  // namespace strider
