// Extended XYZ as ASE writes it: an atom count, a line of key=value pairs
// (Lattice, Properties, pbc, energy, system, ...) and one line per atom. The species
// column holds chemical symbols; a type_name column holds the model's type names where
// they are not symbols (shared/structure-files.md).
#include <algorithm>
#include <cctype>
#include <climits>
#include <cmath>
#include <optional>
#include <set>
#include <ostream>
#include <sstream>

#include "chemical_symbols.hpp"
#include "files.hpp"
#include "frame_check.hpp"
#include "strider/error.hpp"
#include "strider/io.hpp"
#include "strider/text.hpp"

namespace strider {
namespace {

struct KeyValue {
  std::string key, value;
};

// One column group of "Properties=name:type:count:...".
struct Column {
  std::string name;
  char type;  // S string, R real, I integer, L logical
  int count;
};

bool same_word(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) { return std::tolower(x) == std::tolower(y); });
}

// A value starting at text[i]: "quoted" (with \" and \\ escapes), {braced}
// or a bare word. Moves i past it.
std::string read_value(const io::LineReader& reader, std::string_view text, std::size_t& i) {
  std::string value;
  if (i < text.size() && (text[i] == '"' || text[i] == '{')) {
    char close = text[i] == '"' ? '"' : '}';
    for (++i; i < text.size() && text[i] != close; ++i) {
      if (close == '"' && text[i] == '\\' && i + 1 < text.size()) ++i;
      value += text[i];
    }
    if (i == text.size()) reader.fail(std::string("unterminated ") + (close == '"' ? "quote" : "brace") + " in the comment line");
    ++i;
    return value;
  }
  while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) value += text[i++];
  return value;
}

// The key=value pairs of the comment line; a key without a value is "T".
std::vector<KeyValue> parse_key_values(const io::LineReader& reader, std::string_view text) {
  std::vector<KeyValue> pairs;
  auto skip_space = [&](std::size_t& i) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  };
  std::size_t i = 0;
  for (skip_space(i); i < text.size(); skip_space(i)) {
    KeyValue pair;
    if (text[i] == '"') {
      pair.key = read_value(reader, text, i);
    } else {
      while (i < text.size() && text[i] != '=' && !std::isspace(static_cast<unsigned char>(text[i]))) pair.key += text[i++];
    }
    std::size_t after_key = i;
    skip_space(i);
    if (i < text.size() && text[i] == '=') {
      ++i;
      skip_space(i);
      pair.value = read_value(reader, text, i);
    } else {
      i = after_key;
      pair.value = "T";
    }
    if (pair.key.empty()) reader.fail("a value without a key in the comment line");
    pairs.push_back(std::move(pair));
  }
  return pairs;
}

// Words of a list value ("1 2 3" or "1,2,3").
std::vector<std::string_view> list_items(std::string& value) {
  std::replace(value.begin(), value.end(), ',', ' ');
  return io::split_words(value);
}

std::optional<bool> parse_bool(std::string_view word) {
  if (word == "T" || same_word(word, "true")) return true;
  if (word == "F" || same_word(word, "false")) return false;
  return std::nullopt;
}

std::vector<Column> parse_properties(const io::LineReader& reader, const std::string& value) {
  std::vector<std::string> parts;
  std::stringstream stream(value);
  for (std::string part; std::getline(stream, part, ':');) parts.push_back(part);
  if (parts.empty() || parts.size() % 3 != 0)
    reader.fail("Properties='" + value + "' is not a list of name:type:count");
  std::vector<Column> columns;
  for (std::size_t k = 0; k < parts.size(); k += 3) {
    const std::string& type = parts[k + 1];
    long long count = 0;
    if (type.size() != 1 || std::string_view("SRIL").find(type[0]) == std::string_view::npos)
      reader.fail("Properties: column '" + parts[k] + "' has type '" + type + "' (expected S, R, I or L)");
    if (!io::parse_integer(parts[k + 2], count) || count < 1 || count > 1000)
      reader.fail("Properties: column '" + parts[k] + "' has count '" + parts[k + 2] + "'");
    columns.push_back({parts[k], type[0], static_cast<int>(count)});
  }
  return columns;
}

