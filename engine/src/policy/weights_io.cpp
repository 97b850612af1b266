// Policy weight files, version 1 (shared/policy-weights.md):
//
//   strider-policy-weights 1
//   { JSON header: system, graph settings, architecture, policy constants,
//     batch-norm running statistics, parameter blocks, training metadata }
//   parameters COUNT
//   one parameter per line, shortest round-trip decimal (COUNT lines)
//   end
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <istream>
#include <iterator>
#include <ostream>
#include <sstream>

#include "../io/files.hpp"  // open_for_reading
#include "strider/text.hpp"
#include "json.hpp"
#include "strider/error.hpp"
#include "strider/io.hpp"  // write_file_atomically
#include "strider/policy.hpp"

#ifndef STRIDER_VERSION
#define STRIDER_VERSION "unknown"
#endif

namespace strider {

namespace {

constexpr const char* kMagic = "strider-policy-weights";
constexpr int kVersion = 1;

using json::Value;

// [SECTION] writing

Value vector_value(const Eigen::VectorXd& v) {
  Value out = Value::array();
  for (Eigen::Index k = 0; k < v.size(); ++k) out.push_back(v[k]);
  return out;
}

Value matrix_value(const Eigen::MatrixXd& m) {
  Value out = Value::array();
  for (Eigen::Index r = 0; r < m.rows(); ++r) {
    Value row = Value::array();
    for (Eigen::Index c = 0; c < m.cols(); ++c) row.push_back(m(r, c));
    out.push_back(std::move(row));
  }
  return out;
}

Value parse_training(const std::string& training) {
  Value value;
  try {
    value = json::parse(training);
  } catch (const json::ParseError& e) {
    throw InputError("training metadata is not valid JSON: " + std::string(e.what()) + " at character " +
                     std::to_string(e.offset + 1));
  }
  if (!value.is_object()) throw InputError("training metadata must be a JSON object");
  return value;
}

Value header(const StriderPolicy& policy, const Value& training) {
  const PolicyConfig& c = policy.config();
  const GraphSettings& g = c.graph;
  const PolicyArchitecture& a = c.architecture;

  Value graph = Value::object();
  graph["features"] = to_string(g.features);
  Value species = Value::array();
  for (const std::string& s : g.species) species.push_back(s);
  graph["species"] = std::move(species);
  graph["cutoff"] = matrix_value(g.cutoff);
  graph["r_eq"] = matrix_value(g.r_eq);
  graph["sigma"] = matrix_value(g.sigma);
  graph["length_scale"] = g.length_scale;
  graph["energy_scale"] = g.energy_scale;

  Value arch = Value::object();
  arch["width"] = a.width;
  arch["node_features"] = g.node_feature_count();
  arch["edge_features"] = g.edge_feature_count();
  arch["node_embed_layers"] = a.node_embed_layers;
  arch["edge_embed_layers"] = a.edge_embed_layers;
  arch["message_passing_steps"] = a.message_passing_steps;
  arch["node_update_layers"] = a.node_update_layers;
  arch["edge_update_layers"] = a.edge_update_layers;
  arch["displacement_hidden_layers"] = a.displacement_hidden_layers;
  arch["activation"] = "leaky_relu";
  arch["leaky_relu_slope"] = a.leaky_relu_slope;
  arch["aggregation"] = "mean";
  arch["batch_norm_momentum"] = a.batch_norm_momentum;
  arch["batch_norm_eps"] = a.batch_norm_eps;
  arch["center_mu"] = a.center_mu;

  Value pol = Value::object();
  pol["displacement_scale"] = c.displacement_scale;
  pol["output_gain"] = c.output_gain;
  pol["variance"] = c.variance;

  Value running = Value::object();
  running["mean"] = vector_value(policy.running_mean());
  running["var"] = vector_value(policy.running_var());

  Value blocks = Value::array();
  for (const ParameterBlock& b : policy.parameter_blocks()) {
    Value block = Value::object();
    block["name"] = b.name;
    block["rows"] = b.rows;
    block["cols"] = b.cols;
    blocks.push_back(std::move(block));
  }

  Value h = Value::object();
  h["system"] = g.system;
  h["created_by"] = std::string("strider ") + STRIDER_VERSION;
  h["graph"] = std::move(graph);
  h["architecture"] = std::move(arch);
  h["policy"] = std::move(pol);
  h["batch_norm_running"] = std::move(running);
  h["parameter_count"] = policy.parameter_count();
  h["parameter_blocks"] = std::move(blocks);
  h["training"] = training;
  return h;
}

std::string weights_text(const StriderPolicy& policy, const std::string& training) {
  std::string out = std::string(kMagic) + " " + std::to_string(kVersion) + "\n";
  out += json::dump(header(policy, parse_training(training)), 2);
  out += "\nparameters " + std::to_string(policy.parameter_count()) + "\n";
  const Eigen::VectorXd p = policy.parameters();
  for (Eigen::Index k = 0; k < p.size(); ++k) {
    if (!std::isfinite(p[k])) {
      throw InputError("policy parameter " + std::to_string(k) + " is not finite: refusing to write weights");
    }
    out += io::format_double(p[k]);
    out += '\n';
  }
  out += "end\n";
  return out;
}

// [SECTION] reading

// Parameters of `config`'s architecture, from its layer sizes alone (the
// layout of shared/policy-weights.md: the batch norm's weight and bias, then
// every Linear's weight out x in and bias out), counted in 64 bits so that a
// header declaring a huge network is refused before anything is allocated.
std::uint64_t architecture_parameter_count(const PolicyConfig& config) {
  const PolicyArchitecture& a = config.architecture;
  const std::uint64_t h = static_cast<std::uint64_t>(a.width);
  // An MLP in -> h (hidden_layers times) -> out.
  auto mlp = [h](std::uint64_t in, int hidden_layers, std::uint64_t out) {
    std::uint64_t count = 0, from = in;
    for (int k = 0; k < hidden_layers; ++k, from = h) count += (from + 1) * h;
    return count + (from + 1) * out;
  };
  const std::uint64_t node_in = static_cast<std::uint64_t>(config.graph.node_feature_count());
  const std::uint64_t edge_in = static_cast<std::uint64_t>(config.graph.edge_feature_count());
  const std::uint64_t step = mlp(3 * h, a.node_update_layers - 1, h) + mlp(3 * h, a.edge_update_layers - 1, h);
  return 2 * node_in + mlp(node_in, a.node_embed_layers - 1, h) + mlp(edge_in, a.edge_embed_layers - 1, h) +
         static_cast<std::uint64_t>(a.message_passing_steps) * step + mlp(3 * h, a.displacement_hidden_layers, 3);
}

class Reader {
 public:
  Reader(std::string text, std::string source) : text_(std::move(text)), source_(std::move(source)) {}

