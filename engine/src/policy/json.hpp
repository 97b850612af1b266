#pragma once
// A small JSON value with a strict parser and a canonical writer, enough for
// the weight file header (the engine has no JSON dependency: it also builds
// for WebAssembly). Private to engine/src/policy.
//
// Objects keep their members in order. Numbers are doubles written in the
// shortest form that reads back to the same bits (integers without a
// decimal point), so dump(parse(dump(v))) == dump(v).
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace strider::json {

// A parse error at byte `offset` of the text.
struct ParseError : std::runtime_error {
  ParseError(std::size_t offset, const std::string& what) : std::runtime_error(what), offset(offset) {}
  std::size_t offset;
};

class Value {
 public:
  enum class Type { null, boolean, number, string, array, object };

  Value() = default;
  Value(bool b) : type_(Type::boolean), boolean_(b) {}
  Value(double x) : type_(Type::number), number_(x) {}
  Value(int x) : type_(Type::number), number_(x) {}
  Value(const char* s) : type_(Type::string), string_(s) {}
  Value(std::string s) : type_(Type::string), string_(std::move(s)) {}
  static Value array() { return Value(Type::array); }
  static Value object() { return Value(Type::object); }

  Type type() const { return type_; }
  bool is_number() const { return type_ == Type::number; }
  bool is_string() const { return type_ == Type::string; }
  bool is_array() const { return type_ == Type::array; }
  bool is_object() const { return type_ == Type::object; }
  bool is_boolean() const { return type_ == Type::boolean; }

  bool boolean() const { return boolean_; }
  double number() const { return number_; }
  const std::string& string() const { return string_; }
  const std::vector<Value>& items() const { return items_; }
  const std::vector<std::pair<std::string, Value>>& members() const { return members_; }

  // Arrays: appends. Objects: sets `key` (replacing an existing member in place).
  Value& push(Value v);
  Value& set(const std::string& key, Value v);
  // Objects: adds member `key`, which the caller knows is not there yet (no search).
  Value& append(std::string key, Value v);
  // The member `key` of an object, or null when absent (or not an object).
  const Value* find(const std::string& key) const;

 private:
  explicit Value(Type t) : type_(t) {}
  Type type_ = Type::null;
  bool boolean_ = false;
  double number_ = 0.0;
  std::string string_;
  std::vector<Value> items_;
  std::vector<std::pair<std::string, Value>> members_;
};

// One value starting at text[pos] (leading white space skipped); pos ends
// just after it. Throws ParseError on malformed text.
Value parse(std::string_view text, std::size_t& pos);
// The whole of `text` as one value (only white space may follow).
Value parse(std::string_view text);

// Canonical text. indent < 0: one line. indent >= 0: one member or item per
// line, indented, except that arrays holding only numbers, strings, booleans
// or arrays of those, and such objects of at most 100 characters, stay on one line.
std::string dump(const Value& value, int indent = -1);

}  // namespace strider::json
