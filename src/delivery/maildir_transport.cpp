#include "sluice/delivery/maildir_transport.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

#include <boost/asio/post.hpp>

namespace sluice::delivery {
namespace {

std::string errno_text(const char* what, const std::string& path) {
  return std::string(what) + " " + path + ": " + std::strerror(errno);
}

// Writes all of `data` or reports why not.
bool write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

RecipientResult deferred(const std::string& recipient, std::string why) {
  return {recipient, RecipientOutcome::deferred, "451 4.3.0 " + std::move(why)};
}

}  // namespace

Result<std::unique_ptr<MaildirTransport>> MaildirTransport::open(
    std::string account_name, std::string path, std::string hostname,
    boost::asio::any_io_executor blocking) {
  std::error_code ec;
  for (const char* sub : {"tmp", "new", "cur"}) {
    std::filesystem::create_directories(std::filesystem::path(path) / sub, ec);
    if (ec) {
      return make_error("cannot create maildir " + path + "/" + sub + ": " + ec.message());
    }
  }
  return std::unique_ptr<MaildirTransport>(new MaildirTransport(
      std::move(account_name), std::move(path), std::move(hostname), std::move(blocking)));
}

MaildirTransport::MaildirTransport(std::string account_name, std::string path,
                                   std::string hostname, boost::asio::any_io_executor blocking)
    : account_name_(std::move(account_name)),
      path_(std::move(path)),
      hostname_(std::move(hostname)),
      blocking_(std::move(blocking)) {}

void MaildirTransport::deliver(DeliveryRequest request, Done done) {
  boost::asio::post(blocking_, [this, request = std::move(request), done = std::move(done)] {
    DeliveryResult result;
    result.relay = account_name_ + "[maildir:" + path_ + "]";
    for (const auto& recipient : request.recipients) {
      result.recipients.push_back(write_one(request, recipient));
    }
    // The renames are only durable once the directory is synced: until then a delivered
    // result could vanish in a crash, so nothing counts as delivered before it.
    if (auto synced = sync_new_directory(); !synced) {
      for (auto& r : result.recipients) {
        if (r.outcome == RecipientOutcome::delivered) r = deferred(r.address, synced.error().message);
      }
    }
    done(std::move(result));
  });
}

RecipientResult MaildirTransport::write_one(const DeliveryRequest& request,
                                            const std::string& recipient) {
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  std::string unique = std::to_string(micros / 1'000'000) + ".M" + std::to_string(micros % 1'000'000) +
                       "P" + std::to_string(::getpid()) + "Q" + std::to_string(++sequence_) + "_" +
                       request.id + "." + hostname_;
  std::string tmp_path = path_ + "/tmp/" + unique;
  std::string new_path = path_ + "/new/" + unique;

  int fd = ::open(tmp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return deferred(recipient, errno_text("cannot create", tmp_path));
  std::string header = "Delivered-To: " + recipient + "\r\n";
  bool ok = write_all(fd, header.data(), header.size()) &&
            write_all(fd, request.body->data(), request.body->size()) && ::fsync(fd) == 0;
  std::string why = ok ? "" : errno_text("cannot write", tmp_path);
  ::close(fd);
  if (ok && ::rename(tmp_path.c_str(), new_path.c_str()) != 0) {
    ok = false;
    why = errno_text("cannot rename", tmp_path);
  }
  if (!ok) {
    ::unlink(tmp_path.c_str());
    return deferred(recipient, why);
  }
  return {recipient, RecipientOutcome::delivered, "250 2.0.0 Ok: delivered to maildir as " + unique};
}

Result<void> MaildirTransport::sync_new_directory() {
  std::string dir = path_ + "/new";
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return make_error(errno_text("cannot open", dir));
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return make_error(errno_text("cannot sync", dir));
  return {};
}

}  // namespace sluice::delivery