// Where each column the frame needs starts on an atom line.
struct Layout {
  int total = 0;  // words per atom line
  int species = -1, type_name = -1, pos = -1, forces = -1, energies = -1;
};

Layout layout_of(const io::LineReader& reader, const std::vector<Column>& columns) {
  Layout layout;
  auto require = [&](const Column& c, char type, int count) {
    if (c.type != type || c.count != count)
      reader.fail("Properties: column '" + c.name + "' must be " + type + ":" + std::to_string(count));
  };
  for (const Column& c : columns) {
    if (c.name == "species" || c.name == "symbols") {
      require(c, 'S', 1);
      layout.species = layout.total;
    } else if (c.name == "type_name") {
      require(c, 'S', 1);
      layout.type_name = layout.total;
    } else if (c.name == "pos") {
      require(c, 'R', 3);
      layout.pos = layout.total;
    } else if (c.name == "forces") {
      require(c, 'R', 3);
      layout.forces = layout.total;
    } else if (c.name == "energies") {
      require(c, 'R', 1);
      layout.energies = layout.total;
    }
    layout.total += c.count;
  }
  if (layout.species < 0) reader.fail("Properties has no species column");
  if (layout.pos < 0) reader.fail("Properties has no pos column");
  return layout;
}

// The box from Lattice (9 numbers, row per vector) and pbc.
Box box_from(const io::LineReader& reader, std::optional<std::string> lattice, std::optional<std::string> pbc) {
  std::array<bool, 3> periodic{true, true, true};  // ASE: a Lattice without pbc is periodic
  if (pbc) {
    std::vector<std::string_view> words = list_items(*pbc);
    if (words.size() == 1) words.assign(3, words[0]);
    for (std::size_t a = 0; a < 3; ++a) {
      std::optional<bool> flag = words.size() == 3 ? parse_bool(words[a]) : std::nullopt;
      if (!flag) reader.fail("pbc=\"" + *pbc + "\" is not three of T/F");
      periodic[a] = *flag;
    }
  }
  if (!lattice) {
    if (pbc && (periodic[0] || periodic[1] || periodic[2])) reader.fail("pbc has a periodic axis but there is no Lattice");
    return Box::free();
  }
  std::vector<std::string_view> words = list_items(*lattice);
  if (words.size() != 9) reader.fail("Lattice has " + std::to_string(words.size()) + " numbers (expected 9)");
  double cell[3][3];
  double scale = 0.0;
  for (int k = 0; k < 9; ++k) {
    cell[k / 3][k % 3] = io::finite_number(reader, words[k], "Lattice entry " + std::to_string(k + 1));
    scale = std::max(scale, std::abs(cell[k / 3][k % 3]));
  }
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      if (i != j && std::abs(cell[i][j]) > 1e-12 * scale) reader.fail("non-orthogonal lattice is not supported");
  Box box;
  box.periodic = periodic;
  for (int a = 0; a < 3; ++a) {
    box.length[a] = cell[a][a];
    if (box.length[a] < 0 || (periodic[a] && box.length[a] == 0))
      reader.fail("box of zero or negative volume: Lattice vector " + std::to_string(a + 1) + " has length " +
                  std::string(words[4 * a]));
    if (std::string problem = io::box_length_problem(box.length[a], periodic[a]); !problem.empty())
      reader.fail("Lattice vector " + std::to_string(a + 1) + ": " + problem);
  }
  return box;
}

