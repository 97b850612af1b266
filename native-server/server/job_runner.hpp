#pragma once
// The worker pool: K threads take queued jobs in order and run each one's
// stages (job_request.hpp) as child processes of the strider CLI in the job's
// folder DIR/jobs/ID/. A child gets its own stdout (the --json result), stderr
// (stderr.log) and STRIDER_PROGRESS_FILE, whose JSON lines (strider/jobs/contract.hpp)
// become the job's progress. Children die with the server (PR_SET_PDEATHSIG),
// so after a kill -9 nothing of the old process keeps writing in a job folder.
// Why processes rather than threads: crash isolation (a job that aborts fails
// alone), cancel = SIGTERM, and the CLI's own option handling for free.
#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "job_request.hpp"
#include "job_store.hpp"
#include "strider/server/server.hpp"

namespace strider::server {

class JobRunner {
 public:
  JobRunner(JobStore& store, const ServerConfig& config);
  ~JobRunner();

  // Requeues what a previous process left (JobStore::recover_interrupted) and starts the workers.
  void start();
  // Stops the workers: running children are killed and their jobs queued again
  // for the next start (a kill -9 leaves them `running`: see JobStore::recover_interrupted).
  void stop();

  // Inserts a new job and queues it, unless queue_limit jobs already wait, or
  // queue_limit_per_token of the same owner token do (then nothing is inserted).
  enum class Admission { accepted, queue_full, token_share_full };
  Admission submit(const JobRecord& job);
  // Cancels a queued or running job; false when it is not queued or running.
  bool cancel(const std::string& id);
  // Waits up to `timeout` until job `id` is no longer running.
  void wait_until_idle(const std::string& id, std::chrono::milliseconds timeout);

  std::string job_dir(const std::string& id) const;

 private:
  struct ChildResult {
    bool exited = false;  // exited normally (else killed by a signal)
    int code = 0;         // exit status or signal number
  };
  void work();
  void run_job(const std::string& id);
  ChildResult run_child(const std::string& id, const JobStage& stage, const std::string& stdout_path);
  void read_progress(const std::string& id, const std::string& path, long& offset, std::string& last);
  bool should_stop(const std::string& id);

  JobStore& store_;
  const ServerConfig& config_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::string> queue_;
  std::map<std::string, std::string> queued_token_;  // queued job id -> its owner token's hash
  std::set<std::string> running_, cancelled_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

// `text` with the data folder's path (as given, and absolute) taken out of
// every path in it, so that a client reads "jobs/ID/input.xyz", never where
// the server keeps its files.
std::string without_server_paths(std::string text, const std::string& data_dir);

}  // namespace strider::server
