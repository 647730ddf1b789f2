#!/usr/bin/env bash
# Installs what is missing, builds with ASan+UBSan (GCC) and the fuzz targets (clang-16), and runs
# every test through ctest: unit tests, end-to-end tests against the real daemon, short fuzz runs.
# Exits non-zero on any failure.
#   SLUICE_FUZZ_SECONDS=N   seconds per fuzz target (default 30; 16 targets, about 8 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/deps.sh test

jobs=$(nproc)
# A compiler cache, where the machine has one, makes repeated builds cheap; none is needed.
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S . -B build/test -DCMAKE_BUILD_TYPE=Debug -DSLUICE_SANITIZE=ON -DSLUICE_WERROR=ON \
  "${launcher[@]}"
cmake --build build/test -j"$jobs"
cmake -S . -B build/fuzz -DSLUICE_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++-16 \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSLUICE_WERROR=ON \
  -DSLUICE_FUZZ_SECONDS="${SLUICE_FUZZ_SECONDS:-30}" "${launcher[@]}"
cmake --build build/fuzz -j"$jobs"

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

status=0
(cd build/test && ctest --output-on-failure -j"$jobs") || status=1
(cd build/fuzz && ctest --output-on-failure) || status=1
exit $status