// Reads the comment line into frame's box, energy and system key.
Layout read_comment(const io::LineReader& reader, const std::string& line, Frame& frame) {
  std::optional<std::string> lattice, pbc;
  std::string properties = "species:S:1:pos:R:3";
  std::vector<KeyValue> pairs = parse_key_values(reader, line);
  for (KeyValue& pair : pairs) {
    if (same_word(pair.key, "Lattice")) {
      lattice = pair.value;
    } else if (same_word(pair.key, "pbc")) {
      pbc = pair.value;
    } else if (same_word(pair.key, "Properties")) {
      properties = pair.value;
    } else if (pair.key == "energy") {
      frame.energy = io::finite_number(reader, pair.value, "energy");
    } else if (pair.key == "system") {
      frame.system_key = pair.value;
    }
  }
  frame.box = box_from(reader, lattice, pbc);
  Layout layout = layout_of(reader, parse_properties(reader, properties));
  std::set<std::string> keys;  // in lower case: "last one wins" would hide which one was meant
  for (const KeyValue& pair : pairs) {
    std::string key = pair.key;
    std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (!keys.insert(key).second) reader.fail("the key '" + pair.key + "' appears twice in the comment line");
  }
  return layout;
}

void read_atoms(io::LineReader& reader, int count, int header_line, const Layout& layout, Frame& frame) {
  std::vector<double> positions, forces, energies;
  std::string line;
  for (int i = 0; i < count; ++i) {
    if (!reader.next(line))
      io::fail_at(reader.source(), reader.line() + 1,
                  "file ends after " + std::to_string(i) + " of the " + std::to_string(count) +
                      " atom lines announced on line " + std::to_string(header_line));
    std::vector<std::string_view> words = io::split_words(line);
    std::string atom = "atom " + std::to_string(i + 1);
    if (static_cast<int>(words.size()) != layout.total)
      reader.fail(atom + ": " + std::to_string(words.size()) + " columns, expected " + std::to_string(layout.total));
    frame.species.emplace_back(words[layout.type_name >= 0 ? layout.type_name : layout.species]);
    for (int a = 0; a < 3; ++a) {
      const char* axis[] = {"x", "y", "z"};
      positions.push_back(io::finite_number(reader, words[layout.pos + a], std::string(axis[a]) + " of " + atom));
      if (std::string problem = io::coordinate_problem(positions.back(), frame.box, a); !problem.empty())
        reader.fail(std::string(axis[a]) + " of " + atom + ": " + problem);
      if (layout.forces >= 0)
        forces.push_back(io::finite_number(reader, words[layout.forces + a], std::string("force ") + axis[a] + " of " + atom));
    }
    if (layout.energies >= 0) energies.push_back(io::finite_number(reader, words[layout.energies], "energy of " + atom));
  }
  frame.positions = Eigen::Map<Eigen::Matrix3Xd>(positions.data(), 3, count);
  if (layout.forces >= 0) frame.forces = Eigen::Map<Eigen::Matrix3Xd>(forces.data(), 3, count);
  if (layout.energies >= 0) frame.per_atom_energy = Eigen::Map<Eigen::VectorXd>(energies.data(), count);
}

// A key=value value, quoted when it holds blanks, quotes or '='.
std::string quoted_if_needed(const std::string& value) {
  bool plain = !value.empty() && value.find_first_of(" \t\"'={}\\") == std::string::npos;
  if (plain) return value;
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string padded(const std::string& text, std::size_t width) {
  return text.size() >= width ? text : std::string(width - text.size(), ' ') + text;
}

}  // namespace

std::vector<Frame> read_extxyz(std::istream& in, const std::string& source) {
  io::LineReader reader(in, source);
  std::vector<Frame> frames;
  std::string line;
  while (reader.next(line)) {
    std::string_view count_text = io::trim(line);
    if (count_text.empty()) continue;  // blank lines between or after frames
    long long count = 0;
    if (!io::parse_integer(count_text, count) || count < 1 || count > INT_MAX) {
      std::string hint = frames.empty() ? "" : " (does the previous frame have more atom lines than its count?)";
      reader.fail("atom count '" + std::string(count_text) + "' is not a positive integer" + hint);
    }
    int header_line = reader.line();
    if (!reader.next(line))
      io::fail_at(source, reader.line() + 1, "file ends before the comment line of the frame on line " + std::to_string(header_line));
    Frame frame;
    Layout layout = read_comment(reader, line, frame);
    read_atoms(reader, static_cast<int>(count), header_line, layout, frame);
    frames.push_back(std::move(frame));
  }
  if (frames.empty()) io::fail_at(source, std::max(reader.line(), 1), "empty file");
  return frames;
}

