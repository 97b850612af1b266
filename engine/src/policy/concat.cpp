#include "concat.hpp"

namespace strider::nn {

Concat::Concat(std::vector<int> rows) : rows_(std::move(rows)) {
  for (int r : rows_) {
    offset_.push_back(total_);
    total_ += r;
  }
}

}  // namespace strider::nn
