#include "job_runner.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "strider/jobs/contract.hpp"

extern char** environ;

namespace strider::server {

namespace fs = std::filesystem;

namespace {

constexpr int max_starts = 5;  // a train job interrupted this often by restarts fails
constexpr auto poll_interval = std::chrono::milliseconds(200);
constexpr auto term_grace = std::chrono::seconds(3);  // SIGTERM, then SIGKILL

// The last non-empty line of a text file ("" when none): the CLI's error message.
std::string last_line(const std::string& path) {
  std::ifstream in(path);
  std::string line, last;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") != std::string::npos) last = line;
  }
  return last;
}

bool is_json_object_file(const std::string& path) {
  std::ifstream in(path);
  try {
    return nlohmann::json::parse(in).is_object();
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

// Why a child ended by `signal`: its limits (SIGXFSZ, SIGXCPU) said in words.
std::string killed_reason(int signal, const ServerLimits& limits) {
  if (signal == SIGXFSZ) return "stopped at the job file size limit of " + std::to_string(limits.job_file_bytes) + " bytes";
  if (signal == SIGXCPU) return "stopped at the job CPU time limit of " + std::to_string(limits.job_cpu_seconds) + " s";
  return "killed by signal " + std::to_string(signal);
}

}  // namespace

std::string without_server_paths(std::string text, const std::string& data_dir) {
  std::error_code error;
  const std::string absolute = fs::absolute(data_dir, error).lexically_normal().string();
  for (std::string prefix : {absolute, data_dir}) {
    if (prefix.empty()) continue;
    if (prefix.back() != '/') prefix += '/';
    for (std::size_t at; (at = text.find(prefix)) != std::string::npos;) text.erase(at, prefix.size());
  }
  return text;
}

JobRunner::JobRunner(JobStore& store, const ServerConfig& config) : store_(store), config_(config) {}

JobRunner::~JobRunner() { stop(); }

std::string JobRunner::job_dir(const std::string& id) const {
  return (fs::path(config_.data_dir) / "jobs" / id).string();
}

void JobRunner::start() {
  store_.recover_interrupted(max_starts);
  {
    std::lock_guard lock(mutex_);
    for (const std::string& id : store_.queued_ids()) {
      queue_.push_back(id);
      if (const auto job = store_.get(id)) queued_token_[id] = job->token_hash;
    }
  }
  for (int k = 0; k < config_.workers; ++k) workers_.emplace_back([this] { work(); });
}

void JobRunner::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
  workers_.clear();
}

JobRunner::Admission JobRunner::submit(const JobRecord& job) {
  std::lock_guard lock(mutex_);
  if (static_cast<int>(queue_.size()) >= config_.limits.queue_limit) return Admission::queue_full;
  long same_token = 0;
  for (const auto& [id, token_hash] : queued_token_) same_token += token_hash == job.token_hash;
  if (same_token >= config_.limits.queue_limit_per_token) return Admission::token_share_full;
  store_.insert(job);
  queue_.push_back(job.id);
  queued_token_[job.id] = job.token_hash;
  wake_.notify_all();
  return Admission::accepted;
}

bool JobRunner::cancel(const std::string& id) {
  std::lock_guard lock(mutex_);
  for (auto it = queue_.begin(); it != queue_.end(); ++it) {
    if (*it == id) {
      queue_.erase(it);
      queued_token_.erase(id);
      store_.finish(id, "cancelled", "cancelled by its owner before it started");
      return true;
    }
  }
  if (!running_.count(id)) return false;
  cancelled_.insert(id);
  wake_.notify_all();
  return true;
}

void JobRunner::wait_until_idle(const std::string& id, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, timeout, [&] { return !running_.count(id); });
}

bool JobRunner::should_stop(const std::string& id) {
  std::lock_guard lock(mutex_);
  return stopping_ || cancelled_.count(id);
}

void JobRunner::work() {
  for (;;) {
    std::string id;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      id = queue_.front();
      queue_.pop_front();
      queued_token_.erase(id);
      running_.insert(id);
    }
    try {
      run_job(id);
    } catch (const std::exception& e) {
      store_.finish(id, "failed", std::string("server error: ") + e.what());
    }
    {
      std::lock_guard lock(mutex_);
      running_.erase(id);
      cancelled_.erase(id);
    }
    wake_.notify_all();
  }
}

