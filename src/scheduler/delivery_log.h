#pragma once
// Postfix-style delivery log lines: "ID: to=<r>, relay=..., delay=1.2, dsn=2.0.0, status=sent
// (reply)".

#include <string>
#include <string_view>

#include "sluice/delivery/transport.h"

namespace sluice::scheduler {

// The enhanced status code of a reply ("250 2.0.0 Ok" -> "2.0.0"), or one made from the
// reply class when the reply has none.
std::string dsn_of(std::string_view reply);

std::string delivery_log_line(const std::string& id, const delivery::RecipientResult& result,
                              const std::string& relay, double delay_seconds);

}  // namespace sluice::scheduler
