// The contract between the server and the CLI (strider/jobs/contract.hpp)
// against both sides: the server's command lines for every job command parse
// with the CLI's own option tables, every option of those tables that names a
// file is one the server reserves, the request schema lists the contract's
// commands, and the CLI's progress lines read back with the server's parser.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "job_request.hpp"
#include "progress.hpp"
#include "strider/jobs/contract.hpp"

using namespace strider;

namespace {

const cli::CommandSpec& cli_spec(std::string_view name) {
  for (const cli::Command& c : cli::commands()) {
    if (c.spec.name == name) return c.spec;
  }
  FAIL("no CLI command " << name);
  throw;
}

// The CLI's convention for a value that is a path: a metavariable with a file
// extension (OUT.xyz, CURVE.csv) or one of the path words.
bool names_a_path(const std::string& value_name) {
  static const std::set<std::string> words{"DIR", "FILE", "MODEL", "MODEL2"};
  return std::regex_match(value_name, std::regex("[A-Z0-9_]+\\.[a-z]+")) || words.count(value_name) > 0;
}

bool is_file_option(const std::string& name) {
  for (std::string_view option : jobs::file_options) {
    if ("--" + std::string(option) == name) return true;
  }
  return false;
}

// A request of each job command with every input it takes.
nlohmann::json request_for(const jobs::JobCommand& command) {
  nlohmann::json request{{"command", command.name}, {"options", nlohmann::json::object()}};
  if (command.structure) request["structure"] = "1\nsystem=lj\nX 0 0 0\n";
  if (command.policy) request["policy"] = "strider-policy-weights 1\n";
  if (command.dataset) request["generate"] = {{"system", "lj"}, {"n", 4}, {"count", 2}};
  if (command.name == "minimize") request["options"]["optimizer"] = "fire";
  if (command.name == "minimize") request["options"]["steps"] = 5000;  // the server adds --every
  return request;
}

}  // namespace

TEST_CASE("every job command's stages parse with the CLI's option tables") {
  for (const jobs::JobCommand& command : jobs::job_commands) {
    for (bool resume : {false, true}) {
      for (const server::JobStage& stage : server::job_stages(request_for(command), "/job", resume)) {
        INFO(command.name << ": strider " << stage.args.front());
        const cli::CommandSpec& spec = cli_spec(stage.args.front());
        const std::vector<std::string> args(stage.args.begin() + 1, stage.args.end());
        REQUIRE_NOTHROW(cli::parse(spec, args));
        REQUIRE(cli::parse(spec, args).has_value());
      }
    }
  }
}

TEST_CASE("every option of a job's CLI commands that names a path is reserved by the server") {
  std::set<std::string> used;
  std::vector<std::string_view> commands{jobs::generate_command};
  for (const jobs::JobCommand& command : jobs::job_commands) commands.push_back(command.cli);
  for (std::string_view name : commands) {
    for (const cli::OptionSpec& option : cli_spec(name).options) {
      if (!names_a_path(option.value_name)) continue;
      INFO("strider " << name << " " << option.name << " " << option.value_name);
      CHECK(is_file_option(option.name));
      CHECK(jobs::is_reserved_option(option.name.substr(2)));
      used.insert(option.name.substr(2));
    }
  }
  for (std::string_view option : jobs::file_options) {
    INFO("contract file option " << option);
    CHECK(used.count(std::string(option)) == 1);  // no stale entry
  }
  for (const char* flag : {"json", "resume", "help"}) CHECK(jobs::is_reserved_option(flag));
  CHECK_FALSE(jobs::is_reserved_option("steps"));
}

TEST_CASE("the request schema lists the contract's job commands") {
  std::ifstream in(std::string(STRIDER_TEST_DATA) + "/../shared/api/job-request.schema.json");
  const nlohmann::json schema = nlohmann::json::parse(in);
  std::set<std::string> listed, contract;
  for (const auto& name : schema.at("properties").at("command").at("enum")) listed.insert(name.get<std::string>());
  for (const jobs::JobCommand& command : jobs::job_commands) contract.insert(std::string(command.name));
  CHECK(listed == contract);
  CHECK(jobs::find_job_command("benchmark")->cli == "bench");
  CHECK(jobs::find_job_command("bench") == nullptr);
}

TEST_CASE("a progress line reads back as written") {
  // The format as the server has always read it, written out by hand.
  const std::string text =
      R"({"done":3,"total":10,"label":"epochs","note":"seed 1 \"q\"\n","seeds":[{"energy":-1.5,"seed":0}]})";
  const auto line = jobs::parse_progress_line(text);
  REQUIRE(line);
  CHECK(line->done == 3);
  CHECK(line->total == 10);
  CHECK(line->label == "epochs");
  CHECK(line->note == "seed 1 \"q\"\n");
  CHECK(line->seeds.at(0).at("energy") == -1.5);
  CHECK(jobs::progress_line_text(*line) == text);
  CHECK_FALSE(jobs::parse_progress_line(R"({"done":3,"total":10)"));
  CHECK_FALSE(jobs::parse_progress_line(R"({"done":"3","total":10,"label":"x"})"));
}

TEST_CASE("the CLI's progress file is what the server's parser reads") {
  const std::filesystem::path path = std::filesystem::temp_directory_path() / "strider-test-progress.jsonl";
  std::filesystem::remove(path);
  REQUIRE(setenv(std::string(jobs::progress_file_variable).c_str(), path.c_str(), 1) == 0);
  {
    cli::Progress progress(4, "steps");
    progress.update(2, "E -1.25", nlohmann::ordered_json::parse(R"([{"seed":0}])"));
    progress.update(4, "E -2.5");
    progress.finish();
  }
  unsetenv(std::string(jobs::progress_file_variable).c_str());
  std::ifstream in(path);
  std::vector<jobs::ProgressLine> lines;
  for (std::string text; std::getline(in, text);) {
    const auto line = jobs::parse_progress_line(text);
    REQUIRE(line);
    lines.push_back(*line);
  }
  std::filesystem::remove(path);
  REQUIRE(lines.size() >= 2);
  CHECK(lines.front().done == 0);
  CHECK(lines.back().done == 4);
  CHECK(lines.back().total == 4);
  CHECK(lines.back().label == "steps");
  CHECK(lines.back().note == "E -2.5");
  CHECK(lines.back().seeds.at(0).at("seed") == 0);  // kept from the update that passed it
}
