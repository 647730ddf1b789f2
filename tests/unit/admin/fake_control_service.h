#pragma once
// A ControlService for admin and sluicectl tests: records what it is asked, answers each change
// with an audit entry built from the request (or a scripted error), and serves a fixed list of
// campaigns and audit entries. Answers inline, or, with defer(true), later from whichever
// thread calls run_deferred(), as the scheduler's strand would. Thread-safe.

#include <functional>
#include <mutex>
#include <optional>
#include <vector>

#include "sluice/scheduler/controls.h"

namespace sluice::testing {

class FakeControlService final : public scheduler::ControlService {
 public:
  // When set, the next apply() or audit() fails with it (once).
  void fail_next(Error error) {
    std::lock_guard lock(mutex_);
    next_error_ = std::move(error);
  }
  void set_campaigns(std::vector<scheduler::CampaignView> campaigns) {
    std::lock_guard lock(mutex_);
    campaigns_ = std::move(campaigns);
  }
  void set_audit(std::vector<scheduler::AuditEntry> entries) {
    std::lock_guard lock(mutex_);
    audit_ = std::move(entries);
  }
  void defer(bool on) {
    std::lock_guard lock(mutex_);
    defer_ = on;
  }
  // Runs the answers held back by defer(true); returns how many ran.
  std::size_t run_deferred() {
    std::vector<std::function<void()>> work;
    {
      std::lock_guard lock(mutex_);
      work.swap(deferred_);
    }
    for (auto& w : work) w();
    return work.size();
  }

  std::vector<scheduler::ControlRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  std::vector<scheduler::AuditQuery> queries() const {
    std::lock_guard lock(mutex_);
    return queries_;
  }

  // The time every audit entry made by apply() carries.
  static SystemTime entry_time() { return SystemTime(std::chrono::seconds(1'764'584'400)); }

  void apply(scheduler::ControlRequest request,
             std::function<void(Result<scheduler::AuditEntry>)> done) override {
    std::optional<Error> error;
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(request);
      error = take_error();
    }
    if (error) return answer([done, e = *error] { done(e); });
    scheduler::AuditEntry entry;
    entry.time = entry_time();
    entry.actor = request.actor;
    entry.client = request.client;
    entry.target = request.target;
    entry.name = request.name;
    entry.action = request.action;
    entry.old_value = "rate=50/s paused=no";
    entry.new_value = request.rate.empty() ? "paused=yes" : "rate=" + request.rate;
    entry.reason = request.reason;
    answer([done, entry] { done(entry); });
  }

  void campaigns(std::function<void(std::vector<scheduler::CampaignView>)> done) override {
    std::unique_lock lock(mutex_);
    auto list = campaigns_;
    lock.unlock();
    answer([done, list] { done(list); });
  }

  void campaign(std::string id,
                std::function<void(std::optional<scheduler::CampaignView>)> done) override {
    std::optional<scheduler::CampaignView> found;
    {
      std::lock_guard lock(mutex_);
      for (const auto& c : campaigns_) {
        if (c.id == id) found = c;
      }
    }
    answer([done, found] { done(found); });
  }

  void audit(scheduler::AuditQuery query,
             std::function<void(Result<std::vector<scheduler::AuditEntry>>)> done) override {
    std::unique_lock lock(mutex_);
    queries_.push_back(query);
    auto error = take_error();
    auto list = audit_;
    lock.unlock();
    if (error) return answer([done, e = *error] { done(e); });
    answer([done, list] { done(list); });
  }

 private:
  std::optional<Error> take_error() {  // mutex_ held
    auto error = std::move(next_error_);
    next_error_.reset();
    return error;
  }
  // Runs `work` now (outside the lock) or keeps it for run_deferred().
  void answer(std::function<void()> work) {
    std::unique_lock lock(mutex_);
    if (defer_) return deferred_.push_back(std::move(work));
    lock.unlock();
    work();
  }

  mutable std::mutex mutex_;  // guards everything below
  std::optional<Error> next_error_;
  std::vector<scheduler::CampaignView> campaigns_;
  std::vector<scheduler::AuditEntry> audit_;
  std::vector<scheduler::ControlRequest> requests_;
  std::vector<scheduler::AuditQuery> queries_;
  std::vector<std::function<void()>> deferred_;
  bool defer_ = false;
};

}  // namespace sluice::testing
