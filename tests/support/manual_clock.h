#pragma once
// A clock that moves only when a test says so.

#include "sluice/common/clock.h"

namespace sluice::testing {

class ManualClock final : public Clock {
 public:
  explicit ManualClock(SystemTime start = SystemTime(std::chrono::seconds(1'700'000'000)))
      : now_(start) {}
  SystemTime now() const override { return now_; }
  void advance(std::chrono::microseconds by) { now_ += by; }
  void set(SystemTime t) { now_ = t; }

 private:
  SystemTime now_;
};

}  // namespace sluice::testing