  PolicyFile read() {
    read_magic();
    const Value h = read_header();
    PolicyFile file;
    const PolicyConfig c = config(h);
    // Checked before the policy allocates its parameters: every one takes a line of the file.
    const std::uint64_t needed = architecture_parameter_count(c);
    const std::uint64_t lines_left = static_cast<std::uint64_t>(std::count(text_.begin() + static_cast<std::ptrdiff_t>(std::min(pos_, text_.size())), text_.end(), '\n')) + 1;
    if (needed > lines_left || needed > static_cast<std::uint64_t>(INT_MAX)) {
      fail(header_line_, "truncated, or a header out of proportion: the architecture has " + std::to_string(needed) +
                             " parameters, one per line, but only " + std::to_string(lines_left) +
                             " lines follow the header");
    }
    file.policy = std::make_unique<StriderPolicy>(c, 0);
    check_blocks(h, *file.policy);
    const Value& running = object(h, "batch_norm_running");
    try {
      file.policy->set_running_statistics(vector(running, "mean"), vector(running, "var"));
    } catch (const InputError& e) {
      fail(header_line_, std::string("batch_norm_running: ") + e.what());
    }
    file.policy->set_parameters(read_parameters(file.policy->parameter_count()));
    const auto training = h.find("training");
    if (training != h.end() && !training->is_object()) fail(header_line_, "\"training\" must be a JSON object");
    file.training = training != h.end() ? json::dump(*training) : "{}";
    return file;
  }

