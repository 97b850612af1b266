#include "options.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <sstream>

#include "strider/error.hpp"
#include "strider/text.hpp"

namespace strider::cli {

bool ParsedArgs::flag(const std::string& name) const {
  return std::find(flags.begin(), flags.end(), name) != flags.end();
}

std::optional<std::string> ParsedArgs::value(const std::string& name) const {
  auto it = values.find(name);
  if (it == values.end()) return std::nullopt;
  return it->second;
}

std::optional<double> ParsedArgs::number(const std::string& name) const {
  auto text = value(name);
  if (!text) return std::nullopt;
  double x = 0.0;
  if (!io::parse_double(*text, x) || !std::isfinite(x)) {
    throw InputError(name + " needs a finite number, got '" + *text + "'");
  }
  return x;
}

long ParsedArgs::whole(const std::string& name, long fallback, long minimum, long maximum) const {
  const auto x = number(name);
  if (!x) return fallback;
  if (*x < minimum || *x > maximum || *x != std::floor(*x)) {
    throw InputError(name + " must be a whole number from " + std::to_string(minimum) + " to " +
                     std::to_string(maximum) + ", got '" + *value(name) + "'");
  }
  return static_cast<long>(*x);
}

std::optional<ParsedArgs> parse(const CommandSpec& spec, const std::vector<std::string>& args) {
  ParsedArgs parsed;
  for (size_t k = 0; k < args.size(); ++k) {
    const std::string& arg = args[k];
    if (arg == "--help" || arg == "-h") {
      std::cout << help_text(spec);
      return std::nullopt;
    }
    if (arg.rfind("--", 0) != 0 || arg == "--") {
      parsed.positionals.push_back(arg);
      continue;
    }
    std::string name = arg, inline_value;
    bool has_inline = false;
    if (auto eq = arg.find('='); eq != std::string::npos) {
      name = arg.substr(0, eq);
      inline_value = arg.substr(eq + 1);
      has_inline = true;
    }
    const OptionSpec* option = nullptr;
    for (const OptionSpec& o : spec.options) {
      if (o.name == name) option = &o;
    }
    if (!option) throw InputError("unknown option " + name + " for 'strider " + spec.name + "' (see --help)");
    if (option->value_name.empty()) {
      if (has_inline) throw InputError(name + " takes no value");
      parsed.flags.push_back(name);
    } else if (has_inline) {
      parsed.values[name] = inline_value;
    } else {
      if (k + 1 >= args.size()) throw InputError(name + " needs a value " + option->value_name);
      parsed.values[name] = args[++k];
    }
  }
  // A last positional named "NAME..." takes one or more arguments.
  const bool repeated = !spec.positionals.empty() && spec.positionals.back().size() > 3 &&
                        spec.positionals.back().compare(spec.positionals.back().size() - 3, 3, "...") == 0;
  if (repeated ? parsed.positionals.size() < spec.positionals.size()
               : parsed.positionals.size() != spec.positionals.size()) {
    std::string expected;
    for (const auto& p : spec.positionals) expected += " " + p;
    throw InputError("'strider " + spec.name + "' expects" + expected + " (got " +
                     std::to_string(parsed.positionals.size()) + " arguments; see --help)");
  }
  return parsed;
}

std::string help_text(const CommandSpec& spec) {
  std::ostringstream out;
  out << "usage: strider " << spec.name << " " << spec.usage << "\n\n" << spec.summary << "\n";
  if (!spec.options.empty()) out << "\noptions:\n";
  for (const OptionSpec& o : spec.options) {
    std::string left = "  " + o.name + (o.value_name.empty() ? "" : " " + o.value_name);
    out << left << std::string(left.size() < 24 ? 24 - left.size() : 1, ' ') << o.help << "\n";
  }
  out << "  --help                show this help\n";
  if (!spec.details.empty()) out << "\n" << spec.details;
  return out.str();
}

}  // namespace strider::cli
