#pragma once
// Text forms of the admin API's queue JSON for sluicectl: the mailq-style listing and the
// `queue show` detail. Pure functions over JSON values (fields missing from a newer or older
// server read as empty), so they are tested without a server.

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <string>
#include <string_view>

namespace sluice::ctl {

enum class TimeZone { local, utc };

// "2023-11-14T22:13:20Z" -> "Tue Nov 14 22:13:20" in the given zone; the input when unparsable.
std::string mailq_time(std::string_view rfc3339, TimeZone zone);

// Like Postfix mailq: a header, each message (`!` after the id when held) with its recipients
// indented below, a blank line between messages, then "-- N Kbytes in M Requests.". With no
// messages, only `empty_text` and a newline.
std::string render_listing(const boost::json::array& messages, TimeZone zone,
                           std::string_view empty_text);

// Every field of one message, "name: value" per line, recipients last.
std::string render_message(const boost::json::object& message, TimeZone zone);

}  // namespace sluice::ctl
