#!/usr/bin/env bash
# Installs what is missing, builds a Release binary, and runs sluice in the foreground on the
# default configuration (conf/sluice.cf): SMTP on 127.0.0.1:2525, delivered mail lands in the
# development Maildir var/maildir/new/. Extra arguments go to sluice (e.g. -o name=value).
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/deps.sh build
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DSLUICE_TESTS=OFF >/dev/null
cmake --build build/release -j"$(nproc)"

# The admin API wants a token; a fresh checkout gets a random one, readable only by its owner.
mkdir -p var
if [[ ! -s var/admin_tokens ]]; then
  (umask 077; echo "local $(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" > var/admin_tokens)
fi

echo "sluice: try  swaks --server 127.0.0.1:2525 --to you@example.com" >&2
echo "        then ls var/maildir/new/   and   build/release/src/ctl/sluicectl -c conf/sluice.cf queue" >&2
exec build/release/src/app/sluice -c conf/sluice.cf "$@"
