#include "sluice/config/window_syntax.h"

#include <gtest/gtest.h>

#include <string>

namespace sluice::config {
namespace {

std::string window_error(const std::string& spec) {
  auto r = check_window_syntax(spec);
  return r ? "" : r.error().message;
}

std::string zone_error(const std::string& zone) {
  auto r = check_time_zone_name(zone);
  return r ? "" : r.error().message;
}

TEST(WindowSyntax, AcceptsTheDocumentedForms) {
  for (const char* spec : {"always", "ALWAYS", " always ", "09:00-21:00", "9:00-21:00",
                           "22:00-02:00", "00:00-24:00", "mon 09:00-17:00", "mon-fri 09:00-17:00",
                           "Mon-Fri 09:00-17:00; sat 10:00-14:00", "09:00-12:00,13:00-17:00",
                           "mon-fri 09:00-17:00 ; sun-mon 23:00-01:00", "fri-mon 10:00-11:00"}) {
    EXPECT_EQ(window_error(spec), "") << spec;
  }
}

TEST(WindowSyntax, RejectsWithTheReason) {
  EXPECT_EQ(window_error(""), "bad window '': empty (use \"always\" for no limit)");
  EXPECT_EQ(window_error("   "), "bad window '': empty (use \"always\" for no limit)");
  EXPECT_EQ(window_error("09:00"), "bad window '09:00': '09:00' is not a time range HH:MM-HH:MM");
  EXPECT_EQ(window_error("mon-fri"),
            "bad window 'mon-fri': 'mon-fri' is not a time range HH:MM-HH:MM");
  EXPECT_EQ(window_error("monday 09:00-17:00"),
            "bad window 'monday 09:00-17:00': 'monday' is not a day (mon..sun) or range of days "
            "(mon-fri)");
  EXPECT_EQ(window_error("09:00-17:00;"),
            "bad window '09:00-17:00;': empty window between separators");
  EXPECT_EQ(window_error(";09:00-17:00"),
            "bad window ';09:00-17:00': empty window between separators");
  EXPECT_EQ(window_error("sat,sun 10:00-14:00"),
            "bad window 'sat,sun 10:00-14:00': 'sat' is not a time range HH:MM-HH:MM");
  for (const char* spec :
       {"25:00-26:00", "24:01-10:00", "09:60-10:00", "9-17", "09:0-10:00", "009:00-10:00", "09:00-",
        "-09:00", "09:00-10:00-11:00", "mon-xyz 09:00-10:00", "mon-fri-sat 09:00-10:00",
        "mon fri 09:00-10:00", "0a:00-10:00", "09:00 - 10:00", "never"}) {
    EXPECT_NE(window_error(spec), "") << spec;
  }
}

TEST(TimeZoneName, AcceptsIanaShapedNames) {
  for (const char* zone : {"UTC", "Europe/Moscow", "America/Argentina/Buenos_Aires", "Etc/GMT+3",
                           "Etc/GMT-14", "America/Port-au-Prince", "EST5EDT"}) {
    EXPECT_EQ(zone_error(zone), "") << zone;
  }
}

TEST(TimeZoneName, RejectsWithTheReason) {
  EXPECT_EQ(zone_error(""), "bad time zone '': empty");
  EXPECT_EQ(zone_error("/etc/localtime"),
            "bad time zone '/etc/localtime': expected a name like Europe/Moscow");
  EXPECT_EQ(zone_error("Europe/"), "bad time zone 'Europe/': expected a name like Europe/Moscow");
  EXPECT_EQ(zone_error("../etc/passwd"),
            "bad time zone '../etc/passwd': each part must start with a letter");
  EXPECT_EQ(zone_error("Europe/Mos cow"),
            "bad time zone 'Europe/Mos cow': only letters, digits, '_', '+', '-' and '/' are "
            "allowed");
  EXPECT_EQ(zone_error("+03:00"), "bad time zone '+03:00': each part must start with a letter");
  EXPECT_EQ(zone_error(std::string(65, 'A')),
            "bad time zone '" + std::string(65, 'A') + "': longer than 64 characters");
}

}  // namespace
}  // namespace sluice::config
