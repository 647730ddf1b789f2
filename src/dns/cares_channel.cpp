#include "cares_channel.h"

#include <chrono>
#include <utility>

#include <boost/asio/posix/stream_descriptor.hpp>

namespace sluice::dns {

namespace asio = boost::asio;

namespace {

// c-ares's library state is process-wide; a function-local static initialises it exactly once,
// thread-safely. It is never cleaned up: the process may resolve until it exits.
int library_status() {
  static const int status = ares_library_init(ARES_LIB_INIT_ALL);
  return status;
}

}  // namespace

struct CaresChannel::SocketWatch {
  explicit SocketWatch(const asio::any_io_executor& executor) : descriptor(executor) {}

  // c-ares closes the fd right after reporting it unwanted; release() takes it back from Asio
  // (cancelling the waits) so that ~stream_descriptor does not close it a second time.
  void stop() {
    closed = true;
    if (descriptor.is_open()) descriptor.release();
  }

  asio::posix::stream_descriptor descriptor;
  bool want_read = false;
  bool want_write = false;
  bool read_waiting = false;
  bool write_waiting = false;
  bool closed = false;  // c-ares is done with the fd (whose number may already be reused)
};

CaresChannel::CaresChannel(asio::any_io_executor executor)
    : executor_(executor), timer_(executor) {}

CaresChannel::~CaresChannel() { close(); }

Result<std::shared_ptr<CaresChannel>> CaresChannel::create(asio::any_io_executor executor,
                                                           const ResolverOptions& options) {
  if (int status = library_status(); status != ARES_SUCCESS) {
    return make_error(std::string("cannot initialise c-ares: ") + ares_strerror(status));
  }
  std::shared_ptr<CaresChannel> channel(new CaresChannel(std::move(executor)));

  char lookups[] = "fb";  // hosts file, then DNS (c-ares copies the string)
  ares_options ares{};
  // SERVFAIL and REFUSED are answers, not reasons to retry: c-ares 1.18 would otherwise retry
  // them and then report only "connection refused", losing the reason. The cost: a server's
  // SERVFAIL is not retried on the next server. (Answers must still match the question.)
  ares.flags = ARES_FLAG_NOCHECKRESP;
  ares.sock_state_cb = &CaresChannel::on_socket_state;
  ares.sock_state_cb_data = channel.get();
  ares.timeout = static_cast<int>(options.timeout.count());
  ares.tries = options.tries;
  ares.lookups = lookups;
  ares.domains = nullptr;  // no search list: names are absolute
  ares.ndomains = 0;
  int mask = ARES_OPT_FLAGS | ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES |
             ARES_OPT_LOOKUPS | ARES_OPT_DOMAINS;
  ares_channel raw = nullptr;
  if (int status = ares_init_options(&raw, &ares, mask); status != ARES_SUCCESS) {
    return make_error(std::string("cannot create a c-ares channel: ") + ares_strerror(status));
  }
  channel->channel_ = raw;
  if (!options.servers.empty()) {
    int status = ares_set_servers_ports_csv(raw, options.servers.c_str());
    if (status != ARES_SUCCESS) {
      return make_error("invalid DNS servers \"" + options.servers + "\": " + ares_strerror(status),
                        ErrorCode::invalid);
    }
  }
  return channel;
}

void CaresChannel::getaddrinfo(const std::string& name, Answer answer) {
  if (channel_ == nullptr) {
    answer(ARES_EDESTRUCTION, nullptr);
    return;
  }
  ares_addrinfo_hints hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_flags = ARES_AI_NOSORT;  // keep the server's order; the resolver groups families
  // Owned by c-ares until on_addrinfo, which c-ares calls exactly once (on close() at the latest).
  auto* pending = new Answer(std::move(answer));
  ares_getaddrinfo(channel_, name.c_str(), nullptr, &hints, &CaresChannel::on_addrinfo, pending);
  rearm_timer();
}

void CaresChannel::close() {
  if (channel_ == nullptr) return;
  // Null first: answers and socket reports arriving during ares_destroy see a closed channel.
  ares_destroy(std::exchange(channel_, nullptr));
  // c-ares reports each socket closed during ares_destroy; this only covers one it did not.
  for (auto& [fd, watch] : sockets_) watch->stop();
  sockets_.clear();
  timer_.cancel();
}

void CaresChannel::on_addrinfo(void* arg, int status, int /*timeouts*/, ares_addrinfo* result) {
  std::unique_ptr<Answer> answer(static_cast<Answer*>(arg));
  std::unique_ptr<ares_addrinfo, decltype(&ares_freeaddrinfo)> info(result, &ares_freeaddrinfo);
  (*answer)(status, status == ARES_SUCCESS ? info.get() : nullptr);
}

void CaresChannel::on_socket_state(void* data, ares_socket_t fd, int readable, int writable) {
  static_cast<CaresChannel*>(data)->update_watch(fd, readable != 0, writable != 0);
}

void CaresChannel::update_watch(ares_socket_t fd, bool readable, bool writable) {
  auto it = sockets_.find(fd);
  if (!readable && !writable) {
    if (it == sockets_.end()) return;
    it->second->stop();
    sockets_.erase(it);
    return;
  }
  if (it == sockets_.end()) {
    auto watch = std::make_shared<SocketWatch>(executor_);
    boost::system::error_code ec;
    watch->descriptor.assign(fd, ec);
    // Not watchable (the reactor is out of resources): the queries on it end by timeout.
    if (ec) return;
    it = sockets_.emplace(fd, std::move(watch)).first;
  }
  auto watch = it->second;
  watch->want_read = readable;
  watch->want_write = writable;
  if (readable) wait_readable(watch);
  if (writable) wait_writable(watch);
}

void CaresChannel::wait_readable(const std::shared_ptr<SocketWatch>& watch) {
  if (watch->read_waiting || channel_ == nullptr) return;
  watch->read_waiting = true;
  watch->descriptor.async_wait(asio::posix::descriptor_base::wait_read,
                               [self = shared_from_this(), watch](boost::system::error_code ec) {
                                 watch->read_waiting = false;
                                 if (ec == asio::error::operation_aborted || watch->closed) return;
                                 // Other errors are left to c-ares: its read fails and it closes
                                 // the socket.
                                 self->process(watch->descriptor.native_handle(), ARES_SOCKET_BAD);
                                 if (!watch->closed && watch->want_read) self->wait_readable(watch);
                               });
}

void CaresChannel::wait_writable(const std::shared_ptr<SocketWatch>& watch) {
  if (watch->write_waiting || channel_ == nullptr) return;
  watch->write_waiting = true;
  watch->descriptor.async_wait(asio::posix::descriptor_base::wait_write,
                               [self = shared_from_this(), watch](boost::system::error_code ec) {
                                 watch->write_waiting = false;
                                 if (ec == asio::error::operation_aborted || watch->closed) return;
                                 self->process(ARES_SOCKET_BAD, watch->descriptor.native_handle());
                                 if (!watch->closed && watch->want_write)
                                   self->wait_writable(watch);
                               });
}

void CaresChannel::process(ares_socket_t read_fd, ares_socket_t write_fd) {
  if (channel_ == nullptr) return;
  ares_process_fd(channel_, read_fd, write_fd);
  rearm_timer();
}

void CaresChannel::rearm_timer() {
  if (channel_ == nullptr) return;
  timeval next{};
  if (ares_timeout(channel_, nullptr, &next) == nullptr) {
    timer_.cancel();  // no query outstanding
    return;
  }
  timer_.expires_after(std::chrono::seconds(next.tv_sec) + std::chrono::microseconds(next.tv_usec));
  timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec == asio::error::operation_aborted) return;
    // Both fds bad: c-ares only processes its timeouts (retry, next server, or ETIMEOUT).
    self->process(ARES_SOCKET_BAD, ARES_SOCKET_BAD);
  });
}

}  // namespace sluice::dns
