#pragma once
// Run-time control of sending speed: what an operator or a monitoring system may change while
// sluice runs (a campaign's rate, pause/resume/cancel, a whole group's pause, an account's
// limits and enablement), what the scheduler reports about campaigns, and the audit trail of
// every change. The admin API (admin/control_api.cpp) and sluicectl speak these types; the
// scheduler implements ControlService on its strand and persists changes in the queue's state
// table, so they survive restarts.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sluice/common/clock.h"
#include "sluice/common/result.h"

namespace sluice::scheduler {

enum class ControlTarget { campaign, group, account };

enum class ControlAction {
  set_rate,    // campaign: rate (and burst); optional expiry, then the configured rate returns
  pause,       // campaign or group
  resume,      // campaign or group
  cancel,      // campaign: its queued mail is removed (logged, audited)
  set_limits,  // account: rate, burst, hourly_limit, daily_limit (each optional)
  disable,     // account
  enable,      // account
};

// The names the API, sluicectl and the audit log use. Inline, so the admin API needs no link
// dependency on the scheduler.
inline const char* to_string(ControlTarget target) {
  switch (target) {
    case ControlTarget::campaign:
      return "campaign";
    case ControlTarget::group:
      return "group";
    case ControlTarget::account:
      return "account";
  }
  return "unknown";
}

inline const char* to_string(ControlAction action) {
  switch (action) {
    case ControlAction::set_rate:
      return "set_rate";
    case ControlAction::pause:
      return "pause";
    case ControlAction::resume:
      return "resume";
    case ControlAction::cancel:
      return "cancel";
    case ControlAction::set_limits:
      return "set_limits";
    case ControlAction::disable:
      return "disable";
    case ControlAction::enable:
      return "enable";
  }
  return "unknown";
}

struct ControlRequest {
  ControlTarget target = ControlTarget::campaign;
  std::string name;  // campaign id, group name or account name
  ControlAction action = ControlAction::pause;
  // set_rate / set_limits: values as written ("10/s"); empty means "not given".
  std::string rate;
  std::optional<std::uint32_t> burst;
  std::optional<std::uint32_t> hourly_limit;       // set_limits
  std::optional<std::uint32_t> daily_limit;        // set_limits
  std::optional<std::chrono::seconds> expires_in;  // set_rate: temporary change
  std::string reason;
  // Who asked: the admin token's name (never the token) and the client address.
  std::string actor;
  std::string client;
};

// One appended audit record: every accepted change, with the value before and after.
struct AuditEntry {
  SystemTime time{};
  std::string actor;
  std::string client;
  ControlTarget target = ControlTarget::campaign;
  std::string name;
  ControlAction action = ControlAction::pause;
  std::string old_value;  // e.g. "rate=50/s paused=no"
  std::string new_value;  // e.g. "rate=10/s paused=no (until 2026-12-01T10:30:00Z)"
  std::string reason;
};

struct AuditQuery {
  std::optional<ControlTarget> target;
  std::string name;                 // empty: any
  std::optional<SystemTime> since;  // inclusive
  std::size_t limit = 1000;
};

// What the API shows about one campaign.
struct CampaignView {
  std::string id;
  std::string group;
  std::string configured_rate;  // from campaign_maps or default_campaign_rate ("0": unlimited)
  std::string effective_rate;   // after run-time overrides (what the bucket runs at now)
  std::optional<SystemTime> rate_expires;  // a temporary override ends then
  std::uint32_t priority = 1;
  bool paused = false;        // the campaign itself
  bool group_paused = false;  // its group
  std::string window;         // "always" or the window spec, with its zone
  bool in_window = true;
  std::uint64_t queued = 0;    // active messages in the queue
  std::uint64_t sent = 0;      // recipients delivered since start
  std::uint64_t deferred = 0;  // recipient deferrals since start
  std::uint64_t bounced = 0;
  std::uint64_t in_flight = 0;          // messages of the campaign being delivered now
  std::optional<SystemTime> last_sent;  // the last recipient delivered, if any since start
};

// Implemented by the scheduler; every callback may run on any thread. Errors: invalid (bad
// rate, unknown action for the target), not_found (unknown account; campaigns and groups may be
// controlled before they have mail), no_space/failed (the change could not be stored).
class ControlService {
 public:
  virtual ~ControlService() = default;
  // Applies, persists and audits one change; done(entry) with the audit record written.
  virtual void apply(ControlRequest request, std::function<void(Result<AuditEntry>)> done) = 0;
  // Every campaign the scheduler knows, by id; transactional mail (id "", which no control
  // can change) is included for the metrics, and left out of the API's listing.
  virtual void campaigns(std::function<void(std::vector<CampaignView>)> done) = 0;
  virtual void campaign(std::string id, std::function<void(std::optional<CampaignView>)> done) = 0;
  virtual void audit(AuditQuery query,
                     std::function<void(Result<std::vector<AuditEntry>>)> done) = 0;
};

}  // namespace sluice::scheduler
