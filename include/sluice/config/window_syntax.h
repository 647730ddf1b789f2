#pragma once
// Shape checks for send-window specs and time-zone names, so a typo in sluice.cf, campaign_maps
// or the accounts file is reported at load time with file:line. They do not consult the zone
// database: the scheduler's SendWindow::parse does the full check (zone exists, DST rules) when
// the daemon starts, and keeps sluice_config free of it. Pure.

#include <string_view>

#include "sluice/common/result.h"

namespace sluice::config {

// "always", or windows separated by ';' or ',', each "[DAYS ]HH:MM-HH:MM" with DAYS a day
// ("mon") or a range of days ("mon-fri"); hours 0..24 (24 only as 24:00), minutes 00..59.
Result<void> check_window_syntax(std::string_view spec);

// "UTC" or an IANA-shaped name ("Europe/Moscow", "America/Argentina/Buenos_Aires",
// "Etc/GMT+3"): parts of [A-Za-z0-9_+-] separated by '/', each starting with a letter.
Result<void> check_time_zone_name(std::string_view zone);

}  // namespace sluice::config