 private:
  [[noreturn]] void fail(int line, const std::string& what) const { io::fail_at(source_, line, what); }

  int line_at(std::size_t offset) const {
    int line = 1;
    for (std::size_t k = 0; k < offset && k < text_.size(); ++k) line += text_[k] == '\n';
    return line;
  }

  // The next line from pos_ (without its newline); false at the end of the text.
  bool next_line(std::string_view& line) {
    if (pos_ >= text_.size()) return false;
    std::size_t end = text_.find('\n', pos_);
    if (end == std::string::npos) end = text_.size();
    line = std::string_view(text_).substr(pos_, end - pos_);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos_ = end + 1;
    ++line_;
    return true;
  }

  void read_magic() {
    std::string_view line;
    const std::string expected = std::string("'") + kMagic + " " + std::to_string(kVersion) + "'";
    if (!next_line(line)) fail(1, "empty file: not a strider policy weight file (expected " + expected + ")");
    const auto words = io::split_words(line);
    if (words.empty() || words[0] != kMagic) {
      fail(1, "not a strider policy weight file (the first line should be " + expected + ")");
    }
    long long version = 0;
    if (words.size() != 2 || !io::parse_integer(words[1], version)) {
      fail(1, "malformed first line (expected " + expected + ")");
    }
    if (version != kVersion) {
      fail(1, "weight file version " + std::to_string(version) + " is not supported (this build reads version " +
                  std::to_string(kVersion) + ")");
    }
  }

  // The header: the lines from here up to the 'parameters' line (or the end of the text).
  Value read_header() {
    header_line_ = line_ + 1;
    std::size_t end = pos_;
    while (end < text_.size() && !io::trim(std::string_view(text_).substr(end)).starts_with("parameters")) {
      const std::size_t newline = text_.find('\n', end);
      end = newline == std::string::npos ? text_.size() : newline + 1;
    }
    const std::string_view text = std::string_view(text_).substr(pos_, end - pos_);
    Value h;
    try {
      h = json::parse(text);
    } catch (const json::ParseError& e) {
      const bool at_end = e.offset + 1 >= text.size();
      fail(line_at(pos_ + std::min(e.offset, text.size())),
           std::string(at_end ? "truncated header: " : "header: ") + e.what());
    }
    if (!h.is_object()) fail(header_line_, "the header must be a JSON object");
    line_ = line_at(end) - 1;
    pos_ = end;
    return h;
  }

