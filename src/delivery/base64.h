#pragma once
// Base64 (RFC 4648, with padding) for the SASL exchanges of AUTH PLAIN and LOGIN (RFC 4954).
// Only encoding is needed: the client never has to read what a server base64-encodes.

#include <string>
#include <string_view>

namespace sluice::delivery {

std::string base64_encoded(std::string_view bytes);

}  // namespace sluice::delivery
