// `strider`: every job from the terminal. Dispatches to one subcommand per file
// (the process entry point is entry.cpp).
#include <cstdio>
#include <iostream>

#include "commands.hpp"
#include "strider/error.hpp"

namespace strider::cli {

const std::vector<Command>& commands() {
#define STRIDER_COMMAND_ENTRY(name) {name##_spec, run_##name},
  static const std::vector<Command> table{
      STRIDER_EACH_COMMAND(STRIDER_COMMAND_ENTRY)
#undef STRIDER_COMMAND_ENTRY
#ifdef STRIDER_WITH_SERVER
      {serve_spec, run_serve},
#endif
  };
  return table;
}

namespace {

void print_usage() {
  std::printf(
      "usage: strider COMMAND [options]   (strider COMMAND --help for details)\n\n"
      "strider finds low-energy atomic structures; these commands work on structure files.\n\n"
      "commands:\n");
  for (const Command& c : commands()) std::printf("  %-10s %s\n", c.spec.name.c_str(), c.spec.summary.c_str());
  std::printf("\nsystems (--system KEY):\n");
  for (const SystemInfo& s : known_systems()) {
    std::printf("  %-10s %s\n  %-10s units: %s\n", s.key.c_str(), s.description.c_str(), "", s.units.c_str());
  }
  std::printf(
      "\nfiles: extended XYZ (.xyz, .extxyz, as ASE writes it; a multi-frame file is a\n"
      "trajectory) and LAMMPS data files (.data, .lmp, .lammps; atom_style atomic).\n"
      "\n  --help      show this help\n  --version   print the version\n");
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_usage();
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version") {
    std::printf("strider %s\n", STRIDER_VERSION);
    return 0;
  }
  for (const Command& command : commands()) {
    if (command.spec.name != args[0]) continue;
    try {
      auto parsed = parse(command.spec, std::vector<std::string>(args.begin() + 1, args.end()));
      return parsed ? command.run(*parsed) : 0;
    } catch (const InputError& e) {
      std::fprintf(stderr, "strider %s: error: %s\n", args[0].c_str(), e.what());
      return 2;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "strider %s: internal error: %s\n", args[0].c_str(), e.what());
      return 1;
    }
  }
  std::fprintf(stderr, "strider: unknown command '%s' (see strider --help)\n", args[0].c_str());
  return 2;
}

}  // namespace strider::cli
