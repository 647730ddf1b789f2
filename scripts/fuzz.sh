#!/usr/bin/env bash
# Builds the fuzz targets (clang-16, ASan+UBSan+libFuzzer) and runs each one longer than the
# test suite does, one after another. New inputs collect in build/fuzz/fuzz/corpus-<target>/;
# crashes, leaks and timeouts are written to the artifact directory printed at the start: turn
# each into a regression test (tests/unit/<stage>/) and a corpus file before fixing it.
#   scripts/fuzz.sh [target...]      default: every fuzz/<target>_fuzz.cpp
#   FUZZ_SECONDS=N     seconds per target (default 600)
#   FUZZ_JOBS=N        libFuzzer -jobs (default 1), FUZZ_WORKERS=N  -workers (default: jobs)
#   FUZZ_MERGE=1       afterwards, merge inputs that add coverage into fuzz/corpus/<target>/
#   FUZZ_ARTIFACTS=D   where crashes go (default build/fuzz/artifacts-<date-time>)
# Exits non-zero if any target found something.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-600}
jobs=${FUZZ_JOBS:-1}
workers=${FUZZ_WORKERS:-$jobs}
artifacts=$(realpath -m "${FUZZ_ARTIFACTS:-build/fuzz/artifacts-$(date +%Y%m%d-%H%M%S)}")

./scripts/deps.sh test
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B build/fuzz -DSLUICE_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++-16 \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSLUICE_WERROR=ON "${launcher[@]}" >/dev/null

targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  for f in fuzz/*_fuzz.cpp; do targets+=("$(basename "$f" _fuzz.cpp)"); done
fi
for t in "${targets[@]}"; do
  [[ -f fuzz/${t}_fuzz.cpp ]] || { echo "no fuzz target '$t' (fuzz/${t}_fuzz.cpp)" >&2; exit 2; }
done
cmake --build build/fuzz -j"$(nproc)" --target "${targets[@]/%/_fuzz}"

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
mkdir -p "$artifacts"
echo "crashes go to $artifacts/"

root=$PWD
status=0
for t in "${targets[@]}"; do
  work=$root/build/fuzz/fuzz/corpus-$t
  mkdir -p "$work" "fuzz/corpus/$t"
  dict=()
  [[ -f fuzz/corpus/$t.dict ]] && dict=(-dict="$root/fuzz/corpus/$t.dict")
  echo "== $t: ${seconds}s, $jobs job(s)"
  parallel=()
  # With -jobs, libFuzzer writes each job's log to fuzz-N.log in the working directory.
  [[ $jobs -gt 1 ]] && parallel=(-jobs="$jobs" -workers="$workers")
  (cd "$root/build/fuzz/fuzz" && "./${t}_fuzz" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 "${parallel[@]}" -print_final_stats=1 "${dict[@]}" \
    -artifact_prefix="$artifacts/$t-" "$work" "$root/fuzz/corpus/$t") || status=1
  if [[ ${FUZZ_MERGE:-0} == 1 ]]; then
    echo "== $t: merging new coverage into fuzz/corpus/$t/"
    "build/fuzz/fuzz/${t}_fuzz" -merge=1 "${dict[@]}" "fuzz/corpus/$t" "$work" >/dev/null 2>&1 ||
      status=1
  fi
done
if ls "$artifacts"/* >/dev/null 2>&1; then
  echo "findings in $artifacts/:" && ls "$artifacts"
  status=1
fi
exit $status
