// LAMMPS data files, atom_style atomic, orthogonal box. strider's own title
// line ("... system=KEY species=A,B pbc=T,T,T") keeps what the format lacks.
#include <algorithm>
#include <cctype>
#include <climits>
#include <cmath>
#include <map>
#include <optional>
#include <ostream>
#include <sstream>
#include <stdexcept>

#include "files.hpp"
#include "frame_check.hpp"
#include "strider/error.hpp"
#include "strider/io.hpp"
#include "strider/text.hpp"

namespace strider {
namespace {

const char* const kAxis[] = {"x", "y", "z"};

// What a strider-written title line says (each part optional).
struct Title {
  std::optional<std::string> system_key;
  std::vector<std::string> species;
  std::optional<std::array<bool, 3>> pbc;
};

std::vector<std::string> split_commas(std::string_view text) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t comma; (comma = text.find(',', start)) != std::string_view::npos; start = comma + 1)
    parts.emplace_back(text.substr(start, comma - start));
  parts.emplace_back(text.substr(start));
  return parts;
}

Title parse_title(const io::LineReader& reader, const std::string& line) {
  Title title;
  std::vector<std::string_view> seen;
  for (std::string_view word : io::split_words(line)) {
    std::size_t eq = word.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = word.substr(0, eq), value = word.substr(eq + 1);
    if ((key == "system" || key == "species" || key == "pbc") && std::find(seen.begin(), seen.end(), key) != seen.end())
      reader.fail("title: " + std::string(key) + "= appears twice");
    seen.push_back(key);
    if (key == "system") {
      title.system_key = std::string(value);
    } else if (key == "species") {
      title.species = split_commas(value);
      for (const std::string& name : title.species)
        if (name.empty()) reader.fail("title: species='" + std::string(value) + "' has an empty name");
    } else if (key == "pbc") {
      std::vector<std::string> flags = split_commas(value);
      std::array<bool, 3> pbc{};
      for (std::size_t a = 0; a < 3; ++a) {
        if (flags.size() != 3 || (flags[a] != "T" && flags[a] != "F"))
          reader.fail("title: pbc='" + std::string(value) + "' is not three of T/F separated by commas");
        pbc[a] = flags[a] == "T";
      }
      title.pbc = pbc;
    }
  }
  return title;
}

// The line without its '#' comment and surrounding blanks; the comment text
// goes to `comment` when asked for.
std::string_view strip_comment(std::string_view line, std::string_view* comment = nullptr) {
  std::size_t hash = line.find('#');
  if (comment) *comment = hash == std::string_view::npos ? std::string_view() : io::trim(line.substr(hash + 1));
  return io::trim(line.substr(0, std::min(hash, line.size())));
}

// Header keywords strider has no use for, accepted as LAMMPS accepts them.
bool ignored_header_keyword(const std::string& keyword) {
  static const char* const names[] = {
      "bonds", "angles", "dihedrals", "impropers", "bond types", "angle types", "dihedral types",
      "improper types", "extra bond per atom", "extra angle per atom", "extra dihedral per atom",
      "extra improper per atom", "extra special per atom", "ellipsoids", "lines", "triangles", "bodies"};
  return std::find(std::begin(names), std::end(names), keyword) != std::end(names);
}

bool known_section(const std::string& name) {
  static const char* const names[] = {"Atoms", "Velocities", "Masses", "Ellipsoids", "Lines", "Triangles",
                                      "Bodies", "Bonds", "Angles", "Dihedrals", "Impropers"};
  bool coefficients = name.size() > 7 && name.compare(name.size() - 7, 7, " Coeffs") == 0;
  return coefficients || std::find(std::begin(names), std::end(names), name) != std::end(names);
}

// The header: counts and box, read up to the first section keyword.
struct Header {
  long long atoms = -1, types = -1;
  double lo[3], hi[3];
  int box_line[3] = {0, 0, 0};  // line of "xlo xhi" etc.; 0 while missing
};

