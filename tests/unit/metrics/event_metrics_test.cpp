// The push adapters (inbound, delivery, connections, resolver) through Metrics::expose: each
// event lands on exactly the series of the catalogue, with HELP and TYPE.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "exposition.h"
#include "sluice/metrics/metrics.h"

namespace sluice::metrics {
namespace {

using namespace std::chrono_literals;
using sluice::testing::has_line;
using sluice::testing::sample;

MetricsOptions options() {
  MetricsOptions o;
  o.accounts = {"acct-a", "acct-b"};
  o.version = "1.2.3";
  o.start_time = SystemTime(std::chrono::seconds(1'700'000'000));
  return o;
}

TEST(InboundMetrics, ConnectionsAcceptedRejectedBytesAndLatency) {
  Metrics m(options());
  auto& in = m.inbound();
  in.connection_opened();
  in.connection_opened();
  in.connection_closed();
  in.connection_refused("client_rate_limit");
  in.connection_refused("client_rate_limit");
  in.connection_refused("max_connections");
  in.message_accepted(100, 700us);
  in.message_accepted(200, 3s);
  in.message_rejected(452);
  in.message_rejected(452);
  in.message_rejected(554);
  in.message_rejected(7);  // not a reply code
  in.tls_handshake(true);
  in.tls_handshake(false);
  in.tls_handshake(false);
  in.auth_attempt(true);
  const auto text = m.expose({});
  EXPECT_EQ(sample(text, "sluice_smtpd_connections"), 1);
  EXPECT_EQ(sample(text, "sluice_smtpd_connections_total"), 2);
  EXPECT_EQ(sample(text, "sluice_smtpd_connections_refused_total{reason=\"client_rate_limit\"}"),
            2);
  EXPECT_EQ(sample(text, "sluice_smtpd_connections_refused_total{reason=\"max_connections\"}"), 1);
  EXPECT_EQ(
      sample(text, "sluice_smtpd_connections_refused_total{reason=\"client_connection_limit\"}"),
      0);
  EXPECT_EQ(sample(text, "sluice_messages_accepted_total"), 2);
  EXPECT_EQ(sample(text, "sluice_accepted_bytes_total"), 300);
  EXPECT_EQ(sample(text, "sluice_accept_latency_seconds_count"), 2);
  EXPECT_NEAR(*sample(text, "sluice_accept_latency_seconds_sum"), 3.0007, 1e-9);
  EXPECT_EQ(sample(text, "sluice_accept_latency_seconds_bucket{le=\"0.0005\"}"), 0);
  EXPECT_EQ(sample(text, "sluice_accept_latency_seconds_bucket{le=\"0.001\"}"), 1);
  EXPECT_EQ(sample(text, "sluice_accept_latency_seconds_bucket{le=\"2.5\"}"), 1);
  EXPECT_EQ(sample(text, "sluice_accept_latency_seconds_bucket{le=\"5\"}"), 2);
  EXPECT_EQ(sample(text, "sluice_accept_latency_seconds_bucket{le=\"+Inf\"}"), 2);
  EXPECT_EQ(sample(text, "sluice_messages_rejected_total{code=\"452\"}"), 2);
  EXPECT_EQ(sample(text, "sluice_messages_rejected_total{code=\"554\"}"), 1);
  EXPECT_EQ(sample(text, "sluice_messages_rejected_total{code=\"other\"}"), 1);
  EXPECT_FALSE(sample(text, "sluice_messages_rejected_total{code=\"550\"}"));  // never seen
  EXPECT_EQ(sample(text, "sluice_smtpd_tls_handshakes_total{result=\"ok\"}"), 1);
  EXPECT_EQ(sample(text, "sluice_smtpd_tls_handshakes_total{result=\"failed\"}"), 2);
  EXPECT_EQ(sample(text, "sluice_smtpd_auth_attempts_total{result=\"ok\"}"), 1);
  EXPECT_EQ(sample(text, "sluice_smtpd_auth_attempts_total{result=\"failed\"}"), 0);
  EXPECT_TRUE(has_line(text, "# TYPE sluice_accept_latency_seconds histogram"));
  EXPECT_TRUE(has_line(text, "# TYPE sluice_smtpd_connections gauge"));
  EXPECT_TRUE(has_line(text, "# TYPE sluice_messages_accepted_total counter"));
}

TEST(InboundMetrics, UnknownRefusalReasonGetsItsOwnLabel) {
  Metrics m(options());
  m.inbound().connection_refused("something_new");
  EXPECT_EQ(
      sample(m.expose({}), "sluice_smtpd_connections_refused_total{reason=\"something_new\"}"), 1);
}

TEST(InboundMetrics, RejectionsFromManyThreadsAreAllCounted) {
  Metrics m(options());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) m.inbound().message_rejected(i % 2 ? 451 : 550);
    });
  }
  for (auto& t : threads) t.join();
  const auto text = m.expose({});
  EXPECT_EQ(sample(text, "sluice_messages_rejected_total{code=\"451\"}"), 2000);
  EXPECT_EQ(sample(text, "sluice_messages_rejected_total{code=\"550\"}"), 2000);
}

