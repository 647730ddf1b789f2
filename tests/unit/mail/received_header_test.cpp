#include "sluice/mail/received_header.h"

#include <gtest/gtest.h>

namespace sluice::mail {
namespace {

using namespace std::chrono;

SystemTime at(int y, unsigned m, unsigned d, int hh, int mm, int ss) {
  return sys_days{year{y} / month{m} / day{d}} + hours{hh} + minutes{mm} + seconds{ss};
}

ReceivedInfo info() {
  ReceivedInfo i;
  i.helo = "helo";
  i.client_address = "127.0.0.1";
  i.myhostname = "myhost";
  i.protocol = "ESMTP";
  i.queue_id = "ABC";
  i.recipient = "x@y";
  i.time = at(2026, 11, 23, 1, 2, 3) + milliseconds(999);
  return i;
}

TEST(ReceivedHeader, FormatWithSingleRecipient) {
  EXPECT_EQ(received_header(info()),
            "Received: from helo ([127.0.0.1])\r\n\tby myhost (sluice) with ESMTP id ABC\r\n"
            "\tfor <x@y>; Mon, 23 Nov 2026 01:02:03 +0000\r\n");
}

TEST(ReceivedHeader, FormatWithoutRecipient) {
  auto i = info();
  i.recipient.reset();
  i.protocol = "SMTP";
  i.client_address = "2001:db8::1";
  EXPECT_EQ(received_header(i),
            "Received: from helo ([2001:db8::1])\r\n\tby myhost (sluice) with SMTP id ABC;\r\n"
            "\tMon, 23 Nov 2026 01:02:03 +0000\r\n");
}

TEST(ReceivedHeader, Dates) {
  EXPECT_EQ(rfc5322_date(at(1970, 1, 1, 0, 0, 0)), "Thu, 1 Jan 1970 00:00:00 +0000");
  EXPECT_EQ(rfc5322_date(at(2024, 2, 29, 23, 59, 59)), "Thu, 29 Feb 2024 23:59:59 +0000");
  EXPECT_EQ(rfc5322_date(at(2000, 12, 31, 12, 0, 5)), "Sun, 31 Dec 2000 12:00:05 +0000");
}

TEST(ReceivedHeader, HeloCannotInjectHeaders) {
  auto i = info();
  i.helo = "evil\r\nBcc: victim@example.com\r\n (x) [y] <z>;\x01\xff";
  const auto header = received_header(i);
  EXPECT_EQ(header.rfind("Received: from evilBcc:victim@example.comxyz ([127.0.0.1])\r\n", 0), 0u)
      << header;
  // Exactly three lines, each continuation starting with a tab.
  EXPECT_EQ(header.find("\r\n\tby "), header.find("\r\n"));
  std::size_t lines = 0;
  for (std::size_t p = 0; (p = header.find("\r\n", p)) != std::string::npos; p += 2) ++lines;
  EXPECT_EQ(lines, 3u);
  EXPECT_EQ(header.find('\n', 0), header.find("\r\n") + 1);
}

TEST(ReceivedHeader, HeloIsCappedAndEmptyBecomesUnknown) {
  auto i = info();
  i.helo = std::string(10000, 'h');
  EXPECT_NE(received_header(i).find("from " + std::string(kMaxHeloInHeader, 'h') + " (["),
            std::string::npos);
  i.helo = "\r\n";
  EXPECT_EQ(received_header(i).rfind("Received: from unknown ([127.0.0.1])", 0), 0u);
}

TEST(ReceivedHeader, RecipientKeepsUtf8ButNotLineBreaks) {
  auto i = info();
  i.recipient = "\xe7\x94\xa8@y\r\n>x";
  EXPECT_NE(received_header(i).find("for <\xe7\x94\xa8@yx>; "), std::string::npos);
}

}  // namespace
}  // namespace sluice::mail