long long positive_count(const io::LineReader& reader, std::string_view word, const std::string& what) {
  long long value = 0;
  if (!io::parse_integer(word, value) || value < 1 || value > INT_MAX)
    reader.fail(what + " '" + std::string(word) + "' is not a positive integer");
  return value;
}

// One header line (comment removed): numbers then a keyword, as in
// "2 atom types" or "0 10 xlo xhi". False when the keyword is not known.
bool read_header_line(const io::LineReader& reader, const std::vector<std::string_view>& words, Header& header) {
  auto keyword_after = [&](std::size_t numbers) {
    std::string keyword;
    for (std::size_t k = numbers; k < words.size(); ++k) keyword += (k > numbers ? " " : "") + std::string(words[k]);
    return keyword;
  };
  if (keyword_after(3) == "xy xz yz") reader.fail("triclinic boxes (xy xz yz) are not supported");
  std::string keyword = keyword_after(2);
  for (int a = 0; a < 3; ++a) {
    std::string lo = kAxis[a] + std::string("lo"), hi = kAxis[a] + std::string("hi");
    if (keyword == lo + " " + hi) {
      if (header.box_line[a] != 0)
        reader.fail("a second '" + keyword + "' line (the first is on line " + std::to_string(header.box_line[a]) + ")");
      header.lo[a] = io::finite_number(reader, words[0], lo);
      header.hi[a] = io::finite_number(reader, words[1], hi);
      header.box_line[a] = reader.line();
      return true;
    }
  }
  keyword = keyword_after(1);
  if ((keyword == "atoms" && header.atoms >= 0) || (keyword == "atom types" && header.types >= 0))
    reader.fail("a second '" + keyword + "' line");
  if (keyword == "atoms") {
    header.atoms = positive_count(reader, words[0], "atom count");
  } else if (keyword == "atom types") {
    header.types = positive_count(reader, words[0], "atom type count");
  } else if (!ignored_header_keyword(keyword)) {
    return false;
  }
  return true;
}

struct AtomRow {
  long long id;
  int type;
  Eigen::Vector3d position;
};

}  // namespace

