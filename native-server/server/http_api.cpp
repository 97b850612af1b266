#include "http_api.hpp"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <regex>
#include <sstream>

#include "random_token.hpp"
#include "strider/jobs/contract.hpp"
#include "request_json.hpp"
#include "static_files.hpp"

namespace strider::server {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// The result files a job may have (shared/api/README.md), in listing order.
const std::vector<std::string> result_files{"structure.xyz", "trajectory.xyz", "model.weights",
                                            "curve.csv",     "result.json",    "stderr.log"};
constexpr auto sse_keep_alive = std::chrono::seconds(15);

// Invalid UTF-8 (quoted from a malformed request in a message) is written as U+FFFD, never a 500.
std::string dump_text(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

void send_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(dump_text(body), "application/json");
}

void send_error(httplib::Response& res, int status, const std::string& message, const std::string& field = "") {
  json body{{"error", message}};
  if (!field.empty()) body["field"] = field;
  send_json(res, status, body);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The owner token of "Authorization: Bearer TOKEN"; "" when the header is absent, nullopt when malformed.
std::optional<std::string> bearer_token(const httplib::Request& req) {
  if (!req.has_header("Authorization")) return "";
  const std::string value = req.get_header_value("Authorization");
  const std::string prefix = "Bearer ";
  if (value.rfind(prefix, 0) != 0 || !is_hex_token(value.substr(prefix.size()))) return std::nullopt;
  return value.substr(prefix.size());
}

// A CSV file (header, numbers, empty cells) as {columns, rows} with null for an empty cell.
json csv_curve(const fs::path& path) {
  std::ifstream in(path);
  std::string line;
  json columns = json::array(), rows = json::array();
  auto cells = [](const std::string& text) {
    std::vector<std::string> out;
    std::stringstream s(text);
    std::string cell;
    while (std::getline(s, cell, ',')) out.push_back(cell);
    if (!text.empty() && text.back() == ',') out.emplace_back();
    return out;
  };
  if (std::getline(in, line)) {
    for (const std::string& c : cells(line)) columns.push_back(c);
  }
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    json row = json::array();
    for (const std::string& c : cells(line)) {
      try {
        row.push_back(c.empty() ? json() : json(std::stod(c)));
      } catch (const std::exception&) {
        row.push_back(json());
      }
    }
    rows.push_back(row);
  }
  return {{"columns", columns}, {"rows", rows}};
}

// The energy of every frame of an extxyz trajectory (its energy= key) as {columns: [frame, energy], rows}.
json trajectory_curve(const fs::path& path) {
  std::ifstream in(path);
  static const std::regex energy_key(R"((?:^|\s)energy=([-+0-9.eE]+))");
  json rows = json::array();
  std::string line;
  long frame = 0;
  while (std::getline(in, line)) {
    const long atoms = std::stol(line);
    std::getline(in, line);
    std::smatch m;
    rows.push_back({frame++, std::regex_search(line, m, energy_key) ? json(std::stod(m[1])) : json()});
    for (long k = 0; k < atoms && std::getline(in, line); ++k) {
    }
  }
  return {{"columns", {"frame", "energy"}}, {"rows", rows}};
}

class Api {
 public:
  Api(GuardedServer& http, const ServerConfig& config, JobStore& store, JobRunner& runner)
      : http_(http), config_(config), store_(store), runner_(runner) {}

  json job_json(const JobRecord& job) const {
    auto optional_number = [](const std::optional<double>& x) { return x ? json(*x) : json(); };
    auto optional_text = [](const std::optional<std::string>& x) { return x ? json(*x) : json(); };
    json files = json::array();
    const fs::path dir = runner_.job_dir(job.id);
    for (const std::string& name : result_files) {
      if (fs::exists(dir / name)) files.push_back(name);
    }
    return {{"id", job.id},
            {"command", job.command},
            {"status", job.status},
            {"created", job.created},
            {"started", optional_number(job.started)},
            {"finished", optional_number(job.finished)},
            {"attempts", job.attempts},
            {"stage", job.stage},
            {"progress", job.progress},
            {"error", optional_text(job.error)},
            {"note", optional_text(job.note)},
            {"files", files},
            {"request", job.request},
            {"share_url", "/r/" + job.id}};
  }

