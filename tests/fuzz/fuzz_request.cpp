// libFuzzer target: a POST /api/jobs body through the server's checks (the
// depth-limited parse, the schema, limits, options, the structure reader,
// the CLI arguments it would run). Bad input must end in RequestError;
// anything else is a bug (the server would answer 500, or crash).
#include <cstddef>
#include <cstdint>
#include <sstream>

#include "job_request.hpp"
#include "job_store.hpp"
#include "request_json.hpp"
#include "strider/error.hpp"
#include "strider/io.hpp"

namespace {

strider::server::ServerConfig fuzz_config() {
  strider::server::ServerConfig config;
  config.systems = {"lj-binary", "sw-si", "csh", "lj"};
  config.check_arguments = [](const std::string&, const std::vector<std::string>&) { return std::string(); };
  config.check_structure = [](const std::string& text) {  // as native-server/cli/serve.cpp
    strider::server::StructureCheck check;
    try {
      std::istringstream in(text);
      const std::vector<strider::Frame> frames = strider::read_extxyz(in, "structure");
      check.frames = static_cast<long>(frames.size());
      check.atoms = frames.front().size();
      check.system = frames.front().system_key.value_or("");
    } catch (const strider::InputError& e) {
      check.error = e.what();
    }
    return check;
  };
  return config;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const strider::server::ServerConfig config = fuzz_config();
  static strider::server::JobStore store(":memory:");
  try {
    const nlohmann::json request =
        strider::server::parse_request_json(std::string_view(reinterpret_cast<const char*>(data), size));
    strider::server::check_job_request(request, config, store);
    strider::server::job_stages(request, "", false);
  } catch (const strider::server::RequestError&) {
  }
  return 0;
}