Frame read_lammps_data(std::istream& in, const std::string& source, const std::vector<std::string>& species_order) {
  io::LineReader reader(in, source);
  std::string line;
  if (!reader.next(line)) io::fail_at(source, 1, "empty file");
  Title title = parse_title(reader, line);
  const std::vector<std::string>& names = title.species.empty() ? species_order : title.species;
  if (names.empty())
    reader.fail("the file does not name its species (no species= in the title): pass --system to give them");

  // Header, up to the first line that starts with a letter: a section name.
  Header header;
  bool in_section = false;
  while (!in_section && reader.next(line)) {
    std::string_view content = strip_comment(line);
    if (content.empty()) continue;
    in_section = std::isalpha(static_cast<unsigned char>(content[0])) != 0;
    if (!in_section && !read_header_line(reader, io::split_words(content), header))
      reader.fail("bad header line '" + std::string(content) + "'");
  }
  auto missing = [&](const std::string& what) {
    io::fail_at(source, reader.line(), "the header has no '" + what + "' line");
  };
  if (header.atoms < 0) missing("atoms");
  if (header.types < 0) missing("atom types");
  Box box;
  box.periodic = title.pbc.value_or(std::array<bool, 3>{true, true, true});
  for (int a = 0; a < 3; ++a) {
    std::string axis = kAxis[a];
    if (header.box_line[a] == 0) missing(axis + "lo " + axis + "hi");
    box.lo[a] = header.lo[a];
    box.length[a] = header.hi[a] - header.lo[a];
    if (box.length[a] < 0 || (box.periodic[a] && box.length[a] == 0))
      io::fail_at(source, header.box_line[a], "box of zero or negative volume: " + axis + "hi <= " + axis + "lo");
    std::string problem = io::box_length_problem(box.length[a], box.periodic[a]);
    if (problem.empty()) problem = io::coordinate_problem(box.lo[a], Box::free(), a);
    if (!problem.empty()) io::fail_at(source, header.box_line[a], axis + "lo " + axis + "hi: " + problem);
  }

  // Sections. `line` holds a section name whenever in_section is set.
  std::vector<AtomRow> atoms;
  std::map<long long, int> id_line;
  int atoms_line = 0;
  while (in_section) {
    std::string_view style;
    std::string section(strip_comment(line, &style));
    if (!known_section(section)) reader.fail("unknown section '" + section + "'");
    bool is_atoms = section == "Atoms", is_masses = section == "Masses";
    if (is_atoms) {
      if (atoms_line != 0) reader.fail("a second Atoms section (the first is on line " + std::to_string(atoms_line) + ")");
      if (!style.empty() && style != "atomic")
        reader.fail("Atoms section of style '" + std::string(style) + "': only atom_style atomic is supported");
      atoms_line = reader.line();
    }
    in_section = false;
    while (!in_section && reader.next(line)) {
      std::string_view content = strip_comment(line);
      if (content.empty()) continue;
      in_section = std::isalpha(static_cast<unsigned char>(content[0])) != 0;
      if (in_section || !(is_atoms || is_masses)) continue;
      std::vector<std::string_view> words = io::split_words(content);
      if (is_masses) {
        if (words.size() != 2) reader.fail("Masses row: expected 'type mass'");
        long long type = positive_count(reader, words[0], "atom type");
        if (type > header.types)
          reader.fail("atom type " + std::to_string(type) + " out of range 1.." + std::to_string(header.types));
        if (io::finite_number(reader, words[1], "mass of type " + std::to_string(type)) <= 0)
          reader.fail("mass of type " + std::to_string(type) + " is not positive");
        continue;
      }
      if (words.size() != 5 && words.size() != 8)
        reader.fail("Atoms row: " + std::to_string(words.size()) +
                    " columns, expected 5 (id type x y z) or 8 (id type x y z ix iy iz)");
      if (static_cast<long long>(atoms.size()) == header.atoms)
        reader.fail("more Atoms rows than the " + std::to_string(header.atoms) + " atoms of the header");
      AtomRow row;
      row.id = positive_count(reader, words[0], "atom id");
      auto [previous, fresh] = id_line.emplace(row.id, reader.line());
      if (!fresh)
        reader.fail("duplicate atom id " + std::to_string(row.id) + " (also on line " + std::to_string(previous->second) + ")");
      long long type = positive_count(reader, words[1], "atom type");
      std::string atom = "atom " + std::to_string(row.id);
      if (type > header.types)
        reader.fail(atom + ": type " + std::to_string(type) + " out of range 1.." + std::to_string(header.types));
      if (type > static_cast<long long>(names.size()))
        reader.fail(atom + ": type " + std::to_string(type) + " has no species name (only " +
                    std::to_string(names.size()) + " given)");
      row.type = static_cast<int>(type);
      for (int a = 0; a < 3; ++a) {
        row.position[a] = io::finite_number(reader, words[2 + a], std::string(kAxis[a]) + " of " + atom);
        if (words.size() == 8) {
          long long image = 0;
          if (!io::parse_integer(words[5 + a], image))
            reader.fail(std::string("image flag i") + kAxis[a] + " of " + atom + ": '" + std::string(words[5 + a]) +
                        "' is not an integer");
          row.position[a] += static_cast<double>(image) * box.length[a];
        }
        if (std::string problem = io::coordinate_problem(row.position[a], box, a); !problem.empty())
          reader.fail(std::string(kAxis[a]) + " of " + atom + (words.size() == 8 ? " (image flags applied): " : ": ") +
                      problem);
      }
      atoms.push_back(row);
    }
  }
  if (atoms_line == 0) io::fail_at(source, reader.line(), "no Atoms section");
  if (static_cast<long long>(atoms.size()) != header.atoms)
    io::fail_at(source, atoms_line,
                "the Atoms section has " + std::to_string(atoms.size()) + " rows for the " +
                    std::to_string(header.atoms) + " atoms of the header");

  std::sort(atoms.begin(), atoms.end(), [](const AtomRow& a, const AtomRow& b) { return a.id < b.id; });
  Frame frame;
  frame.box = box;
  frame.system_key = title.system_key;
  frame.positions.resize(3, static_cast<int>(atoms.size()));
  for (std::size_t i = 0; i < atoms.size(); ++i) {
    frame.positions.col(static_cast<int>(i)) = atoms[i].position;
    frame.species.push_back(names[atoms[i].type - 1]);
  }
  return frame;
}