  // The body is read here, so that a chunked one stops at max_body_bytes like one with a Content-Length.
  void submit(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& content) {
    std::string body;
    bool too_long = req.get_header_value<std::uint64_t>("Content-Length") > config_.limits.max_body_bytes;
    const bool read = !too_long && content([&](const char* data, std::size_t length) {
      too_long = body.size() + length > config_.limits.max_body_bytes;
      if (!too_long) body.append(data, length);
      return !too_long;
    });
    if (!read) {
      res.set_header("Connection", "close");  // the rest of the body stays unread
      http_.close_after_answer();
      if (!too_long) return send_error(res, 400, "the request body could not be read");
      return send_error(res, 413, "request body over the limit of " + std::to_string(config_.limits.max_body_bytes) +
                                      " bytes (max_body_bytes)");
    }
    http_.request_read();
    const auto token_given = bearer_token(req);
    if (!token_given) return send_error(res, 400, "Authorization must be 'Bearer' and 32-128 hex digits", "Authorization");
    json request;
    try {
      request = parse_request_json(body);
      check_job_request(request, config_, store_);
    } catch (const RequestError& e) {
      return send_error(res, e.status, e.what(), e.field);
    }
    if (request.at("command") == "adapt" && !request.value("options", json::object()).contains("backend")) {
      request["options"]["backend"] = config_.torch ? "torch" : "engine";  // recorded, so the result says which ran
    }
    JobRecord job;
    job.id = random_hex128();
    const std::string token = token_given->empty() ? random_hex128() : *token_given;
    job.token_hash = sha256_hex(token);
    job.command = request.at("command");
    job.request = request;
    job.status = "queued";
    job.stage = "queued";
    job.created = unix_now();
    const std::string dir = runner_.job_dir(job.id);
    write_job_inputs(request, dir, config_.data_dir);
    if (const JobRunner::Admission admission = runner_.submit(job); admission != JobRunner::Admission::accepted) {
      fs::remove_all(dir);
      if (admission == JobRunner::Admission::token_share_full) {
        return send_error(res, 429, "this owner token already has " +
                                        std::to_string(config_.limits.queue_limit_per_token) +
                                        " jobs waiting (queue_limit_per_token): try again when one has started");
      }
      return send_error(res, 429, "the queue is full (" + std::to_string(config_.limits.queue_limit) +
                                      " jobs waiting): try again later");
    }
    send_json(res, 201,
              {{"id", job.id},
               {"token", token},
               {"status", "queued"},
               {"url", "/api/jobs/" + job.id},
               {"events_url", "/api/jobs/" + job.id + "/events"},
               {"share_url", "/r/" + job.id}});
  }

  void list(const httplib::Request& req, httplib::Response& res) {
    const auto token = bearer_token(req);
    if (!token || token->empty()) return send_error(res, 401, "listing jobs needs 'Authorization: Bearer TOKEN'");
    json jobs = json::array();
    for (const JobRecord& job : store_.list_by_token(sha256_hex(*token))) jobs.push_back(job_json(job));
    send_json(res, 200, {{"jobs", jobs}});
  }

  // A job's status is what clients poll: its answer is kept until the store changes.
  void get(const httplib::Request& req, httplib::Response& res) {
    const std::string id = req.matches[1];
    const std::uint64_t version = store_.version();
    {
      std::lock_guard lock(cache_mutex_);
      if (auto it = status_cache_.find(id); it != status_cache_.end() && it->second.first == version) {
        return res.set_content(it->second.second, "application/json");
      }
    }
    const auto job = store_.get(id);
    if (!job) return send_error(res, 404, "no such job");
    std::string body = dump_text(job_json(*job));
    res.set_content(body, "application/json");
    std::lock_guard lock(cache_mutex_);
    if (status_cache_.size() >= 1000) status_cache_.clear();
    status_cache_[id] = {version, std::move(body)};
  }

  // The owner's job, or nullopt after answering 401 / 403 / 404.
  std::optional<JobRecord> owned_job(const httplib::Request& req, httplib::Response& res) {
    const auto token = bearer_token(req);
    if (!token || token->empty()) {
      send_error(res, 401, "this needs the job's owner token: 'Authorization: Bearer TOKEN'");
      return std::nullopt;
    }
    auto job = store_.get(req.matches[1]);
    if (!job) {
      send_error(res, 404, "no such job");
      return std::nullopt;
    }
    if (sha256_hex(*token) != job->token_hash) {
      send_error(res, 403, "not the owner token of this job");
      return std::nullopt;
    }
    return job;
  }

  void cancel(const httplib::Request& req, httplib::Response& res) {
    const auto job = owned_job(req, res);
    if (!job) return;
    if (!runner_.cancel(job->id)) return send_error(res, 409, "the job has already finished (" + job->status + ")");
    runner_.wait_until_idle(job->id, std::chrono::seconds(6));
    send_json(res, 200, job_json(*store_.get(job->id)));
  }

  void remove(const httplib::Request& req, httplib::Response& res) {
    const auto job = owned_job(req, res);
    if (!job) return;
    runner_.cancel(job->id);
    runner_.wait_until_idle(job->id, std::chrono::seconds(6));
    store_.remove(job->id);
    fs::remove_all(runner_.job_dir(job->id));
    send_json(res, 200, {{"deleted", job->id}});
  }

