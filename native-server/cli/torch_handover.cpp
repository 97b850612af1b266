// torch_backend() in `strider`: hands the command line over to
// `strider-torch` beside this executable (see torch_backend.hpp).
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <vector>

#include "strider/error.hpp"
#include "torch_backend.hpp"

namespace strider::cli {

namespace {

// The path of `strider-torch` in this executable's folder.
std::string torch_executable() {
  char path[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) throw std::runtime_error("cannot find the strider executable (/proc/self/exe)");
  std::string self(path, static_cast<std::size_t>(n));
  return self.substr(0, self.rfind('/') + 1) + "strider-torch";
}

// This process's arguments, argv[0] first, as the kernel keeps them.
std::vector<std::string> command_line() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  std::vector<std::string> args;
  for (std::size_t start = 0; start < text.size();) {
    const std::size_t end = text.find('\0', start);
    args.push_back(text.substr(start, end - start));
    start = end == std::string::npos ? text.size() : end + 1;
  }
  return args;
}

}  // namespace

bool torch_available() { return access(torch_executable().c_str(), X_OK) == 0; }

const TorchBackend& torch_backend(const std::string& why) {
  const std::string program = torch_executable();
  if (access(program.c_str(), X_OK) != 0) {
    throw InputError(why + ": this strider was built without LibTorch (no " + program + ")");
  }
  std::vector<std::string> args = command_line();
  if (args.empty()) throw std::runtime_error("cannot read this process's arguments (/proc/self/cmdline)");
  args[0] = program;
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::fflush(nullptr);
  execv(program.c_str(), argv.data());
  throw std::runtime_error("cannot start " + program + ": " + std::strerror(errno));
}

}  // namespace strider::cli
