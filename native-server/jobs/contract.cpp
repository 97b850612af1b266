#include "strider/jobs/contract.hpp"

namespace strider::jobs {

const JobCommand* find_job_command(std::string_view name) {
  for (const JobCommand& command : job_commands) {
    if (command.name == name) return &command;
  }
  return nullptr;
}

bool is_reserved_option(std::string_view name) {
  for (std::string_view file : file_options) {
    if (file == name) return true;
  }
  return name == json_flag || name == resume_flag || name == "help";
}

std::string argument(std::string_view name, std::string_view value) {
  return "--" + std::string(name) + "=" + std::string(value);
}

std::string flag(std::string_view name) { return "--" + std::string(name); }

std::string progress_line_text(const ProgressLine& line) {
  nlohmann::ordered_json j{{"done", line.done}, {"total", line.total}, {"label", line.label}, {"note", line.note}};
  if (!line.seeds.is_null()) j["seeds"] = line.seeds;
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);  // a note is never refused
}

std::optional<ProgressLine> parse_progress_line(const std::string& text) {
  try {
    const nlohmann::json j = nlohmann::json::parse(text);
    ProgressLine line;
    line.done = j.at("done").get<long>();
    line.total = j.at("total").get<long>();
    line.label = j.at("label").get<std::string>();
    if (j.contains("note")) line.note = j.at("note").get<std::string>();
    if (j.contains("seeds")) line.seeds = j.at("seeds");
    return line;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

}  // namespace strider::jobs
