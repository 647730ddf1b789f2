#pragma once
// One c-ares channel driven by Asio: each socket c-ares opens is watched with a
// posix::stream_descriptor (c-ares keeps owning the fd), and a steady_timer re-armed from
// ares_timeout() drives its retries and timeouts. Nothing blocks. Not thread-safe: create()
// aside, every call, and every answer callback, runs on the executor it was created with (a
// strand). Handlers keep it alive through shared_from_this until close() has been called.

#include <ares.h>

#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "sluice/common/result.h"
#include "sluice/dns/resolver.h"

namespace sluice::dns {

class CaresChannel : public std::enable_shared_from_this<CaresChannel> {
 public:
  // An ARES_* status; `info` is non-null only with ARES_SUCCESS and is freed when this returns.
  using Answer = std::function<void(int status, const ares_addrinfo* info)>;

  // Uses options.servers (when set), timeout and tries; reads the hosts file first.
  static Result<std::shared_ptr<CaresChannel>> create(boost::asio::any_io_executor executor,
                                                      const ResolverOptions& options);
  ~CaresChannel();
  CaresChannel(const CaresChannel&) = delete;
  CaresChannel& operator=(const CaresChannel&) = delete;

  // Asks for IPv4 and IPv6 addresses of `name`, as given (no search list), unsorted. `answer`
  // may run before this returns (hosts-file answers). After close(), it runs at once with
  // ARES_EDESTRUCTION.
  void getaddrinfo(const std::string& name, Answer answer);

  // Destroys the c-ares channel: every outstanding answer runs now, normally with
  // ARES_EDESTRUCTION (a lookup half answered may report ARES_SUCCESS). Stops all waits.
  void close();

 private:
  struct SocketWatch;

  explicit CaresChannel(boost::asio::any_io_executor executor);

  static void on_socket_state(void* data, ares_socket_t fd, int readable, int writable);
  static void on_addrinfo(void* arg, int status, int timeouts, ares_addrinfo* result);

  void update_watch(ares_socket_t fd, bool readable, bool writable);
  void wait_readable(const std::shared_ptr<SocketWatch>& watch);
  void wait_writable(const std::shared_ptr<SocketWatch>& watch);
  void process(ares_socket_t read_fd, ares_socket_t write_fd);
  void rearm_timer();

  boost::asio::any_io_executor executor_;
  ares_channel channel_ = nullptr;  // null once closed
  boost::asio::steady_timer timer_;
  std::unordered_map<ares_socket_t, std::shared_ptr<SocketWatch>> sockets_;
};

}  // namespace sluice::dns
