#pragma once
// One message in delivery: the record as it was read, its body, and what the accounts it tried
// in this attempt said. Private to the queue runner; lives on the runner's strand.

#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "sluice/delivery/transport.h"
#include "sluice/queue/queue_store.h"
#include "sluice/scheduler/queue_runner.h"

namespace sluice::scheduler {

struct QueueRunner::Flight {
  queue::QueuedMessage message;
  std::shared_ptr<const std::string> body;
  std::vector<std::string> pending;       // recipients the next leg delivers
  std::unordered_set<std::string> tried;  // accounts that failed this message in this attempt
  delivery::DeliveryResult results;       // every recipient judged so far, all legs
  // Kept only for the runner's DeliveryEvents: which account's leg each stretch of `results`
  // came from (results.recipients[previous end, end) are that leg's).
  struct Leg {
    std::string account;
    std::size_t end = 0;
  };
  std::vector<Leg> legs;
  std::string campaign() const { return message.campaign; }
};

}  // namespace sluice::scheduler
