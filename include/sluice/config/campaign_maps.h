#pragma once
// campaign_maps: a lookup table of per-campaign settings, one campaign per logical line,
//   campaign-id  key=value ...
// with keys rate=N/s|N/m|N/h, burst=N, group=NAME, priority=1..100, window=SPEC and tz=ZONE.
// A window spec may contain spaces and ';' ("mon-fri 09:00-17:00; sat 10:00-14:00"): window=
// takes every word up to the next word that starts with `key=`. Keys not given stay empty (or
// at their default), meaning "use the default_campaign_* parameter". Pure; the loader reads
// the table file.

#include <string>
#include <vector>

#include "sluice/config/diagnostic.h"
#include "sluice/config/lookup_table.h"
#include "sluice/config/settings.h"

namespace sluice::config {

struct ParsedCampaigns {
  std::vector<CampaignSpec> campaigns;  // in table order; entries with errors are left out
  std::vector<Diagnostic> diagnostics;
};

// `file_name` names the table in messages ("file:line: ...").
ParsedCampaigns parse_campaign_maps(const LookupTable& table, const std::string& file_name);

}  // namespace sluice::config
