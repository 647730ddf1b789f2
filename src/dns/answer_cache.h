#pragma once
// The answers of finished lookups (addresses or an error), kept until they expire, keyed by
// lookup_key(). Pure: the caller passes the time. Not thread-safe; CaresResolver uses it on its
// strand only.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/ip/address.hpp>

#include "sluice/common/clock.h"
#include "sluice/common/result.h"

namespace sluice::dns {

// Why a lookup ended without an address, in the words of sluice_dns_failures_total{kind}.
// NODATA counts as nxdomain: either way the name has no address.
enum class LookupFailure : std::uint8_t { none, nxdomain, servfail, timeout, other };

inline const char* to_string(LookupFailure failure) {
  switch (failure) {
    case LookupFailure::none:
      return "none";
    case LookupFailure::nxdomain:
      return "nxdomain";
    case LookupFailure::servfail:
      return "servfail";
    case LookupFailure::timeout:
      return "timeout";
    case LookupFailure::other:
      break;
  }
  return "other";
}

class AnswerCache {
 public:
  using Answer = Result<std::vector<boost::asio::ip::address>>;

  // The answer stored for `key` unless it has expired by `now` (an expired one is dropped);
  // `failure`, when given, is set to why a stored error failed.
  std::optional<Answer> find(const std::string& key, SystemTime now,
                             LookupFailure* failure = nullptr);

  // Keeps `answer` (an error: failed for `failure`) until `expires`, replacing an earlier one.
  // Expired entries are swept when the table has doubled since the last sweep, so names asked
  // once do not pile up.
  void store(const std::string& key, Answer answer, SystemTime expires, SystemTime now,
             LookupFailure failure = LookupFailure::none);

  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    Answer answer;
    SystemTime expires;
    LookupFailure failure = LookupFailure::none;
  };
  static constexpr std::size_t kFirstSweep = 64;

  void sweep(SystemTime now);

  std::unordered_map<std::string, Entry> entries_;
  std::size_t sweep_at_ = kFirstSweep;
};

}  // namespace sluice::dns
