#pragma once
// A request body as JSON, with a nesting limit: nlohmann's parser keeps its
// own stack, but every walk over the value after it (the finite-number check,
// the schema validator, dump) recurses once per level, and 25 000 levels of
// `[[[...]]]` (48 KB) overflowed an HTTP thread's stack.
#include <nlohmann/json.hpp>
#include <string_view>

namespace strider::server {

// Deepest nesting of arrays and objects a request may have (the schema needs 3).
constexpr int kMaxRequestDepth = 32;

// The parsed body. Throws RequestError(400) for malformed JSON (invalid UTF-8
// included), or nesting deeper than kMaxRequestDepth.
nlohmann::json parse_request_json(std::string_view body);

}  // namespace strider::server
