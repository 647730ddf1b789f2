#include "sluice/config/campaign_maps.h"

#include <limits>
#include <set>

#include "sluice/config/values.h"
#include "sluice/config/window_syntax.h"
#include "text.h"

namespace sluice::config {
namespace {

constexpr std::uint64_t max_u32 = std::numeric_limits<std::uint32_t>::max();
constexpr std::uint64_t max_priority = 100;

// A word that starts a new option: `key=...`. Window specs never contain '=', so every other
// word continues the value of window=.
bool starts_option(std::string_view word) {
  const auto eq = word.find('=');
  return eq != std::string_view::npos && eq > 0;
}

// One campaign line's options; problems go to `errors` (the caller adds file:line).
class CampaignLine {
 public:
  CampaignLine(CampaignSpec& campaign, std::vector<std::string>& errors)
      : campaign_(campaign), errors_(errors) {}

  void read(std::string_view options) {
    std::string window;
    bool in_window = false;
    std::string_view rest = options;
    while (!rest.empty()) {
      const std::string_view word = first_word(rest, rest);
      if (starts_option(word)) {
        if (in_window) set("window", window);
        const auto eq = word.find('=');
        const std::string key(word.substr(0, eq));
        const std::string_view value = word.substr(eq + 1);
        if (!seen_.insert(key).second) {
          errors_.push_back("duplicate key '" + key + "'");
          in_window = false;
          continue;
        }
        in_window = key == "window";
        if (in_window)
          window = std::string(value);
        else
          set(key, value);
      } else if (in_window) {
        window += (window.empty() ? "" : " ") + std::string(word);
      } else {
        errors_.push_back("expected key=value, got '" + std::string(word) + "'");
      }
    }
    if (in_window) set("window", window);
  }

 private:
  void bad_value(const std::string& key, const std::string& why) {
    errors_.push_back("bad value for " + key + ": " + why);
  }

  void number(const std::string& key, std::string_view value, std::uint64_t min, std::uint64_t max,
              std::uint32_t& out) {
    auto n = parse_uint(value, min, max);
    if (!n) return bad_value(key, n.error().message);
    out = static_cast<std::uint32_t>(*n);
  }

  void set(const std::string& key, std::string_view value) {
    if (key == "rate") {
      auto r = parse_rate(value);
      if (!r) return bad_value(key, r.error().message);
      campaign_.rate = *r;
    } else if (key == "burst") {
      number(key, value, 0, max_u32, campaign_.burst);
    } else if (key == "priority") {
      number(key, value, 1, max_priority, campaign_.priority);
    } else if (key == "group") {
      if (value.empty()) return bad_value(key, "empty group name");
      campaign_.group = std::string(value);
    } else if (key == "window") {
      auto ok = check_window_syntax(value);
      if (!ok) return bad_value(key, ok.error().message);
      campaign_.window = std::string(value);
    } else if (key == "tz") {
      auto ok = check_time_zone_name(value);
      if (!ok) return bad_value(key, ok.error().message);
      campaign_.time_zone = std::string(value);
    } else {
      errors_.push_back("unknown key '" + key +
                        "' (expected rate, burst, group, priority, window or tz)");
    }
  }

  CampaignSpec& campaign_;
  std::vector<std::string>& errors_;
  std::set<std::string> seen_;
};

}  // namespace

ParsedCampaigns parse_campaign_maps(const LookupTable& table, const std::string& file_name) {
  ParsedCampaigns result;
  for (const auto& entry : table.entries()) {
    CampaignSpec campaign;
    campaign.id = entry.key;
    campaign.file = file_name;
    campaign.line = entry.line;
    std::vector<std::string> errors;
    CampaignLine(campaign, errors).read(entry.value);
    for (auto& e : errors) {
      result.diagnostics.push_back(
          {file_name, entry.line, true, "campaign '" + entry.key + "': " + e});
    }
    if (errors.empty()) result.campaigns.push_back(std::move(campaign));
  }
  return result;
}

}  // namespace sluice::config
