#pragma once
// `strider serve`: one process serving the JSON API of shared/api/ and the web
// app, with its jobs in SQLite. Jobs are the strider CLI itself, run as child
// processes (see job_runner.hpp). No engine or CLI dependency: what the server
// needs to know about them comes in through ServerConfig.
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace strider::server {

// What a submission may ask for; over a limit answers 422 (413 for the body).
struct ServerLimits {
  std::size_t max_body_bytes = 16u << 20;  // request body, bytes
  long max_atoms = 5000;                   // N of a structure or of generate.n
  long max_structures = 1000;              // generate.count, dataset length
  long max_epochs = 100000;                // options.epochs (train, adapt)
  long max_steps = 10000000;               // options.steps, budget, repeat
  int queue_limit = 16;                    // jobs waiting beyond which POST /api/jobs answers 429
  int queue_limit_per_token = 4;           // jobs of one owner token waiting beyond which it answers 429
  int max_event_streams = 32;              // progress streams open at once (below http_threads); then 503
  long max_frames = 10000;                 // minimize: trajectory frames, steps / every
  double max_cutoff = 10.0;                // options.cutoff (lj, sigma)
  long max_seeds = 100;                    // options.seeds (adapt)
  long max_batch_size = 256;               // options.batch-size (train)
  // Each job process (setrlimit): heap and private mappings, bytes; any file it writes, bytes; CPU time, seconds.
  unsigned long job_memory_bytes = 4ul << 30;
  unsigned long job_file_bytes = 2ul << 30;
  unsigned long job_cpu_seconds = 7ul * 24 * 3600;
};

// A structure text as the engine reads it: its atom count and system= key, or why it is unreadable.
struct StructureCheck {
  std::string error;  // empty when readable
  long frames = 0;    // a job's structure must have one
  long atoms = 0;
  std::string system; // the file's system= key, empty when absent
};

struct ServerConfig {
  std::string host = "127.0.0.1";
  int port = 8080;                  // 0: any free port (printed at start)
  std::string data_dir = "strider-data";
  std::string web_dir;              // the web build (index.html); may be missing
  int workers = 1;                  // jobs run at once
  int http_threads = 64;            // connections served at once (an SSE stream holds one)
  double header_seconds = 10;       // a request's headers must arrive within this (from connect or the last answer)
  double body_seconds = 60;         // and its body within this after them
  ServerLimits limits;
  std::string executable;           // the strider binary that runs jobs
  std::vector<std::string> systems; // known system keys
  bool torch = false;               // the CLI has LibTorch: adapt jobs default to options.backend "torch"
  // The CLI's own argument check: "" when `strider COMMAND args...` would parse, else its message.
  std::function<std::string(const std::string& command, const std::vector<std::string>& args)> check_arguments;
  // The engine's extxyz reader on one structure text.
  std::function<StructureCheck(const std::string& extxyz)> check_structure;
};

// Serves until SIGINT or SIGTERM (then returns 0); returns the process exit
// status. Prints "strider serve: listening on http://HOST:PORT" on stdout once
// it accepts connections. One server per data folder: a second one on the
// same folder exits with status 2 and a message (DIR/server.lock).
int run_server(const ServerConfig& config);

}  // namespace strider::server
