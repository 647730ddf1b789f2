#pragma once
// The queue runner's campaign state: the book, the ready queues over it, and the control
// service that changes them. Private to the scheduler; runner strand only.

#include <memory>

#include "campaign_book.h"
#include "campaign_scheduler.h"
#include "sluice/scheduler/queue_runner.h"

namespace sluice::scheduler {

struct QueueRunner::Campaigns {
  CampaignBook book;
  CampaignScheduler scheduler{book};
  std::unique_ptr<Controls> controls;
  AccountControl account_control;
  SystemTime expired_at{};  // last look for expired rate overrides
};

}  // namespace sluice::scheduler
