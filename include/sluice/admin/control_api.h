#pragma once
// The run-time control part of the admin API (sluicectl campaign/group/account limits/audit),
// registered on the AdminServer's router by the composition root:
//   PUT  /api/campaigns/{id}/rate     {"rate": "10/s", "burst": N?, "expires_in": "30m"?,
//                                      "reason": "..."?}
//   POST /api/campaigns/{id}/pause|resume|cancel     optional {"reason": "..."}
//   POST /api/groups/{group}/pause|resume            optional {"reason": "..."}
//   PUT  /api/accounts/{name}/limits  {"rate"?, "burst"?, "hourly_limit"?, "daily_limit"?,
//                                      "reason"?}: at least one limit
//     -> 200 with the audit entry of the change (control_json.h)
//   GET  /api/campaigns               -> {"campaigns": [campaign...]}
//   GET  /api/campaigns/{id}          -> the campaign, 404 when the scheduler does not know it
//   GET  /api/audit?campaign=ID|group=G|account=A&since=RFC3339&limit=N
//                                     -> {"entries": [audit entry...]}
// Bodies and queries are checked before the service sees them: unknown members or parameters,
// wrong types and bad rates or durations are 400 {"error": ...}. Service errors: not_found 404,
// invalid 400, no_space 507, anything else 500. The actor is the token's name, the client the
// peer's address. Service callbacks may run on any thread: they only build the answer and
// reply (which posts to the connection's strand).

#include "sluice/admin/router.h"
#include "sluice/scheduler/controls.h"

namespace sluice::admin {

// The default and largest page of GET /api/audit.
inline constexpr std::size_t kDefaultAuditLimit = 1000;
inline constexpr std::size_t kMaxAuditLimit = 10000;

// `service` must outlive the server's sessions.
void register_control_api(Router& router, scheduler::ControlService& service);

}  // namespace sluice::admin
