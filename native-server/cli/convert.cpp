// `strider convert IN OUT`: between extended XYZ and LAMMPS data files.
#include <algorithm>
#include <iostream>

#include "commands.hpp"
#include "strider/io.hpp"
#include "strider/system_spec.hpp"

namespace strider::cli {

const CommandSpec convert_spec{
    "convert",
    "IN OUT [--system KEY]",
    "Convert a structure between extended XYZ (.xyz, .extxyz) and LAMMPS data (.data, .lmp, .lammps).",
    {"IN", "OUT"},
    {{"--system", "KEY", "the system (" + system_keys_text() + "): fixes the LAMMPS atom type order"}},
    "LAMMPS atom types follow the system's species order (lj-binary: 1 = A, 2 = B).\n"
    "strider's data files carry the system, species and periodicity on their title\n"
    "line, so converting back needs no options; other data files need --system.\n"
    "An extended XYZ trajectory converts to a data file only if it has one frame;\n"
    "xyz to xyz rewrites every frame.\n"};

namespace {

// The species order for LAMMPS types: the system's if known, else first appearance.
std::vector<std::string> species_order(const std::vector<Frame>& frames) {
  if (const auto& key = frames.front().system_key) return make_potential(*key)->species_names();
  std::vector<std::string> order;
  for (const Frame& frame : frames) {
    for (const std::string& s : frame.species) {
      if (std::find(order.begin(), order.end(), s) == order.end()) order.push_back(s);
    }
  }
  return order;
}

std::vector<double> masses_for(const std::vector<std::string>& order, const std::optional<std::string>& key) {
  if (key) return make_potential(*key)->masses();
  return std::vector<double>(order.size(), 1.0);
}

}  // namespace

int run_convert(const ParsedArgs& args) {
  const std::string& in = args.positionals[0];
  const std::string& out = args.positionals[1];
  const FileFormat out_format = format_from_path(out);
  std::vector<Frame> frames;
  if (format_from_path(in) == FileFormat::ExtXYZ) {
    frames = read_extxyz_file(in);
  } else {
    std::vector<std::string> order;
    if (auto key = args.value("--system")) order = make_potential(*key)->species_names();
    frames.push_back(read_lammps_data_file(in, order));
  }
  if (auto key = args.value("--system")) {
    make_potential(*key);  // validates the key
    for (Frame& frame : frames) frame.system_key = *key;
  }
  if (out_format == FileFormat::ExtXYZ) {
    write_extxyz_file(out, frames);
  } else {
    if (frames.size() != 1) {
      throw InputError(in + ": has " + std::to_string(frames.size()) +
                       " frames; a LAMMPS data file holds one structure");
    }
    const std::vector<std::string> order = species_order(frames);
    write_lammps_data_file(out, frames.front(), order, masses_for(order, frames.front().system_key));
  }
  std::cerr << "wrote " << out << " (" << frames.size() << (frames.size() == 1 ? " frame)\n" : " frames)\n");
  return 0;
}

}  // namespace strider::cli
