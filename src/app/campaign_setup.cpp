#include "campaign_setup.h"

namespace sluice::app {

namespace {

scheduler::CampaignConfig with_rate(const config::Rate& rate, std::uint32_t burst) {
  scheduler::CampaignConfig c;
  c.rate = rate.per_second;
  c.rate_text = rate.text.empty() ? "0" : rate.text;
  c.burst = burst;
  return c;
}

}  // namespace

CampaignSetup campaign_setup(const config::Settings& settings) {
  CampaignSetup setup;
  setup.defaults = with_rate(settings.default_campaign_rate, 0);
  auto window = scheduler::SendWindow::parse(settings.default_campaign_window,
                                             settings.default_campaign_time_zone);
  if (window) {
    setup.defaults.window = std::move(*window);
  } else {
    setup.errors.push_back(settings.config_file +
                           ": default_campaign_window: " + window.error().message);
  }
  for (const auto& spec : settings.campaigns) {
    auto c =
        with_rate(spec.rate.text.empty() ? settings.default_campaign_rate : spec.rate, spec.burst);
    c.id = spec.id;
    c.group = spec.group;
    c.priority = spec.priority;
    auto w = scheduler::SendWindow::parse(
        spec.window.empty() ? settings.default_campaign_window : spec.window,
        spec.time_zone.empty() ? settings.default_campaign_time_zone : spec.time_zone);
    if (!w) {
      setup.errors.push_back(spec.file + ":" + std::to_string(spec.line) + ": campaign " + spec.id +
                             ": " + w.error().message);
      continue;
    }
    c.window = std::move(*w);
    setup.configured.push_back(std::move(c));
  }
  return setup;
}

}  // namespace sluice::app
