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

extern const CommandSpec energy_spec;
int run_energy(const ParsedArgs& args);
extern const CommandSpec convert_spec;
int run_convert(const ParsedArgs& args);
extern const CommandSpec bench_spec;
int run_bench(const ParsedArgs& args);
extern const CommandSpec search_spec;
int run_search(const ParsedArgs& args);
extern const CommandSpec minimize_spec;
int run_minimize(const ParsedArgs& args);
extern const CommandSpec md_spec;
int run_md(const ParsedArgs& args);
extern const CommandSpec generate_spec;
int run_generate(const ParsedArgs& args);
extern const CommandSpec train_spec;
int run_train(const ParsedArgs& args);
extern const CommandSpec adapt_spec;
int run_adapt(const ParsedArgs& args);
extern const CommandSpec rollout_spec;
int run_rollout(const ParsedArgs& args);
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
