#include "files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <system_error>

#include "strider/error.hpp"

namespace strider::io {

std::ifstream open_for_reading(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw InputError(path + ": cannot open: no such file");
  if (std::filesystem::is_directory(path, ec)) throw InputError(path + ": cannot open: is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open: not readable");
  return in;
}

// A file that did not exist, opened for writing: "PATH.tmp-" and six random
// hex digits, created exclusively (O_EXCL) with the default permissions.
static int create_temporary(const std::string& path, std::string& temporary) {
  static std::mt19937_64 engine{std::random_device{}()};
  for (int attempt = 0; attempt < 100; ++attempt) {
    char suffix[16];
    std::snprintf(suffix, sizeof suffix, ".tmp-%06x", static_cast<unsigned>(engine() & 0xffffff));
    temporary = path + suffix;
    int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0666);
    if (fd >= 0 || errno != EEXIST) return fd;
  }
  errno = EEXIST;
  return -1;
}

void write_file_atomically(const std::string& path, const std::string& contents) {
  auto failure = [&](int error) {
    return InputError(path + ": cannot write: " + std::strerror(error));
  };
  std::string temporary;
  int fd = create_temporary(path, temporary);
  if (fd < 0) throw failure(errno);

  const char* data = contents.data();
  std::size_t left = contents.size();
  int error = 0;
  while (left > 0 && error == 0) {
    ssize_t written = ::write(fd, data, left);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) {
      error = written < 0 ? errno : EIO;
      break;
    }
    data += written;
    left -= static_cast<std::size_t>(written);
  }
  if (::close(fd) != 0 && error == 0) error = errno;
  if (error == 0 && std::rename(temporary.c_str(), path.c_str()) != 0) error = errno;
  if (error != 0) {
    std::remove(temporary.c_str());
    throw failure(error);
  }
}

}  // namespace strider::io
