// `strider serve`: the HTTP server with its job queue (native-server/server/),
// started from the command line. Built when the server library is
// (STRIDER_WITH_SERVER: cpp-httplib and SQLite found).
#ifdef STRIDER_WITH_SERVER
#include <limits.h>
#include <unistd.h>

#include <sstream>
#include <thread>

#include "commands.hpp"
#include "torch_backend.hpp"
#include "strider/server/server.hpp"
#include "strider/io.hpp"

namespace strider::cli {

const CommandSpec serve_spec{
    "serve",
    "[--host H] [--port P] [--data DIR] [--web DIR] [--workers K] [--queue-limit Q] [limits]",
    "Serve the JSON API (shared/api/README.md) and the web app; jobs run the strider commands.",
    {},
    {{"--host", "H", "address to listen on (default 127.0.0.1)"},
     {"--port", "P", "port (default 8080; 0: any free port, printed at start)"},
     {"--data", "DIR", "folder of the job database (jobs.sqlite3) and job files (default strider-data)"},
     {"--web", "DIR", "the web build to serve at / and /r/ID (default build-wasm/site)"},
     {"--workers", "K", "jobs run at once (default: half the cores, at least 1)"},
     {"--queue-limit", "Q", "waiting jobs beyond which a submission answers 429 (default 16)"},
     {"--max-body", "BYTES", "largest request body (default 16777216)"},
     {"--max-atoms", "N", "largest structure or generate.n (default 5000)"},
     {"--max-structures", "K", "largest dataset or generate.count (default 1000)"},
     {"--max-epochs", "E", "largest options.epochs (default 100000)"},
     {"--max-steps", "S", "largest options.steps, budget, repeat (default 10000000)"},
     {"--http-threads", "T", "connections served at once; an open progress stream holds one (default 64)"},
     {"--max-streams", "S", "progress streams open at once, below T (default T / 2)"},
     {"--header-seconds", "S", "a request's headers must arrive within S seconds (default 10)"},
     {"--token-queue-limit", "Q", "waiting jobs of one owner token beyond which it answers 429 (default 4)"},
     {"--job-memory", "BYTES", "each job process's heap and private mappings (default 4294967296)"},
     {"--job-file-size", "BYTES", "largest file a job process writes (default 2147483648)"},
     {"--job-cpu", "SECONDS", "each job process's CPU time (default 604800, a week)"}},
    "Jobs and their files live in DIR (SQLite in WAL mode, DIR/jobs/ID/): a job\n"
    "survives a restart; a train job that was running when the server died\n"
    "resumes from its last checkpoint, any other running job is marked failed\n"
    "with the reason. Stop with Ctrl-C (SIGINT) or SIGTERM: the jobs it was running\n"
    "are queued again and run at the next start.\n"};

namespace {

std::string executable_path() {
  char path[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) throw InputError("cannot find the strider executable (/proc/self/exe)");
  return std::string(path, static_cast<std::size_t>(n));
}

// `strider COMMAND args` checked by the command's own option table: "" or the CLI's message.
std::string check_arguments(const std::string& command, const std::vector<std::string>& args) {
  for (const Command& c : commands()) {
    if (c.spec.name != command) continue;
    try {
      parse(c.spec, args);
      return "";
    } catch (const InputError& e) {
      return e.what();
    }
  }
  return "unknown command '" + command + "'";
}

server::StructureCheck check_structure(const std::string& text) {
  server::StructureCheck check;
  try {
    std::istringstream in(text);
    const std::vector<Frame> frames = read_extxyz(in, "structure");
    if (frames.empty()) throw InputError("no frame");
    check.frames = static_cast<long>(frames.size());
    check.atoms = frames.front().size();
    check.system = frames.front().system_key.value_or("");
  } catch (const std::exception& e) {
    check.error = e.what();
  }
  return check;
}

}  // namespace

int run_serve(const ParsedArgs& args) {
  server::ServerConfig config;
  config.host = args.value("--host").value_or("127.0.0.1");
  config.port = static_cast<int>(args.whole("--port", 8080, 0, 65535));
  config.data_dir = args.value("--data").value_or("strider-data");
  config.web_dir = args.value("--web").value_or("build-wasm/site");
  const long cores = std::max(1L, static_cast<long>(std::thread::hardware_concurrency()));
  config.workers = static_cast<int>(args.whole("--workers", std::max(1L, cores / 2), 1, 1024));
  config.http_threads = static_cast<int>(args.whole("--http-threads", 64, 2, 4096));
  config.limits.queue_limit = static_cast<int>(args.whole("--queue-limit", 16, 0, 1000000));
  config.limits.max_body_bytes = static_cast<std::size_t>(args.whole("--max-body", 16L << 20, 1024, 1L << 32));
  config.limits.max_atoms = args.whole("--max-atoms", 5000, 1);
  config.limits.max_structures = args.whole("--max-structures", 1000, 2);
  config.limits.max_epochs = args.whole("--max-epochs", 100000, 0);
  config.limits.max_steps = args.whole("--max-steps", 10000000, 1);
  config.limits.max_event_streams =
      static_cast<int>(args.whole("--max-streams", config.http_threads / 2, 1, config.http_threads - 1));
  config.header_seconds = static_cast<double>(args.whole("--header-seconds", 10, 1, 3600));
  config.limits.queue_limit_per_token = static_cast<int>(args.whole("--token-queue-limit", 4, 1, 1000000));
  config.limits.job_memory_bytes = static_cast<unsigned long>(args.whole("--job-memory", 4L << 30, 1L << 24));
  config.limits.job_file_bytes = static_cast<unsigned long>(args.whole("--job-file-size", 2L << 30, 1L << 16));
  config.limits.job_cpu_seconds = static_cast<unsigned long>(args.whole("--job-cpu", 7L * 24 * 3600, 1));
  config.executable = executable_path();
  for (const SystemInfo& s : known_systems()) config.systems.push_back(s.key);
  config.torch = torch_available();
  config.check_arguments = check_arguments;
  config.check_structure = check_structure;
  return server::run_server(config);
}

}  // namespace strider::cli
#endif  // STRIDER_WITH_SERVER
