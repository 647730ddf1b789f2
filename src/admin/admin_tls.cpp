#include "admin_tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/ssl/error.hpp>

namespace sluice::admin {

namespace ssl = boost::asio::ssl;

namespace {

// TLS 1.2 suites: ECDHE with AEAD only (TLS 1.3 suites are OpenSSL's defaults, all AEAD).
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

}  // namespace

Result<std::shared_ptr<ssl::context>> make_admin_tls_context(const std::string& cert_file,
                                                             const std::string& key_file) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = context->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(
      native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1) {
    return make_error("admin TLS: the cipher policy is not supported by this OpenSSL");
  }
  // An encrypted key must fail here, not wait for a pass phrase on the terminal.
  context->set_password_callback([](std::size_t, ssl::context::password_purpose) { return ""; });
  boost::system::error_code ec;
  context->use_certificate_chain_file(cert_file, ec);
  if (ec) return make_error("admin_tls_cert_file " + cert_file + ": " + ec.message());
  context->use_private_key_file(key_file, ssl::context::pem, ec);
  if (ec) return make_error("admin_tls_key_file " + key_file + ": " + ec.message());
  if (SSL_CTX_check_private_key(native) != 1) {
    ERR_clear_error();
    return make_error("admin_tls_key_file " + key_file +
                      " does not belong to the certificate in admin_tls_cert_file " + cert_file);
  }
  return context;
}

bool is_plain_http_on_tls(const boost::system::error_code& handshake_error) {
  return handshake_error.category() == boost::asio::error::get_ssl_category() &&
         ERR_GET_REASON(static_cast<unsigned long>(handshake_error.value())) == SSL_R_HTTP_REQUEST;
}

}  // namespace sluice::admin