std::vector<Frame> read_extxyz_file(const std::string& path) {
  std::ifstream in = io::open_for_reading(path);
  return read_extxyz(in, path);
}

void write_extxyz(std::ostream& out, const Frame& frame) {
  io::check_writable(frame);
  const Box& box = frame.box;
  std::string text = std::to_string(frame.size()) + "\n";
  if (box.any_periodic() || !box.length.isZero(0.0)) {
    std::string row[3];
    for (int a = 0; a < 3; ++a) row[a] = io::format_double(box.length[a]);
    text += "Lattice=\"" + row[0] + " 0 0 0 " + row[1] + " 0 0 0 " + row[2] + "\" ";
  }
  // The model's type names in their own column when some are not chemical symbols.
  const bool type_names = std::any_of(frame.species.begin(), frame.species.end(),
                                      [](const std::string& name) { return io::chemical_symbol(name) != name; });
  text += "Properties=species:S:1:pos:R:3";
  if (type_names) text += ":type_name:S:1";
  if (frame.forces) text += ":forces:R:3";
  if (frame.per_atom_energy) text += ":energies:R:1";
  if (frame.energy) text += " energy=" + io::format_double(*frame.energy);
  if (frame.system_key) text += " system=" + quoted_if_needed(*frame.system_key);
  text += " pbc=\"";
  for (int a = 0; a < 3; ++a) text += std::string(a ? " " : "") + (box.periodic[a] ? "T" : "F");
  text += "\"\n";

  std::size_t symbol_width = 2, name_width = 0;
  for (const std::string& name : frame.species) {
    symbol_width = std::max(symbol_width, io::chemical_symbol(name).size());
    name_width = std::max(name_width, name.size());
  }
  for (int i = 0; i < frame.size(); ++i) {
    const std::string& name = frame.species[i];
    const std::string& symbol = type_names ? io::chemical_symbol(name) : name;
    text += symbol + std::string(symbol_width - symbol.size(), ' ');
    for (int a = 0; a < 3; ++a) text += " " + padded(io::format_double(frame.positions(a, i)), 24);
    if (type_names) {
      const bool more = frame.forces || frame.per_atom_energy;  // pad the column only when another follows
      text += " " + name + std::string(more ? name_width - name.size() : 0, ' ');
    }
    if (frame.forces)
      for (int a = 0; a < 3; ++a) text += " " + padded(io::format_double((*frame.forces)(a, i)), 24);
    if (frame.per_atom_energy) text += " " + padded(io::format_double((*frame.per_atom_energy)[i]), 24);
    text += "\n";
  }
  if (!(out << text)) throw InputError("cannot write: stream error");
}

void write_extxyz_file(const std::string& path, const std::vector<Frame>& frames) {
  if (frames.empty()) throw InputError(path + ": no frames to write");
  std::ostringstream text;
  for (std::size_t k = 0; k < frames.size(); ++k) {
    try {
      write_extxyz(text, frames[k]);
    } catch (const InputError& error) {
      std::string frame = frames.size() > 1 ? "frame " + std::to_string(k + 1) + ": " : "";
      throw InputError(path + ": " + frame + error.what());
    }
  }
  io::write_file_atomically(path, text.str());
}

void ExtxyzTrajectory::write(const Frame& frame) {
  std::ostringstream text;
  try {
    write_extxyz(text, frame);
  } catch (const InputError& error) {
    throw InputError(file_.path() + ": frame " + std::to_string(frames_ + 1) + ": " + error.what());
  }
  file_.write(text.str());
  ++frames_;
}

}  // namespace strider
