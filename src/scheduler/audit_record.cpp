// Audit records as stored in the queue's state table: one JSON object per change (time in
// microseconds, actor, client, target, name, action, old, new, reason), and the names of
// targets and actions. Pure.

#include <boost/json.hpp>

#include "run_controls.h"

namespace sluice::scheduler {

namespace json = boost::json;

namespace {

template <class T>
Result<T> invalid(std::string why) {
  return make_error(std::move(why), ErrorCode::invalid);
}

}  // namespace

std::string encode_audit(const AuditEntry& e) {
  return json::serialize(json::object{{"time", to_micros(e.time)},
                                      {"actor", e.actor},
                                      {"client", e.client},
                                      {"target", to_string(e.target)},
                                      {"name", e.name},
                                      {"action", to_string(e.action)},
                                      {"old", e.old_value},
                                      {"new", e.new_value},
                                      {"reason", e.reason}});
}

Result<AuditEntry> decode_audit(const std::string& bytes) {
  boost::system::error_code ec;
  auto value = json::parse(bytes, ec);
  if (ec || !value.is_object()) return invalid<AuditEntry>("undecodable audit record");
  const auto& o = value.as_object();
  auto text = [&](const char* k) -> std::string {
    const auto* v = o.if_contains(k);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
  };
  AuditEntry e;
  if (const auto* t = o.if_contains("time"); t && t->is_int64())
    e.time = from_micros(t->as_int64());
  e.actor = text("actor");
  e.client = text("client");
  const auto target = text("target");
  e.target = target == "group"     ? ControlTarget::group
             : target == "account" ? ControlTarget::account
                                   : ControlTarget::campaign;
  e.name = text("name");
  const auto action = text("action");
  for (auto a :
       {ControlAction::set_rate, ControlAction::pause, ControlAction::resume, ControlAction::cancel,
        ControlAction::set_limits, ControlAction::disable, ControlAction::enable}) {
    if (action == to_string(a)) e.action = a;
  }
  e.old_value = text("old");
  e.new_value = text("new");
  e.reason = text("reason");
  return e;
}

}  // namespace sluice::scheduler
