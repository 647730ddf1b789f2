#pragma once
// From campaign_maps and the default_campaign_* parameters to the scheduler's campaign
// configuration. Windows and time zones are checked here (the config stage only checks their
// shape), so `sluice --check` and the daemon report the same `file:line: message`.

#include <string>
#include <vector>

#include "sluice/config/settings.h"
#include "sluice/scheduler/campaign_config.h"

namespace sluice::app {

struct CampaignSetup {
  std::vector<scheduler::CampaignConfig> configured;
  scheduler::CampaignConfig defaults;
  std::vector<std::string> errors;  // "file:line: message"
};

CampaignSetup campaign_setup(const config::Settings& settings);

}  // namespace sluice::app
