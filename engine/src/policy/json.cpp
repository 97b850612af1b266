#include "json.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <unordered_set>

namespace strider::json {

Value& Value::push(Value v) {
  items_.push_back(std::move(v));
  return items_.back();
}

Value& Value::set(const std::string& key, Value v) {
  for (auto& member : members_) {
    if (member.first == key) return member.second = std::move(v);
  }
  members_.emplace_back(key, std::move(v));
  return members_.back().second;
}

Value& Value::append(std::string key, Value v) {
  members_.emplace_back(std::move(key), std::move(v));
  return members_.back().second;
}

const Value* Value::find(const std::string& key) const {
  for (const auto& member : members_) {
    if (member.first == key) return &member.second;
  }
  return nullptr;
}

// [SECTION] parsing

namespace {

class Parser {
 public:
  Parser(std::string_view text, std::size_t pos) : text_(text), pos_(pos) {}
  std::size_t pos() const { return pos_; }

  Value value(int depth) {
    if (depth > 64) fail("nested too deeply");
    skip_space();
    if (pos_ >= text_.size()) fail("unexpected end of text, expected a value");
    const char c = text_[pos_];
    if (c == '{') return object(depth);
    if (c == '[') return array(depth);
    if (c == '"') return Value(string());
    if (c == '-' || (c >= '0' && c <= '9')) return Value(number());
    if (literal("true")) return Value(true);
    if (literal("false")) return Value(false);
    if (literal("null")) return Value();
    fail(std::string("unexpected character '") + c + "'");
  }

  void skip_space() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r'))
      ++pos_;
  }

  [[noreturn]] void fail(const std::string& what) const { throw ParseError(pos_, what); }

 private:
  bool literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  void expect(char c) {
    skip_space();
    if (pos_ >= text_.size() || text_[pos_] != c) fail(std::string("expected '") + c + "'");
    ++pos_;
  }

  Value object(int depth) {
    Value result = Value::object();
    ++pos_;  // '{'
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == '}') {
      ++pos_;
      return result;
    }
    std::unordered_set<std::string> keys;  // a linear search per member would make 1e5 members take minutes
    for (;;) {
      skip_space();
      if (pos_ >= text_.size() || text_[pos_] != '"') fail("expected a member name in quotes");
      std::string key = string();
      if (!keys.insert(key).second) fail("member \"" + key + "\" appears twice");
      expect(':');
      result.append(std::move(key), value(depth + 1));
      skip_space();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      expect('}');
      return result;
    }
  }

  Value array(int depth) {
    Value result = Value::array();
    ++pos_;  // '['
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == ']') {
      ++pos_;
      return result;
    }
    for (;;) {
      result.push(value(depth + 1));
      skip_space();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      expect(']');
      return result;
    }
  }

  double number() {
    const std::size_t start = pos_;
    auto digits = [&] {
      const std::size_t from = pos_;
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
      return pos_ > from;
    };
    if (text_[pos_] == '-') ++pos_;
    if (pos_ < text_.size() && text_[pos_] == '0') {
      ++pos_;
    } else if (!digits()) {
      fail("malformed number");
    }
    if (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      if (!digits()) fail("malformed number");
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
      if (!digits()) fail("malformed number");
    }
    const std::string token(text_.substr(start, pos_ - start));
    const double x = std::strtod(token.c_str(), nullptr);
    if (!std::isfinite(x)) {
      pos_ = start;
      fail("number out of range");
    }
    return x;
  }

  unsigned hex4() {
    if (pos_ + 4 > text_.size()) fail("truncated \\u escape");
    unsigned code = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = text_[pos_++];
      code <<= 4;
      if (c >= '0' && c <= '9') code |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f') code |= static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') code |= static_cast<unsigned>(c - 'A' + 10);
      else fail("bad \\u escape");
    }
    return code;
  }

  static void append_utf8(std::string& out, unsigned code) {
    if (code < 0x80) {
      out += static_cast<char>(code);
    } else if (code < 0x800) {
      out += static_cast<char>(0xC0 | (code >> 6));
      out += static_cast<char>(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
      out += static_cast<char>(0xE0 | (code >> 12));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (code >> 18));
      out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code & 0x3F));
    }
  }

  std::string string() {
    ++pos_;  // opening quote
    std::string out;
    for (;;) {
      if (pos_ >= text_.size()) fail("unterminated string");
      const char c = text_[pos_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= text_.size()) fail("unterminated string");
      const char e = text_[pos_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          unsigned code = hex4();
          if (code >= 0xD800 && code < 0xDC00) {
            if (text_.substr(pos_, 2) != "\\u") fail("unpaired surrogate in \\u escape");
            pos_ += 2;
            const unsigned low = hex4();
            if (low < 0xDC00 || low >= 0xE000) fail("unpaired surrogate in \\u escape");
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
          } else if (code >= 0xDC00 && code < 0xE000) {
            fail("unpaired surrogate in \\u escape");
          }
          append_utf8(out, code);
          break;
        }
        default: fail(std::string("bad escape '\\") + e + "'");
      }
    }
  }

  std::string_view text_;
  std::size_t pos_;
};

}  // namespace

