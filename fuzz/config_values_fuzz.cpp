// Arbitrary text into the value parsers of sluice.cf and the accounts file (times, sizes,
// booleans, bounded numbers, rates, send windows, time-zone names, listen addresses, networks):
// none crashes, and what they accept obeys their contract (limits, round trips).

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sluice/config/network.h"
#include "sluice/config/values.h"
#include "sluice/config/window_syntax.h"

namespace {

using namespace sluice::config;

void check(bool condition) {
  if (!condition) std::abort();
}

template <typename R>
void check_error(const R& result) {
  if (!result) check(!result.error().message.empty());
}

void values(std::string_view text) {
  auto duration = parse_duration(text);
  check_error(duration);
  if (duration) check(duration->count() >= 0 && duration->count() <= 3650LL * 86400);

  auto size = parse_size(text);
  check_error(size);
  if (size) check(parse_size(std::to_string(*size)).value() == *size);

  auto boolean = parse_bool(text);
  check_error(boolean);

  auto number = parse_uint(text, 3, 1000);
  check_error(number);
  if (number) check(*number >= 3 && *number <= 1000);

  auto rate = parse_rate(text);
  check_error(rate);
  if (rate) {
    check(std::isfinite(rate->per_second) && rate->per_second >= 0);
    check(!rate->text.empty() && parse_rate(rate->text).value().per_second == rate->per_second);
  }
}

void shapes(std::string_view text) {
  auto window = check_window_syntax(text);
  check_error(window);
  if (window) {
    // The separators are interchangeable.
    std::string swapped(text);
    for (char& c : swapped) c = c == ';' ? ',' : c;
    check(check_window_syntax(swapped).ok());
  }
  auto zone = check_time_zone_name(text);
  check_error(zone);
  if (zone) check(text.size() <= 64 && text.find("//") == std::string_view::npos);
}

void addresses(std::string_view text) {
  auto listen = parse_listen_address(text);
  check_error(listen);
  if (listen) {
    auto again = parse_listen_address(listen->to_string());
    check(again.ok() && again->host == listen->host && again->port == listen->port);
  }
  auto network = parse_network(text);
  check_error(network);
  if (network) {
    check(network->prefix <= (network->v6 ? 128u : 32u));
    // A single address (no prefix) is a network holding just itself.
    if (text.find('/') == std::string_view::npos) check(network->contains(text));
    (void)network->contains("192.0.2.1");
    (void)network->contains("2001:db8::1");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 4096) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  values(text);
  shapes(text);
  addresses(text);
  return 0;
}
