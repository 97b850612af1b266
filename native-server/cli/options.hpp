#pragma once
// A small command-line parser: positional arguments, flags and --name VALUE
// options, each documented so that --help is generated from the same table.
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace strider::cli {

struct OptionSpec {
  std::string name;         // "--system"
  std::string value_name;   // "KEY"; empty for a flag
  std::string help;         // one line, with units
};

struct CommandSpec {
  std::string name;                     // "energy"
  std::string usage;                    // "FILE [options]"
  std::string summary;                  // one line
  std::vector<std::string> positionals; // names of required positional arguments; "NAME..." last: one or more
  std::vector<OptionSpec> options;
  std::string details;                  // extra paragraphs for --help
};

struct ParsedArgs {
  std::vector<std::string> positionals;
  std::map<std::string, std::string> values;  // --name VALUE
  std::vector<std::string> flags;             // --name

  bool flag(const std::string& name) const;
  std::optional<std::string> value(const std::string& name) const;
  // A finite number, or InputError naming the option.
  std::optional<double> number(const std::string& name) const;
  // A whole number in [minimum, maximum], or fallback when absent; InputError otherwise.
  long whole(const std::string& name, long fallback, long minimum, long maximum = 1'000'000'000'000'000L) const;
};

// Parses args (after the command name). Throws InputError on an unknown
// option, a missing value or a wrong number of positionals. Returns nullopt
// when --help was asked for (after printing the help).
std::optional<ParsedArgs> parse(const CommandSpec& spec, const std::vector<std::string>& args);

// The --help text of one command.
std::string help_text(const CommandSpec& spec);

}  // namespace strider::cli
