#include "answer_cache.h"

#include <algorithm>

namespace sluice::dns {

std::optional<AnswerCache::Answer> AnswerCache::find(const std::string& key, SystemTime now,
                                                     LookupFailure* failure) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  if (now >= it->second.expires) {
    entries_.erase(it);
    return std::nullopt;
  }
  if (failure) *failure = it->second.failure;
  return it->second.answer;
}

void AnswerCache::store(const std::string& key, Answer answer, SystemTime expires, SystemTime now,
                        LookupFailure failure) {
  if (expires <= now) return;
  auto it = entries_.find(key);
  if (it != entries_.end()) {
    it->second = Entry{std::move(answer), expires, failure};
    return;
  }
  if (entries_.size() >= sweep_at_) sweep(now);
  entries_.emplace(key, Entry{std::move(answer), expires, failure});
}

void AnswerCache::sweep(SystemTime now) {
  std::erase_if(entries_, [now](const auto& entry) { return now >= entry.second.expires; });
  sweep_at_ = std::max(kFirstSweep, 2 * entries_.size());
}

}  // namespace sluice::dns
