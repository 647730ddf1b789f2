// Arbitrary text as a whole configuration: sluice.cf and the files it may name, written to a
// private temporary folder, through load_settings and effective_parameters. Nothing crashes or
// hangs, every diagnostic says where and what, a load without errors gives settings that obey
// the cross-parameter rules, and no secret table's value is shown.
//
// Input: sections separated by NUL bytes, in this order: sluice.cf, accounts.cf (the default
// upstream_accounts), campaigns.cf, pools.cf, tokens.cf, sasl_passwd, smtpd_users. sluice.cf
// names the tables itself ("campaign_maps = texthash:campaigns.cf").

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/config/settings_loader.h"

namespace {

using namespace sluice::config;

void check(bool condition) {
  if (!condition) std::abort();
}

constexpr const char* kFiles[] = {"sluice.cf", "accounts.cf", "campaigns.cf", "pools.cf",
                                  "tokens.cf", "sasl_passwd", "smtpd_users"};

// Made once per process (the fuzzer runs inputs one after another in one thread) and removed
// when it exits.
struct Folder {
  std::filesystem::path path;
  Folder() {
    std::string name = (std::filesystem::temp_directory_path() / "sluice-fuzz-XXXXXX").string();
    check(::mkdtemp(name.data()) != nullptr);
    path = name;
  }
  ~Folder() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
};

const std::filesystem::path& folder() {
  static const Folder made;
  return made.path;
}

void write(const std::filesystem::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  check(out.good());
}

void check_diagnostics(const std::vector<Diagnostic>& diagnostics) {
  for (const auto& d : diagnostics) {
    check(!d.file.empty() && !d.message.empty() && d.line >= 0);
    (void)d.to_string();
  }
}

void check_settings(const Settings& s) {
  check(s.queue.minimal_backoff_time <= s.queue.maximal_backoff_time);
  check(s.queue.map_size <= s.queue.map_size_limit);
  check(!s.queue.directory.empty() && !s.smtpd.myhostname.empty());
  check(s.smtpd.tls_cert_file.empty() == s.smtpd.tls_key_file.empty());
  check(!s.smtpd.sasl_auth_enable || !s.smtpd.sasl_users.empty());
  for (const auto& a : s.accounts) {
    check(!a.name.empty() && a.weight > 0 && a.max_connections > 0);
    check(a.kind != EndpointKind::maildir || a.maildir_path.starts_with('/'));
  }
  for (const auto& c : s.campaigns) check(!c.id.empty() && c.priority >= 1 && c.priority <= 100);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  // Outside the folder only fixed files are worth reading; /proc and /sys hold endless ones.
  if (size > 64 * 1024 || input.find("/proc") != input.npos || input.find("/sys") != input.npos) {
    return 0;
  }
  for (const char* file : kFiles) {
    const auto end = input.find('\0');
    write(folder() / file, input.substr(0, end));
    input = end == input.npos ? std::string_view{} : input.substr(end + 1);
  }
  const std::string config = (folder() / kFiles[0]).string();
  const Overrides overrides = {{"mail_name", "fuzz"}};

  auto loaded = load_settings(config, overrides);
  check_diagnostics(loaded.diagnostics);
  check(loaded.ok() != has_error(loaded.diagnostics));
  if (loaded.ok()) check_settings(*loaded.settings);

  std::vector<Diagnostic> diagnostics;
  for (const auto& line : effective_parameters(config, overrides, false, diagnostics)) {
    const bool secret = line.name == "admin_tokens" || line.name.ends_with("password_maps");
    if (secret) check(line.value.empty() || line.value == "(hidden)");
  }
  check_diagnostics(diagnostics);
  return 0;
}
