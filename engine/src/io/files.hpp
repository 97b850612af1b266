#pragma once
// Opening structure files for reading and replacing them safely.
// Private to engine/src/io.
#include <fstream>
#include <string>

namespace strider::io {

// `path` opened for reading; InputError("PATH: cannot open: why") when it is
// missing, a directory or unreadable.
std::ifstream open_for_reading(const std::string& path);

// Writes `contents` to a new file PATH.tmp-XXXXXX beside `path`, then renames
// it onto `path`. On any failure the temporary file is removed, `path` is left
// as it was, and InputError("PATH: cannot write: why") is thrown.
void write_file_atomically(const std::string& path, const std::string& contents);

}  // namespace strider::io
