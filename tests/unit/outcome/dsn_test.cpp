#include "sluice/outcome/dsn.h"

#include <gtest/gtest.h>

#include "manual_clock.h"
#include "mime_reader.h"
#include "sluice/outcome/disposition.h"

namespace sluice::outcome {
namespace {

using mail::RecipientState;
using std::chrono::seconds;
using test::Entity;
using test::value_in;

const std::string kOriginal =
    "Received: from client.example ([192.0.2.1])\r\n"
    "\tby relay.example with ESMTP id 0000000000A00001\r\n"
    "From: Shop <news@shop.example>\r\n"
    "Subject: Your order\r\n"
    "\r\n"
    "Body line one: not to be returned.\r\n";

queue::QueuedMessage failed_message() {
  queue::QueuedMessage m;
  m.id = "0000000000A00001";
  m.arrival = SystemTime(seconds(1'700'000'000));  // Tue, 14 Nov 2023 22:13:20 UTC
  m.sender = "news@shop.example";
  m.recipients = {
      {"ok@x.example", RecipientState::delivered, "250 2.0.0 Ok"},
      {"gone@x.example", RecipientState::failed, "550 5.1.1 <gone@x.example>: no such user"},
      {"later@x.example", RecipientState::pending, "451 4.3.0 try later"},
      {"local@x.example", RecipientState::failed, "message refused: too many hops"},
  };
  return m;
}

DsnContext context() {
  DsnContext c;
  c.reporting_mta = "relay.example";
  c.postmaster = "MAILER-DAEMON@relay.example";
  c.boundary = "0000000000A00001.1700003600";
  c.now = SystemTime(seconds(1'700'003'600));  // Tue, 14 Nov 2023 23:13:20 UTC
  return c;
}

struct Report {
  Entity top;
  std::vector<Entity> parts;
  std::vector<std::vector<test::Field>> groups;  // of the delivery-status part
};

// Parses a report, failing the test when its MIME structure is broken.
Report parse_report(const std::string& dsn) {
  Report r;
  r.top = test::parse_entity(dsn);
  const auto content_type = r.top.field("Content-Type");
  EXPECT_TRUE(content_type);
  const std::string boundary = test::boundary_of(content_type.value_or(""));
  EXPECT_FALSE(boundary.empty());
  auto parts = test::split_multipart(r.top.body, boundary);
  EXPECT_TRUE(parts) << "no close delimiter";
  if (parts) r.parts = std::move(*parts);
  EXPECT_EQ(r.parts.size(), 3u);
  if (r.parts.size() >= 2) r.groups = test::split_groups(r.parts[1].body);
  return r;
}

// Every line ends with CRLF, none is over 998 bytes, and no CR or LF stands alone.
void expect_clean_lines(const std::string& text) {
  ASSERT_GE(text.size(), 2u);
  EXPECT_EQ(text.substr(text.size() - 2), "\r\n");
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      ASSERT_TRUE(i + 1 < text.size() && text[i + 1] == '\n') << "bare CR at " << i;
    } else if (text[i] == '\n') {
      ASSERT_TRUE(i > 0 && text[i - 1] == '\r') << "bare LF at " << i;
      EXPECT_LE(i - 1 - line_start, 998u) << "long line at " << line_start;
      line_start = i + 1;
    }
  }
}

TEST(WantsDsn, OnlyForFailedRecipientsOfANonNullSender) {
  auto m = failed_message();
  EXPECT_TRUE(wants_dsn(m));
  m.sender.clear();
  EXPECT_FALSE(wants_dsn(m));  // never a bounce of a bounce
  m = failed_message();
  for (auto& r : m.recipients) {
    if (r.state == RecipientState::failed) r.state = RecipientState::delivered;
  }
  EXPECT_FALSE(wants_dsn(m));
}

TEST(BuildDsn, TopLevelHeaders) {
  const std::string dsn = build_dsn(failed_message(), kOriginal, context());
  expect_clean_lines(dsn);
  const Report r = parse_report(dsn);
  EXPECT_EQ(r.top.field("From"), "Mail Delivery System <MAILER-DAEMON@relay.example>");
  EXPECT_EQ(r.top.field("To"), "<news@shop.example>");
  EXPECT_EQ(r.top.field("Subject"), "Undelivered Mail Returned to Sender");
  EXPECT_EQ(r.top.field("Date"), "Tue, 14 Nov 2023 23:13:20 +0000");
  EXPECT_EQ(r.top.field("Message-ID"), "<0000000000A00001.1700003600@relay.example>");
  EXPECT_EQ(r.top.field("Auto-Submitted"), "auto-replied");
  EXPECT_EQ(r.top.field("MIME-Version"), "1.0");
  const std::string type = r.top.field("Content-Type").value_or("");
  EXPECT_EQ(type.rfind("multipart/report; report-type=delivery-status;", 0), 0u) << type;
  EXPECT_EQ(test::boundary_of(type), "0000000000A00001.1700003600");
  EXPECT_FALSE(r.top.field("Content-Transfer-Encoding"));  // all ASCII
}

TEST(BuildDsn, ThreePartsOfTheRightTypes) {
  const Report r = parse_report(build_dsn(failed_message(), kOriginal, context()));
  ASSERT_EQ(r.parts.size(), 3u);
  EXPECT_EQ(r.parts[0].field("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(r.parts[1].field("Content-Type"), "message/delivery-status");
  EXPECT_EQ(r.parts[2].field("Content-Type"), "text/rfc822-headers");
}

TEST(BuildDsn, HumanPartListsEachFailedRecipientWithItsReply) {
  const Report r = parse_report(build_dsn(failed_message(), kOriginal, context()));
  ASSERT_EQ(r.parts.size(), 3u);
  const std::string& text = r.parts[0].body;
  EXPECT_NE(text.find("This is the mail system at host relay.example."), std::string::npos);
  EXPECT_NE(text.find("<gone@x.example>: 550 5.1.1 <gone@x.example>: no such user\r\n"),
            std::string::npos);
  EXPECT_NE(text.find("<local@x.example>: message refused: too many hops\r\n"), std::string::npos);
  EXPECT_EQ(text.find("ok@x.example"), std::string::npos);
  EXPECT_EQ(text.find("later@x.example"), std::string::npos);
}

TEST(BuildDsn, DeliveryStatusFieldsPerFailedRecipientOnly) {
  const Report r = parse_report(build_dsn(failed_message(), kOriginal, context()));
  ASSERT_EQ(r.groups.size(), 3u);  // per-message + two failed recipients
  const auto& message = r.groups[0];
  EXPECT_EQ(value_in(message, "Reporting-MTA"), "dns; relay.example");
  EXPECT_EQ(value_in(message, "X-Sluice-Queue-ID"), "0000000000A00001");
  EXPECT_EQ(value_in(message, "Arrival-Date"), "Tue, 14 Nov 2023 22:13:20 +0000");

  const auto& gone = r.groups[1];
  EXPECT_EQ(value_in(gone, "Final-Recipient"), "rfc822; gone@x.example");
  EXPECT_EQ(value_in(gone, "Action"), "failed");
  EXPECT_EQ(value_in(gone, "Status"), "5.1.1");
  EXPECT_EQ(value_in(gone, "Diagnostic-Code"), "smtp; 550 5.1.1 <gone@x.example>: no such user");
  EXPECT_EQ(value_in(gone, "Last-Attempt-Date"), "Tue, 14 Nov 2023 23:13:20 +0000");

  const auto& local = r.groups[2];
  EXPECT_EQ(value_in(local, "Final-Recipient"), "rfc822; local@x.example");
  EXPECT_EQ(value_in(local, "Action"), "failed");
  EXPECT_EQ(value_in(local, "Status"), "5.0.0");
  EXPECT_FALSE(value_in(local, "Diagnostic-Code"));  // a local explanation, not an upstream's
}

TEST(BuildDsn, StatusFromTheReplysEnhancedCodeElse500) {
  auto m = failed_message();
  m.recipients = {{"a@x", RecipientState::failed, "554-5.7.1 rejected\r\n554 5.7.1 by policy"},
                  {"b@x", RecipientState::failed, "550 no such user"},
                  {"c@x", RecipientState::failed, "550 5.1 malformed code"},
                  {"d@x", RecipientState::failed, "552 4.2.2 mailbox full"},
                  {"e@x", RecipientState::failed, "550"}};
  const Report r = parse_report(build_dsn(m, kOriginal, context()));
  ASSERT_EQ(r.groups.size(), 6u);
  EXPECT_EQ(value_in(r.groups[1], "Status"), "5.7.1");
  EXPECT_EQ(value_in(r.groups[1], "Diagnostic-Code"),
            "smtp; 554-5.7.1 rejected 554 5.7.1 by policy");  // one line
  EXPECT_EQ(value_in(r.groups[2], "Status"), "5.0.0");
  EXPECT_EQ(value_in(r.groups[2], "Diagnostic-Code"), "smtp; 550 no such user");
  EXPECT_EQ(value_in(r.groups[3], "Status"), "5.0.0");
  EXPECT_EQ(value_in(r.groups[4], "Status"), "5.0.0");  // failed is never reported as 4.x.x
  EXPECT_EQ(value_in(r.groups[5], "Status"), "5.0.0");
  EXPECT_EQ(value_in(r.groups[5], "Diagnostic-Code"), "smtp; 550");
}

TEST(BuildDsn, ExpiredRecipientIs447WithTheLastUpstreamReply) {
  // The expiry wording comes from apply_delivery_result itself, so the two stay in step.
  queue::QueuedMessage m = failed_message();
  m.recipients = {{"slow@x.example", RecipientState::pending, {}},
                  {"never@x.example", RecipientState::pending, {}}};
  delivery::DeliveryResult result{"test", {}, std::nullopt};
  result.recipients.push_back(
      {"slow@x.example", delivery::RecipientOutcome::deferred, "451 4.3.0 try later", false});
  const RetryPolicy policy{{seconds(300), seconds(4000)}, seconds(3600)};
  apply_delivery_result(m, result, policy, m.arrival + seconds(3600), 0.5);
  ASSERT_EQ(m.recipients[0].state, RecipientState::failed);
  ASSERT_EQ(m.recipients[1].state, RecipientState::failed);

  const Report r = parse_report(build_dsn(m, kOriginal, context()));
  ASSERT_EQ(r.groups.size(), 3u);
  EXPECT_EQ(value_in(r.groups[1], "Action"), "failed");
  EXPECT_EQ(value_in(r.groups[1], "Status"), "4.4.7");
  EXPECT_EQ(value_in(r.groups[1], "Diagnostic-Code"), "smtp; 451 4.3.0 try later");
  EXPECT_EQ(value_in(r.groups[2], "Status"), "4.4.7");
  EXPECT_FALSE(value_in(r.groups[2], "Diagnostic-Code"));  // never got an upstream reply
  EXPECT_NE(r.parts[0].body.find("<never@x.example>: message expired after 3600s"),
            std::string::npos);
}

TEST(BuildDsn, NonAsciiRecipientIsUtf8InAGlobalReport) {
  auto m = failed_message();
  m.recipients = {
      {"j\xc3\xb6rg@b\xc3\xbc"
       "cher.example",
       RecipientState::failed, "550 5.1.1 unknown"}};
  const std::string dsn = build_dsn(m, kOriginal, context());
  expect_clean_lines(dsn);
  const Report r = parse_report(dsn);
  ASSERT_EQ(r.groups.size(), 2u);
  EXPECT_EQ(value_in(r.groups[1], "Final-Recipient"),
            "utf-8; j\xc3\xb6rg@b\xc3\xbc"
            "cher.example");
  EXPECT_EQ(r.parts[1].field("Content-Type"), "message/global-delivery-status");
  EXPECT_EQ(r.parts[1].field("Content-Transfer-Encoding"), "8bit");
  EXPECT_EQ(r.top.field("Content-Transfer-Encoding"), "8bit");
  EXPECT_FALSE(r.parts[2].field("Content-Transfer-Encoding"));
}

TEST(BuildDsn, ReturnsTheHeaderSectionOnly) {
  const Report r = parse_report(build_dsn(failed_message(), kOriginal, context()));
  ASSERT_EQ(r.parts.size(), 3u);
  EXPECT_EQ(r.parts[2].body, kOriginal.substr(0, kOriginal.find("\r\n\r\n") + 2));
}

TEST(BuildDsn, LfOnlyOriginalComesBackWithCrlf) {
  const std::string dsn =
      build_dsn(failed_message(), "Subject: a\nX-Bare: cr\rinside\n\nbody\n", context());
  expect_clean_lines(dsn);
  const Report r = parse_report(dsn);
  ASSERT_EQ(r.parts.size(), 3u);
  EXPECT_EQ(r.parts[2].body, "Subject: a\r\nX-Bare: crinside\r\n");
}

TEST(BuildDsn, HeadersAreTruncatedOnALineBoundary) {
  auto c = context();
  // "Received: ..." (45+2) + "\tby ..." (49+2) = 98 bytes; 120 leaves no room for "From:".
  c.max_returned_bytes = 120;
  const Report r = parse_report(build_dsn(failed_message(), kOriginal, c));
  ASSERT_EQ(r.parts.size(), 3u);
  EXPECT_EQ(r.parts[2].body,
            "Received: from client.example ([192.0.2.1])\r\n"
            "\tby relay.example with ESMTP id 0000000000A00001\r\n");
  c.max_returned_bytes = 10;  // not even one line
  const Report none = parse_report(build_dsn(failed_message(), kOriginal, c));
  ASSERT_EQ(none.parts.size(), 3u);
  EXPECT_EQ(none.parts[2].body, "");
}

TEST(BuildDsn, AMessageWithoutBodyReturnsAllItsHeaders) {
  const Report r = parse_report(build_dsn(failed_message(), "Subject: x\r\nTo: y\r\n", context()));
  ASSERT_EQ(r.parts.size(), 3u);
  EXPECT_EQ(r.parts[2].body, "Subject: x\r\nTo: y\r\n");
}

TEST(BuildDsn, LongDiagnosticsAreFoldedAndOverlongWordsCut) {
  std::string words = "550 5.7.1";
  for (int i = 0; i < 200; ++i) words += " word" + std::to_string(i);
  const std::string blob(3000, 'x');
  auto m = failed_message();
  m.recipients = {{"a@x", RecipientState::failed, words},
                  {"b@x", RecipientState::failed, "550 5.7.1 " + blob}};
  const std::string dsn = build_dsn(m, kOriginal, context());
  expect_clean_lines(dsn);
  const Report r = parse_report(dsn);
  ASSERT_EQ(r.groups.size(), 3u);
  // Folded at spaces: unfolding gives the reply back.
  const std::string diagnostic = "smtp; " + words;
  std::string unfolded = value_in(r.groups[1], "Diagnostic-Code").value_or("");
  EXPECT_EQ(unfolded, diagnostic);
  EXPECT_NE(r.parts[1].body.find("\r\n word"), std::string::npos);
  // Lines stay near 78 columns where spaces allow.
  std::size_t start = r.parts[1].body.find("Diagnostic-Code:");
  const std::size_t end = r.parts[1].body.find("Last-Attempt-Date:", start);
  while (start < end) {
    const std::size_t eol = r.parts[1].body.find("\r\n", start);
    EXPECT_LE(eol - start, 78u);
    start = eol + 2;
  }
  // The blob is cut into lines, all of it kept.
  const std::string cut = value_in(r.groups[2], "Diagnostic-Code").value_or("");
  std::string letters;
  for (const char ch : cut) {
    if (ch == 'x') letters += ch;
  }
  EXPECT_EQ(letters.size(), 3000u);
}

TEST(BuildDsn, BoundaryFoundInTheReturnedHeadersIsMadeUnique) {
  auto c = context();
  const std::string original = "X-Trick: a\r\n--" + c.boundary + "--\r\n\r\nbody\r\n";
  const std::string dsn = build_dsn(failed_message(), original, c);
  const Report r = parse_report(dsn);
  const std::string boundary = test::boundary_of(r.top.field("Content-Type").value_or(""));
  EXPECT_NE(boundary, c.boundary);
  ASSERT_EQ(r.parts.size(), 3u);
  EXPECT_EQ(r.parts[2].body, "X-Trick: a\r\n--" + c.boundary + "--\r\n");
  // The Message-ID keeps the given unique part.
  EXPECT_EQ(r.top.field("Message-ID"), "<" + c.boundary + "@relay.example>");
}

}  // namespace
}  // namespace sluice::outcome