  const Value& member(const Value& object, const std::string& key) const {
    const auto v = object.find(key);
    if (v == object.end()) fail(header_line_, "header: missing \"" + key + "\"");
    return *v;
  }
  const Value& object(const Value& parent, const std::string& key) const {
    const Value& v = member(parent, key);
    if (!v.is_object()) fail(header_line_, "header: \"" + key + "\" must be an object");
    return v;
  }
  double number(const Value& parent, const std::string& key) const {
    const Value& v = member(parent, key);
    if (!v.is_number()) fail(header_line_, "header: \"" + key + "\" must be a number");
    return v.get<double>();
  }
  int integer(const Value& parent, const std::string& key) const {
    const double x = number(parent, key);
    if (x != std::trunc(x) || std::fabs(x) > 1e9) fail(header_line_, "header: \"" + key + "\" must be an integer");
    return static_cast<int>(x);
  }
  std::string string(const Value& parent, const std::string& key) const {
    const Value& v = member(parent, key);
    if (!v.is_string()) fail(header_line_, "header: \"" + key + "\" must be a string");
    return v.get<std::string>();
  }
  bool boolean(const Value& parent, const std::string& key) const {
    const Value& v = member(parent, key);
    if (!v.is_boolean()) fail(header_line_, "header: \"" + key + "\" must be true or false");
    return v.get<bool>();
  }
  Eigen::VectorXd vector(const Value& parent, const std::string& key) const {
    const Value& v = member(parent, key);
    if (!v.is_array()) fail(header_line_, "header: \"" + key + "\" must be an array of numbers");
    Eigen::VectorXd out(static_cast<Eigen::Index>(v.size()));
    for (size_t k = 0; k < v.size(); ++k) {
      if (!v[k].is_number()) fail(header_line_, "header: \"" + key + "\" must be an array of numbers");
      out[static_cast<Eigen::Index>(k)] = v[k].get<double>();
    }
    return out;
  }
  Eigen::MatrixXd matrix(const Value& parent, const std::string& key, int n) const {
    const Value& v = member(parent, key);
    const std::string shape = std::to_string(n) + " x " + std::to_string(n);
    if (!v.is_array() || static_cast<int>(v.size()) != n) {
      fail(header_line_, "header: \"" + key + "\" must be a " + shape + " array of numbers");
    }
    for (const Value& row : v) {  // the shape is checked before n x n doubles are allocated
      if (!row.is_array() || static_cast<int>(row.size()) != n) {
        fail(header_line_, "header: \"" + key + "\" must be a " + shape + " array of numbers");
      }
    }
    Eigen::MatrixXd out(n, n);
    for (int r = 0; r < n; ++r) {
      const Value& row = v[static_cast<size_t>(r)];
      for (int c = 0; c < n; ++c) {
        if (!row[static_cast<size_t>(c)].is_number()) {
          fail(header_line_, "header: \"" + key + "\" must be a " + shape + " array of numbers");
        }
        out(r, c) = row[static_cast<size_t>(c)].get<double>();
      }
    }
    return out;
  }

  PolicyConfig config(const Value& h) const {
    PolicyConfig c;
    const Value& graph = object(h, "graph");
    GraphSettings& g = c.graph;
    g.system = string(h, "system");
    try {
      g.features = graph_features_from_string(string(graph, "features"));
    } catch (const InputError& e) {
      fail(header_line_, std::string("header: ") + e.what());
    }
    const Value& species = member(graph, "species");
    if (!species.is_array() || species.empty()) {
      fail(header_line_, "header: \"species\" must be a non-empty array of names");
    }
    for (const Value& s : species) {
      if (!s.is_string()) fail(header_line_, "header: \"species\" must be a non-empty array of names");
      g.species.push_back(s.get<std::string>());
    }
    const int n = g.species_count();
    g.cutoff = matrix(graph, "cutoff", n);
    g.r_eq = matrix(graph, "r_eq", n);
    g.sigma = matrix(graph, "sigma", n);
    g.length_scale = number(graph, "length_scale");
    g.energy_scale = number(graph, "energy_scale");

    const Value& arch = object(h, "architecture");
    PolicyArchitecture& a = c.architecture;
    a.width = integer(arch, "width");
    a.node_embed_layers = integer(arch, "node_embed_layers");
    a.edge_embed_layers = integer(arch, "edge_embed_layers");
    a.message_passing_steps = integer(arch, "message_passing_steps");
    a.node_update_layers = integer(arch, "node_update_layers");
    a.edge_update_layers = integer(arch, "edge_update_layers");
    a.displacement_hidden_layers = integer(arch, "displacement_hidden_layers");
    a.leaky_relu_slope = number(arch, "leaky_relu_slope");
    a.batch_norm_momentum = number(arch, "batch_norm_momentum");
    a.batch_norm_eps = number(arch, "batch_norm_eps");
    a.center_mu = boolean(arch, "center_mu");
    if (string(arch, "activation") != "leaky_relu") fail(header_line_, "header: only \"leaky_relu\" activation is supported");
    if (string(arch, "aggregation") != "mean") fail(header_line_, "header: only \"mean\" aggregation is supported");
    if (integer(arch, "node_features") != g.node_feature_count() ||
        integer(arch, "edge_features") != g.edge_feature_count()) {
      fail(header_line_, "header: node_features/edge_features do not match the graph settings (" +
                             std::to_string(g.node_feature_count()) + " and " +
                             std::to_string(g.edge_feature_count()) + " expected)");
    }

    const Value& pol = object(h, "policy");
    c.displacement_scale = number(pol, "displacement_scale");
    c.output_gain = number(pol, "output_gain");
    c.variance = number(pol, "variance");
    try {
      c.validate();
    } catch (const InputError& e) {
      fail(header_line_, std::string("header: ") + e.what());
    }
    return c;
  }

