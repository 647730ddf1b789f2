// The admin API over HTTPS: AdminServer with admin_tls_cert_file/admin_tls_key_file against
// sluicectl's AdminClient, with a server on its own thread as sluicectl meets the daemon.
// Certificate checks (trust anchor, host name, IP address), plain HTTP on the HTTPS port, TLS
// versions below 1.2 and unusable key material.
#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <thread>

#include "ctl/admin_client.h"
#include "sluice/admin/admin_server.h"
#include "temp_dir.h"
#include "test_certificate.h"

namespace sluice::admin {
namespace {

using namespace std::chrono_literals;
using ctl::AdminClient;
using ctl::AdminEndpoint;
using sluice::testing::make_test_certificate;
using sluice::testing::TempDir;

constexpr const char* kToken = "tls-test-token-0123456789";

class AdminTlsTest : public ::testing::Test {
 protected:
  AdminTlsTest() {
    ca = make_test_certificate("test CA", "", true);
    make_test_certificate("localhost", "DNS:localhost,IP:127.0.0.1", false, &ca)
        .write(dir.path() + "/server.pem", dir.path() + "/server.key");
    make_test_certificate("localhost", "DNS:localhost,IP:127.0.0.1", false)
        .write(dir.path() + "/self.pem", dir.path() + "/self.key");
    make_test_certificate("wrong", "DNS:wrong-host.test", false, &ca)
        .write(dir.path() + "/wrong.pem", dir.path() + "/wrong.key");
    ca.write(dir.path() + "/ca.pem", dir.path() + "/ca.key");
  }
  ~AdminTlsTest() override {
    if (server) server->stop();
    work.reset();
    io.stop();
    if (thread.joinable()) thread.join();
  }

  Result<void> start(const std::string& cert, const std::string& key) {
    config::AdminSettings settings;
    settings.listen = {"127.0.0.1", 0};
    settings.tokens = {{kToken, "ops"}};
    if (!cert.empty()) {
      settings.tls_cert_file = dir.path() + "/" + cert;
      settings.tls_key_file = dir.path() + "/" + key;
    }
    AdminServerOptions options;
    options.logger = std::make_shared<spdlog::logger>(
        "tls-test", std::make_shared<spdlog::sinks::null_sink_mt>());
    server = std::make_unique<AdminServer>(io.get_executor(), settings, options);
    server->router().add(http::verb::get, "/api/ping", [](RequestContext request, Reply reply) {
      reply(Response::json(boost::json::object{{"token_name", request.token_name}}));
    });
    auto started = server->start();
    if (started) thread = std::thread([this] { io.run_for(60s); });
    return started;
  }

  Result<ctl::AdminReply> ping(const std::string& trust, const std::string& host = "127.0.0.1") {
    AdminEndpoint endpoint{host, server->port(), kToken, 10s};
    if (!trust.empty()) endpoint.tls_trust_file = dir.path() + "/" + trust;
    return AdminClient(endpoint).call(http::verb::get, "/api/ping");
  }

  void expect_ok(const Result<ctl::AdminReply>& reply) {
    ASSERT_TRUE(reply.ok()) << reply.error().message;
    EXPECT_EQ(reply->status, 200u);
    EXPECT_EQ(reply->body.at("token_name"), "ops");
  }

  // Sends raw bytes on a fresh TCP connection and returns all the server writes until it
  // closes.
  std::string raw_exchange(const std::string& bytes) {
    boost::asio::io_context client_io;
    boost::asio::ip::tcp::socket socket(client_io);
    socket.connect({boost::asio::ip::make_address("127.0.0.1"), server->port()});
    boost::asio::write(socket, boost::asio::buffer(bytes));
    std::string answer;
    boost::system::error_code ec;
    boost::asio::read(socket, boost::asio::dynamic_buffer(answer), ec);
    return answer;
  }

