#pragma once
// The routes of shared/api/README.md on a cpp-httplib server: the JSON API
// under /api, the share URLs /r/ID and the web build's static files.
#include <httplib.h>

#include "guarded_server.hpp"
#include "job_runner.hpp"
#include "job_store.hpp"
#include "strider/server/server.hpp"

namespace strider::server {

// Registers every route and the JSON error answers on `http`, and marks each
// request's progress for its deadlines; the references must outlive it.
void install_routes(GuardedServer& http, const ServerConfig& config, JobStore& store, JobRunner& runner);

}  // namespace strider::server
