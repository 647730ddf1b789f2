#include "sluice/smtpd/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace sluice::smtpd {
namespace {

namespace ssl = boost::asio::ssl;

// Mozilla's "intermediate" configuration (v5.7) for TLS 1.2; TLS 1.3 suites are OpenSSL's.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";

// The error Asio took off OpenSSL's queue, then whatever OpenSSL queued behind it.
std::string openssl_reason(const boost::system::error_code& ec) {
  std::string reason = ec.message();
  while (const unsigned long code = ERR_get_error()) {
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    reason += "; ";
    reason += text;
  }
  return reason;
}

}  // namespace

Result<std::unique_ptr<ssl::context>> make_server_tls_context(const std::string& cert_file,
                                                              const std::string& key_file) {
  auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = context->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                  SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_SINGLE_DH_USE |
                                  SSL_OP_SINGLE_ECDH_USE);
  if (SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1) {
    ERR_clear_error();
    return make_error("smtpd TLS: OpenSSL accepts none of the configured ciphers");
  }
  // Ephemeral DH parameters sized to the certificate's key, for the DHE suites.
  SSL_CTX_set_dh_auto(native, 1);

  boost::system::error_code ec;
  context->use_certificate_chain_file(cert_file, ec);
  if (ec) {
    return make_error("smtpd_tls_cert_file " + cert_file +
                      ": cannot load the certificate chain: " + openssl_reason(ec));
  }
  context->use_private_key_file(key_file, ssl::context::pem, ec);
  if (ec) {
    return make_error("smtpd_tls_key_file " + key_file +
                      ": cannot load the private key: " + openssl_reason(ec));
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    ERR_clear_error();
    return make_error("smtpd_tls_key_file " + key_file +
                      ": the private key does not match smtpd_tls_cert_file " + cert_file);
  }
  return context;
}

}  // namespace sluice::smtpd
