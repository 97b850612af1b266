#pragma once
// The jobs table: one SQLite database in WAL mode (DIR/jobs.sqlite3), one
// connection, every write a transaction of its own. synchronous=NORMAL: in WAL
// mode a commit survives the process being killed (kill -9) and only a power
// loss can lose the last ones. Every change bumps a version that
// wait_for_change() watches (the SSE streams).
#include <sqlite3.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace strider::server {

struct JobRecord {
  std::string id;          // 32 hex digits
  std::string token_hash;  // SHA-256 of the owner token, hex
  std::string command;     // minimize, search, train, adapt, benchmark
  nlohmann::json request;  // the submitted job-request object
  std::string status;      // queued, running, succeeded, failed, cancelled
  std::string stage;       // what runs (generate, train, ...)
  double created = 0;      // Unix seconds
  std::optional<double> started, finished;
  int attempts = 0;
  nlohmann::json progress;  // null or {done, total, label, note}
  std::optional<std::string> error, note;
};

bool is_final_status(const std::string& status);

// Current Unix time, seconds.
double unix_now();

class JobStore {
 public:
  // Opens or creates DIR-file `path`. Throws std::runtime_error with SQLite's message.
  explicit JobStore(const std::string& path);
  ~JobStore();
  JobStore(const JobStore&) = delete;
  JobStore& operator=(const JobStore&) = delete;

  void insert(const JobRecord& job);
  std::optional<JobRecord> get(const std::string& id);
  std::vector<JobRecord> list_by_token(const std::string& token_hash);  // newest first
  std::vector<std::string> queued_ids();                                 // oldest first
  void remove(const std::string& id);

  void mark_running(const std::string& id, const std::string& stage);  // attempts + 1, started now
  void set_stage(const std::string& id, const std::string& stage);
  void set_progress(const std::string& id, const nlohmann::json& progress);
  // Back to the queue (the server stops on a signal: the job runs again at the next start).
  void requeue(const std::string& id, const std::string& note);
  // A final status (succeeded, failed, cancelled) with its reason; finished now.
  void finish(const std::string& id, const std::string& status, const std::optional<std::string>& error);

  // After a restart: jobs left `running` by the previous process become queued
  // again (train: resumes from its checkpoint, up to max_attempts starts) or
  // failed with the reason.
  void recover_interrupted(int max_attempts);

  // Blocks until the version passes `seen` or `timeout` elapses; returns the version.
  std::uint64_t wait_for_change(std::uint64_t seen, std::chrono::milliseconds timeout);
  std::uint64_t version();
  // Shutdown: wakes every waiter, and wait_for_change returns at once from now on.
  void release_waiters();
  bool waiters_released();

 private:
  void exec(const std::string& sql);
  void changed();  // under mutex_

  sqlite3* db_ = nullptr;
  std::mutex mutex_;
  std::condition_variable change_;
  std::uint64_t version_ = 0;
  bool released_ = false;
};

}  // namespace strider::server