void JobRunner::run_job(const std::string& id) {
  const auto job = store_.get(id);
  if (!job || job->status != "queued") return;
  const fs::path dir = job_dir(id);
  const bool resume = job->command == "train" && fs::exists(dir / "model.weights.checkpoint") &&
                      fs::exists(dir / "model.weights");
  // Paths relative to the job folder, the children's working folder: what a job prints never names the server's.
  const std::vector<JobStage> stages = job_stages(job->request, "", resume);
  store_.mark_running(id, stages.front().name);
  for (std::size_t k = 0; k < stages.size(); ++k) {
    const JobStage& stage = stages[k];
    const bool last = k + 1 == stages.size();
    const fs::path output = dir / stage.output;
    if (!stage.output.empty()) {
      if (fs::exists(output)) continue;  // done before a restart
      fs::remove_all(output.string() + ".partial");
    }
    store_.set_stage(id, stage.name);
    const std::string stdout_path = (dir / (last ? "result.json" : stage.name + ".json")).string();
    const ChildResult result = run_child(id, stage, stdout_path);
    {
      std::lock_guard lock(mutex_);
      if (stopping_) {  // the next start runs it again (train: from its checkpoint)
        store_.requeue(id, "interrupted by a server stop; run again at the next start");
        return;
      }
      if (cancelled_.count(id)) {
        // What it was writing is of no use and may be large (a long trajectory).
        for (const char* name : {"trajectory.xyz", "structure.xyz", "model.weights", "result.json"}) fs::remove(dir / name);
        store_.finish(id, "cancelled", "cancelled by its owner while it ran");
        return;
      }
    }
    if (!result.exited || result.code != 0) {
      std::string reason = without_server_paths(last_line((dir / "stderr.log").string()), config_.data_dir);
      if (!result.exited) reason = killed_reason(result.code, config_.limits) + (reason.empty() ? "" : ": " + reason);
      if (reason.empty()) reason = stage.name + " exited with status " + std::to_string(result.code);
      store_.finish(id, "failed", reason);
      return;
    }
    if (!stage.output.empty()) fs::rename(output.string() + ".partial", output);
    if (last && !is_json_object_file(stdout_path)) {
      store_.finish(id, "failed", stage.name + " printed no JSON result");
      return;
    }
  }
  store_.finish(id, "succeeded", std::nullopt);
}

JobRunner::ChildResult JobRunner::run_child(const std::string& id, const JobStage& stage,
                                            const std::string& stdout_path) {
  const fs::path dir = job_dir(id);
  const std::string progress_name = "progress-" + stage.name + ".jsonl";  // in the child's working folder
  const std::string progress_path = (dir / progress_name).string();
  const std::string dir_text = dir.string();
  fs::remove(progress_path);

  // Everything the child needs is made before fork: after it, only async-signal-safe calls.
  std::vector<std::string> argv_text{config_.executable};
  argv_text.insert(argv_text.end(), stage.args.begin(), stage.args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string progress_variable = std::string(jobs::progress_file_variable) + "=";
  std::vector<std::string> env_text{progress_variable + progress_name};
  for (char** e = environ; *e; ++e) {
    if (std::strncmp(*e, progress_variable.c_str(), progress_variable.size()) != 0) env_text.emplace_back(*e);
  }
  std::vector<char*> envp;
  for (std::string& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);
  const int out_fd = open(stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const int err_fd = open((dir / "stderr.log").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  const int in_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (out_fd < 0 || err_fd < 0 || in_fd < 0) throw std::runtime_error("cannot open the job's output files in jobs/" + id);
  const ServerLimits& limits = config_.limits;
  const pid_t parent = getpid();

  const pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    signal(SIGPIPE, SIG_DFL);
    dup2(in_fd, 0);
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    syscall(SYS_close_range, 3U, ~0U, 0U);  // sockets, the database and the lock stay the server's
    if (chdir(dir_text.c_str()) != 0) _exit(127);
    // One job cannot take the machine: memory (heap and private mappings), file size, CPU time.
    const struct rlimit memory{limits.job_memory_bytes, limits.job_memory_bytes};
    const struct rlimit file_size{limits.job_file_bytes, limits.job_file_bytes};
    const struct rlimit cpu{limits.job_cpu_seconds, limits.job_cpu_seconds + 5};
    if (setrlimit(RLIMIT_DATA, &memory) != 0 || setrlimit(RLIMIT_FSIZE, &file_size) != 0 ||
        setrlimit(RLIMIT_CPU, &cpu) != 0) {
      _exit(127);
    }
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  close(out_fd);
  close(err_fd);
  close(in_fd);
  if (pid < 0) throw std::runtime_error(std::string("fork failed: ") + std::strerror(errno));

  long offset = 0;
  std::string last_progress;
  std::optional<std::chrono::steady_clock::time_point> terminated_at;
  for (;;) {
    int status = 0;
    const pid_t done = waitpid(pid, &status, WNOHANG);
    read_progress(id, progress_path, offset, last_progress);
    if (done == pid) {
      if (WIFEXITED(status)) return {true, WEXITSTATUS(status)};
      return {false, WTERMSIG(status)};
    }
    bool stopping = false, cancelled = false;
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, poll_interval,
                     [&] { return !terminated_at && (stopping_ || cancelled_.count(id) > 0); });
      stopping = stopping_;
      cancelled = cancelled_.count(id) > 0;
    }
    if (stopping) {
      kill(pid, SIGKILL);
      terminated_at = std::chrono::steady_clock::now();
    } else if (cancelled) {
      const auto now = std::chrono::steady_clock::now();
      if (!terminated_at) {
        kill(pid, SIGTERM);
        terminated_at = now;
      } else if (now - *terminated_at > term_grace) {
        kill(pid, SIGKILL);
      }
    }
  }
}

void JobRunner::read_progress(const std::string& id, const std::string& path, long& offset, std::string& last) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return;
  in.seekg(offset);
  std::string line, newest;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // a line still being written
    offset += static_cast<long>(line.size()) + 1;
    newest = line;
  }
  if (newest.empty() || newest == last) return;
  last = newest;
  const std::optional<jobs::ProgressLine> p = jobs::parse_progress_line(newest);
  if (!p) return;  // a malformed line is skipped; the next one replaces it
  nlohmann::json progress{{"done", p->done}, {"total", p->total}, {"label", p->label}};
  if (!p->note.empty()) progress["note"] = p->note;
  if (!p->seeds.is_null()) progress["seeds"] = p->seeds;
  store_.set_progress(id, progress);
}

}  // namespace strider::server
