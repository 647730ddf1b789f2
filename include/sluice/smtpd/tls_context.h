#pragma once
// The server-side TLS context for STARTTLS and the SMTPS listener: certificate chain and key
// loaded once at start-up; TLS 1.2 and 1.3 only, Mozilla's "intermediate" cipher list with the
// server's order, no compression, no renegotiation. Shared read-only by every session.

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "sluice/common/result.h"

namespace sluice::smtpd {

// Errors name the file that could not be used (smtpd_tls_cert_file / smtpd_tls_key_file).
Result<std::unique_ptr<boost::asio::ssl::context>> make_server_tls_context(
    const std::string& cert_file, const std::string& key_file);

}  // namespace sluice::smtpd