  TempDir dir;
  sluice::testing::TestKeyPair ca;
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{io.get_executor()};
  std::unique_ptr<AdminServer> server;
  std::thread thread;
};

TEST_F(AdminTlsTest, CaSignedCertificateCheckedAgainstTheCa) {
  ASSERT_TRUE(start("server.pem", "server.key").ok());
  expect_ok(ping("ca.pem"));
  expect_ok(ping("ca.pem", "localhost"));  // the DNS name is checked too
}

// Without admin_tls_CAfile sluicectl trusts the daemon's certificate file as it is.
TEST_F(AdminTlsTest, TheCertificateFileItselfIsATrustAnchor) {
  ASSERT_TRUE(start("self.pem", "self.key").ok());
  expect_ok(ping("self.pem"));
  server->stop();
}

TEST_F(AdminTlsTest, CaSignedLeafTrustedAsItself) {
  ASSERT_TRUE(start("server.pem", "server.key").ok());
  expect_ok(ping("server.pem"));
}

TEST_F(AdminTlsTest, UntrustedCertificateIsRefusedWithTheReason) {
  ASSERT_TRUE(start("self.pem", "self.key").ok());
  auto reply = ping("ca.pem");
  ASSERT_FALSE(reply.ok());
  EXPECT_NE(reply.error().message.find("TLS handshake with admin API at 127.0.0.1:"),
            std::string::npos)
      << reply.error().message;
  EXPECT_NE(reply.error().message.find("certificate verify failed: self-signed certificate"),
            std::string::npos)
      << reply.error().message;
}

TEST_F(AdminTlsTest, HostNameAndAddressAreChecked) {
  ASSERT_TRUE(start("wrong.pem", "wrong.key").ok());
  auto by_address = ping("ca.pem");
  ASSERT_FALSE(by_address.ok());
  EXPECT_NE(by_address.error().message.find("certificate verify failed: IP address mismatch"),
            std::string::npos)
      << by_address.error().message;
  auto by_name = ping("ca.pem", "localhost");
  ASSERT_FALSE(by_name.ok());
  EXPECT_NE(by_name.error().message.find("certificate verify failed: hostname mismatch"),
            std::string::npos)
      << by_name.error().message;
}

TEST_F(AdminTlsTest, PlainHttpOnTheHttpsPortGetsAPlain400AndTheServerGoesOn) {
  ASSERT_TRUE(start("server.pem", "server.key").ok());
  auto answer = raw_exchange("GET /api/ping HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                             std::string(kToken) + "\r\n\r\n");
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 400 Bad Request\r\n")) << answer;
  EXPECT_NE(answer.find("this port speaks HTTPS only"), std::string::npos) << answer;
  EXPECT_NE(answer.find("Connection: close"), std::string::npos) << answer;
  // Garbage that is neither TLS nor HTTP: closed without an answer.
  EXPECT_EQ(raw_exchange(std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8)), "");
  expect_ok(ping("ca.pem"));
}

TEST_F(AdminTlsTest, TlsClientAtAPlainServerSaysSo) {
  ASSERT_TRUE(start("", "").ok());
  auto reply = ping("ca.pem");
  ASSERT_FALSE(reply.ok());
  EXPECT_NE(reply.error().message.find("TLS handshake with admin API at 127.0.0.1:"),
            std::string::npos)
      << reply.error().message;
  EXPECT_NE(reply.error().message.find("is it serving HTTPS?"), std::string::npos)
      << reply.error().message;
  expect_ok(ping(""));  // the plain path is unchanged
}

TEST_F(AdminTlsTest, TlsBelow12IsRefused) {
  ASSERT_TRUE(start("server.pem", "server.key").ok());
  for (int version : {TLS1_VERSION, TLS1_1_VERSION}) {
    boost::asio::io_context client_io;
    boost::asio::ssl::context context(boost::asio::ssl::context::tls_client);
    SSL_CTX_set_security_level(context.native_handle(), 0);  // let the client offer old TLS
    SSL_CTX_set_min_proto_version(context.native_handle(), version);
    SSL_CTX_set_max_proto_version(context.native_handle(), version);
    context.set_verify_mode(boost::asio::ssl::verify_none);
    boost::asio::ssl::stream<boost::asio::ip::tcp::socket> stream(client_io, context);
    stream.lowest_layer().connect({boost::asio::ip::make_address("127.0.0.1"), server->port()});
    boost::system::error_code ec;
    stream.handshake(boost::asio::ssl::stream_base::client, ec);
    EXPECT_TRUE(ec) << "TLS version " << std::hex << version << " was accepted";
  }
  expect_ok(ping("ca.pem"));
}

TEST_F(AdminTlsTest, UnusableKeyMaterialFailsStartNamingTheFile) {
  auto mismatched = start("server.pem", "self.key");
  ASSERT_FALSE(mismatched.ok());
  EXPECT_NE(mismatched.error().message.find("admin_tls_key_file " + dir.path() + "/self.key"),
            std::string::npos)
      << mismatched.error().message;

  dir.write("garbage.pem", "not a certificate\n");
  auto garbage = start("garbage.pem", "server.key");
  ASSERT_FALSE(garbage.ok());
  EXPECT_NE(garbage.error().message.find("admin_tls_cert_file " + dir.path() + "/garbage.pem: "),
            std::string::npos)
      << garbage.error().message;

  auto no_key = start("server.pem", "absent.key");
  ASSERT_FALSE(no_key.ok());
  EXPECT_NE(no_key.error().message.find("admin_tls_key_file " + dir.path() + "/absent.key: "),
            std::string::npos)
      << no_key.error().message;
}

TEST_F(AdminTlsTest, UnreadableTrustFileIsAClearError) {
  ASSERT_TRUE(start("server.pem", "server.key").ok());
  auto reply = ping("absent.pem");
  ASSERT_FALSE(reply.ok());
  EXPECT_NE(reply.error().message.find("cannot load the admin API's TLS trust file " + dir.path() +
                                       "/absent.pem"),
            std::string::npos)
      << reply.error().message;
}

}  // namespace
}  // namespace sluice::admin
