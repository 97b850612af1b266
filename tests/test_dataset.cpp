// Dataset generators: every system's protocol on a small setting, structures
// that evaluate fine, determinism to the byte, and refused settings.
#include <cmath>
#include <sstream>

#include <catch2/catch.hpp>

#include "strider/dataset.hpp"
#include "strider/error.hpp"
#include "strider/evaluator.hpp"
#include "strider/io.hpp"

using namespace strider;

namespace {

// A small, fast version of the paper's protocol for `key`.
DatasetSettings small(const std::string& key) {
  DatasetSettings s = paper_dataset_settings(key);
  s.count = 3;
  s.equilibration = 300;
  s.interval = 100;
  if (key == "lj-binary") s.atoms = 25;
  if (key == "sw-si") s.atoms = 8;
  if (key == "csh") s.atoms = 30, s.equilibration = 50;
  if (key == "lj") s.atoms = 13;
  return s;
}

std::vector<DatasetSample> generate(const DatasetSettings& s) {
  std::vector<DatasetSample> out;
  generate_dataset(s, [&](const DatasetSample& sample) { out.push_back(sample); });
  return out;
}

// The samples as the extxyz bytes strider generate writes.
std::string as_text(const std::string& key, const std::vector<DatasetSample>& samples) {
  const auto potential = make_potential(key);
  std::ostringstream text;
  for (const DatasetSample& sample : samples) {
    Frame frame = to_frame(sample.system, *potential);
    frame.system_key = key;
    frame.energy = sample.energy;
    write_extxyz(text, frame);
  }
  return text.str();
}

}  // namespace

TEST_CASE("every generator follows its protocol and its structures evaluate fine", "[dataset]") {
  for (const std::string key : {"lj-binary", "sw-si", "csh", "lj"}) {
    INFO(key);
    const DatasetSettings s = small(key);
    const std::vector<DatasetSample> samples = generate(s);
    REQUIRE(samples.size() == 3u);
    Evaluator evaluator(make_potential(key));
    for (const DatasetSample& sample : samples) {
      CHECK(sample.system.size() == s.atoms);
      const Evaluation& e = evaluator.evaluate(sample.system);
      CHECK(std::isfinite(e.energy));
      CHECK(e.energy == Approx(sample.energy).epsilon(1e-9));
      CHECK(e.energy < 0.0);  // bound, not exploded
      const Box& box = sample.system.box;
      for (int d = 0; d < 3; ++d) {
        if (!box.periodic[d]) continue;
        CHECK(sample.system.positions.row(d).minCoeff() >= box.lo[d]);
        CHECK(sample.system.positions.row(d).maxCoeff() < box.lo[d] + box.length[d]);
      }
    }
    if (key == "lj-binary") {
      CHECK(samples[0].system.box.length[0] == Approx(std::cbrt(25 / 1.2)));
      int b = 0;
      for (int species : samples[0].system.species) b += species;
      CHECK(b == 5);  // 80:20
      CHECK(samples[1].md_step - samples[0].md_step == 100);
      CHECK(samples[0].md_step == 300);
    }
    if (key == "sw-si") CHECK(samples[0].system.box.length[0] == Approx(5.431));
    if (key == "csh") {
      CHECK(samples[0].system.box.length[0] == 300.0);
      CHECK(samples[0].gcmc.reached_target);
      // One GCMC run per structure: the structures differ entirely.
      CHECK((samples[0].system.positions - samples[1].system.positions).norm() > 100.0);
    }
    if (key == "lj") {
      CHECK(!samples[0].system.box.any_periodic());
      // Still one cluster: no atom flew off.
      const Eigen::Vector3d centre = samples[2].system.positions.rowwise().mean();
      CHECK((samples[2].system.positions.colwise() - centre).colwise().norm().maxCoeff() < 4.0);
    }
  }
}

TEST_CASE("sw-si starts from the diamond lattice at -4.3366 eV per atom", "[dataset]") {
  const System diamond = diamond_lattice(2, 5.431);
  Evaluator evaluator(make_potential("sw-si"));
  CHECK(diamond.size() == 64);
  CHECK(evaluator.evaluate(diamond).energy / 64 == Approx(-4.3366).epsilon(1e-4));
}

TEST_CASE("generators are deterministic: same seed, same bytes; another seed, other bytes", "[dataset]") {
  for (const std::string key : {"lj-binary", "sw-si", "csh", "lj"}) {
    INFO(key);
    DatasetSettings s = small(key);
    const std::string first = as_text(key, generate(s));
    CHECK(first == as_text(key, generate(s)));
    s.seed = 2;
    CHECK(first != as_text(key, generate(s)));
  }
}

TEST_CASE("bad dataset settings are refused with a clear error", "[dataset]") {
  CHECK_THROWS_WITH(paper_dataset_settings("argon"), Catch::Contains("unknown system 'argon'"));
  DatasetSettings s = paper_dataset_settings("sw-si");
  s.atoms = 65;
  CHECK_THROWS_WITH(validate(s), Catch::Contains("8 k^3"));
  s.atoms = 216;
  CHECK_NOTHROW(validate(s));
  s.temperature = std::nan("");
  CHECK_THROWS_AS(validate(s), InputError);
  s = paper_dataset_settings("lj-binary");
  s.count = 0;
  CHECK_THROWS_AS(validate(s), InputError);
  s = paper_dataset_settings("lj-binary");
  s.equilibration = -1;
  CHECK_THROWS_AS(validate(s), InputError);
  s = paper_dataset_settings("lj");
  s.dt = -0.001;
  CHECK_THROWS_AS(validate(s), InputError);
  s = paper_dataset_settings("csh");
  s.chemical_potential = INFINITY;
  CHECK_THROWS_AS(validate(s), InputError);
}