  void result(const httplib::Request& req, httplib::Response& res) {
    const auto job = store_.get(req.matches[1]);
    if (!job) return send_error(res, 404, "no such job");
    if (job->status == "failed" || job->status == "cancelled") {
      return send_error(res, 409, "the job " + job->status + ": " + job->error.value_or(""));
    }
    if (job->status != "succeeded") return send_error(res, 404, "no result yet: the job is " + job->status);
    res.set_content(read_file(fs::path(runner_.job_dir(job->id)) / "result.json"), "application/json");
  }

  void curve(const httplib::Request& req, httplib::Response& res) {
    const auto job = store_.get(req.matches[1]);
    if (!job) return send_error(res, 404, "no such job");
    const fs::path dir = runner_.job_dir(job->id);
    if (fs::exists(dir / "curve.csv")) return send_json(res, 200, csv_curve(dir / "curve.csv"));
    if (job->command == "minimize" && job->status == "succeeded" && fs::exists(dir / "trajectory.xyz")) {
      return send_json(res, 200, trajectory_curve(dir / "trajectory.xyz"));
    }
    const jobs::JobCommand* command = jobs::find_job_command(job->command);
    send_error(res, 404, command && !command->curve
                             ? "a " + job->command + " job has no energy curve"
                             : "no energy curve yet: the job is " + job->status);
  }

  void file(const httplib::Request& req, httplib::Response& res) {
    const auto job = store_.get(req.matches[1]);
    if (!job) return send_error(res, 404, "no such job");
    const std::string name = req.matches[2];
    const fs::path path = fs::path(runner_.job_dir(job->id)) / name;
    if (std::find(result_files.begin(), result_files.end(), name) == result_files.end() || !fs::exists(path)) {
      return send_error(res, 404, "this job has no file '" + name + "'");
    }
    res.set_content(read_file(path), content_type_of(name));
  }

  // Server-Sent Events: the job now, then at every change, until it is final.
  // At most max_event_streams at once, fewer than the HTTP threads: each holds one, and the API must still answer.
  void events(const httplib::Request& req, httplib::Response& res) {
    const std::string id = req.matches[1];
    if (!store_.get(id)) return send_error(res, 404, "no such job");
    if (open_streams_.fetch_add(1) >= config_.limits.max_event_streams) {
      open_streams_.fetch_sub(1);
      res.set_header("Retry-After", "5");
      return send_error(res, 503, "too many progress streams open (max_event_streams " +
                                      std::to_string(config_.limits.max_event_streams) + "): poll " +
                                      "/api/jobs/" + id + " instead, or try again later");
    }
    res.set_header("Cache-Control", "no-cache");
    res.set_chunked_content_provider(
        "text/event-stream", [this, id, seen = std::uint64_t(0), sent = std::string(), first = true](
                                 std::size_t, httplib::DataSink& sink) mutable {
          if (!first) seen = store_.wait_for_change(seen, sse_keep_alive);
          else seen = store_.version();
          first = false;
          const auto job = store_.get(id);
          if (!job || store_.waiters_released()) {
            sink.done();
            return true;
          }
          std::string data = dump_text(job_json(*job));
          const std::string message = data == sent ? ": keep-alive\n\n" : "event: job\ndata: " + data + "\n\n";
          sent = std::move(data);
          if (!sink.write(message.data(), message.size())) return false;
          if (is_final_status(job->status)) sink.done();
          return true;
        },
        [this](bool) { open_streams_.fetch_sub(1); });
  }

  void limits(const httplib::Request&, httplib::Response& res) {
    const ServerLimits& l = config_.limits;
    json commands = json::array();
    for (const jobs::JobCommand& command : jobs::job_commands) commands.push_back(std::string(command.name));
    send_json(res, 200,
              {{"max_body_bytes", l.max_body_bytes},
               {"max_atoms", l.max_atoms},
               {"max_structures", l.max_structures},
               {"max_epochs", l.max_epochs},
               {"max_steps", l.max_steps},
               {"queue_limit", l.queue_limit},
               {"queue_limit_per_token", l.queue_limit_per_token},
               {"max_event_streams", l.max_event_streams},
               {"max_frames", l.max_frames},
               {"max_cutoff", l.max_cutoff},
               {"max_seeds", l.max_seeds},
               {"max_batch_size", l.max_batch_size},
               {"workers", config_.workers},
               {"commands", commands},
               {"backends", config_.torch ? json::array({"engine", "torch"}) : json::array({"engine"})},
               {"systems", config_.systems}});
  }

