#include "sluice/metrics/resolver_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <algorithm>
#include <string>

namespace sluice::metrics {

ResolverMetrics::ResolverMetrics(prometheus::Registry& registry)
    : lookups_(prometheus::BuildCounter()
                   .Name("sluice_dns_lookups_total")
                   .Help("Host name lookups asked of the resolver")
                   .Register(registry)
                   .Add({})),
      cache_hits_(prometheus::BuildCounter()
                      .Name("sluice_dns_cache_hits_total")
                      .Help("Lookups answered from the hosts file or the TTL cache")
                      .Register(registry)
                      .Add({})) {
  auto& failures = prometheus::BuildCounter()
                       .Name("sluice_dns_failures_total")
                       .Help("Lookups that ended without an address, by kind")
                       .Register(registry);
  for (std::size_t i = 0; i < kDnsFailureKinds.size(); ++i) {
    failures_[i] = &failures.Add({{"kind", std::string(kDnsFailureKinds[i])}});
  }
}

void ResolverMetrics::lookup() { lookups_.Increment(); }

void ResolverMetrics::cache_hit() { cache_hits_.Increment(); }

void ResolverMetrics::failure(std::string_view kind) {
  auto known = std::find(kDnsFailureKinds.begin(), kDnsFailureKinds.end(), kind);
  if (known == kDnsFailureKinds.end()) known = kDnsFailureKinds.end() - 1;  // "other"
  failures_[static_cast<std::size_t>(known - kDnsFailureKinds.begin())]->Increment();
}

}  // namespace sluice::metrics