  void check_blocks(const Value& h, const StriderPolicy& policy) const {
    const int count = integer(h, "parameter_count");
    if (count != policy.parameter_count()) {
      fail(header_line_, "header: parameter_count " + std::to_string(count) + " does not match the architecture (" +
                             std::to_string(policy.parameter_count()) + ")");
    }
    const Value& blocks = member(h, "parameter_blocks");
    const auto& expected = policy.parameter_blocks();
    if (!blocks.is_array() || blocks.size() != expected.size()) {
      fail(header_line_, "header: parameter_blocks must list the " + std::to_string(expected.size()) +
                             " blocks of the architecture");
    }
    for (size_t k = 0; k < expected.size(); ++k) {
      const Value& b = blocks[k];
      if (!b.is_object() || string(b, "name") != expected[k].name || integer(b, "rows") != expected[k].rows ||
          integer(b, "cols") != expected[k].cols) {
        fail(header_line_, "header: parameter block " + std::to_string(k) + " should be " + expected[k].name + " (" +
                               std::to_string(expected[k].rows) + " x " + std::to_string(expected[k].cols) + ")");
      }
    }
  }

  Eigen::VectorXd read_parameters(int count) {
    std::string_view line;
    if (!next_line(line)) fail(line_ + 1, "truncated: no 'parameters' line after the header");
    const auto words = io::split_words(line);
    long long declared = -1;
    if (words.size() != 2 || words[0] != "parameters" || !io::parse_integer(words[1], declared)) {
      fail(line_, "expected 'parameters " + std::to_string(count) + "'");
    }
    if (declared != count) {
      fail(line_, "'parameters " + std::to_string(declared) + "' does not match the header's parameter_count " +
                      std::to_string(count));
    }
    Eigen::VectorXd values(count);
    for (int k = 0; k < count; ++k) {
      if (!next_line(line)) {
        fail(line_ + 1, "truncated: " + std::to_string(count) + " parameters expected, " + std::to_string(k) + " found");
      }
      double x = 0.0;
      const std::string_view token = io::trim(line);
      if (!io::parse_double(token, x) || !std::isfinite(x)) {
        if (token == "end") {
          fail(line_, "truncated: " + std::to_string(count) + " parameters expected, " + std::to_string(k) + " found");
        }
        fail(line_, "parameter " + std::to_string(k) + ": '" + std::string(token) + "' is not a finite number");
      }
      values[k] = x;
    }
    if (!next_line(line) || io::trim(line) != "end") fail(line_, "truncated: no 'end' line after the parameters");
    while (next_line(line)) {
      if (!io::trim(line).empty()) fail(line_, "unexpected text after 'end'");
    }
    return values;
  }

  std::string text_;
  std::string source_;
  std::size_t pos_ = 0;
  int line_ = 0;         // number of the line last read
  int header_line_ = 2;  // where the JSON header starts
};

}  // namespace

void write_policy_weights(std::ostream& out, const StriderPolicy& policy, const std::string& training) {
  out << weights_text(policy, training);
}

void write_policy_weights_file(const std::string& path, const StriderPolicy& policy, const std::string& training) {
  io::write_file_atomically(path, weights_text(policy, training));
}

PolicyFile read_policy_weights(std::istream& in, const std::string& source) {
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw InputError(source + ": read error");
  return Reader(std::move(text), source).read();
}

PolicyFile read_policy_weights_file(const std::string& path) {
  std::ifstream in = io::open_for_reading(path);
  return read_policy_weights(in, path);
}

}  // namespace strider
