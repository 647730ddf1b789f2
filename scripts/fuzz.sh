#!/usr/bin/env bash
# Runs every fuzz target longer than the test suite does (default 10 minutes each), keeping the
# corpus it grows in build/fuzz/. Crashes are written to fuzz/artifacts/: turn each into a
# regression test and a corpus file before fixing it.
#   scripts/fuzz.sh [seconds-per-target] [target-name...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
shift || true

./scripts/deps.sh test
cmake -S . -B build/fuzz -DSLUICE_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++-16 -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/fuzz -j"$(nproc)"
mkdir -p fuzz/artifacts

targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  for f in fuzz/*_fuzz.cpp; do targets+=("$(basename "$f" _fuzz.cpp)"); done
fi
for t in "${targets[@]}"; do
  echo "== $t: ${seconds}s"
  mkdir -p "build/fuzz/fuzz/corpus-$t"
  "build/fuzz/fuzz/${t}_fuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="fuzz/artifacts/${t}-" "build/fuzz/fuzz/corpus-$t" "fuzz/corpus/$t"
done
