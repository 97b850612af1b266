// Training checkpoints: a versioned text format with every double in
// hexadecimal floating point, so a resumed run continues with the same bits.
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "strider/error.hpp"
#include "strider/io.hpp"
#include "strider/rl_training.hpp"
#include "strider/text.hpp"

namespace strider::rl {

namespace {

constexpr const char* kMagic = "strider-rl-checkpoint";
constexpr int kVersion = 1;

std::string hex(double x) {
  char text[48];
  std::snprintf(text, sizeof text, "%a", x);
  return text;
}

void write_vector(std::ostream& out, const char* name, const Eigen::VectorXd& v) {
  out << name << ' ' << v.size();
  for (Eigen::Index i = 0; i < v.size(); ++i) out << ' ' << hex(v[i]);
  out << '\n';
}

void write_doubles(std::ostream& out, const std::vector<double>& v) {
  out << ' ' << v.size();
  for (double x : v) out << ' ' << hex(x);
}

// Reads the words of one line, with errors that name the source and line.
class WordReader {
 public:
  WordReader(std::istringstream& in, const std::string& where) : in_(in), where_(where) {}
  std::string word() {
    std::string w;
    if (!(in_ >> w)) fail("line ends early");
    return w;
  }
  double real() {
    const std::string w = word();
    double x = 0.0;
    if (!io::parse_double(w, x, io::Hexadecimal::allowed)) fail("'" + w + "' is not a number");
    return x;
  }
  long integer() {
    const std::string w = word();
    long long x = 0;
    if (!io::parse_integer(w, x) || x < LONG_MIN || x > LONG_MAX) fail("'" + w + "' is not a whole number");
    return static_cast<long>(x);
  }
  long count() {
    const long n = integer();
    if (n < 0 || n > 100'000'000) fail("bad count " + std::to_string(n));
    return n;
  }
  // Parameters and Adam moments: finite numbers only.
  Eigen::VectorXd vector() {
    const std::vector<double> v = doubles();
    for (double x : v)
      if (!std::isfinite(x)) fail("a non-finite number (" + hex(x) + ") among the values");
    return Eigen::Map<const Eigen::VectorXd>(v.data(), static_cast<Eigen::Index>(v.size()));
  }
  // A count, then that many numbers. Grown as they are read, never allocated
  // from the count: a line "parameters 100000000" alone fails, it takes no memory.
  std::vector<double> doubles() {
    const long n = count();
    std::vector<double> v;
    for (long i = 0; i < n; ++i) v.push_back(real());
    return v;
  }
  void done() {
    std::string extra;
    if (in_ >> extra) fail("unexpected '" + extra + "'");
  }
  [[noreturn]] void fail(const std::string& what) const { throw InputError(where_ + ": " + what); }

 private:
  std::istringstream& in_;
  std::string where_;
};

}  // namespace

void write_checkpoint(std::ostream& out, const TrainerState& s) {
  out << kMagic << ' ' << kVersion << '\n';
  for (const auto& [key, value] : s.settings) out << "setting " << key << ' ' << value << '\n';
  out << "epoch " << s.epoch << '\n';
  out << "evaluations " << s.evaluations << '\n';
  write_vector(out, "parameters", s.parameters);
  write_vector(out, "adam_m", s.adam.m);
  write_vector(out, "adam_v", s.adam.v);
  out << "adam_steps " << s.adam.steps << ' ' << hex(s.adam.beta1_power) << ' ' << hex(s.adam.beta2_power) << '\n';
  for (const EpochRecord& r : s.epochs) {
    out << "epoch_record " << r.epoch << ' ' << hex(r.mean_return) << ' ' << hex(r.mean_energy_change) << ' '
        << hex(r.mean_objective) << ' ' << hex(r.gradient_norm) << ' ' << r.evaluations << '\n';
  }
  for (const ValidationRecord& r : s.validations) {
    out << "validation_record " << r.epoch << ' ' << hex(r.mean_energy_change) << ' ' << hex(r.mean_initial_energy)
        << ' ' << hex(r.mean_final_energy) << ' ' << r.evaluations << '\n';
  }
  for (const auto& [index, b] : s.baselines) {
    out << "baseline " << index;
    write_doubles(out, b.energies);
    write_doubles(out, b.returns);
    out << ' ' << b.evaluations << '\n';
  }
  out << "end\n";
}

TrainerState read_checkpoint(std::istream& in, const std::string& source) {
  TrainerState s;
  std::string line;
  long number = 0;
  bool ended = false;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    std::istringstream words(line);
    WordReader r(words, source + ":" + std::to_string(number));
    const std::string key = r.word();
    if (number == 1) {
      if (key != kMagic) r.fail("not a strider training checkpoint");
      const long version = r.integer();
      if (version != kVersion) {
        r.fail("checkpoint version " + std::to_string(version) + ", this strider reads version " +
               std::to_string(kVersion));
      }
      r.done();
      continue;
    }
    if (ended) r.fail("text after 'end'");
    if (key == "setting") {
      const std::string name = r.word();
      std::string value;
      std::getline(words >> std::ws, value);
      s.settings[name] = value;
    } else if (key == "epoch") {
      s.epoch = r.integer();
      r.done();
    } else if (key == "evaluations") {
      s.evaluations = r.integer();
      r.done();
    } else if (key == "parameters") {
      s.parameters = r.vector();
      r.done();
    } else if (key == "adam_m") {
      s.adam.m = r.vector();
      r.done();
    } else if (key == "adam_v") {
      s.adam.v = r.vector();
      r.done();
    } else if (key == "adam_steps") {
      s.adam.steps = r.integer();
      s.adam.beta1_power = r.real();
      s.adam.beta2_power = r.real();
      r.done();
    } else if (key == "epoch_record") {
      EpochRecord e;
      e.epoch = r.integer();
      e.mean_return = r.real();
      e.mean_energy_change = r.real();
      e.mean_objective = r.real();
      e.gradient_norm = r.real();
      e.evaluations = r.integer();
      r.done();
      s.epochs.push_back(e);
    } else if (key == "validation_record") {
      ValidationRecord v;
      v.epoch = r.integer();
      v.mean_energy_change = r.real();
      v.mean_initial_energy = r.real();
      v.mean_final_energy = r.real();
      v.evaluations = r.integer();
      r.done();
      s.validations.push_back(v);
    } else if (key == "baseline") {
      const int index = static_cast<int>(r.count());
      FireBaseline b;
      b.energies = r.doubles();
      b.returns = r.doubles();
      b.evaluations = r.integer();
      r.done();
      s.baselines[index] = std::move(b);
    } else if (key == "end") {
      r.done();
      ended = true;
    } else {
      r.fail("unknown entry '" + key + "'");
    }
  }
  if (number == 0) throw InputError(source + ": empty file, not a strider training checkpoint");
  if (!ended) throw InputError(source + ": truncated checkpoint (no 'end' line)");
  if (s.adam.m.size() != s.adam.v.size() || (s.adam.m.size() != 0 && s.adam.m.size() != s.parameters.size())) {
    throw InputError(source + ": Adam moments and parameters differ in length");
  }
  return s;
}

void write_checkpoint_file(const std::string& path, const TrainerState& state) {
  std::ostringstream out;
  write_checkpoint(out, state);
  io::write_file_atomically(path, out.str());
}

TrainerState read_checkpoint_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open");
  return read_checkpoint(in, path);
}

}  // namespace strider::rl