TEST(DeliveryMetrics, ConfiguredAccountsExportZerosFromTheStart) {
  Metrics m(options());
  const auto text = m.expose({});
  for (const char* account : {"acct-a", "acct-b"}) {
    const std::string a = account;
    EXPECT_EQ(sample(text, "sluice_delivery_attempts_total{account=\"" + a + "\"}"), 0) << a;
    for (const char* result : {"sent", "deferred", "bounced"}) {
      EXPECT_EQ(
          sample(text, "sluice_deliveries_total{account=\"" + a + "\",result=\"" + result + "\"}"),
          0);
    }
    EXPECT_EQ(
        sample(text, "sluice_upstream_connections_total{account=\"" + a + "\",reused=\"no\"}"), 0);
  }
}

TEST(DeliveryMetrics, AttemptsResultsReplyClassesAndLatency) {
  Metrics m(options());
  auto& d = m.delivery();
  d.attempt("acct-a");
  d.attempt("acct-a");
  d.recipients("acct-a", scheduler::RecipientResult::sent, 250, 3);
  d.recipients("acct-a", scheduler::RecipientResult::deferred, 451, 2);
  d.recipients("acct-a", scheduler::RecipientResult::deferred, 0, 1);  // connection failed
  d.recipients("acct-a", scheduler::RecipientResult::bounced, 550, 4);
  d.recipients("acct-b", scheduler::RecipientResult::sent, 250, 1);
  d.delivered(40ms);
  d.delivered(2h);
  d.delivered(-5s);  // clock stepped back: counts as instant
  const auto text = m.expose({});
  EXPECT_EQ(sample(text, "sluice_delivery_attempts_total{account=\"acct-a\"}"), 2);
  EXPECT_EQ(sample(text, "sluice_deliveries_total{account=\"acct-a\",result=\"sent\"}"), 3);
  EXPECT_EQ(sample(text, "sluice_deliveries_total{account=\"acct-a\",result=\"deferred\"}"), 3);
  EXPECT_EQ(sample(text, "sluice_deliveries_total{account=\"acct-a\",result=\"bounced\"}"), 4);
  EXPECT_EQ(sample(text, "sluice_deliveries_total{account=\"acct-b\",result=\"sent\"}"), 1);
  EXPECT_EQ(sample(text, "sluice_delivery_replies_total{account=\"acct-a\",class=\"2xx\"}"), 3);
  EXPECT_EQ(sample(text, "sluice_delivery_replies_total{account=\"acct-a\",class=\"4xx\"}"), 2);
  EXPECT_EQ(sample(text, "sluice_delivery_replies_total{account=\"acct-a\",class=\"5xx\"}"), 4);
  EXPECT_EQ(sample(text, "sluice_delivery_replies_total{account=\"acct-a\",class=\"none\"}"), 1);
  EXPECT_EQ(sample(text, "sluice_delivery_latency_seconds_count"), 3);
  EXPECT_EQ(sample(text, "sluice_delivery_latency_seconds_bucket{le=\"0.01\"}"), 1);
  EXPECT_EQ(sample(text, "sluice_delivery_latency_seconds_bucket{le=\"0.05\"}"), 2);
  EXPECT_EQ(sample(text, "sluice_delivery_latency_seconds_bucket{le=\"3600\"}"), 2);
  EXPECT_EQ(sample(text, "sluice_delivery_latency_seconds_bucket{le=\"7200\"}"), 3);
  EXPECT_NEAR(*sample(text, "sluice_delivery_latency_seconds_sum"), 7200.04, 1e-6);
}

