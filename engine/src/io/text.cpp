#include "strider/text.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <istream>

#include "strider/error.hpp"

namespace strider::io {

void fail_at(const std::string& source, int line, const std::string& what) {
  throw InputError(source + ":" + std::to_string(line) + ": " + what);
}

bool LineReader::next(std::string& line) {
  if (!std::getline(in_, line)) {
    if (in_.bad()) fail_at(source_, line_ + 1, "read error");
    return false;
  }
  ++line_;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return true;
}

static bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

std::vector<std::string_view> split_words(std::string_view text) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i])) ++i;
    std::size_t start = i;
    while (i < text.size() && !is_space(text[i])) ++i;
    if (i > start) words.push_back(text.substr(start, i - start));
  }
  return words;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

// Decimal notation only: strtod would also read hexadecimal ("0x10", "0x1p4"),
// which no structure or weight file holds, so a stray "0x..." is an error.
static bool decimal_or_named(std::string_view text) {
  std::string_view body = text;
  if (!body.empty() && (body.front() == '+' || body.front() == '-')) body.remove_prefix(1);
  std::string lower;
  for (char c : body) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "inf" || lower == "infinity" || lower == "nan") return true;  // read, then refused as non-finite
  return body.find_first_not_of("0123456789.eE+-") == std::string_view::npos;
}

bool parse_double(std::string_view text, double& value, Hexadecimal hexadecimal) {
  // strtod needs a terminated string and would skip leading blanks.
  if (text.empty() || is_space(text.front())) return false;
  if (hexadecimal == Hexadecimal::refused && !decimal_or_named(text)) return false;
  std::string copy(text);
  char* end = nullptr;
  value = std::strtod(copy.c_str(), &end);
  return end == copy.c_str() + copy.size();
}

bool parse_integer(std::string_view text, long long& value) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  const char* last = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), last, value);
  return ec == std::errc() && ptr == last && !text.empty();
}

double finite_number(const LineReader& reader, std::string_view token, const std::string& what) {
  double value = 0.0;
  if (!parse_double(token, value)) reader.fail(what + ": '" + std::string(token) + "' is not a number");
  if (!std::isfinite(value)) reader.fail(what + ": '" + std::string(token) + "' is not a finite number");
  return value;
}

std::string format_double(double value) {
  char buffer[40];
  for (int precision = 15; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof buffer, "%.*g", precision, value);
    if (precision == 17 || std::strtod(buffer, nullptr) == value) break;
  }
  return buffer;
}

}  // namespace strider::io