Value parse(std::string_view text, std::size_t& pos) {
  Parser parser(text, pos);
  Value v = parser.value(0);
  pos = parser.pos();
  return v;
}

Value parse(std::string_view text) {
  Parser parser(text, 0);
  Value v = parser.value(0);
  parser.skip_space();
  if (parser.pos() != text.size()) parser.fail("unexpected text after the value");
  return v;
}

// [SECTION] writing

namespace {

std::string number_text(double x) {
  if (!std::isfinite(x)) throw std::invalid_argument("JSON cannot hold a non-finite number");
  char buffer[40];
  if (x == std::trunc(x) && std::fabs(x) < 1e15) {
    std::snprintf(buffer, sizeof buffer, "%.0f", x);  // "-0" for -0.0, which reads back as -0.0
    return buffer;
  }
  for (int precision = 15; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof buffer, "%.*g", precision, x);
    if (precision == 17 || std::strtod(buffer, nullptr) == x) break;
  }
  return buffer;
}

void write_string(const std::string& s, std::string& out) {
  out += '"';
  for (char c : s) {
    if (c == '"') out += "\\\"";
    else if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c == '\r') out += "\\r";
    else if (static_cast<unsigned char>(c) < 0x20) {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
      out += buffer;
    } else {
      out += c;
    }
  }
  out += '"';
}

bool scalar(const Value& v) { return !v.is_array() && !v.is_object(); }

// Holds only scalars and arrays of scalars (written on one line when indenting).
bool flat(const Value& v) {
  if (scalar(v)) return true;
  auto simple = [](const Value& child) {
    if (scalar(child)) return true;
    if (!child.is_array()) return false;
    for (const Value& item : child.items())
      if (!scalar(item)) return false;
    return true;
  };
  for (const Value& item : v.items())
    if (!simple(item)) return false;
  for (const auto& member : v.members())
    if (!simple(member.second)) return false;
  return true;
}

void write(const Value& v, int indent, int level, std::string& out) {
  switch (v.type()) {
    case Value::Type::null: out += "null"; return;
    case Value::Type::boolean: out += v.boolean() ? "true" : "false"; return;
    case Value::Type::number: out += number_text(v.number()); return;
    case Value::Type::string: write_string(v.string(), out); return;
    default: break;
  }
  // One line: compact output, or a flat array, or a flat object short enough to read at a glance.
  const bool one_line = indent < 0 || (flat(v) && (v.is_array() || dump(v, -1).size() <= 100));
  const std::string pad_inner = one_line ? "" : "\n" + std::string(static_cast<size_t>(indent * (level + 1)), ' ');
  const std::string pad_outer = one_line ? "" : "\n" + std::string(static_cast<size_t>(indent * level), ' ');
  const char* separator = one_line ? ", " : ",";
  if (v.is_array()) {
    out += '[';
    for (size_t k = 0; k < v.items().size(); ++k) {
      out += k ? separator : "";
      out += pad_inner;
      write(v.items()[k], indent, level + 1, out);
    }
    if (!v.items().empty()) out += pad_outer;
    out += ']';
  } else {
    out += '{';
    for (size_t k = 0; k < v.members().size(); ++k) {
      out += k ? separator : "";
      out += pad_inner;
      write_string(v.members()[k].first, out);
      out += ": ";
      write(v.members()[k].second, indent, level + 1, out);
    }
    if (!v.members().empty()) out += pad_outer;
    out += '}';
  }
}

}  // namespace

std::string dump(const Value& value, int indent) {
  std::string out;
  write(value, indent, 0, out);
  return out;
}

}  // namespace strider::json
