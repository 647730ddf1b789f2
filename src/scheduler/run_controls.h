#pragma once
// The queue runner's ControlService: applies a change on the runner's strand, makes it durable
// in the queue's state table ("control/campaign/ID", "control/group/NAME"; account changes
// through the composition root), appends an audit record ("audit/<time><seq>"), and answers.
// Also restores the persisted controls at start and ends expired temporary rates.

#include <cstdint>

#include "campaigns.h"
#include "sluice/scheduler/controls.h"

namespace sluice::scheduler {

class QueueRunner::Controls final : public ControlService {
 public:
  explicit Controls(QueueRunner& runner) : runner_(runner) {}

  void apply(ControlRequest request, std::function<void(Result<AuditEntry>)> done) override;
  void campaigns(std::function<void(std::vector<CampaignView>)> done) override;
  void campaign(std::string id, std::function<void(std::optional<CampaignView>)> done) override;
  void audit(AuditQuery query, std::function<void(Result<std::vector<AuditEntry>>)> done) override;

  void restore(SystemTime now);   // runner strand
  void expire(SystemTime now);    // runner strand

 private:
  Result<AuditEntry> change(const ControlRequest& request, SystemTime now,
                            std::vector<std::pair<std::string, std::string>>& writes,
                            std::vector<std::string>& erases);
  Result<AuditEntry> change_campaign(const ControlRequest& request, SystemTime now,
                                     std::vector<std::pair<std::string, std::string>>& writes,
                                     std::vector<std::string>& erases);
  void cancel(const std::string& campaign, std::function<void(Result<void>)> done);
  void commit(AuditEntry entry, std::vector<std::pair<std::string, std::string>> writes,
              std::vector<std::string> erases, std::function<void(Result<AuditEntry>)> done);
  CampaignView view(Campaign& campaign, SystemTime now) const;
  std::string audit_key(SystemTime t);

  QueueRunner& runner_;
  std::uint32_t audit_sequence_ = 0;  // strand only
};

std::string encode_audit(const AuditEntry& entry);
Result<AuditEntry> decode_audit(const std::string& bytes);

}  // namespace sluice::scheduler
