#pragma once
// Builders for account pool tests: account specs and delivery results.

#include <string>
#include <vector>

#include "sluice/config/settings.h"
#include "sluice/delivery/transport.h"

namespace sluice::pool::test {

inline config::AccountSpec smtp_account(std::string name, std::uint32_t weight = 1,
                                        std::string pool = "default",
                                        std::uint32_t max_connections = 1000) {
  config::AccountSpec spec;
  spec.name = std::move(name);
  spec.host = "smtp." + spec.name + ".example";
  spec.port = 587;
  spec.pool = std::move(pool);
  spec.weight = weight;
  spec.max_connections = max_connections;
  return spec;
}

inline delivery::DeliveryResult delivered(int recipients = 1) {
  delivery::DeliveryResult r;
  r.relay = "test";
  for (int i = 0; i < recipients; ++i) {
    r.recipients.push_back({"r" + std::to_string(i) + "@x.example",
                            delivery::RecipientOutcome::delivered, "250 2.0.0 Ok", false});
  }
  return r;
}

inline delivery::DeliveryResult account_fault(delivery::AccountFaultKind kind,
                                              std::string reason = "421 4.3.2 go away") {
  delivery::DeliveryResult r;
  r.relay = "test";
  r.recipients.push_back({"a@x.example", delivery::RecipientOutcome::deferred, reason, true});
  r.fault = delivery::AccountFault{kind, reason};
  return r;
}

}  // namespace sluice::pool::test
