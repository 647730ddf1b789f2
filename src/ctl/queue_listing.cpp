#include "queue_listing.h"

#include <cstdint>
#include <cstdio>
#include <ctime>

#include "sluice/admin/queue_json.h"

namespace sluice::ctl {

namespace {

// Column of the sender in the listing, and of the recipients below it.
constexpr int kAddressColumn = 47;

std::string text(const boost::json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value && value->is_string() ? std::string(value->as_string()) : std::string();
}

std::uint64_t number(const boost::json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  if (value == nullptr) return 0;
  if (value->is_uint64()) return value->as_uint64();
  if (value->is_int64() && value->as_int64() >= 0) {
    return static_cast<std::uint64_t>(value->as_int64());
  }
  return 0;
}

bool flag(const boost::json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value && value->is_bool() && value->as_bool();
}

const boost::json::array* recipients_of(const boost::json::object& message) {
  const auto* value = message.if_contains("recipients");
  return value && value->is_array() ? &value->as_array() : nullptr;
}

// "(next attempt Tue Nov 14 22:18:20; 451 4.7.1 try later)" and the like, or "".
std::string recipient_note(const boost::json::object& message, const boost::json::object& rcpt,
                           TimeZone zone) {
  auto state = text(rcpt, "state");
  auto reply = text(rcpt, "last_reply");
  std::string note;
  if (state == "pending") {
    if (reply.empty()) reply = text(message, "last_error");
    auto message_state = text(message, "state");
    if (message_state == "active") {
      note = "next attempt " + mailq_time(text(message, "next_attempt"), zone);
    } else if (message_state == "held") {
      note = "on hold";
    }
  }
  if (!reply.empty()) note += (note.empty() ? "" : "; ") + reply;
  return note.empty() ? "" : " (" + note + ")";
}

}  // namespace

std::string mailq_time(std::string_view rfc3339, TimeZone zone) {
  auto parsed = admin::parse_rfc3339(rfc3339);
  if (!parsed) return std::string(rfc3339);
  std::time_t t = std::chrono::system_clock::to_time_t(*parsed);
  std::tm parts{};
  if ((zone == TimeZone::utc ? gmtime_r(&t, &parts) : localtime_r(&t, &parts)) == nullptr) {
    return std::string(rfc3339);
  }
  char out[64];
  auto n = std::strftime(out, sizeof out, "%a %b %e %H:%M:%S", &parts);
  return n == 0 ? std::string(rfc3339) : std::string(out, n);
}

std::string render_listing(const boost::json::array& messages, TimeZone zone,
                           std::string_view empty_text) {
  if (messages.empty()) return std::string(empty_text) + "\n";
  std::string out = "-Queue ID-       --Size-- ----Arrival Time---- -Sender/Recipient-------\n";
  std::uint64_t total_bytes = 0;
  std::size_t count = 0;
  for (const auto& value : messages) {
    if (!value.is_object()) continue;
    const auto& message = value.as_object();
    auto size = number(message, "size");
    auto sender = text(message, "sender");
    char line[160];
    std::snprintf(line, sizeof line, "%-16s%c%8llu %-20s ", text(message, "id").c_str(),
                  text(message, "state") == "held" ? '!' : ' ',
                  static_cast<unsigned long long>(size),
                  mailq_time(text(message, "arrival"), zone).c_str());
    out += line;
    out += (sender.empty() ? "MAILER-DAEMON" : sender) + "\n";
    if (const auto* recipients = recipients_of(message)) {
      for (const auto& r : *recipients) {
        if (!r.is_object()) continue;
        const auto& rcpt = r.as_object();
        out += std::string(kAddressColumn, ' ') + text(rcpt, "address") + "  " +
               text(rcpt, "state") + recipient_note(message, rcpt, zone) + "\n";
      }
    }
    out += "\n";
    total_bytes += size;
    ++count;
  }
  out += "-- " + std::to_string((total_bytes + 1023) / 1024) + " Kbytes in " +
         std::to_string(count) + (count == 1 ? " Request.\n" : " Requests.\n");
  return out;
}

std::string render_message(const boost::json::object& message, TimeZone zone) {
  auto timed = [&](std::string_view key) {
    auto raw = text(message, key);
    return raw.empty() ? raw : raw + " (" + mailq_time(raw, zone) + ")";
  };
  auto sender = text(message, "sender");
  std::string out;
  auto field = [&](std::string_view name, const std::string& value) {
    out += std::string(name) + ":";
    out += std::string(14 - std::min<std::size_t>(name.size() + 1, 13), ' ') + value + "\n";
  };
  field("id", text(message, "id"));
  field("state", text(message, "state"));
  field("arrival", timed("arrival"));
  field("sender", "<" + sender + ">");
  field("size", std::to_string(number(message, "size")));
  field("campaign", text(message, "campaign"));
  field("group", text(message, "group"));
  field("client", text(message, "client"));
  field("smtputf8", flag(message, "smtputf8") ? "yes" : "no");
  field("8bitmime", flag(message, "eight_bit") ? "yes" : "no");
  field("attempts", std::to_string(number(message, "attempts")));
  field("next attempt", timed("next_attempt"));
  field("last error", text(message, "last_error"));
  if (const auto* recipients = recipients_of(message)) {
    for (const auto& r : *recipients) {
      if (!r.is_object()) continue;
      const auto& rcpt = r.as_object();
      auto reply = text(rcpt, "last_reply");
      field("recipient", text(rcpt, "address") + "  " + text(rcpt, "state") +
                             (reply.empty() ? "" : "  " + reply));
    }
  }
  return out;
}

}  // namespace sluice::ctl
