#include "job_store.hpp"

#include <stdexcept>

namespace strider::server {

namespace {

// One prepared statement with positional binding; finalized on scope exit.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) fail();
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement& bind(int k, const std::string& text) {
    sqlite3_bind_text(stmt_, k, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind(int k, double x) {
    sqlite3_bind_double(stmt_, k, x);
    return *this;
  }
  Statement& bind(int k, int x) {
    sqlite3_bind_int(stmt_, k, x);
    return *this;
  }
  Statement& bind(int k, const std::optional<std::string>& text) {
    if (text) return bind(k, *text);
    sqlite3_bind_null(stmt_, k);
    return *this;
  }
  Statement& bind(int k, const std::optional<double>& x) {
    if (x) return bind(k, *x);
    sqlite3_bind_null(stmt_, k);
    return *this;
  }
  // True while there is a row.
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE) fail();
    return false;
  }
  std::string text(int k) const {
    const auto* p = sqlite3_column_text(stmt_, k);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, k))) : "";
  }
  std::optional<std::string> optional_text(int k) const {
    if (sqlite3_column_type(stmt_, k) == SQLITE_NULL) return std::nullopt;
    return text(k);
  }
  std::optional<double> optional_number(int k) const {
    if (sqlite3_column_type(stmt_, k) == SQLITE_NULL) return std::nullopt;
    return sqlite3_column_double(stmt_, k);
  }
  double number(int k) const { return sqlite3_column_double(stmt_, k); }
  int integer(int k) const { return sqlite3_column_int(stmt_, k); }

 private:
  [[noreturn]] void fail() { throw std::runtime_error(std::string("SQLite: ") + sqlite3_errmsg(db_)); }
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

constexpr const char* columns =
    "id, token_hash, command, request, status, stage, created, started, finished, attempts, progress, error, note";

JobRecord read_job(const Statement& s) {
  JobRecord j;
  j.id = s.text(0);
  j.token_hash = s.text(1);
  j.command = s.text(2);
  j.request = nlohmann::json::parse(s.text(3));
  j.status = s.text(4);
  j.stage = s.text(5);
  j.created = s.number(6);
  j.started = s.optional_number(7);
  j.finished = s.optional_number(8);
  j.attempts = s.integer(9);
  const auto progress = s.optional_text(10);
  j.progress = progress ? nlohmann::json::parse(*progress) : nlohmann::json();
  j.error = s.optional_text(11);
  j.note = s.optional_text(12);
  return j;
}

}  // namespace

bool is_final_status(const std::string& status) {
  return status == "succeeded" || status == "failed" || status == "cancelled";
}

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

JobStore::JobStore(const std::string& path) {
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr) !=
      SQLITE_OK) {
    const std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw std::runtime_error(path + ": " + message);
  }
  sqlite3_busy_timeout(db_, 5000);
  exec("PRAGMA journal_mode=WAL");
  exec("PRAGMA synchronous=NORMAL");
  exec(
      "CREATE TABLE IF NOT EXISTS jobs ("
      " id TEXT PRIMARY KEY, token_hash TEXT NOT NULL, command TEXT NOT NULL, request TEXT NOT NULL,"
      " status TEXT NOT NULL, stage TEXT NOT NULL, created REAL NOT NULL, started REAL, finished REAL,"
      " attempts INTEGER NOT NULL DEFAULT 0, progress TEXT, error TEXT, note TEXT)");
  exec("CREATE INDEX IF NOT EXISTS jobs_by_token ON jobs (token_hash, created)");
}

JobStore::~JobStore() { sqlite3_close(db_); }

void JobStore::exec(const std::string& sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    const std::string text = message ? message : "unknown error";
    sqlite3_free(message);
    throw std::runtime_error("SQLite: " + text + " (" + sql + ")");
  }
}

void JobStore::changed() {
  ++version_;
  change_.notify_all();
}

void JobStore::insert(const JobRecord& job) {
  std::lock_guard lock(mutex_);
  Statement s(db_,
              "INSERT INTO jobs (id, token_hash, command, request, status, stage, created, attempts)"
              " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0)");
  s.bind(1, job.id).bind(2, job.token_hash).bind(3, job.command).bind(4, job.request.dump());
  s.bind(5, job.status).bind(6, job.stage).bind(7, job.created);
  s.step();
  changed();
}

