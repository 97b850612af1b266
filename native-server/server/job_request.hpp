#pragma once
// A job request (shared/api/job-request.schema.json): its checks at submission,
// the input files it brings, and the strider CLI commands that run it.
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "strider/server/server.hpp"

namespace strider::server {

class JobStore;

// A request the server refuses: the HTTP status (4xx), the message and the field at fault.
struct RequestError : std::runtime_error {
  RequestError(int status, const std::string& message, std::string field = "")
      : std::runtime_error(message), status(status), field(std::move(field)) {}
  int status;
  std::string field;
};

// Checks a parsed request against the schema, the limits, the known systems,
// the inputs it needs and the CLI's own option table. Throws RequestError.
void check_job_request(const nlohmann::json& request, const ServerConfig& config, JobStore& store);

// Writes the request's inputs into the job folder `dir` (input.xyz,
// policy.weights, data/ for an inline dataset); `data_dir` holds other jobs
// (policy_job's model is copied, so deleting that job later breaks nothing).
void write_job_inputs(const nlohmann::json& request, const std::string& dir, const std::string& data_dir);

// One child process of a job: `strider args...`. A stage with `output` set
// writes into output + ".partial", renamed to output when it succeeds, and is
// skipped when output already exists (a resumed job does not redo it).
struct JobStage {
  std::string name;               // generate, train, minimize, ...
  std::vector<std::string> args;  // after the program name
  std::string output;             // see above; empty for none
};

// The stages that run the request in folder `dir`. resume: add --resume to
// train (its checkpoint exists).
std::vector<JobStage> job_stages(const nlohmann::json& request, const std::string& dir, bool resume);

}  // namespace strider::server
