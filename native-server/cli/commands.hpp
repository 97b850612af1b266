#pragma once
// The subcommands of `strider`, one file each, and what they share.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "options.hpp"
#include "strider/error.hpp"
#include "strider/frame.hpp"
#include "strider/potential.hpp"

namespace strider::cli {

// A registered subcommand: its spec (for parsing and --help) and its body,
// which returns the process exit status.
struct Command {
  const CommandSpec& spec;
  int (*run)(const ParsedArgs&);
};
const std::vector<Command>& commands();

// `strider ARGS...`: runs the command argv[1] names; returns the process exit status.
int main(int argc, char** argv);

// Every command, in the order `strider --help` lists them. Command NAME is its
// file NAME.cpp defining NAME_spec and run_NAME; adding one: its file and one
// line X(NAME) here.
#define STRIDER_EACH_COMMAND(X) \
  X(energy)                     \
  X(minimize)                   \
  X(search)                     \
  X(md)                         \
  X(generate)                   \
  X(train)                      \
  X(adapt)                      \
  X(rollout)                    \
  X(convert)                    \
  X(bench)                      \
  /* end of the list */
#define STRIDER_DECLARE_COMMAND(name)    \
  extern const CommandSpec name##_spec; \
  int run_##name(const ParsedArgs& args);
STRIDER_EACH_COMMAND(STRIDER_DECLARE_COMMAND)
#undef STRIDER_DECLARE_COMMAND
#ifdef STRIDER_WITH_SERVER
extern const CommandSpec serve_spec;  // serve.cpp: the HTTP server (native-server/server)
int run_serve(const ParsedArgs& args);
#endif

// The --system / --shift / --cutoff options every command that evaluates energies takes.
std::vector<OptionSpec> potential_options();
PotentialOptions potential_options_from(const ParsedArgs& args);

// A structure file resolved against its system: where every command that
// evaluates energies starts. The system is --system if given, else the
// file's system= key; errors name the file.
struct LoadedStructure {
  std::string key;                       // system key
  System system;                         // species resolved against the potential
  std::unique_ptr<Potential> potential;  // with --shift / --cutoff applied
};
LoadedStructure load_structure(const ParsedArgs& args, const std::string& path);

// A periodic box edge may be this many times shorter than the cutoff at most.
constexpr double kMaxCutoffPerBoxLength = 10.0;
// `frame` (read from `path`) as a structure of system `key`, its potential with
// `options`: species resolved against the potential; refuses (InputError naming
// `path`) unknown species and a periodic box edge under cutoff / kMaxCutoffPerBoxLength.
LoadedStructure resolve_structure(const std::string& path, const Frame& frame, const std::string& key,
                                  const PotentialOptions& options);
// Refuses (InputError naming `path`) a non-finite energy or force: never printed as a result.
void check_finite_energy(const std::string& path, const Evaluation& evaluation);

// Refuses, before any work is done, an output path (of option `option`) that
// is not extended XYZ or whose folder does not exist.
void check_xyz_output(const std::string& option, const std::string& path);

// --out and --trajectory (minimize, md), each checked by check_xyz_output;
// InputError when --every is given without --trajectory.
struct StructureOutputs {
  std::optional<std::string> out;         // the final structure
  std::optional<std::string> trajectory;  // every --every-th frame
};
StructureOutputs structure_outputs(const ParsedArgs& args);

}  // namespace strider::cli
