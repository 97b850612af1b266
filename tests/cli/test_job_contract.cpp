// The contract between the server and the CLI (strider/jobs/contract.hpp)
// against both sides: the server's command lines for every job command parse
// with the CLI's own option tables, every option of those tables that names a
// file is one the server reserves, every schema of shared/api/ that names job
// commands, the inputs they take, the reserved options or the progress line
// says what the contract says, and the CLI's progress lines read back with the
// server's parser.
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

TEST_CASE("a job command has an energy curve exactly when its command line writes one") {
  for (const jobs::JobCommand& command : jobs::job_commands) {
    INFO(command.name);
    const std::vector<std::string> args = server::job_stages(request_for(command), "/job", false).back().args;
    bool writes_curve = false;
    for (std::string_view option : {jobs::option::log, jobs::option::curve, jobs::option::trajectory}) {
      for (const std::string& arg : args) writes_curve |= arg.rfind(jobs::flag(option) + "=", 0) == 0;
    }
    CHECK(writes_curve == command.curve);
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

namespace {

const std::filesystem::path api_folder = std::filesystem::path(STRIDER_TEST_DATA) / ".." / "shared" / "api";

nlohmann::json read_json(const std::filesystem::path& path) {
  std::ifstream in(path);
  REQUIRE(in);
  return nlohmann::json::parse(in);
}

std::set<std::string> strings_of(const nlohmann::json& array) {
  std::set<std::string> out;
  for (const auto& item : array) out.insert(item.get<std::string>());
  return out;
}

std::set<std::string> contract_commands(bool (*takes)(const jobs::JobCommand&)) {
  std::set<std::string> out;
  for (const jobs::JobCommand& command : jobs::job_commands) {
    if (takes(command)) out.insert(std::string(command.name));
  }
  return out;
}

// A comma-separated list of words ("a, b, c") as a set.
std::set<std::string> word_list(const std::string& text) {
  std::set<std::string> out;
  const std::regex word("[a-z][a-z-]*");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), word); it != std::sregex_iterator(); ++it) {
    out.insert(it->str());
  }
  return out;
}

// Every place in a schema that names job commands: an "enum" with a job command
// in it, or the schema of a property called "command". `where` is its JSON pointer.
void check_command_lists(const nlohmann::json& schema, const std::string& where, const std::set<std::string>& contract,
                         int& found) {
  if (schema.is_object()) {
    if (schema.contains("enum")) {
      bool names_a_command = false;
      for (const auto& item : schema.at("enum")) names_a_command |= item.is_string() && contract.count(item.get<std::string>());
      if (names_a_command) {
        INFO(where << "/enum");
        CHECK(strings_of(schema.at("enum")) == contract);
        ++found;
      }
    }
    if (schema.contains("properties") && schema.at("properties").contains("command")) {
      INFO(where << "/properties/command lists the job commands in an enum");
      CHECK(schema.at("properties").at("command").contains("enum"));
    }
    for (const auto& [key, value] : schema.items()) check_command_lists(value, where + "/" + key, contract, found);
  } else if (schema.is_array()) {
    for (std::size_t k = 0; k < schema.size(); ++k) check_command_lists(schema[k], where + "/" + std::to_string(k), contract, found);
  }
}

}  // namespace

TEST_CASE("every API schema that lists job commands lists the contract's") {
  const std::set<std::string> contract = contract_commands([](const jobs::JobCommand&) { return true; });
  int found = 0;
  for (const auto& entry : std::filesystem::directory_iterator(api_folder)) {
    if (entry.path().extension() != ".json") continue;
    INFO(entry.path().filename().string());
    check_command_lists(read_json(entry.path()), "", contract, found);
  }
  CHECK(found >= 2);  // job-request.schema.json and job.schema.json at least
}

TEST_CASE("the request schema says which command takes which input and which options are the server's") {
  const nlohmann::json schema = read_json(api_folder / "job-request.schema.json");
  const nlohmann::json& properties = schema.at("properties");
  auto prefix = [&](const char* input) {  // "train: the dataset ..." -> {train}
    const std::string text = properties.at(input).at("description");
    return word_list(text.substr(0, text.find(':')));
  };
  const std::string structure = properties.at("structure").at("description");
  std::smatch required;
  REQUIRE(std::regex_search(structure, required, std::regex("required by ([a-z, ]+)")));
  CHECK(word_list(required[1]) == contract_commands([](const jobs::JobCommand& c) { return c.structure; }));
  for (const char* input : {"generate", "dataset"}) {
    INFO(input);
    CHECK(prefix(input) == contract_commands([](const jobs::JobCommand& c) { return c.dataset; }));
  }
  for (const char* input : {"policy", "policy_job"}) {
    INFO(input);
    CHECK(prefix(input) == contract_commands([](const jobs::JobCommand& c) { return c.policy; }));
  }

  // "The server sets ... itself (out, trajectory, ...) and refuses them here".
  const std::string description = schema.at("description");
  std::smatch reserved;
  REQUIRE(std::regex_search(description, reserved, std::regex("itself \\(([a-z, -]+)\\)")));
  std::set<std::string> contract{std::string(jobs::json_flag), std::string(jobs::resume_flag)};
  for (std::string_view option : jobs::file_options) contract.insert(std::string(option));
  CHECK(word_list(reserved[1]) == contract);
  for (const std::string& name : contract) CHECK(jobs::is_reserved_option(name));
}

TEST_CASE("the API's README names every job command") {
  std::ifstream in(api_folder / "README.md");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const jobs::JobCommand& command : jobs::job_commands) {
    INFO(command.name);
    CHECK(text.find("`" + std::string(command.name) + "`") != std::string::npos);
  }
}

TEST_CASE("the job schema's progress object is the contract's progress line") {
  const nlohmann::json progress = read_json(api_folder / "job.schema.json").at("properties").at("progress");
  jobs::ProgressLine full;
  full.note = "n";
  full.label = "steps";
  full.seeds = nlohmann::json::array({{{"seed", 0}, {"epoch", 1}, {"energy", -1.0}, {"best_energy", -1.0}}});
  const nlohmann::json written = nlohmann::json::parse(jobs::progress_line_text(full));
  std::set<std::string> keys, listed, required;
  for (const auto& [key, value] : written.items()) keys.insert(key);
  for (const auto& [key, value] : progress.at("properties").items()) listed.insert(key);
  CHECK(listed == keys);
  // A key is required by the schema exactly when the parser refuses a line without it.
  for (const std::string& key : keys) {
    nlohmann::json without = written;
    without.erase(key);
    if (!jobs::parse_progress_line(without.dump())) required.insert(key);
  }
  CHECK(strings_of(progress.at("required")) == required);
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
