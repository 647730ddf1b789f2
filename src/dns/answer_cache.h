#pragma once
// The answers of finished lookups (addresses or an error), kept until they expire, keyed by
// lookup_key(). Pure: the caller passes the time. Not thread-safe; CaresResolver uses it on its
// strand only.

#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/ip/address.hpp>

#include "sluice/common/clock.h"
#include "sluice/common/result.h"

namespace sluice::dns {

class AnswerCache {
 public:
  using Answer = Result<std::vector<boost::asio::ip::address>>;

  // The answer stored for `key` unless it has expired by `now` (an expired one is dropped).
  std::optional<Answer> find(const std::string& key, SystemTime now);

  // Keeps `answer` until `expires`, replacing an earlier one. Expired entries are swept when the
  // table has doubled since the last sweep, so names asked once do not pile up.
  void store(const std::string& key, Answer answer, SystemTime expires, SystemTime now);

  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    Answer answer;
    SystemTime expires;
  };
  static constexpr std::size_t kFirstSweep = 64;

  void sweep(SystemTime now);

  std::unordered_map<std::string, Entry> entries_;
  std::size_t sweep_at_ = kFirstSweep;
};

}  // namespace sluice::dns
