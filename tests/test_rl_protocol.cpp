// The training protocol around the Trainer (strider/rl_protocol.hpp): the
// 75:25 split, the run log, the restart rule by name and what resuming refuses,
// against values worked out by hand.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "strider/error.hpp"
#include "strider/rl_protocol.hpp"

using namespace strider;

namespace {

// n one-atom systems, atom k of system k at x = k (to tell them apart).
std::vector<System> numbered(int n) {
  std::vector<System> out(static_cast<std::size_t>(n));
  for (int k = 0; k < n; ++k) {
    out[static_cast<std::size_t>(k)].positions = Eigen::Matrix3Xd::Zero(3, 1);
    out[static_cast<std::size_t>(k)].positions(0, 0) = k;
    out[static_cast<std::size_t>(k)].species = {0};
  }
  return out;
}

}  // namespace

TEST_CASE("a dataset splits 75:25 in file order, one structure at least on each side") {
  // n -> training count: round(0.75 n) (halves away from zero), clamped to 1 .. n - 1.
  const std::vector<std::pair<int, std::size_t>> cases{{2, 1}, {3, 2}, {4, 3}, {5, 4}, {6, 5}, {10, 8}, {100, 75}};
  for (const auto& [n, training] : cases) {
    INFO("n = " << n);
    const rl::DatasetSplit split = rl::split_dataset(numbered(n));
    REQUIRE(split.training.size() == training);
    REQUIRE(split.validation.size() == static_cast<std::size_t>(n) - training);
    CHECK(split.training.front().positions(0, 0) == 0.0);
    CHECK(split.validation.front().positions(0, 0) == static_cast<double>(training));
    CHECK(split.validation.back().positions(0, 0) == n - 1.0);
  }
  CHECK_THROWS_AS(rl::split_dataset(numbered(1)), InputError);
}

TEST_CASE("the run log has a row per epoch and the validations in their own columns") {
  std::vector<rl::EpochRecord> epochs(2);
  epochs[0] = {1, 0.5, -1.25, 2.0, 0.125, 40};
  epochs[1] = {2, 0.75, -1.5, 3.0, 0.25, 80};
  std::vector<rl::ValidationRecord> validations(2);
  validations[0] = {0, -2.0, 10.0, 8.0, 20};
  validations[1] = {2, -3.0, 10.0, 7.0, 100};
  CHECK(rl::training_curves_csv(epochs, validations) ==
        "epoch,mean_return,mean_energy_change,mean_objective,gradient_norm,evaluations,"
        "validation_energy_change,validation_final_energy\n"
        "0,,,,,20,-2,8\n"
        "1,0.5,-1.25,2,0.125,40,,\n"
        "2,0.75,-1.5,3,0.25,80,-3,7\n");
}

TEST_CASE("the run log's numbers read back to the same doubles, in their shortest form") {
  std::vector<rl::EpochRecord> epochs(1);
  epochs[0] = {1, 1.0 / 3.0, -812.1234567890123, 0.1, 2.5e-300, 40};
  std::vector<rl::ValidationRecord> validations(1);
  validations[0] = {1, -2.0 / 3.0, 10.0, -1e-7, 20};
  const std::string csv = rl::training_curves_csv(epochs, validations);
  const std::string row = csv.substr(csv.find('\n') + 1);
  CHECK(row.substr(0, row.find(',', 2)) == "1,0.3333333333333333");  // 16 digits: %.17g would write 17
  std::vector<double> values;
  std::stringstream cells(row);
  for (std::string cell; std::getline(cells, cell, ',');) values.push_back(std::strtod(cell.c_str(), nullptr));
  REQUIRE(values.size() == 8);
  CHECK(values[1] == 1.0 / 3.0);
  CHECK(values[2] == -812.1234567890123);
  CHECK(values[3] == 0.1);
  CHECK(values[4] == 2.5e-300);
  CHECK(values[6] == -2.0 / 3.0);
  CHECK(values[7] == -1e-7);
}

TEST_CASE("the restart rule by name") {
  CHECK(rl::restart_candidates("last3", 15) == 3);
  CHECK(rl::restart_candidates("any", 15) == 15);
  CHECK(rl::restart_candidates("any", 7) == 7);
  CHECK_THROWS_WITH(rl::restart_candidates("last2", 15), Catch::Contains("last3, any"));
}

TEST_CASE("resuming needs the checkpoint beside the model") {
  const std::string model = (std::filesystem::temp_directory_path() / "strider-no-such-run.weights").string();
  std::filesystem::remove(model);
  std::filesystem::remove(rl::checkpoint_path(model));
  CHECK(rl::checkpoint_path(model) == model + ".checkpoint");
  CHECK_THROWS_WITH(rl::resume_run(model, "lj"), Catch::Contains("no checkpoint " + model + ".checkpoint"));
}
