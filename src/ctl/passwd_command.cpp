#include "passwd_command.h"

#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <istream>
#include <optional>
#include <ostream>

#include "command_args.h"
#include "sluice/common/password_hash.h"

namespace sluice::ctl {
namespace {

// Turns terminal echo off for its lifetime (stdin only).
class EchoOff {
 public:
  EchoOff() {
    if (::tcgetattr(STDIN_FILENO, &saved_) != 0) return;
    termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    active_ = ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
  }
  ~EchoOff() {
    if (active_) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
  }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;

 private:
  termios saved_{};
  bool active_ = false;
};

std::optional<std::string> read_line(std::istream& in) {
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

std::optional<std::string> read_password(std::istream& in, bool terminal, std::ostream& err) {
  if (!terminal) {
    auto line = read_line(in);
    if (!line) err << "sluicectl: passwd: no password on standard input\n";
    return line;
  }
  EchoOff quiet;
  err << "Password: " << std::flush;
  auto first = read_line(in);
  err << "\nAgain: " << std::flush;
  auto second = read_line(in);
  err << "\n";
  if (!first || !second) {
    err << "sluicectl: passwd: no password given\n";
    return std::nullopt;
  }
  if (*first != *second) {
    err << "sluicectl: passwd: the passwords differ\n";
    return std::nullopt;
  }
  return first;
}

}  // namespace

int run_passwd_command(const std::vector<std::string>& args, std::istream& in, bool terminal,
                       std::ostream& out, std::ostream& err) {
  auto parsed = parse_command_args(args, {"--iterations"});
  if (!parsed || parsed->operands.size() > 1) {
    err << "sluicectl: passwd: " << (parsed ? "too many arguments" : parsed.error().message)
        << "\nusage: sluicectl passwd [USER] [--iterations N]\n";
    return 2;
  }
  std::uint32_t iterations = kDefaultPasswordIterations;
  if (const auto* text = parsed->option("--iterations")) {
    const auto* end = text->data() + text->size();
    const auto [ptr, ec] = std::from_chars(text->data(), end, iterations);
    if (ec != std::errc{} || ptr != end || iterations < kMinPasswordIterations ||
        iterations > kMaxPasswordIterations) {
      err << "sluicectl: passwd: --iterations wants a number from " << kMinPasswordIterations
          << " to " << kMaxPasswordIterations << "\n";
      return 2;
    }
  }
  const auto& operands = parsed->operands;
  if (!operands.empty() &&
      (operands[0].empty() || operands[0].find_first_of(" \t#") != std::string::npos)) {
    err << "sluicectl: passwd: a user name cannot be empty or contain blanks or '#'\n";
    return 2;
  }
  auto password = read_password(in, terminal, err);
  if (!password) return 1;
  if (password->empty()) {
    err << "sluicectl: passwd: the password is empty\n";
    return 1;
  }
  auto hash = new_password_hash(*password, iterations);
  std::fill(password->begin(), password->end(), '\0');
  if (!hash) {
    err << "sluicectl: passwd: " << hash.error().message << "\n";
    return 1;
  }
  if (!operands.empty()) out << operands[0] << " ";
  out << format_password_hash(*hash) << "\n";
  return 0;
}

}  // namespace sluice::ctl
