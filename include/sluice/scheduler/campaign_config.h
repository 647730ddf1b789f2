#pragma once
// A campaign's configuration as the scheduler uses it, built by the composition root from
// campaign_maps and the default_campaign_* parameters.

#include <cstdint>
#include <string>

#include "sluice/scheduler/send_window.h"

namespace sluice::scheduler {

// What campaign_maps (or the defaults) say about a campaign.
struct CampaignConfig {
  std::string id;
  double rate = 0;          // messages per second; 0: unlimited
  std::string rate_text = "0";
  std::uint32_t burst = 0;  // 0: one second's worth
  std::string group;        // empty: the group header of its mail decides
  std::uint32_t priority = 1;
  SendWindow window;
};

}  // namespace sluice::scheduler
