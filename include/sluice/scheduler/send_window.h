#pragma once
// When a campaign may send: one or more daily windows ("09:00-21:00", "22:00-02:00" crossing
// midnight), optionally on some days of the week only ("mon-fri 09:00-17:00; sat 10:00-14:00"),
// in an IANA time zone read from the system zoneinfo (date/tz.h). Local times that a DST change
// skips or repeats are resolved so no window is lost or doubled: a window start or end inside
// a skipped hour falls on the end of the gap (a window wholly inside it opens there for its
// length); a start or end inside a repeated hour falls on its first occurrence, so the
// window opens once. Pure apart from the zoneinfo lookup at parse time; immutable, so any
// thread may read it.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/common/clock.h"
#include "sluice/common/result.h"

namespace date {
class time_zone;
}

namespace sluice::scheduler {

class SendWindow {
 public:
  // Always open.
  SendWindow() = default;
  // `spec`: "always", or windows separated by ';' or ',' each "[DAYS ]HH:MM-HH:MM" with DAYS a
  // day ("mon") or range ("mon-fri") or list ("sat,sun" is not allowed inside one window: use
  // "sat 10:00-14:00; sun 10:00-14:00"). `zone`: an IANA name ("Europe/Moscow"), "UTC" or empty
  // (UTC). Errors name what is wrong in the value.
  static Result<SendWindow> parse(std::string_view spec, std::string_view zone);

  bool always_open() const { return ranges_.empty(); }
  bool open_at(SystemTime t) const;
  // The first moment after `t` at which open_at() differs from open_at(t) (a window opens or
  // closes; touching windows such as "09:00-12:00; 12:00-15:00" do not close at 12:00);
  // nullopt when it never changes (always open, or windows covering the whole week). The
  // scheduler sleeps until then.
  std::optional<SystemTime> next_change(SystemTime t) const;
  const std::string& text() const { return text_; }  // as written, for the API
  const std::string& zone_name() const { return zone_name_; }

 private:
  struct Range {
    unsigned days = 0x7f;  // bit 0 = Monday ... bit 6 = Sunday: the day the window starts
    int start_minute = 0;  // minutes after local midnight
    int end_minute = 0;    // after start_minute; beyond 1440 the window runs past midnight
  };
  std::vector<Range> ranges_;
  const date::time_zone* zone_ = nullptr;  // nullptr: UTC
  std::string text_ = "always";
  std::string zone_name_ = "UTC";
};

}  // namespace sluice::scheduler
