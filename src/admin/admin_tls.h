#pragma once
// The admin API's TLS server context, built once by AdminServer::start() from
// admin_tls_cert_file and admin_tls_key_file and then shared read-only by every connection:
// TLS 1.2 or later, forward-secret AEAD ciphers for TLS 1.2, no compression or renegotiation.

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "sluice/common/result.h"

namespace sluice::admin {

// Errors name the file and what is wrong with it ("admin_tls_key_file /x.pem: ...").
Result<std::shared_ptr<boost::asio::ssl::context>> make_admin_tls_context(
    const std::string& cert_file, const std::string& key_file);

// Whether a failed server handshake saw a plain HTTP request instead of a TLS hello.
bool is_plain_http_on_tls(const boost::system::error_code& handshake_error);

}  // namespace sluice::admin
