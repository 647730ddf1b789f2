#pragma once
// The composition root: builds every stage from the settings, owns the I/O threads, and runs
// until SIGINT/SIGTERM. Start-up failures (queue cannot open, port in use) are reported and
// turn into a non-zero exit, never a half-started daemon.

#include "sluice/config/settings.h"

namespace sluice::app {

// Runs the daemon in the foreground; returns the process exit code.
int run_daemon(const config::Settings& settings);

}  // namespace sluice::app