std::optional<JobRecord> JobStore::get(const std::string& id) {
  std::lock_guard lock(mutex_);
  Statement s(db_, (std::string("SELECT ") + columns + " FROM jobs WHERE id = ?1").c_str());
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_job(s);
}

std::vector<JobRecord> JobStore::list_by_token(const std::string& token_hash) {
  std::lock_guard lock(mutex_);
  Statement s(db_, (std::string("SELECT ") + columns + " FROM jobs WHERE token_hash = ?1 ORDER BY created DESC").c_str());
  s.bind(1, token_hash);
  std::vector<JobRecord> out;
  while (s.step()) out.push_back(read_job(s));
  return out;
}

std::vector<std::string> JobStore::queued_ids() {
  std::lock_guard lock(mutex_);
  Statement s(db_, "SELECT id FROM jobs WHERE status = 'queued' ORDER BY created");
  std::vector<std::string> out;
  while (s.step()) out.push_back(s.text(0));
  return out;
}

void JobStore::remove(const std::string& id) {
  std::lock_guard lock(mutex_);
  Statement(db_, "DELETE FROM jobs WHERE id = ?1").bind(1, id).step();
  changed();
}

void JobStore::mark_running(const std::string& id, const std::string& stage) {
  std::lock_guard lock(mutex_);
  Statement s(db_,
              "UPDATE jobs SET status = 'running', stage = ?2, started = ?3, attempts = attempts + 1,"
              " progress = NULL WHERE id = ?1");
  s.bind(1, id).bind(2, stage).bind(3, unix_now()).step();
  changed();
}

void JobStore::set_stage(const std::string& id, const std::string& stage) {
  std::lock_guard lock(mutex_);
  Statement(db_, "UPDATE jobs SET stage = ?2, progress = NULL WHERE id = ?1").bind(1, id).bind(2, stage).step();
  changed();
}

void JobStore::set_progress(const std::string& id, const nlohmann::json& progress) {
  std::lock_guard lock(mutex_);
  Statement(db_, "UPDATE jobs SET progress = ?2 WHERE id = ?1").bind(1, id).bind(2, progress.dump()).step();
  changed();
}

void JobStore::requeue(const std::string& id, const std::string& note) {
  std::lock_guard lock(mutex_);
  Statement(db_, "UPDATE jobs SET status = 'queued', note = ?2 WHERE id = ?1").bind(1, id).bind(2, note).step();
  changed();
}

void JobStore::finish(const std::string& id, const std::string& status, const std::optional<std::string>& error) {
  std::lock_guard lock(mutex_);
  Statement s(db_, "UPDATE jobs SET status = ?2, error = ?3, finished = ?4 WHERE id = ?1");
  s.bind(1, id).bind(2, status).bind(3, error).bind(4, unix_now()).step();
  changed();
}

void JobStore::recover_interrupted(int max_attempts) {
  std::lock_guard lock(mutex_);
  exec("BEGIN IMMEDIATE");
  try {
    Statement resume(db_,
                     "UPDATE jobs SET status = 'queued', note = 'resumed after a server restart (start ' ||"
                     " (attempts + 1) || ')' WHERE status = 'running' AND command = 'train' AND attempts < ?1");
    resume.bind(1, max_attempts).step();
    Statement fail(db_,
                   "UPDATE jobs SET status = 'failed', finished = ?1, error = CASE command WHEN 'train' THEN"
                   " 'interrupted by server restarts ' || attempts || ' times' ELSE"
                   " 'interrupted by a server restart (only train jobs keep a checkpoint to resume from)' END"
                   " WHERE status = 'running'");
    fail.bind(1, unix_now()).step();
    exec("COMMIT");
  } catch (...) {
    exec("ROLLBACK");
    throw;
  }
  changed();
}

std::uint64_t JobStore::wait_for_change(std::uint64_t seen, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  change_.wait_for(lock, timeout, [&] { return released_ || version_ != seen; });
  return version_;
}

std::uint64_t JobStore::version() {
  std::lock_guard lock(mutex_);
  return version_;
}

void JobStore::release_waiters() {
  std::lock_guard lock(mutex_);
  released_ = true;
  changed();
}

bool JobStore::waiters_released() {
  std::lock_guard lock(mutex_);
  return released_;
}

}  // namespace strider::server
