#pragma once
// File-system access of the loader, kept apart from the pure parsers: reading a whole text
// file and resolving paths against config_directory (lexically; the path need not exist).

#include <string>
#include <string_view>

#include "sluice/common/result.h"

namespace sluice::config {

// The whole file; the error message is strerror-style ("No such file or directory").
Result<std::string> read_text_file(const std::string& path);

// `path` if absolute, else base/path; lexically normalised, no trailing '/'.
std::string resolve_path(std::string_view base_directory, std::string_view path);

// Absolute, lexically normalised form of `path` relative to the working directory.
std::string absolute_path(std::string_view path);

// An error unless `path` names a readable regular file.
Result<void> check_readable_file(const std::string& path);

}  // namespace sluice::config
