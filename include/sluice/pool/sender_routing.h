#pragma once
// Which pool a message uses: sender_pool_maps maps envelope senders to pool names, looked up as
// Postfix does for sender-dependent tables (the full address, then "@domain"); campaign groups
// may be mapped too, as "group:NAME" keys, and win over the sender. The null sender (bounces)
// has its own key, "<>". Unmapped mail uses "default". Immutable: callable from any thread.

#include <string>
#include <string_view>

#include "sluice/config/lookup_table.h"

namespace sluice::pool {

class SenderRouting {
 public:
  SenderRouting() = default;
  explicit SenderRouting(config::LookupTable table) : table_(std::move(table)) {}

  std::string pool_for(std::string_view sender, std::string_view campaign_group) const;

 private:
  config::LookupTable table_;
};

}  // namespace sluice::pool
