#include "guarded_server.hpp"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace strider::server {

namespace {

using Clock = std::chrono::steady_clock;

// poll() on one socket for `events`, at most `timeout`: true when ready.
bool wait_for(socket_t sock, short events, std::chrono::milliseconds timeout) {
  pollfd p{sock, events, 0};
  int n;
  do {
    n = ::poll(&p, 1, static_cast<int>(std::max<long>(0, timeout.count())));
  } while (n < 0 && errno == EINTR);
  return n > 0;
}

void address_of(socket_t sock, bool peer, std::string& ip, int& port) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  const int got = peer ? getpeername(sock, reinterpret_cast<sockaddr*>(&address), &length)
                       : getsockname(sock, reinterpret_cast<sockaddr*>(&address), &length);
  std::array<char, NI_MAXHOST> host{};
  std::array<char, NI_MAXSERV> service{};
  if (got != 0 || getnameinfo(reinterpret_cast<sockaddr*>(&address), length, host.data(), host.size(), service.data(),
                              service.size(), NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
    return;
  }
  ip = host.data();
  port = std::atoi(service.data());
}

// One request's reads and writes on a connection, as httplib's SocketStream
// (a read buffer, per-call timeouts), except that reading stops at `deadline`.
class DeadlineStream : public httplib::Stream {
 public:
  DeadlineStream(socket_t sock, std::chrono::milliseconds read_timeout, std::chrono::milliseconds write_timeout,
                 Clock::time_point deadline)
      : sock_(sock), read_timeout_(read_timeout), write_timeout_(write_timeout), deadline_(deadline) {}

  void set_deadline(Clock::time_point deadline) { deadline_ = deadline; }
  bool closing = false;  // the connection closes after this request's answer

  bool is_readable() const override {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now());
    if (deadline_ != Clock::time_point::max() && left.count() <= 0) return false;
    return wait_for(sock_, POLLIN, deadline_ == Clock::time_point::max() ? read_timeout_ : std::min(read_timeout_, left));
  }
  bool is_writable() const override { return wait_for(sock_, POLLOUT, write_timeout_); }

  ssize_t read(char* ptr, size_t size) override {
    if (offset_ < filled_) {
      const size_t n = std::min(size, filled_ - offset_);
      std::memcpy(ptr, buffer_.data() + offset_, n);
      offset_ += n;
      return static_cast<ssize_t>(n);
    }
    if (!is_readable()) return -1;
    offset_ = filled_ = 0;
    if (size >= buffer_.size()) return receive(ptr, size);
    const ssize_t n = receive(buffer_.data(), buffer_.size());
    if (n <= 0) return n;
    filled_ = static_cast<size_t>(n);
    const size_t copied = std::min(size, filled_);
    std::memcpy(ptr, buffer_.data(), copied);
    offset_ = copied;
    return static_cast<ssize_t>(copied);
  }
  ssize_t write(const char* ptr, size_t size) override {
    if (!is_writable()) return -1;
    ssize_t n;
    do {
      n = ::send(sock_, ptr, size, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    return n;
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override { address_of(sock_, true, ip, port); }
  void get_local_ip_and_port(std::string& ip, int& port) const override { address_of(sock_, false, ip, port); }
  socket_t socket() const override { return sock_; }

 private:
  ssize_t receive(char* ptr, size_t size) {
    ssize_t n;
    do {
      n = ::recv(sock_, ptr, size, 0);
    } while (n < 0 && errno == EINTR);
    return n;
  }

  socket_t sock_;
  std::chrono::milliseconds read_timeout_, write_timeout_;
  Clock::time_point deadline_;
  std::array<char, 4096> buffer_{};
  size_t offset_ = 0, filled_ = 0;
};

// The stream of the request the calling HTTP thread is reading (null between requests).
thread_local DeadlineStream* current_stream = nullptr;

}  // namespace

GuardedServer::GuardedServer(std::chrono::milliseconds header_deadline, std::chrono::milliseconds body_deadline)
    : header_deadline_(header_deadline), body_deadline_(body_deadline) {}

void GuardedServer::headers_read() {
  if (current_stream) current_stream->set_deadline(Clock::now() + body_deadline_);
}

void GuardedServer::request_read() {
  if (current_stream) current_stream->set_deadline(Clock::time_point::max());
}

void GuardedServer::close_after_answer() {
  if (current_stream) current_stream->closing = true;
}

// httplib's keep-alive loop: up to keep_alive_max_count requests, each within
// keep_alive_timeout of the last, until the server stops.
bool GuardedServer::process_and_close_socket(socket_t sock) {
  using std::chrono::milliseconds;
  using std::chrono::seconds;
  const auto keep_alive = seconds(keep_alive_timeout_sec_);
  const auto read_timeout = std::chrono::duration_cast<milliseconds>(seconds(read_timeout_sec_)) +
                            std::chrono::duration_cast<milliseconds>(std::chrono::microseconds(read_timeout_usec_));
  const auto write_timeout = std::chrono::duration_cast<milliseconds>(seconds(write_timeout_sec_)) +
                             std::chrono::duration_cast<milliseconds>(std::chrono::microseconds(write_timeout_usec_));
  bool ok = false, unread_body = false;
  for (size_t count = keep_alive_max_count_; count > 0; --count) {
    // The next request: its first byte within keep_alive, checking for a stop every 100 ms.
    bool ready = false;
    for (auto waited = milliseconds(0); !ready && waited < keep_alive && svr_sock_ != INVALID_SOCKET;
         waited += milliseconds(100)) {
      ready = wait_for(sock, POLLIN, milliseconds(100));
    }
    if (!ready) break;
    DeadlineStream stream(sock, read_timeout, write_timeout, Clock::now() + header_deadline_);
    current_stream = &stream;
    bool connection_closed = false;
    ok = process_request(stream, count == 1, connection_closed, nullptr);
    current_stream = nullptr;
    unread_body = stream.closing;
    if (!ok || connection_closed || stream.closing) break;
  }
  if (unread_body) {
    // A lingering close: closing with the client's body unread would reset the
    // connection, and the client could lose the answer. Read and drop what it
    // still sends, for a second at most.
    ::shutdown(sock, SHUT_WR);
    std::array<char, 65536> sink;
    const auto until = Clock::now() + std::chrono::seconds(1);
    while (Clock::now() < until && wait_for(sock, POLLIN, milliseconds(100)) && ::recv(sock, sink.data(), sink.size(), 0) > 0) {
    }
  }
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return ok;
}

}  // namespace strider::server
