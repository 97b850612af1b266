#include "strider/server/server.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "guarded_server.hpp"
#include "http_api.hpp"
#include "job_runner.hpp"
#include "job_store.hpp"

namespace strider::server {

namespace {

// SIGINT/SIGTERM write a byte here; the stopper thread reads it. A handler,
// not a signal mask: a signal goes to any thread without it blocked, and
// threads that libraries start before run_server (OpenBLAS's pool) have none.
int stop_pipe[2] = {-1, -1};

void on_stop_signal(int) {
  const char byte = 1;
  const ssize_t written = write(stop_pipe[1], &byte, 1);  // async-signal-safe
  (void)written;
}

// Holds DIR/server.lock (flock) for the life of the process, or returns -1:
// two servers on one folder would both run its jobs and write the same files.
int lock_data_dir(const std::filesystem::path& data_dir) {
  const std::string path = (data_dir / "server.lock").string();
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return -1;
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    close(fd);
    return -1;
  }
  const std::string pid = std::to_string(getpid()) + "\n";
  if (ftruncate(fd, 0) == 0 && write(fd, pid.data(), pid.size()) < 0) {
    // the pid is only a hint for a person; the lock is what counts
  }
  return fd;
}

}  // namespace

int run_server(const ServerConfig& config) {
  // A client that hangs up must not kill the process: SIGPIPE is ignored (children get it back).
  signal(SIGPIPE, SIG_IGN);
  std::filesystem::create_directories(std::filesystem::path(config.data_dir) / "jobs");
  const int lock_fd = lock_data_dir(config.data_dir);
  if (lock_fd < 0) {
    std::fprintf(stderr, "strider serve: error: another strider serve is using the data folder %s (%s/server.lock)\n",
                 config.data_dir.c_str(), config.data_dir.c_str());
    return 2;
  }
  if (pipe2(stop_pipe, O_CLOEXEC) != 0) {
    std::fprintf(stderr, "strider serve: error: cannot make a pipe\n");
    return 1;
  }
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);

  JobStore store((std::filesystem::path(config.data_dir) / "jobs.sqlite3").string());
  JobRunner runner(store, config);

  GuardedServer http(std::chrono::milliseconds(static_cast<long>(config.header_seconds * 1000)),
                     std::chrono::milliseconds(static_cast<long>(config.body_seconds * 1000)));
  const int threads = config.http_threads;
  http.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<std::size_t>(threads)); };
  http.set_payload_max_length(config.limits.max_body_bytes);
  http.set_keep_alive_max_count(10000);
  // httplib sends headers and body in separate writes: with Nagle's algorithm the
  // body waits for the client's delayed ACK, 40 ms on Linux, on every answer.
  http.set_tcp_nodelay(true);
  install_routes(http, config, store, runner);

  const int port = config.port == 0 ? http.bind_to_any_port(config.host)
                                    : (http.bind_to_port(config.host, config.port) ? config.port : -1);
  if (port < 0) {
    std::fprintf(stderr, "strider serve: error: cannot listen on %s:%d (in use, or not an address of this machine)\n",
                 config.host.c_str(), config.port);
    return 2;
  }
  runner.start();
  std::thread stopper([&] {
    char byte = 0;
    while (read(stop_pipe[0], &byte, 1) < 0 && errno == EINTR) {
    }
    store.release_waiters();  // SSE streams end, so that the HTTP threads can be joined
    http.stop();
  });
  std::printf("strider serve: listening on http://%s:%d (data %s, web %s)\n", config.host.c_str(), port,
              config.data_dir.c_str(), config.web_dir.empty() ? "none" : config.web_dir.c_str());
  std::fflush(stdout);
  const bool ok = http.listen_after_bind();
  store.release_waiters();
  runner.stop();
  on_stop_signal(0);  // when listen ended on its own
  stopper.join();
  close(lock_fd);
  std::printf("strider serve: stopped\n");
  return ok ? 0 : 1;
}

}  // namespace strider::server
