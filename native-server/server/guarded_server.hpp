#pragma once
// httplib's server with deadlines on reading a request: a client that sends
// its headers (or its body) a byte at a time holds an HTTP thread only until
// the deadline, then its connection is closed. httplib's own read timeout
// restarts with every byte, so a hundred slow clients could hold every thread.
//
// Each connection is served here (httplib's process_and_close_socket, with
// the same keep-alive loop) through a socket stream whose reads stop at a
// deadline: header_deadline from the start of a request; the routing hook
// marks the headers read (body_deadline from then); the request's handler
// marks the request read (no deadline: an SSE stream may last).
#include <httplib.h>

#include <chrono>

namespace strider::server {

class GuardedServer : public httplib::Server {
 public:
  GuardedServer(std::chrono::milliseconds header_deadline, std::chrono::milliseconds body_deadline);

  // Called on the connection's own thread (from the routing hook and the
  // handlers): the headers are read, the whole request is read.
  void headers_read();
  void request_read();
  // Closes the connection once the answer is sent (a body left unread).
  void close_after_answer();

 private:
  bool process_and_close_socket(socket_t sock) override;

  std::chrono::milliseconds header_deadline_, body_deadline_;
};

}  // namespace strider::server
