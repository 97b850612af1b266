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

static InputError write_failure(const std::string& path, int error) {
  return InputError(path + ": cannot write: " + std::strerror(error));
}

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  fd_ = create_temporary(path_, temporary_);
  if (fd_ < 0) throw write_failure(path_, errno);
}

AtomicFile::~AtomicFile() {
  if (committed_) return;
  if (fd_ >= 0) ::close(fd_);
  std::remove(temporary_.c_str());
}

void AtomicFile::write(std::string_view text) {
  if (fd_ < 0) throw InputError(path_ + ": cannot write: the file is closed");
  const char* data = text.data();
  std::size_t left = text.size();
  while (left > 0) {
    const ssize_t written = ::write(fd_, data, left);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) throw write_failure(path_, written < 0 ? errno : EIO);
    data += written;
    left -= static_cast<std::size_t>(written);
  }
}

void AtomicFile::commit() {
  if (fd_ < 0) throw InputError(path_ + ": cannot write: the file is closed");
  const int closed = ::close(fd_);
  fd_ = -1;
  if (closed != 0 || std::rename(temporary_.c_str(), path_.c_str()) != 0) throw write_failure(path_, errno);
  committed_ = true;
}

void write_file_atomically(const std::string& path, const std::string& contents) {
  AtomicFile file(path);
  file.write(contents);
  file.commit();
}

}  // namespace strider::io