  // The web app's page (also for /r/ID), or a note saying how to build it.
  void page(const httplib::Request& req, httplib::Response& res, const std::string& path) {
    if (auto file = read_static_file(config_.web_dir, path)) {
      res.set_content(std::move(file->content), file->content_type);
      return;
    }
    if (path == "/" && !fs::exists(fs::path(config_.web_dir) / "index.html")) {
      res.set_content(
          "<!doctype html><title>strider</title><p>The web app is not built (no index.html in '" + config_.web_dir +
              "'): run <code>make wasm</code>, or start the server with <code>--web DIR</code>. "
              "The API at <a href=\"/api/limits\">/api</a> works without it.</p>",
          "text/html; charset=utf-8");
      return;
    }
    (void)req;
    res.status = 404;
    res.set_content("not found\n", "text/plain");
  }

  void share(const httplib::Request& req, httplib::Response& res) {
    if (!store_.get(req.matches[1])) {
      res.status = 404;
      return res.set_content("no such result\n", "text/plain");
    }
    page(req, res, "/");
  }

 private:
  GuardedServer& http_;
  std::atomic<int> open_streams_{0};
  const ServerConfig& config_;
  JobStore& store_;
  JobRunner& runner_;
  std::mutex cache_mutex_;
  std::map<std::string, std::pair<std::uint64_t, std::string>> status_cache_;  // id -> (store version, answer)
};

}  // namespace

void install_routes(GuardedServer& http, const ServerConfig& config, JobStore& store, JobRunner& runner) {
  auto api = std::make_shared<Api>(http, config, store, runner);
  const std::string id = "([0-9a-f]{32})";
  auto bind = [api, &http](void (Api::*method)(const httplib::Request&, httplib::Response&)) {
    return [api, method, &http](const httplib::Request& req, httplib::Response& res) {
      http.request_read();
      ((*api).*method)(req, res);
    };
  };
  http.Post("/api/jobs", [api](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& content) {
    api->submit(req, res, content);
  });
  http.Get("/api/jobs", bind(&Api::list));
  http.Get("/api/limits", bind(&Api::limits));
  http.Get("/api/jobs/" + id, bind(&Api::get));
  http.Delete("/api/jobs/" + id, bind(&Api::remove));
  http.Post("/api/jobs/" + id + "/cancel", bind(&Api::cancel));
  http.Get("/api/jobs/" + id + "/events", bind(&Api::events));
  http.Get("/api/jobs/" + id + "/result", bind(&Api::result));
  http.Get("/api/jobs/" + id + "/curve", bind(&Api::curve));
  http.Get("/api/jobs/" + id + "/files/([A-Za-z0-9._-]+)", bind(&Api::file));
  http.Get("/r/" + id, bind(&Api::share));
  http.Get("/api(/.*)?", [&http](const httplib::Request&, httplib::Response& res) {
    http.request_read();
    send_error(res, 404, "no such route");
  });
  http.Get("/.*", [api, &http](const httplib::Request& req, httplib::Response& res) {
    http.request_read();
    api->page(req, res, req.path);
  });

  // Headers read: the body deadline starts. Only POST /api/jobs reads a chunked
  // body (up to max_body_bytes); httplib would read any other one in full.
  http.set_pre_routing_handler([&http](const httplib::Request& req, httplib::Response& res) {
    http.headers_read();
    if (req.get_header_value("Transfer-Encoding").find("chunked") == std::string::npos ||
        (req.method == "POST" && req.path == "/api/jobs")) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    http.request_read();
    res.set_header("Connection", "close");
    http.close_after_answer();
    send_error(res, 411, "a chunked request body is only taken by POST /api/jobs: send a Content-Length");
    return httplib::Server::HandlerResponse::Handled;
  });

  http.set_error_handler(httplib::Server::HandlerWithResponse([&config, &http](const httplib::Request& req, httplib::Response& res) {
    http.request_read();
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;  // the route's own answer
    std::string message = "HTTP " + std::to_string(res.status);
    if (res.status == 413) {
      message = "request body over the limit of " + std::to_string(config.limits.max_body_bytes) + " bytes (max_body_bytes)";
    } else if (res.status == 404 || res.status == 405) {
      message = "no such route: " + req.method + " " + req.path;
    } else if (res.status == 400) {
      message = "malformed HTTP request";
    }
    send_error(res, res.status, message);
    return httplib::Server::HandlerResponse::Handled;
  }));
  // Paths in the message are shown relative to the data folder: a client never sees the server's own.
  http.set_exception_handler([&config](const httplib::Request&, httplib::Response& res, std::exception_ptr e) {
    std::string message = "unknown error";
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      message = x.what();
    } catch (...) {
    }
    send_error(res, 500, "server error: " + without_server_paths(message, config.data_dir));
  });
}

}  // namespace strider::server
