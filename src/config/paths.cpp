#include "paths.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace sluice::config {
namespace {

std::string normal(const std::filesystem::path& p) {
  std::string out = p.lexically_normal().string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

}  // namespace

Result<void> check_readable_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return make_error(std::strerror(errno));
  if (S_ISDIR(st.st_mode)) return make_error("is a directory");
  // A FIFO or device (/dev/zero, /dev/stdin) would block or never end the read at start-up.
  if (!S_ISREG(st.st_mode)) return make_error("not a regular file");
  if (::access(path.c_str(), R_OK) != 0) return make_error(std::strerror(errno));
  return {};
}

Result<std::string> read_text_file(const std::string& path) {
  if (auto readable = check_readable_file(path); !readable) return readable.error();
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(std::strerror(errno));
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return make_error("read error");
  return content.str();
}

std::string resolve_path(std::string_view base_directory, std::string_view path) {
  std::filesystem::path p{std::string(path)};
  if (p.is_absolute()) return normal(p);
  return normal(std::filesystem::path(std::string(base_directory)) / p);
}

std::string absolute_path(std::string_view path) {
  std::filesystem::path p{std::string(path)};
  if (p.is_absolute()) return normal(p);
  std::error_code ec;
  auto cwd = std::filesystem::current_path(ec);
  if (ec) cwd = "/";
  return normal(cwd / p);
}

}  // namespace sluice::config
