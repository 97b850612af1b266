#pragma once
// The contract between `strider serve` and the `strider` commands it runs as
// child processes (one per job stage, so a crashing job fails alone): which
// API job command runs which CLI command with which inputs, the options that
// name the job folder's files (the server sets them, a request may not), and
// the progress lines a command appends to STRIDER_PROGRESS_FILE. The server
// builds its command lines from these constants and the CLI writes its lines
// with these functions; tests/cli/test_job_contract.cpp fails when the CLI's
// option tables drift from them.
#include <array>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace strider::jobs {

// A job command of the API (a request's "command") and what it takes.
struct JobCommand {
  std::string_view name;  // in the request
  std::string_view cli;   // the strider command that runs it
  bool structure;         // a structure (extxyz text): the FILE positional
  bool policy;            // a policy (weight file text or a train job's model): the MODEL positional
  bool dataset;           // a dataset (generated or extxyz texts): --data
  bool structure_out;     // writes the final structure: --out structure.xyz
  bool curve;             // has an energy curve (curve.csv, or minimize's trajectory)
};
inline constexpr auto job_commands = std::to_array<JobCommand>({
    // name, cli, structure, policy, dataset, structure_out, curve
    {"minimize", "minimize", true, false, false, true, true},
    {"search", "search", true, false, false, true, false},
    {"train", "train", false, false, true, false, true},
    {"adapt", "adapt", true, true, false, true, true},
    {"benchmark", "bench", true, false, false, false, false},
});
// The CLI command that makes a train job's generated dataset.
inline constexpr std::string_view generate_command = "generate";

// The job command called `name`, or nullptr.
const JobCommand* find_job_command(std::string_view name);

// The options (without their dashes) whose values name files or folders of
// the job folder: the server sets them, a request may not.
namespace option {
inline constexpr std::string_view out = "out";                // every command's result file (train: the model)
inline constexpr std::string_view trajectory = "trajectory";  // minimize
inline constexpr std::string_view data = "data";              // train: the dataset folder
inline constexpr std::string_view log = "log";                // train: the curves
inline constexpr std::string_view curve = "curve";            // adapt: the curves
inline constexpr std::string_view policy_out = "policy-out";  // adapt: the adapted policy
inline constexpr std::string_view model = "model";            // search: the policy of --proposal policy (not offered to requests yet)
}  // namespace option
inline constexpr auto file_options = std::to_array<std::string_view>(
    {option::out, option::trajectory, option::data, option::log, option::curve, option::policy_out, option::model});
// Flags the server sets itself: the one-object result on stdout, and resuming a train job.
inline constexpr std::string_view json_flag = "json";
inline constexpr std::string_view resume_flag = "resume";
// Whether a request's options may not name `name`: a file option, a flag of the server's, or help.
bool is_reserved_option(std::string_view name);

// "--NAME=VALUE" (one argument, so a value starting with dashes is never read as an option).
std::string argument(std::string_view name, std::string_view value);
// "--NAME".
std::string flag(std::string_view name);

// ---------------------------------------------------------------- progress lines

// The environment variable naming the file (relative to the working folder)
// that a command appends progress lines to.
inline constexpr std::string_view progress_file_variable = "STRIDER_PROGRESS_FILE";

// One progress line: {"done":k,"total":n,"label":"epochs","note":"...","seeds":[...]}
// ("seeds" only once an adaptation has reported its per-seed state).
struct ProgressLine {
  long done = 0;      // units of work finished
  long total = 1;     // units expected
  std::string label;  // what a unit is: "steps", "epochs", ...
  std::string note;   // a short human-readable state; may be empty
  nlohmann::json seeds;  // null, or one object per run (strider adapt)
};
// The line without its newline.
std::string progress_line_text(const ProgressLine& line);
// A line as written by progress_line_text, or nullopt for anything else (a line being written, garbage).
std::optional<ProgressLine> parse_progress_line(const std::string& text);

}  // namespace strider::jobs