Frame read_lammps_data_file(const std::string& path, const std::vector<std::string>& species_order) {
  std::ifstream in = io::open_for_reading(path);
  return read_lammps_data(in, path, species_order);
}

void write_lammps_data(std::ostream& out, const Frame& frame, const std::vector<std::string>& species_order,
                       const std::vector<double>& masses) {
  if (masses.size() != species_order.size())
    throw std::invalid_argument("write_lammps_data: one mass per species expected");
  for (double mass : masses)
    if (!(std::isfinite(mass) && mass > 0)) throw std::invalid_argument("write_lammps_data: masses must be positive");
  io::check_writable(frame);
  if (frame.system_key && (frame.system_key->empty() || frame.system_key->find_first_of(" \t\r\n") != std::string::npos))
    throw InputError("system key '" + *frame.system_key + "' is empty or has blanks");
  std::string species_list;
  for (const std::string& name : species_order) {
    if (name.empty() || name.find_first_of(" \t\r\n,#") != std::string::npos)
      throw InputError("species name '" + name + "' cannot be written to a LAMMPS data title");
    species_list += (species_list.empty() ? "" : ",") + name;
  }
  std::vector<int> types(frame.size());
  for (int i = 0; i < frame.size(); ++i) {
    auto found = std::find(species_order.begin(), species_order.end(), frame.species[i]);
    if (found == species_order.end())
      throw InputError("atom " + std::to_string(i + 1) + ": species '" + frame.species[i] + "' is not one of " +
                       species_list);
    types[i] = static_cast<int>(found - species_order.begin()) + 1;
  }

  const Box& box = frame.box;
  std::string text = "LAMMPS data file written by strider";
  if (frame.system_key) text += " system=" + *frame.system_key;
  text += " species=" + species_list + " pbc=";
  for (int a = 0; a < 3; ++a) text += std::string(a ? "," : "") + (box.periodic[a] ? "T" : "F");
  text += "\n\n" + std::to_string(frame.size()) + " atoms\n" + std::to_string(species_order.size()) + " atom types\n\n";
  for (int a = 0; a < 3; ++a) {
    double lo = box.lo[a], hi = box.lo[a] + box.length[a];
    double min = frame.positions.row(a).minCoeff(), max = frame.positions.row(a).maxCoeff();
    if (!box.periodic[a] && !(lo <= min && max <= hi)) {
      // A free axis: a box around the atoms, a little over 1 length unit clear of them.
      double margin = 1.0 + 1e-3 * std::max(std::abs(min), std::abs(max));
      lo = min - margin;
      hi = max + margin;
    }
    text += io::format_double(lo) + " " + io::format_double(hi) + " " + kAxis[a] + "lo " + kAxis[a] + "hi\n";
  }
  text += "\nMasses\n\n";
  for (std::size_t k = 0; k < masses.size(); ++k) text += std::to_string(k + 1) + " " + io::format_double(masses[k]) + "\n";
  text += "\nAtoms # atomic\n\n";
  for (int i = 0; i < frame.size(); ++i) {
    text += std::to_string(i + 1) + " " + std::to_string(types[i]);
    for (int a = 0; a < 3; ++a) text += " " + io::format_double(frame.positions(a, i));
    text += "\n";
  }
  if (!(out << text)) throw InputError("cannot write: stream error");
}

void write_lammps_data_file(const std::string& path, const Frame& frame, const std::vector<std::string>& species_order,
                            const std::vector<double>& masses) {
  std::ostringstream text;
  try {
    write_lammps_data(text, frame, species_order, masses);
  } catch (const InputError& error) {
    throw InputError(path + ": " + error.what());
  }
  io::write_file_atomically(path, text.str());
}

}  // namespace strider
