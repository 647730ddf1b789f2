#!/usr/bin/env bash
# Installs the Debian packages sluice needs, only those missing (idempotent).
#   scripts/deps.sh build   -> compiler, libraries
#   scripts/deps.sh test    -> build + test tools (clang-16 for fuzzing, postfix, swaks, aiosmtpd,
#                              prometheus and promtool for the monitoring tests)
set -euo pipefail

build_pkgs=(cmake g++ make pkg-config libboost1.81-dev libboost-json1.81-dev libssl-dev
            libc-ares-dev liblmdb-dev prometheus-cpp-dev libspdlog-dev libgtest-dev libgmock-dev
            libhowardhinnant-date-dev tzdata ca-certificates)
test_pkgs=(clang-16 libclang-rt-16-dev postfix swaks python3 python3-aiosmtpd python3-yaml
           lmdb-utils procps iproute2 prometheus)

wanted=("${build_pkgs[@]}")
[[ "${1:-build}" == test ]] && wanted+=("${test_pkgs[@]}")

missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "installing: ${missing[*]}" >&2
sudo_cmd=()
[[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
# Postfix asks how it should be configured; "No configuration" keeps it from touching the host.
echo "postfix postfix/main_mailer_type select No configuration" | "${sudo_cmd[@]}" debconf-set-selections
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
