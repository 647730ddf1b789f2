#pragma once
// What the resolver reports, for metrics. Called on the resolver's strand; implementations must
// be thread-safe all the same (they are read by the scrape thread). The defaults do nothing.

#include <string_view>

namespace sluice::dns {

class ResolverEvents {
 public:
  virtual ~ResolverEvents() = default;
  virtual void lookup() {}     // one resolve() call
  virtual void cache_hit() {}  // answered from the hosts file or the TTL cache
  // A lookup that ended without an address: "nxdomain", "servfail", "timeout", "other".
  virtual void failure(std::string_view /*kind*/) {}
};

}  // namespace sluice::dns
