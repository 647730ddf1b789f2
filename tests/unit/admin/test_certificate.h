#pragma once
// Throw-away X.509 material for TLS tests, made in memory with OpenSSL (EC P-256, valid for a
// day) and written as PEM files: a CA, leaves it signs, self-signed leaves. Test-thread only.

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <memory>
#include <string>

namespace sluice::testing {

struct TestKeyPair {
  std::shared_ptr<EVP_PKEY> key;
  std::shared_ptr<X509> cert;

  // Writes the certificate and the key as PEM files; false on any failure.
  bool write(const std::string& cert_file, const std::string& key_file) const {
    std::unique_ptr<FILE, int (*)(FILE*)> c(std::fopen(cert_file.c_str(), "w"), std::fclose);
    std::unique_ptr<FILE, int (*)(FILE*)> k(std::fopen(key_file.c_str(), "w"), std::fclose);
    return c && k && PEM_write_X509(c.get(), cert.get()) == 1 &&
           PEM_write_PrivateKey(k.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1;
  }
};

namespace certificate_detail {

inline bool add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
  if (extension == nullptr) return false;
  const bool added = X509_add_ext(cert, extension, -1) == 1;
  X509_EXTENSION_free(extension);
  return added;
}

}  // namespace certificate_detail

// `san` like "DNS:localhost,IP:127.0.0.1" (empty for a CA); `issuer` null: self-signed.
inline TestKeyPair make_test_certificate(const std::string& common_name, const std::string& san,
                                         bool is_ca, const TestKeyPair* issuer = nullptr) {
  TestKeyPair pair;
  pair.key.reset(EVP_EC_gen("P-256"), EVP_PKEY_free);
  pair.cert.reset(X509_new(), X509_free);
  X509* cert = pair.cert.get();
  static long serial = 1;
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), ++serial);
  X509_gmtime_adj(X509_getm_notBefore(cert), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                             0);
  X509* signer = issuer ? issuer->cert.get() : cert;
  X509_set_issuer_name(cert, X509_get_subject_name(signer));
  X509_set_pubkey(cert, pair.key.get());
  using certificate_detail::add_extension;
  bool ok = add_extension(cert, signer, NID_basic_constraints,
                          is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  ok = ok && add_extension(cert, signer, NID_subject_key_identifier, "hash");
  if (is_ca) {
    ok = ok && add_extension(cert, signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    ok = ok && add_extension(cert, signer, NID_key_usage, "critical,digitalSignature");
    ok = ok && add_extension(cert, signer, NID_ext_key_usage, "serverAuth");
  }
  if (!san.empty()) ok = ok && add_extension(cert, signer, NID_subject_alt_name, san.c_str());
  EVP_PKEY* signing_key = issuer ? issuer->key.get() : pair.key.get();
  ok = ok && X509_sign(cert, signing_key, EVP_sha256()) > 0;
  EXPECT_TRUE(ok) << "could not make a test certificate for " << common_name;
  return pair;
}

}  // namespace sluice::testing
