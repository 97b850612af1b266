#pragma once
// Text helpers for every reader and writer of strider's files and options:
// numbered line reading, word splitting, strict number parsing and shortest
// round-trip number formatting (the structure and weight files, the command
// line's options, the server's requests).
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace strider::io {

// Throws InputError("SOURCE:LINE: what").
[[noreturn]] void fail_at(const std::string& source, int line, const std::string& what);

// Reads a stream line by line, counting lines from 1 and dropping a
// trailing '\r' (files written on Windows).
class LineReader {
 public:
  LineReader(std::istream& in, const std::string& source) : in_(in), source_(source) {}
  // The next line into `line`; false at the end of the stream. A stream
  // error (not the end) throws InputError.
  bool next(std::string& line);
  // Number of the line last returned (0 before the first).
  int line() const { return line_; }
  const std::string& source() const { return source_; }
  // Throws InputError for the line last returned.
  [[noreturn]] void fail(const std::string& what) const { fail_at(source_, line_, what); }

 private:
  std::istream& in_;
  std::string source_;
  int line_ = 0;
};

// Whitespace-separated words of `text` (views into it).
std::vector<std::string_view> split_words(std::string_view text);
// `text` without leading and trailing whitespace.
std::string_view trim(std::string_view text);

// The whole of `text` as a number (strtod syntax, "nan" and "inf" included);
// false when any character is left over, nothing is a number, or it is
// hexadecimal ("0x10", "0x1p4": a typo in a structure file or an option)
// where that is not allowed (only training checkpoints write it).
enum class Hexadecimal { refused, allowed };
bool parse_double(std::string_view text, double& value, Hexadecimal hexadecimal = Hexadecimal::refused);
// The whole of `text` as a decimal integer (optional sign).
bool parse_integer(std::string_view text, long long& value);

// `token` as a finite number, else InputError at `line` saying that `what`
// ("x coordinate of atom 3") is not a (finite) number.
double finite_number(const LineReader& reader, std::string_view token, const std::string& what);

// The shortest of %.15g, %.16g, %.17g that reads back to exactly `value`
// (so writing then reading a file keeps every double bit for bit).
std::string format_double(double value);

}  // namespace strider::io
