#include "strider/server/server.hpp"

#include <signal.h>

#include <cstdio>
#include <filesystem>
#include <thread>

#include "http_api.hpp"
#include "job_runner.hpp"
#include "job_store.hpp"

namespace strider::server {

int run_server(const ServerConfig& config) {
  // SIGINT/SIGTERM are taken by one thread (sigwait) that stops the server; every
  // other thread, made after this, has them blocked. A client that hangs up
  // must not kill the process: SIGPIPE is ignored (children get it back).
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  std::filesystem::create_directories(std::filesystem::path(config.data_dir) / "jobs");
  JobStore store((std::filesystem::path(config.data_dir) / "jobs.sqlite3").string());
  JobRunner runner(store, config);

  httplib::Server http;
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
    int signal_number = 0;
    sigwait(&stop_signals, &signal_number);
    store.release_waiters();  // SSE streams end, so that the HTTP threads can be joined
    http.stop();
  });
  std::printf("strider serve: listening on http://%s:%d (data %s, web %s)\n", config.host.c_str(), port,
              config.data_dir.c_str(), config.web_dir.empty() ? "none" : config.web_dir.c_str());
  std::fflush(stdout);
  const bool ok = http.listen_after_bind();
  store.release_waiters();
  runner.stop();
  if (stopper.joinable()) {
    pthread_kill(stopper.native_handle(), SIGTERM);  // when listen ended on its own
    stopper.join();
  }
  std::printf("strider serve: stopped\n");
  return ok ? 0 : 1;
}

}  // namespace strider::server
