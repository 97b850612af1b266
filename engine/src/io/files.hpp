#pragma once
// Opening structure files for reading.
// Private to engine/src/io.
#include <fstream>
#include <string>

#include "strider/io.hpp"  // write_file_atomically

namespace strider::io {

// `path` opened for reading; InputError("PATH: cannot open: why") when it is
// missing, a directory or unreadable.
std::ifstream open_for_reading(const std::string& path);

}  // namespace strider::io
