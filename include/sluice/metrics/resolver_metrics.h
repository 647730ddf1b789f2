#pragma once
// dns::ResolverEvents onto prometheus-cpp counters: lookups, cache hits, failures by kind.
// Built by Metrics; thread-safe (the resolver's strand calls it, the scrape reads it).

#include <array>
#include <string_view>

#include "sluice/dns/resolver_events.h"

namespace prometheus {
class Counter;
class Registry;
}  // namespace prometheus

namespace sluice::metrics {

// The failure kinds the resolver reports; anything else counts as "other".
inline constexpr std::array<std::string_view, 4> kDnsFailureKinds{"nxdomain", "servfail", "timeout",
                                                                  "other"};

class ResolverMetrics final : public dns::ResolverEvents {
 public:
  explicit ResolverMetrics(prometheus::Registry& registry);

  void lookup() override;
  void cache_hit() override;
  void failure(std::string_view kind) override;

 private:
  prometheus::Counter& lookups_;
  prometheus::Counter& cache_hits_;
  std::array<prometheus::Counter*, kDnsFailureKinds.size()> failures_{};
};

}  // namespace sluice::metrics
