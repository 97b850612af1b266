#pragma once
// The weight file header's JSON: nlohmann::ordered_json (members keep their order)
// with a strict parser that says what is wrong and where, and the writer of the
// header's layout (shared/policy-weights.md). Private to engine/src/policy.
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace strider::json {

using Value = nlohmann::ordered_json;

// A parse error at byte `offset` (0-based) of the text.
struct ParseError : std::runtime_error {
  ParseError(std::size_t offset, const std::string& what) : std::runtime_error(what), offset(offset) {}
  std::size_t offset;
};

// The whole of `text` as one value (white space around it allowed). Throws ParseError
// for malformed text, a member that appears twice in an object, or nesting deeper than 64.
Value parse(std::string_view text);

// Canonical text: numbers in the shortest form that reads back to the same double
// (integral ones without a decimal point), so dump(parse(dump(v))) == dump(v).
// indent < 0: one line, items separated by ", ". indent >= 0: one member or item per
// line, indented, except that arrays holding only numbers, strings, booleans or arrays
// of those, and such objects of at most 100 characters, stay on one line.
// Throws std::invalid_argument for a non-finite number.
std::string dump(const Value& value, int indent = -1);

}  // namespace strider::json
