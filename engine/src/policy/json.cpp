#include "json.hpp"

#include <cmath>
#include <string>
#include <unordered_set>
#include <vector>

#include "strider/text.hpp"  // format_double

namespace strider::json {

// [SECTION] parsing

namespace {

// What nlohmann says after its "[json.exception.parse_error.101] parse error at line L, column C: ".
std::string reason(const nlohmann::json::parse_error& e) {
  const std::string what = e.what();
  const std::size_t colon = what.find(": ", what.find("parse error"));
  return colon == std::string::npos ? what : what.substr(colon + 2);
}

}  // namespace

Value parse(std::string_view text) {
  constexpr int kMaxDepth = 64;
  // The keys seen so far in each object being read, innermost last.
  std::vector<std::unordered_set<std::string>> keys;
  const Value::parser_callback_t strict = [&keys](int depth, Value::parse_event_t event, Value& parsed) {
    switch (event) {
      case Value::parse_event_t::object_start:
      case Value::parse_event_t::array_start:
        if (depth >= kMaxDepth) throw ParseError(0, "nested too deeply");
        if (event == Value::parse_event_t::object_start) keys.emplace_back();
        break;
      case Value::parse_event_t::key:
        if (!keys.back().insert(parsed.get<std::string>()).second) {
          throw ParseError(0, "member \"" + parsed.get<std::string>() + "\" appears twice");
        }
        break;
      case Value::parse_event_t::object_end: keys.pop_back(); break;
      default: break;
    }
    return true;
  };
  try {
    return Value::parse(text.begin(), text.end(), strict);
  } catch (const nlohmann::json::parse_error& e) {
    throw ParseError(e.byte > 0 ? e.byte - 1 : 0, reason(e));
  } catch (const nlohmann::json::out_of_range& e) {  // a number no double holds (1e999): "... parsing '1e999'"
    const std::string what = e.what();
    const std::size_t open = what.find('\''), close = what.rfind('\'');
    const std::string number = open < close ? what.substr(open + 1, close - open - 1) : std::string();
    const std::size_t at = number.empty() ? std::string_view::npos : text.find(number);
    throw ParseError(at == std::string_view::npos ? 0 : at, "the number " + number + " is out of range for a double");
  }
}

// [SECTION] writing

namespace {

std::string number_text(const Value& v) {
  if (!v.is_number_float()) return v.dump();  // an integer
  const double x = v.get<double>();
  if (!std::isfinite(x)) throw std::invalid_argument("JSON cannot hold a non-finite number");
  return io::format_double(x);
}

bool scalar(const Value& v) { return !v.is_array() && !v.is_object(); }

// Holds only scalars and arrays of scalars (written on one line when indenting).
bool flat(const Value& v) {
  if (scalar(v)) return true;
  for (const Value& child : v) {
    if (scalar(child)) continue;
    if (!child.is_array()) return false;
    for (const Value& item : child)
      if (!scalar(item)) return false;
  }
  return true;
}

void write(const Value& v, int indent, int level, std::string& out) {
  if (v.is_number()) {
    out += number_text(v);
    return;
  }
  if (scalar(v)) {  // null, a boolean or a string (escaped as JSON requires, UTF-8 kept)
    out += v.dump();
    return;
  }
  // One line: compact output, or a flat array, or a flat object short enough to read at a glance.
  const bool one_line = indent < 0 || (flat(v) && (v.is_array() || dump(v, -1).size() <= 100));
  const std::string pad_inner = one_line ? "" : "\n" + std::string(static_cast<size_t>(indent * (level + 1)), ' ');
  const std::string pad_outer = one_line ? "" : "\n" + std::string(static_cast<size_t>(indent * level), ' ');
  const char* separator = one_line ? ", " : ",";
  out += v.is_array() ? '[' : '{';
  bool first = true;
  for (auto it = v.begin(); it != v.end(); ++it, first = false) {
    out += first ? "" : separator;
    out += pad_inner;
    if (v.is_object()) {
      out += Value(it.key()).dump();
      out += ": ";
    }
    write(it.value(), indent, level + 1, out);
  }
  if (!v.empty()) out += pad_outer;
  out += v.is_array() ? ']' : '}';
}

}  // namespace

std::string dump(const Value& value, int indent) {
  std::string out;
  write(value, indent, 0, out);
  return out;
}

}  // namespace strider::json
