#pragma once
// The development transport: writes one file per recipient into PATH/new/ (Maildir), the
// message unchanged apart from a Delivered-To: header on top. The file is written in tmp/,
// synced, then renamed into new/, and new/ is synced, so a delivered result is durable.
// Blocking file I/O runs on the executor given (a thread pool), never on an I/O thread.

#include <atomic>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "sluice/common/result.h"
#include "sluice/delivery/transport.h"

namespace sluice::delivery {

class MaildirTransport final : public Transport {
 public:
  // Creates PATH, PATH/tmp, PATH/new and PATH/cur if missing.
  static Result<std::unique_ptr<MaildirTransport>> open(std::string account_name, std::string path,
                                                       std::string hostname,
                                                       boost::asio::any_io_executor blocking);

  void deliver(DeliveryRequest request, Done done) override;

 private:
  MaildirTransport(std::string account_name, std::string path, std::string hostname,
                   boost::asio::any_io_executor blocking);
  RecipientResult write_one(const DeliveryRequest& request, const std::string& recipient);
  Result<void> sync_new_directory();

  std::string account_name_;
  std::string path_;
  std::string hostname_;
  boost::asio::any_io_executor blocking_;
  std::atomic<unsigned long> sequence_{0};
};

}  // namespace sluice::delivery
