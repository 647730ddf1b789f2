#include "sluice/pool/sender_routing.h"

namespace sluice::pool {
namespace {

constexpr std::string_view kDefaultPool = "default";

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// The pool named by a table value: its first word ("shop  # note" style extras are ignored).
std::string_view first_word(std::string_view value) {
  std::size_t begin = 0;
  while (begin < value.size() && is_space(value[begin])) ++begin;
  std::size_t end = begin;
  while (end < value.size() && !is_space(value[end])) ++end;
  return value.substr(begin, end - begin);
}

}  // namespace

std::string SenderRouting::pool_for(std::string_view sender,
                                    std::string_view campaign_group) const {
  auto lookup = [this](std::string_view key) -> std::string_view {
    const config::TableEntry* entry = table_.find(key);
    return entry ? first_word(entry->value) : std::string_view();
  };
  std::string_view pool;
  if (!campaign_group.empty()) pool = lookup("group:" + std::string(campaign_group));
  if (pool.empty() && sender.empty()) {
    pool = lookup("<>");  // bounces: their own key, never a sender's
  } else if (pool.empty()) {
    pool = lookup(sender);
    const std::size_t at = sender.rfind('@');
    if (pool.empty() && at != std::string_view::npos) pool = lookup(sender.substr(at));
  }
  return std::string(pool.empty() ? kDefaultPool : pool);
}

}  // namespace sluice::pool