TEST(DeliveryMetrics, AnAccountNotConfiguredGetsItsSeriesOnFirstUseFromAnyThread) {
  Metrics m(options());
  EXPECT_FALSE(sample(m.expose({}), "sluice_delivery_attempts_total{account=\"late\"}"));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        m.delivery().attempt("late");
        m.connections().connection_used("late", i % 2 == 0);
      }
    });
  }
  for (auto& t : threads) t.join();
  const auto text = m.expose({});
  EXPECT_EQ(sample(text, "sluice_delivery_attempts_total{account=\"late\"}"), 2000);
  EXPECT_EQ(sample(text, "sluice_upstream_connections_total{account=\"late\",reused=\"yes\"}"),
            1000);
  EXPECT_EQ(sample(text, "sluice_upstream_connections_total{account=\"late\",reused=\"no\"}"),
            1000);
}

TEST(ConnectionMetrics, ReuseTlsAndAuthFailuresPerAccount) {
  Metrics m(options());
  auto& c = m.connections();
  c.connection_used("acct-b", false);
  c.connection_used("acct-b", true);
  c.connection_used("acct-b", true);
  c.tls_failed("acct-b");
  c.auth_failed("acct-a");
  c.auth_failed("acct-a");
  const auto text = m.expose({});
  EXPECT_EQ(sample(text, "sluice_upstream_connections_total{account=\"acct-b\",reused=\"no\"}"), 1);
  EXPECT_EQ(sample(text, "sluice_upstream_connections_total{account=\"acct-b\",reused=\"yes\"}"),
            2);
  EXPECT_EQ(sample(text, "sluice_upstream_tls_failures_total{account=\"acct-b\"}"), 1);
  EXPECT_EQ(sample(text, "sluice_upstream_tls_failures_total{account=\"acct-a\"}"), 0);
  EXPECT_EQ(sample(text, "sluice_upstream_auth_failures_total{account=\"acct-a\"}"), 2);
}

TEST(ResolverMetrics, LookupsHitsAndFailuresByKind) {
  Metrics m(options());
  auto& r = m.resolver();
  for (int i = 0; i < 3; ++i) r.lookup();
  r.cache_hit();
  r.failure("nxdomain");
  r.failure("timeout");
  r.failure("timeout");
  r.failure("weird");  // counted as other
  const auto text = m.expose({});
  EXPECT_EQ(sample(text, "sluice_dns_lookups_total"), 3);
  EXPECT_EQ(sample(text, "sluice_dns_cache_hits_total"), 1);
  EXPECT_EQ(sample(text, "sluice_dns_failures_total{kind=\"nxdomain\"}"), 1);
  EXPECT_EQ(sample(text, "sluice_dns_failures_total{kind=\"servfail\"}"), 0);
  EXPECT_EQ(sample(text, "sluice_dns_failures_total{kind=\"timeout\"}"), 2);
  EXPECT_EQ(sample(text, "sluice_dns_failures_total{kind=\"other\"}"), 1);
}

TEST(Metrics, ProcessSeriesAndEveryFamilyHasHelpAndType) {
  Metrics m(options());
  const auto text = m.expose({});
  EXPECT_EQ(sample(text, "sluice_build_info{version=\"1.2.3\"}"), 1);
  EXPECT_EQ(sample(text, "sluice_start_time_seconds"), 1'700'000'000);
  std::istringstream lines(text);
  std::string line, last_help;
  int families = 0;
  while (std::getline(lines, line)) {
    if (line.starts_with("# HELP ")) {
      last_help = line.substr(7, line.find(' ', 7) - 7);
      ++families;
    } else if (line.starts_with("# TYPE ")) {
      EXPECT_EQ(line.substr(7, line.find(' ', 7) - 7), last_help) << "TYPE without HELP: " << line;
    } else {
      EXPECT_TRUE(line.starts_with(last_help)) << line;
    }
  }
  EXPECT_GE(families, 20);
}

}  // namespace
}  // namespace sluice::metrics
