#include "request_json.hpp"

#include "job_request.hpp"

namespace strider::server {

namespace {

struct TooDeep {};

}  // namespace

nlohmann::json parse_request_json(std::string_view body) {
  using nlohmann::json;
  // The callback sees every value as it starts, with its depth, before anything deeper is read.
  const json::parser_callback_t limit_depth = [](int depth, json::parse_event_t event, json&) {
    if ((event == json::parse_event_t::object_start || event == json::parse_event_t::array_start) &&
        depth >= kMaxRequestDepth) {
      throw TooDeep{};
    }
    return true;
  };
  try {
    return json::parse(body, limit_depth);
  } catch (const TooDeep&) {
    throw RequestError(400, "malformed JSON: nested deeper than " + std::to_string(kMaxRequestDepth) + " levels");
  } catch (const json::exception& e) {  // a syntax error, invalid UTF-8, or a number out of range (1e999)
    throw RequestError(400, std::string("malformed JSON: ") + e.what());
  }
}

}  // namespace strider::server
