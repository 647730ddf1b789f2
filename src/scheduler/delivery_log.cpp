#include "delivery_log.h"

#include <cctype>
#include <cstdio>

namespace sluice::scheduler {

std::string dsn_of(std::string_view reply) {
  auto space = reply.find(' ');
  if (space != std::string_view::npos) {
    auto rest = reply.substr(space + 1);
    auto end = rest.find(' ');
    auto word = rest.substr(0, end);
    if (word.size() >= 5 && std::isdigit(static_cast<unsigned char>(word[0])) && word[1] == '.') {
      return std::string(word);
    }
  }
  char cls = reply.empty() ? '4' : reply[0];
  return std::string(1, cls == '2' || cls == '5' ? cls : '4') + ".0.0";
}

std::string delivery_log_line(const std::string& id, const delivery::RecipientResult& result,
                              const std::string& relay, double delay_seconds) {
  const char* status = result.outcome == delivery::RecipientOutcome::delivered ? "sent"
                       : result.outcome == delivery::RecipientOutcome::failed  ? "bounced"
                                                                               : "deferred";
  char delay[32];
  std::snprintf(delay, sizeof delay, "%.2f", delay_seconds);
  return id + ": to=<" + result.address + ">, relay=" + relay + ", delay=" + delay +
         ", dsn=" + dsn_of(result.reply) + ", status=" + status + " (" + result.reply + ")";
}

}  // namespace sluice::scheduler
