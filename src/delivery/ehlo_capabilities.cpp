#include "ehlo_capabilities.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::delivery {
namespace {

std::string upper(std::string_view text) {
  std::string out(text);
  for (auto& c : out) {
    if (c >= 'a' && c <= 'z') c = char(c - 'a' + 'A');
  }
  return out;
}

std::vector<std::string> words_of(std::string_view line) {
  std::vector<std::string> words;
  std::size_t at = 0;
  while (at < line.size()) {
    const auto start = line.find_first_not_of(" \t", at);
    if (start == line.npos) break;
    const auto end = std::min(line.find_first_of(" \t", start), line.size());
    words.push_back(upper(line.substr(start, end - start)));
    at = end;
  }
  return words;
}

void add_auth_mechanisms(Capabilities& caps, const std::vector<std::string>& mechanisms,
                         std::size_t from) {
  for (std::size_t i = from; i < mechanisms.size(); ++i) {
    if (mechanisms[i] == "PLAIN") caps.auth_plain = true;
    if (mechanisms[i] == "LOGIN") caps.auth_login = true;
  }
}

// "SIZE", "SIZE 0" (no fixed limit) or "SIZE 35882577".
void add_size(Capabilities& caps, const std::vector<std::string>& words) {
  caps.size = true;
  if (words.size() < 2) return;
  std::uint64_t limit = 0;
  const auto& n = words[1];
  const auto [end, error] = std::from_chars(n.data(), n.data() + n.size(), limit);
  if (error == std::errc() && end == n.data() + n.size() && limit > 0) caps.size_limit = limit;
}

}  // namespace

Capabilities capabilities_in(const SmtpReply& ehlo_reply) {
  Capabilities caps;
  caps.esmtp = true;
  // The first line is the server's name and greeting, not an extension.
  for (std::size_t i = 1; i < ehlo_reply.lines.size(); ++i) {
    auto words = words_of(ehlo_reply.lines[i]);
    if (words.empty()) continue;
    const auto& keyword = words[0];
    if (keyword == "PIPELINING") {
      caps.pipelining = true;
    } else if (keyword == "SIZE") {
      add_size(caps, words);
    } else if (keyword == "8BITMIME") {
      caps.eight_bit_mime = true;
    } else if (keyword == "SMTPUTF8") {
      caps.smtputf8 = true;
    } else if (keyword == "STARTTLS") {
      caps.starttls = true;
    } else if (keyword == "ENHANCEDSTATUSCODES") {
      caps.enhanced_status_codes = true;
    } else if (keyword == "AUTH") {
      add_auth_mechanisms(caps, words, 1);
    } else if (keyword.starts_with("AUTH=")) {  // the pre-RFC 2554 form some servers still send
      words[0].erase(0, 5);
      add_auth_mechanisms(caps, words, 0);
    }
  }
  return caps;
}

}  // namespace sluice::delivery
