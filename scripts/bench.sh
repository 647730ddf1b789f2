#!/usr/bin/env bash
# Benchmark: sluice against a private Postfix instance, in the same run, on this machine.
# Both servers get the same load (Postfix's smtp-source, 50 sessions, 1 KB and 80 KB messages,
# several messages per connection) on loopback. Each server has its own smtp-sink as next hop.
# Two figures (scripts/BENCH.md):
#   accept  accepted messages per second, wall clock, from the first connect to the last 250.
#           Postfix puts accepted mail on hold by default (BENCH_POSTFIX_DELIVERY=hold), so only
#           its accept path runs: same fsync before 250, no relaying competing for the CPUs.
#   e2e     delivered messages per second: from the first connect until the server's smtp-sink
#           has received all N messages. Postfix relays to its sink (relayhost) in this phase.
#   fidelity  sluice only, no root needed: a campaign at 200/s and an account at 150/s measured
#           at their sinks over 30 s (pass within 2%), and two quotas (daily, hourly) sent twice
#           their limit across a restart (pass: not one message over). Fails the script otherwise.
#
#   scripts/bench.sh                      full run, every figure (needs root for the private Postfix)
#   BENCH_QUICK=1 scripts/bench.sh        2000 x 1 KB and 500 x 80 KB
#   BENCH_MODE=accept|e2e|fidelity|all    which figures [all: accept, e2e, then fidelity]
#   BENCH_ONLY=postfix|sluice             measure one side only
#   BENCH_SLUICE_STANDIN=smtp-sink        put smtp-sink on the sluice port (proves the script)
#
# Environment (defaults in brackets): SLUICE_BIN [build/release/src/app/sluice, built if missing],
# BENCH_OUT [build/bench/accept.txt], BENCH_E2E_OUT [e2e.txt beside BENCH_OUT],
# BENCH_MESSAGES_SMALL [20000], BENCH_MESSAGES_LARGE [5000], BENCH_SESSIONS [50], BENCH_ROUNDS [1;
# the table shows the best round], BENCH_RUN_TIMEOUT [600 s per load run, and per e2e run until
# the last delivery], BENCH_STALL_TIMEOUT [60 s without a delivery fails an e2e run],
# BENCH_POSTFIX_DELIVERY [hold|relay, accept phase only], BENCH_KEEP=1 (keep the work dir),
# BENCH_SLUICE_ACCEPT_LOG [regex of sluice's per-message "queued" log line, the cross-check],
# BENCH_SENT_LOG [regex of a "status=sent" delivery log line, sluice's and Postfix's, e2e cross-check],
# BENCH_SLUICE_CF_EXTRA / BENCH_POSTFIX_CF_EXTRA (lines appended to sluice.cf / main.cf).
# Fidelity: BENCH_FIDELITY_OUT [fidelity.txt beside BENCH_OUT], BENCH_FIDELITY_WINDOW [30 s],
# BENCH_FIDELITY_SKIP [5 s], BENCH_FIDELITY_TOLERANCE [2 %], BENCH_FIDELITY_CAMPAIGN_RATE [200],
# BENCH_FIDELITY_ACCOUNT_RATE [150], BENCH_FIDELITY_DAILY_LIMIT [300], BENCH_FIDELITY_HOURLY_LIMIT
# [200], BENCH_FIDELITY_QUOTA_RATE [50/s], BENCH_FIDELITY_QUOTA_WATCH [5 s],
# BENCH_FIDELITY_RESTART_SIGNAL [TERM; KILL simulates a crash], BENCH_FIDELITY_SESSIONS [10],
# BENCH_FIDELITY_BURST [1: the burst of the two rate cases].
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_OUT=${BENCH_OUT:-$ROOT/build/bench/accept.txt}
BENCH_E2E_OUT=${BENCH_E2E_OUT:-$(dirname "$BENCH_OUT")/e2e.txt}
BENCH_MODE=${BENCH_MODE:-all}
BENCH_ONLY=${BENCH_ONLY:-}
BENCH_QUICK=${BENCH_QUICK:-0}
if [[ $BENCH_QUICK == 1 ]]; then small_default=2000 large_default=500; else small_default=20000 large_default=5000; fi
BENCH_MESSAGES_SMALL=${BENCH_MESSAGES_SMALL:-$small_default}
BENCH_MESSAGES_LARGE=${BENCH_MESSAGES_LARGE:-$large_default}
BENCH_SESSIONS=${BENCH_SESSIONS:-50}
BENCH_ROUNDS=${BENCH_ROUNDS:-1}
BENCH_RUN_TIMEOUT=${BENCH_RUN_TIMEOUT:-600}
BENCH_START_TIMEOUT=${BENCH_START_TIMEOUT:-30}
BENCH_QUIESCE_TIMEOUT=${BENCH_QUIESCE_TIMEOUT:-300}
BENCH_STALL_TIMEOUT=${BENCH_STALL_TIMEOUT:-60}
BENCH_POSTFIX_DELIVERY=${BENCH_POSTFIX_DELIVERY:-hold}
BENCH_SLUICE_STANDIN=${BENCH_SLUICE_STANDIN:-}
BENCH_SLUICE_ACCEPT_LOG=${BENCH_SLUICE_ACCEPT_LOG:-': client=.*from=<[^>]*>, size=[0-9]+, nrcpt=[0-9]+'}
BENCH_SENT_LOG=${BENCH_SENT_LOG:-': to=<[^>]*>, relay=.*, status=sent '}
BENCH_SLUICE_CF_EXTRA=${BENCH_SLUICE_CF_EXTRA:-}
BENCH_POSTFIX_CF_EXTRA=${BENCH_POSTFIX_CF_EXTRA:-}
BENCH_KEEP=${BENCH_KEEP:-0}
BENCH_FIDELITY_OUT=${BENCH_FIDELITY_OUT:-$(dirname "$BENCH_OUT")/fidelity.txt}
BENCH_FIDELITY_WINDOW=${BENCH_FIDELITY_WINDOW:-30}
BENCH_FIDELITY_SKIP=${BENCH_FIDELITY_SKIP:-5}
BENCH_FIDELITY_TOLERANCE=${BENCH_FIDELITY_TOLERANCE:-2}
BENCH_FIDELITY_CAMPAIGN_RATE=${BENCH_FIDELITY_CAMPAIGN_RATE:-200}
BENCH_FIDELITY_ACCOUNT_RATE=${BENCH_FIDELITY_ACCOUNT_RATE:-150}
BENCH_FIDELITY_DAILY_LIMIT=${BENCH_FIDELITY_DAILY_LIMIT:-300}
BENCH_FIDELITY_HOURLY_LIMIT=${BENCH_FIDELITY_HOURLY_LIMIT:-200}
BENCH_FIDELITY_QUOTA_RATE=${BENCH_FIDELITY_QUOTA_RATE:-50}
BENCH_FIDELITY_QUOTA_WATCH=${BENCH_FIDELITY_QUOTA_WATCH:-5}
BENCH_FIDELITY_RESTART_SIGNAL=${BENCH_FIDELITY_RESTART_SIGNAL:-TERM}
BENCH_FIDELITY_BURST=${BENCH_FIDELITY_BURST:-1}
SENDER=bench@source.example
RECIPIENT=rcpt@sink.example

log() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---- processes we started, stopped on exit -------------------------------------------------------
PIDS=()
LOAD_PID=
WAITER_PID=
WORK=
POSTFIX_STARTED=0

stop_pid() {  # pid: TERM, up to 10 s, then KILL; only ever pids this script started
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  log "pid $pid ignored SIGTERM, killing"
  kill -KILL "$pid" 2>/dev/null || true
}

forget_pid() {  # pid: no longer ours to stop (it has exited and been waited for)
  local p kept=()
  for p in "${PIDS[@]}"; do [[ $p == "$1" ]] || kept+=("$p"); done
  PIDS=("${kept[@]}")
}

cleanup() {
  local rc=$?
  set +e
  trap '' PIPE   # a reader of our output that died with us must not cut the clean-up short
  [[ -n $LOAD_PID ]] && stop_pid "$LOAD_PID"
  [[ -n $WAITER_PID ]] && stop_pid "$WAITER_PID"
  [[ $POSTFIX_STARTED == 1 ]] && stop_postfix
  local pid
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  if [[ -n $WORK && -d $WORK ]]; then
    if [[ $BENCH_KEEP == 1 ]] || ((rc != 0 && rc != 130)); then log "work dir kept: $WORK"; else rm -rf "$WORK"; fi
  fi
  exit "$rc"
}

# ---- helpers -------------------------------------------------------------------------------------
free_ports() {  # n: prints n distinct free loopback ports (all bound at once, then released)
  python3 - "$1" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

wait_smtp() {  # port timeout [pid]: until 127.0.0.1:port sends a 220 greeting (or pid exits)
  timeout "$(( $2 + 5 ))" python3 - "$1" "$2" "${3:-0}" <<'EOF'
import os, socket, sys, time
port, deadline, pid = int(sys.argv[1]), time.time() + float(sys.argv[2]), int(sys.argv[3])
while time.time() < deadline:
    if pid:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            sys.exit(1)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            if s.recv(512).startswith(b"220"):
                s.sendall(b"QUIT\r\n"); sys.exit(0)
    except OSError:
        pass
    time.sleep(0.2)
sys.exit(1)
EOF
}

now() { date +%s.%N; }

# ---- smtp-sink -----------------------------------------------------------------------------------
declare -A SINK_OUT=() SINK_PID=()

start_sink() {  # name port: an smtp-sink counting messages into $WORK/sink-<name>.out
  local name=$1 port=$2 user=()
  [[ $EUID -eq 0 ]] && user=(-u nobody)   # smtp-sink refuses to keep root privileges
  SINK_OUT[$name]=$WORK/sink-$name.out
  smtp-sink "${user[@]}" -c -m 512 127.0.0.1:"$port" 1024 >"${SINK_OUT[$name]}" 2>&1 &
  SINK_PID[$name]=$!
  PIDS+=($!)
  wait_smtp "$port" "$BENCH_START_TIMEOUT" || die "smtp-sink $name did not answer on port $port"
}

stop_sink() {  # name
  stop_pid "${SINK_PID[$1]}"
  wait "${SINK_PID[$1]}" 2>/dev/null || true
  forget_pid "${SINK_PID[$1]}"
}

sink_count() {  # name: messages the sink has received so far (its last "mesg=" counter)
  # smtp-sink -c writes one "sess=N quit=N mesg=N" record per event, each ended by \r, unbuffered.
  # Only the file's tail is read, and only its last complete record counts.
  local f=${SINK_OUT[$1]} tail n
  tail=$(tail -c 512 "$f")
  tail=${tail%$'\r'*}
  n=${tail##*mesg=}
  if [[ $tail == *mesg=* && $n =~ ^[0-9]+$ ]]; then echo "$n"; return; fi
  tr '\r' '\n' <"$f" | sed -n 's/.*mesg=\([0-9]*\).*/\1/p' | tail -n 1 | grep . || echo 0
}

# A background watcher of one sink's output: it returns as soon as the sink has counted `target`
# messages and prints "COUNT EPOCH" (when it saw that count). It gives up (exit 1) once the count
# has not moved for BENCH_STALL_TIMEOUT s, or after `overall` s. It reads only what the sink
# appended since its last 5 ms poll, so it takes next to no CPU from the servers it measures.
WAITER_OUT=
start_sink_waiter() {  # sink target overall_seconds tag
  local sink=$1 target=$2 overall=$3 tag=$4 ready i
  WAITER_OUT=$WORK/wait-$tag.out ready=$WORK/wait-$tag.ready
  rm -f "$ready"
  python3 - "${SINK_OUT[$sink]}" "$target" "$BENCH_STALL_TIMEOUT" "$overall" "$ready" \
    >"$WAITER_OUT" 2>&1 <<'EOF' &
import re, sys, time
path, target, stall, overall, ready = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
mesg = re.compile(rb"mesg=(\d+)")
count, pending = 0, b""
start = last_move = time.time()
with open(path, "rb") as sink:
    open(ready, "w").close()
    while True:
        data = sink.read()
        now = time.time()
        if data:
            pending += data
            cut = pending.rfind(b"\r")
            if cut >= 0:  # the last complete record holds the current count
                found = mesg.findall(pending[:cut].rsplit(b"\r", 1)[-1])
                pending = pending[cut + 1:]
                if found and int(found[-1]) != count:
                    count, last_move = int(found[-1]), now
        if count >= target:
            print(count, "%.6f" % now); sys.exit(0)
        if now - last_move > stall or now - start > overall:
            print(count, "%.6f" % now); sys.exit(1)
        time.sleep(0.005)
EOF
  WAITER_PID=$!
  for ((i = 0; i < 200; i++)); do
    [[ -e $ready ]] && return 0
    kill -0 "$WAITER_PID" 2>/dev/null || break
    sleep 0.05
  done
  cat "$WAITER_OUT" >&2
  die "the watcher of sink $sink did not start"
}

WAITER_COUNT='' WAITER_TIME=''
finish_sink_waiter() {  # sets WAITER_COUNT and WAITER_TIME; fails when the target was not reached
  local rc=0
  wait "$WAITER_PID" || rc=$?
  WAITER_PID=
  read -r WAITER_COUNT WAITER_TIME < <(tail -n 1 "$WAITER_OUT")
  [[ $WAITER_COUNT =~ ^[0-9]+$ ]] || { cat "$WAITER_OUT" >&2; die "the sink watcher failed"; }
  return "$rc"
}

settle_sink() {  # sink: until its count has not moved for 2 s (bounded)
  local deadline=$((SECONDS + BENCH_QUIESCE_TIMEOUT)) last=-1 same=0 n
  while (( same < 4 && SECONDS < deadline )); do
    n=$(sink_count "$1"); if [[ $n == "$last" ]]; then same=$((same + 1)); else same=0 last=$n; fi
    sleep 0.5
  done
}

# ---- Postfix (private instance; never the host's /etc/postfix) -----------------------------------
PF_CONF='' PF_SPOOL='' PF_LOG='' PF_PORT='' PF_DELIVERY=''

postfix_relay_restrictions() {  # delivery
  # hold: every message goes straight to the hold queue after the same fsync, and is never relayed.
  if [[ $1 == hold ]]; then echo "check_client_access static:HOLD, permit_mynetworks, reject_unauth_destination"
  else echo "permit_mynetworks, reject_unauth_destination"; fi
}

start_postfix() {  # smtpd_port sink_port delivery(hold|relay)
  PF_PORT=$1 PF_DELIVERY=$3
  local sink_port=$2
  PF_CONF=$WORK/postfix-conf PF_SPOOL=$WORK/postfix-spool PF_LOG=$WORK/postfix.log
  mkdir -p "$PF_CONF" "$PF_SPOOL"
  install -d -o postfix -m 0700 "$WORK/postfix-data"   # master.lock lives here, owned by mail_owner
  # Relaying: everything goes to relayhost, the sink; delivery concurrency and rates are Postfix's
  # defaults. Connection caching is on for the relayhost at all times (by default Postfix turns
  # it on only while the active queue has a backlog for it), so its smtp clients reuse sessions
  # the way sluice reuses its upstream connections. The list names the host without [] or port.
  cat >"$PF_CONF/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $PF_SPOOL
data_directory = $WORK/postfix-data
mail_owner = postfix
setgid_group = postdrop
maillog_file = $PF_LOG
maillog_file_prefixes = $WORK
myhostname = postfix-bench.localdomain
mydomain = localdomain
myorigin = \$myhostname
mydestination =
local_recipient_maps =
local_transport = error:5.1.1 local delivery is disabled in the benchmark
alias_maps =
alias_database =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost = [127.0.0.1]:$sink_port
smtp_connection_cache_destinations = 127.0.0.1
smtpd_relay_restrictions = $(postfix_relay_restrictions "$PF_DELIVERY")
smtpd_tls_security_level = none
smtp_tls_security_level = none
biff = no
append_dot_mydomain = no
$BENCH_POSTFIX_CF_EXTRA
EOF
  # chroot off everywhere: the spool is a private directory without the chroot's copies of /etc.
  cat >"$PF_CONF/master.cf" <<EOF
127.0.0.1:$PF_PORT inet n - n - - smtpd
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n -  0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n -  - trivial-rewrite
bounce    unix  - - n -  0 bounce
defer     unix  - - n -  0 bounce
trace     unix  - - n -  0 bounce
verify    unix  - - n -  1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -  - proxymap
proxywrite unix - - n -  1 proxymap
smtp      unix  - - n -  - smtp
relay     unix  - - n -  - smtp
showq     unix  n - n -  - showq
error     unix  - - n -  - error
retry     unix  - - n -  - error
discard   unix  - - n -  - discard
anvil     unix  - - n -  1 anvil
scache    unix  - - n -  1 scache
postlog   unix-dgram n - n - 1 postlogd
EOF
  chmod 0755 "$WORK"   # the postfix user must reach its spool under the mktemp dir
  timeout 60 postfix -c "$PF_CONF" check >"$WORK/postfix-check.out" 2>&1 \
    || { cat "$WORK/postfix-check.out" >&2; die "postfix check failed"; }
  timeout 60 postfix -c "$PF_CONF" start >"$WORK/postfix-start.out" 2>&1 \
    || { cat "$WORK/postfix-start.out" >&2; die "postfix start failed"; }
  POSTFIX_STARTED=1
  wait_smtp "$PF_PORT" "$BENCH_START_TIMEOUT" \
    || { tail -n 20 "$PF_LOG" >&2 || true; die "postfix did not answer on port $PF_PORT"; }
  log "postfix $(postconf -c "$PF_CONF" -h mail_version) up on 127.0.0.1:$PF_PORT ($PF_DELIVERY)"
}

postfix_set_delivery() {  # hold|relay: switch the running instance (main.cf, then postfix reload)
  [[ $1 == "$PF_DELIVERY" ]] && return
  PF_DELIVERY=$1
  postconf -c "$PF_CONF" -e "smtpd_relay_restrictions = $(postfix_relay_restrictions "$PF_DELIVERY")"
  # Mail held so far is neither relayed now nor left on the disk the next phase writes to.
  timeout 60 postsuper -c "$PF_CONF" -d ALL hold >>"$WORK/postfix-check.out" 2>&1 \
    || die "postsuper -d ALL hold failed"
  # reload: new smtpd processes read the new restrictions; idle ones from before exit.
  timeout 60 postfix -c "$PF_CONF" reload >>"$WORK/postfix-start.out" 2>&1 \
    || { cat "$WORK/postfix-start.out" >&2; die "postfix reload failed"; }
  wait_smtp "$PF_PORT" "$BENCH_START_TIMEOUT" || die "postfix did not answer after reload"
  log "postfix switched to $PF_DELIVERY"
}

stop_postfix() {
  local pid i
  pid=$(sed -n '1s/ //gp' "$PF_SPOOL/pid/master.pid" 2>/dev/null || true)
  timeout 30 postfix -c "$PF_CONF" stop >/dev/null 2>&1 || true
  if [[ -n $pid ]]; then
    for ((i = 0; i < 200; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && { timeout 30 postfix -c "$PF_CONF" abort >/dev/null 2>&1 || true; }
    kill -0 "$pid" 2>/dev/null && stop_pid "$pid"
  fi
  POSTFIX_STARTED=0
}

postfix_accepted() {  # messages cleanup has committed (one "message-id=" line per queued message)
  grep -c 'postfix/cleanup\[[0-9]*\]: [0-9A-Za-z]*: message-id=' "$PF_LOG" 2>/dev/null || true
}

postfix_backlog() {  # queue files still waiting for delivery (hold is not a backlog)
  find "$PF_SPOOL/incoming" "$PF_SPOOL/active" "$PF_SPOOL/deferred" "$PF_SPOOL/maildrop" \
    -type f 2>/dev/null | wc -l
}

# ---- sluice --------------------------------------------------------------------------------------
SL_PORT='' SL_METRICS_PORT='' SL_PID=''

sluice_binary() {
  if [[ -n ${SLUICE_BIN:-} ]]; then
    [[ -x $SLUICE_BIN ]] || die "SLUICE_BIN=$SLUICE_BIN is not executable"
    return
  fi
  SLUICE_BIN=$ROOT/build/release/src/app/sluice
  if [[ ! -x $SLUICE_BIN ]]; then
    log "building $SLUICE_BIN (Release)"
    (cd "$ROOT" && cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release >/dev/null \
      && cmake --build build/release --target sluice -j"${BENCH_BUILD_JOBS:-2}") >&2
  fi
}

BENCH_ADMIN_TOKEN=0123456789abcdef0123456789abcdef

write_sluice_cf() {  # dir smtpd_port admin_port metrics_port extra: sluice.cf and admin_tokens in dir
  local dir=$1
  mkdir -p "$dir"
  cat >"$dir/sluice.cf" <<EOF
queue_directory = $dir/queue
smtpd_listen = 127.0.0.1:$2
admin_listen = 127.0.0.1:$3
metrics_listen = 127.0.0.1:$4
upstream_accounts = accounts.cf
admin_tokens = texthash:admin_tokens
mynetworks = 127.0.0.0/8
myhostname = sluice-bench.localdomain
$5
EOF
  echo "bench $BENCH_ADMIN_TOKEN" >"$dir/admin_tokens"
  chmod 0600 "$dir/admin_tokens"
}

start_sluice() {  # smtpd_port admin_port metrics_port sink_port
  SL_PORT=$1 SL_METRICS_PORT=$3
  local admin_port=$2 sink_port=$4 dir=$WORK/sluice
  if [[ $BENCH_SLUICE_STANDIN == smtp-sink ]]; then
    log "stand-in: smtp-sink on the sluice port $SL_PORT (no durability: proves the script only)"
    start_sink sluice-standin "$SL_PORT"
    return
  fi
  [[ -z $BENCH_SLUICE_STANDIN ]] || die "unknown BENCH_SLUICE_STANDIN=$BENCH_SLUICE_STANDIN"
  sluice_binary
  write_sluice_cf "$dir" "$SL_PORT" "$admin_port" "$SL_METRICS_PORT" "$BENCH_SLUICE_CF_EXTRA"
  echo "sink 127.0.0.1:$sink_port tls=none" >"$dir/accounts.cf"
  "$SLUICE_BIN" -c "$dir/sluice.cf" >"$WORK/sluice.log" 2>&1 &
  SL_PID=$!
  PIDS+=("$SL_PID")
  wait_smtp "$SL_PORT" "$BENCH_START_TIMEOUT" "$SL_PID" \
    || { tail -n 20 "$WORK/sluice.log" >&2; die "sluice did not answer on port $SL_PORT"; }
  kill -0 "$SL_PID" 2>/dev/null || die "sluice exited during start-up"
  log "sluice up on 127.0.0.1:$SL_PORT ($SLUICE_BIN)"
}

sluice_accepted() {  # messages sluice has logged as queued ("ID: client=..., from=<...>, size=N, nrcpt=N")
  if [[ $BENCH_SLUICE_STANDIN == smtp-sink ]]; then sink_count sluice-standin; return; fi
  grep -cE "$BENCH_SLUICE_ACCEPT_LOG" "$WORK/sluice.log" 2>/dev/null || true
}

# ---- load ----------------------------------------------------------------------------------------
declare -A RATE=() CHECK=()
LOAD_CMD='' LOAD_OUT=''

accepted_count() {  # server
  case $1 in postfix) postfix_accepted ;; sluice) sluice_accepted ;; ceiling) sink_count ceiling ;; esac
}

sink_of() {  # server: the smtp-sink its deliveries reach (the stand-in and the ceiling are sinks)
  if [[ $1 == sluice && $BENCH_SLUICE_STANDIN == smtp-sink ]]; then echo sluice-standin; else echo "$1"; fi
}

server_log() {  # server: the log whose tail is shown when its run fails
  case $1 in postfix) echo "$PF_LOG" ;; sluice) echo "$WORK/sluice.log" ;; *) echo "${SINK_OUT[$1]}" ;; esac
}

quiesce() {  # server: let background delivery of the previous run finish before measuring
  local server=$1 deadline=$((SECONDS + BENCH_QUIESCE_TIMEOUT))
  if [[ $server == postfix ]]; then
    while (( $(postfix_backlog) > 0 )); do
      (( SECONDS < deadline )) || { log "postfix queue not drained after ${BENCH_QUIESCE_TIMEOUT}s"; break; }
      sleep 0.5
    done
  elif [[ $server == sluice && -z $BENCH_SLUICE_STANDIN ]]; then
    settle_sink sluice   # no queue probe yet: until its sink has been quiet for 2 s
  fi
  sync
}

# Every message sent to a server that relays must reach its sink exactly once: SENT_TO counts,
# per sink, what its server has accepted while relaying (the stand-in and the ceiling are sinks).
declare -A SENT_TO=()
LOAD_SERVER='' LOAD_COUNT=0

relays_now() {  # server: whether what it accepts now goes on to its sink
  [[ $1 != postfix || $PF_DELIVERY == relay ]]
}

load() {  # server port size count tag: one smtp-source run, in the background (LOAD_PID)
  local port=$2 size=$3 count=$4 tag=$5
  LOAD_SERVER=$1 LOAD_COUNT=$count
  local cmd=(smtp-source -s "$BENCH_SESSIONS" -m "$count" -l "$size" -d -M bench-client.localdomain
             -f "$SENDER" -t "$RECIPIENT" 127.0.0.1:"$port")
  LOAD_CMD="${cmd[*]}"
  LOAD_CMD=${LOAD_CMD/-m $count -l $size/-m N -l SIZE}
  LOAD_CMD=${LOAD_CMD/%127.0.0.1:$port/127.0.0.1:PORT}
  LOAD_OUT=$WORK/load-$tag.out
  # In the background, so a signal to this script runs the cleanup trap at once.
  timeout "$BENCH_RUN_TIMEOUT" "${cmd[@]}" >"$LOAD_OUT" 2>&1 &
  LOAD_PID=$!
}

finish_load() {  # server: waits for the load; smtp-source exits non-zero on any reply but 2xx
  local rc=0
  wait "$LOAD_PID" || rc=$?
  LOAD_PID=
  if ((rc != 0)); then
    cat "$LOAD_OUT" >&2
    die "$1: smtp-source failed (exit $rc; 124 means it hit BENCH_RUN_TIMEOUT=${BENCH_RUN_TIMEOUT}s)"
  fi
  if relays_now "$LOAD_SERVER"; then
    local sink
    sink=$(sink_of "$LOAD_SERVER")
    SENT_TO[$sink]=$(( ${SENT_TO[$sink]:-0} + LOAD_COUNT ))
  fi
}

seconds() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
per_second() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.0f", n / (b - a) }'; }

record() {  # kind server size rate status: every round's figure, and the best one
  local key=$1/$2/$3
  (( $4 > ${RATE[$key]:-0} )) && RATE[$key]=$4
  CHECK[$key]=${CHECK[$key]:+${CHECK[$key]},}$4
  CHECK[$key.count]=$5
}

run_load() {  # server port size count round: one timed smtp-source run (accept path)
  local server=$1 port=$2 size=$3 count=$4 round=$5 before after t0 t1 status
  quiesce "$server"
  before=$(accepted_count "$server")
  log "$server: $count x $size bytes, $BENCH_SESSIONS sessions (round $round)"
  t0=$(now)
  load "$server" "$port" "$size" "$count" "$server-$size-$round"
  finish_load "$server"
  t1=$(now)
  # The server's own count must catch up (both log asynchronously): wait until it reaches the
  # expected number or stops moving for 3 s.
  local deadline=$((SECONDS + 30)) last=-1 same=0 got
  while :; do
    after=$(accepted_count "$server")
    got=$((after - before))
    ((got >= count)) && break
    if ((got == last)); then same=$((same + 1)); else same=0 last=$got; fi
    ((same >= 6 || SECONDS >= deadline)) && break
    sleep 0.5
  done
  if ((got == count)); then
    status="server counted $count"
  elif ((got == 0)) && [[ $server == sluice ]]; then
    log "warning: no line of sluice.log matches BENCH_SLUICE_ACCEPT_LOG; checked by exit status only"
    status="exit status only"
  else
    die "$server: server counted $got of $count messages"
  fi
  local rate
  rate=$(per_second "$count" "$t0" "$t1")
  log "$server: $(seconds "$t0" "$t1") s, $rate msgs/s, $status"
  record accept "$server" "$size" "$rate" "$status"
}

DRAINS=0
drain() {  # server what: until its sink has every message sent to the server so far, and no more
  local server=$1 what=$2 sink expected got
  sink=$(sink_of "$server")
  expected=${SENT_TO[$sink]:-0}
  if (( $(sink_count "$sink") < expected )); then
    DRAINS=$((DRAINS + 1))
    start_sink_waiter "$sink" "$expected" "$BENCH_QUIESCE_TIMEOUT" "drain-$DRAINS-$server"
    if ! finish_sink_waiter; then
      tail -n 20 "$(server_log "$server")" >&2 2>/dev/null || true
      die "$server: $what: its sink has $WAITER_COUNT of the $expected messages sent to it so far" \
        "(none for ${BENCH_STALL_TIMEOUT}s, or BENCH_QUIESCE_TIMEOUT=${BENCH_QUIESCE_TIMEOUT}s passed)"
    fi
  fi
  [[ $server == postfix ]] && quiesce postfix   # its queue files go once delivered
  settle_sink "$sink"   # a duplicate may trail the last original
  got=$(sink_count "$sink")
  ((got <= expected)) || die "$server: $what: $((got - expected)) duplicate deliveries" \
    "(its sink counted $got, $expected were sent)"
  sync
}

run_e2e() {  # server port size count round: timed from the first connect until the sink has all
  local server=$1 port=$2 size=$3 count=$4 round=$5 sink before t0 t_load t1 rate accept_rate lag
  sink=$(sink_of "$server")
  drain "$server" "before its end-to-end run"
  before=$(sink_count "$sink")
  start_sink_waiter "$sink" $((before + count)) "$BENCH_RUN_TIMEOUT" "e2e-$server-$size-$round"
  log "$server: end to end, $count x $size bytes, $BENCH_SESSIONS sessions (round $round)"
  t0=$(now)
  load "$server" "$port" "$size" "$count" "e2e-$server-$size-$round"
  finish_load "$server"
  t_load=$(now)
  if ! finish_sink_waiter; then
    tail -n 20 "$(server_log "$server")" >&2 2>/dev/null || true
    die "$server: end to end: only $((WAITER_COUNT - before)) of $count messages reached its sink" \
      "(none for ${BENCH_STALL_TIMEOUT}s, or BENCH_RUN_TIMEOUT=${BENCH_RUN_TIMEOUT}s passed)"
  fi
  # The clock stops at the later of the last 250 and the last delivery. Duplicates would have
  # made the sink reach the count early: the next drain fails the script on them.
  t1=$(awk -v a="$t_load" -v b="$WAITER_TIME" 'BEGIN { printf "%.9f", (a > b ? a : b) }')
  rate=$(per_second "$count" "$t0" "$t1") accept_rate=$(per_second "$count" "$t0" "$t_load")
  lag=$(awk -v a="$t_load" -v b="$WAITER_TIME" 'BEGIN { printf "%.2f", (b > a ? b - a : 0) }')
  log "$server: $(seconds "$t0" "$t1") s, $rate msgs/s delivered (accepted at $accept_rate msgs/s;" \
    "last delivery ${lag} s after the last 250)"
  record e2e "$server" "$size" "$rate" "each run's sink counted exactly $count"
  CHECK[e2e/$server/$size.detail]=${CHECK[e2e/$server/$size.detail]:+${CHECK[e2e/$server/$size.detail]}, }$accept_rate/+${lag}s
}

# ---- report --------------------------------------------------------------------------------------
report() {  # kind(accept|e2e|fidelity) file sizes...: the table, to standard output and to the file
  local kind=$1 out=$2 size sl pf cl ratio cratio sluice_label=sluice title key
  shift 2
  if [[ $kind == fidelity ]]; then report_fidelity "$out"; return; fi
  [[ $BENCH_SLUICE_STANDIN == smtp-sink ]] && sluice_label="sluice(stand-in: smtp-sink)"
  if [[ $kind == accept ]]; then title="accept path (accepted msgs/s)"; else title="end to end (delivered msgs/s)"; fi
  mkdir -p "$(dirname "$out")"
  {
    echo "# sluice benchmark: $title, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "# host: $(nproc) cpus, $(uname -sr), postfix $(postconf -d -h mail_version 2>/dev/null || echo ?)"
    echo "# sluice: ${SLUICE_BIN:-${BENCH_SLUICE_STANDIN:-not run}} (git $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo ?))"
    echo "# load: $LOAD_CMD"
    if [[ $kind == accept ]]; then
      echo "# figure: N / (first connect .. last 250); postfix: private instance, delivery=$BENCH_POSTFIX_DELIVERY"
    else
      echo "# figure: N / (first connect .. the server's smtp-sink has received all N, or the last 250 if later)"
      echo "# postfix: private instance relaying to its smtp-sink (relayhost), connection caching on for it,"
      echo "#   delivery concurrency at Postfix's defaults"
      [[ -z $E2E_LOG_CHECK ]] || echo "# delivery logs, whole run: $E2E_LOG_CHECK"
    fi
    echo "# rounds: $BENCH_ROUNDS (best shown); ceiling: smtp-sink keeping nothing, ceiling/postfix is the largest ratio this load can show"
    printf '%-8s %9s %28s %14s %16s %14s %16s\n' size messages "$sluice_label msgs/s" "postfix msgs/s" \
      "sluice/postfix" "ceiling msgs/s" "ceiling/postfix"
    for size in "$@"; do
      sl=${RATE[$kind/sluice/$size]:--} pf=${RATE[$kind/postfix/$size]:--} cl=${RATE[$kind/ceiling/$size]:--}
      ratio=- cratio=-
      [[ $sl != - && $pf != - ]] && ratio=$(awk -v a="$sl" -v b="$pf" 'BEGIN { printf "%.2f", a / b }')
      [[ $cl != - && $pf != - ]] && cratio=$(awk -v a="$cl" -v b="$pf" 'BEGIN { printf "%.2f", a / b }')
      printf '%-8s %9s %28s %14s %16s %14s %16s\n' "$size" "${MESSAGES[$size]}" "$sl" "$pf" "$ratio" \
        "$cl" "$cratio"
    done
    for size in "$@"; do
      for sl in sluice postfix ceiling; do
        key=$kind/$sl/$size
        [[ -n ${CHECK[$key]:-} ]] || continue
        echo "# $sl/$size rounds: ${CHECK[$key]} msgs/s (${CHECK[$key.count]})"
        if [[ -n ${CHECK[$key.detail]:-} ]]; then
          echo "#   accepted msgs/s / last delivery after the last 250, per round: ${CHECK[$key.detail]}"
        fi
      done
    done
  } | tee "$out"
  log "written to $out"
}

# ---- measurements --------------------------------------------------------------------------------
# Each measurement is a function over the running servers, with its own table in report; the
# throttle fidelity check (above) starts sluices of its own.
declare -A MESSAGES=() PORT_OF=()
SERVERS=()
SIZES=(1024 81920)

warm_up() {  # server port: untimed, so Postfix has forked its smtpd/cleanup (and smtp) processes
  load "$1" "$2" 1024 $((BENCH_SESSIONS * 10)) "warm-up-$1-$((++WARM_UPS))"
  finish_load "$1"
}
WARM_UPS=0

each_run() {  # fn: fn server port size count round, for every round, size and server
  local fn=$1 size round order s first
  for ((round = 1; round <= BENCH_ROUNDS; round++)); do
    # Rotate who goes first, so no server always runs on the fresher machine.
    first=$(((round - 1) % ${#SERVERS[@]}))
    order=("${SERVERS[@]:first}" "${SERVERS[@]:0:first}")
    for size in "${SIZES[@]}"; do
      for s in "${order[@]}"; do "$fn" "$s" "${PORT_OF[$s]}" "$size" "${MESSAGES[$size]}" "$round"; done
    done
  done
}

measure_accept() {
  local s
  for s in "${SERVERS[@]}"; do warm_up "$s" "${PORT_OF[$s]}"; done
  each_run run_load
}

measure_e2e() {
  local s
  if [[ " ${SERVERS[*]} " == *" postfix "* ]]; then postfix_set_delivery relay; fi
  # The accept phase's mail must be out first (sluice relays while it accepts), which also proves
  # the server relays at all; the warm-up proves it once more with Postfix relaying.
  for s in "${SERVERS[@]}"; do drain "$s" "before the end-to-end phase"; done
  for s in "${SERVERS[@]}"; do warm_up "$s" "${PORT_OF[$s]}"; drain "$s" "end-to-end warm-up"; done
  each_run run_e2e
  for s in "${SERVERS[@]}"; do drain "$s" "after the end-to-end phase"; done
  # Cross-check: the servers' own delivery logs against their sinks (whole run, both phases).
  local logged
  E2E_LOG_CHECK=
  for s in "${SERVERS[@]}"; do
    [[ $s == ceiling || ( $s == sluice && -n $BENCH_SLUICE_STANDIN ) ]] && continue
    logged=$(grep -cE "$BENCH_SENT_LOG" "$(server_log "$s")" 2>/dev/null || true)
    E2E_LOG_CHECK+="${E2E_LOG_CHECK:+; }$s logged ${logged:-0} status=sent, its sink counted ${SENT_TO[$s]}"
    (( ${logged:-0} == SENT_TO[$s] )) \
      || log "warning: $s logged ${logged:-0} deliveries (BENCH_SENT_LOG) but its sink counted ${SENT_TO[$s]}"
  done
}
E2E_LOG_CHECK=

# ---- throttle fidelity (sluice only) -------------------------------------------------------------
# Each case runs a sluice of its own (own sluice.cf, accounts, queue and smtp-sinks, under
# $WORK/fid-CASE), started and stopped here; the servers of the other phases take no part. There
# is no Postfix figure: Postfix has no per-campaign rate to compare with.
FID_DIR='' FID_PORT='' FID_ADMIN='' FID_PID='' FID_LOAD_CMD=''
FID_ROWS=() FID_QUOTA_ROWS=() FID_NOTES=()
FID_FAILED=0

fid_start_sluice() {  # case accounts cf_extra: a fresh sluice in $WORK/fid-<case> (sets FID_*)
  local ports
  read -r -a ports <<<"$(free_ports 3)"
  FID_DIR=$WORK/fid-$1 FID_PORT=${ports[0]} FID_ADMIN=${ports[1]}
  write_sluice_cf "$FID_DIR" "$FID_PORT" "$FID_ADMIN" "${ports[2]}" "$3"
  printf '%s\n' "$2" >"$FID_DIR/accounts.cf"
  fid_launch
}

fid_launch() {  # (re)starts the sluice of FID_DIR on its config and queue, appending to its log
  "$SLUICE_BIN" -c "$FID_DIR/sluice.cf" >>"$FID_DIR/sluice.log" 2>&1 &
  FID_PID=$!
  PIDS+=("$FID_PID")
  wait_smtp "$FID_PORT" "$BENCH_START_TIMEOUT" "$FID_PID" \
    || { tail -n 20 "$FID_DIR/sluice.log" >&2; die "fidelity sluice did not answer on port $FID_PORT"; }
}

fid_stop() {  # signal: stops the fidelity sluice, which must exit by itself within 30 s
  local sig=$1 rc=0 i
  kill -"$sig" "$FID_PID" 2>/dev/null || true
  for ((i = 0; i < 300; i++)); do kill -0 "$FID_PID" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$FID_PID" 2>/dev/null && die "fidelity sluice (pid $FID_PID) still runs 30 s after SIG$sig"
  wait "$FID_PID" || rc=$?
  forget_pid "$FID_PID"
  FID_PID=
  if [[ $sig == TERM ]] && ((rc != 0)); then
    tail -n 20 "$FID_DIR/sluice.log" >&2
    die "fidelity sluice exited with status $rc after SIGTERM"
  fi
}

fid_admin() {  # method path: one admin API request to the fidelity sluice; fails unless 2xx
  timeout 20 python3 - "$FID_ADMIN" "$1" "$2" "$BENCH_ADMIN_TOKEN" >>"$FID_DIR/admin.out" 2>&1 <<'EOF' \
    || { cat "$FID_DIR/admin.out" >&2; die "admin API: $1 $2 failed"; }
import json, sys, urllib.request
port, method, path, token = sys.argv[1:5]
request = urllib.request.Request(
    "http://127.0.0.1:%s%s" % (port, path), method=method,
    data=json.dumps({"reason": "bench.sh throttle fidelity"}).encode(),
    headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
with urllib.request.urlopen(request, timeout=10) as reply:  # raises on anything but 2xx
    print(method, path, reply.status, reply.read().decode()[:400])
EOF
}

fid_message() {  # file sender campaign: a 1 KB message for smtp-source -F (campaign "": no header)
  local i
  {
    echo "From: <$2>"
    echo "To: <$RECIPIENT>"
    echo "Subject: sluice throttle fidelity"
    [[ -z $3 ]] || echo "X-Campaign-ID: $3"
    echo
    for ((i = 0; i < 16; i++)); do printf '%063d\n' "$i"; done
  } >"$1"
}

fid_load() {  # sender count message_file tag: smtp-source -F until every message has had its 250
  local sessions=${BENCH_FIDELITY_SESSIONS:-10} rc=0
  local cmd=(smtp-source -s "$sessions" -m "$2" -d -F "$3" -M bench-client.localdomain -f "$1"
             -t "$RECIPIENT" 127.0.0.1:"$FID_PORT")
  FID_LOAD_CMD="smtp-source -s $sessions -m N -d -F FILE -M bench-client.localdomain -f SENDER -t $RECIPIENT 127.0.0.1:PORT"
  # In the background, so a signal to this script runs the cleanup trap at once.
  timeout "$BENCH_RUN_TIMEOUT" "${cmd[@]}" >"$WORK/fid-load-$4.out" 2>&1 &
  LOAD_PID=$!
  wait "$LOAD_PID" || rc=$?
  LOAD_PID=
  ((rc == 0)) || { cat "$WORK/fid-load-$4.out" >&2; die "fidelity $4: smtp-source failed (exit $rc)"; }
}

fid_logged() {  # pattern: lines of the fidelity sluice's log matching it (extended regex)
  grep -cE "$1" "$FID_DIR/sluice.log" 2>/dev/null || true
}

fid_wait_logged() {  # pattern count what: until the log has count matching lines (sluice logs
  local deadline=$((SECONDS + 30)) got  # asynchronously), or fail
  while got=$(fid_logged "$1"); ((got < $2)); do
    ((SECONDS < deadline)) || die "fidelity: $3: the sluice log has $got of $2 lines matching '$1'"
    sleep 0.2
  done
  ((got == $2)) || die "fidelity: $3: the sluice log has $got lines matching '$1', expected $2"
}

# The sink's count over [t0+skip, t0+skip+window], sampled every 2 ms from what it appends. Prints
# "FIRST LAST MIN MAX": the counts at the window's start and end, and the fewest and most messages
# that arrived in one of its whole seconds. The samples go to $WORK/fid-samples-TAG.txt.
fid_sample() {  # sink t0 skip window tag
  timeout $(($3 + $4 + 30)) python3 - "${SINK_OUT[$1]}" "$2" "$3" "$4" "$WORK/fid-samples-$5.txt" <<'EOF'
import re, sys, time
path, t0, skip, window, trace = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
start, end = t0 + skip, t0 + skip + window
mesg = re.compile(rb"mesg=(\d+)")
count, pending, changes = 0, b"", [(0.0, 0)]  # (when the count was first seen, count)
with open(path, "rb") as sink:
    while True:
        data = sink.read()
        now = time.time()
        if data:
            pending += data
            cut = pending.rfind(b"\r")
            if cut >= 0:  # smtp-sink -c ends each "sess=N quit=N mesg=N" record with \r
                found = mesg.findall(pending[:cut])
                pending = pending[cut + 1:]
                if found and int(found[-1]) != count:
                    count = int(found[-1])
                    changes.append((now, count))
        if now > end + 0.05:
            break
        time.sleep(0.002)
def at(t):
    c = 0
    for when, n in changes:
        if when > t:
            break
        c = n
    return c
per_second = [at(start + i + 1) - at(start + i) for i in range(window)]
with open(trace, "w") as out:
    out.write("# t0=%.6f window %.6f .. %.6f\n" % (t0, start, end))
    for when, n in changes:
        out.write("%.6f %d\n" % (when, n))
print(at(start), at(end), min(per_second), max(per_second))
EOF
}

fid_rate_row() {  # case configured_rate sink t0 total: measures the window and adds a table row
  local name=$1 configured=$2 sink=$3 t0=$4 total=$5 sample first last min max rate dev verdict load
  sample=$(fid_sample "$sink" "$t0" "$BENCH_FIDELITY_SKIP" "$BENCH_FIDELITY_WINDOW" "$name") \
    || die "fidelity $name: the sink sampler failed"
  read -r first last min max <<<"$sample"
  rate=$(awk -v a="$first" -v b="$last" -v w="$BENCH_FIDELITY_WINDOW" 'BEGIN { printf "%.2f", (b - a) / w }')
  dev=$(awk -v m="$rate" -v c="$configured" 'BEGIN { printf "%+.2f", (m - c) / c * 100 }')
  verdict=$(awk -v d="$dev" -v t="$BENCH_FIDELITY_TOLERANCE" 'BEGIN { print (d <= t && -d <= t) ? "pass" : "FAIL" }')
  if ((last >= total)); then  # the queue ran dry inside the window: it measured the load, not the throttle
    verdict=FAIL
    FID_NOTES+=("$name: all $total messages had arrived by the end of the window; raise its message count")
  fi
  [[ $verdict == pass ]] || FID_FAILED=$((FID_FAILED + 1))
  read -r load _ </proc/loadavg
  FID_ROWS+=("$(printf '%-9s %10s %12s %10s %13s %10s %6s %7s' "$name" "$configured/s" "$rate/s" "$dev%" \
    "$min/$max" "$((last - first))" "$load" "$verdict")")
  log "fidelity $name: $rate msgs/s over ${BENCH_FIDELITY_WINDOW}s against $configured/s ($dev%), $verdict"
}

# (1) A campaign at rate R through an account without a rate: its mail is queued while the campaign
# is paused, and the clock starts at resume.
fid_campaign_case() {
  local rate=$BENCH_FIDELITY_CAMPAIGN_RATE port total t0
  total=$((rate * (BENCH_FIDELITY_SKIP + BENCH_FIDELITY_WINDOW + 10)))
  port=$(free_ports 1)
  start_sink fid-campaign "$port"
  mkdir -p "$WORK/fid-campaign"
  echo "fid-campaign rate=$rate/s burst=$BENCH_FIDELITY_BURST group=fid" >"$WORK/fid-campaign/campaigns"
  fid_start_sluice campaign "fid-campaign 127.0.0.1:$port tls=none" "campaign_maps = texthash:campaigns"
  fid_admin POST /api/campaigns/fid-campaign/pause
  fid_message "$WORK/fid-campaign/message" "$SENDER" fid-campaign
  log "fidelity campaign: queueing $total messages of the paused campaign fid-campaign ($rate/s)"
  fid_load "$SENDER" "$total" "$WORK/fid-campaign/message" campaign
  fid_wait_logged ': client=.*, campaign=fid-campaign \(' "$total" "campaign: queued with the campaign"
  (($(sink_count fid-campaign) == 0)) || die "fidelity campaign: the paused campaign delivered mail"
  fid_admin POST /api/campaigns/fid-campaign/resume
  t0=$(now)
  fid_rate_row campaign "$rate" fid-campaign "$t0" "$total"
  fid_stop TERM
  stop_sink fid-campaign
}

# (2) An account at rate R with transactional mail (no campaign header): the load runs while it
# delivers, and the window opens BENCH_FIDELITY_SKIP s after the last message was queued.
fid_account_case() {
  local rate=$BENCH_FIDELITY_ACCOUNT_RATE port total t0
  total=$((rate * (BENCH_FIDELITY_SKIP + BENCH_FIDELITY_WINDOW + 15)))
  port=$(free_ports 1)
  start_sink fid-account "$port"
  fid_start_sluice account "fid-account 127.0.0.1:$port tls=none rate=$rate/s burst=$BENCH_FIDELITY_BURST" ""
  fid_message "$WORK/fid-account/message" "$SENDER" ""
  log "fidelity account: queueing $total transactional messages for the account at $rate/s"
  fid_load "$SENDER" "$total" "$WORK/fid-account/message" account
  t0=$(now)
  fid_rate_row account "$rate" fid-account "$t0" "$total"
  fid_stop TERM
  stop_sink fid-account
}

fid_quota_row() {  # name limit_text limit sent restart_at delivered logged_sent
  local verdict=pass overshoot=$(($6 > $3 ? $6 - $3 : 0))
  ((overshoot == 0)) || { verdict=FAIL; FID_FAILED=$((FID_FAILED + 1)); }
  ((overshoot > 0 || $6 == $3)) || FID_NOTES+=("$1: $(($3 - $6)) fewer than its quota delivered (no overshoot)")
  FID_QUOTA_ROWS+=("$(printf '%-12s %17s %6s %11s %10s %10s %7s' "$1" "$2" "$4" "$5" "$6" "$overshoot" "$verdict")")
  (($7 == $6)) || FID_NOTES+=("$1: sluice logged $7 status=sent, its sink counted $6")
  log "fidelity $1: $6 delivered of $4 sent against $2 (restart after $5), overshoot $overshoot, $verdict"
}

# (3) Quotas: an account held by its daily limit, then one held by its hourly limit (the other
# limit set to twice as much), each in a sluice of its own and sent twice its quota; sluice is
# restarted (BENCH_FIDELITY_RESTART_SIGNAL) once the sink has half the quota.
fid_quota_case() {  # daily|hourly
  local kind=$1 limit qrate=$BENCH_FIDELITY_QUOTA_RATE sig=$BENCH_FIDELITY_RESTART_SIGNAL
  local port dir=$WORK/fid-quota-$1 limits restart_at got sender=bench@$1.fid.example
  if [[ $kind == daily ]]; then
    limit=$BENCH_FIDELITY_DAILY_LIMIT limits="daily_limit=$limit hourly_limit=$((2 * limit))"
  else
    limit=$BENCH_FIDELITY_HOURLY_LIMIT limits="hourly_limit=$limit daily_limit=$((2 * limit))"
  fi
  port=$(free_ports 1)
  start_sink "fid-$kind" "$port"
  fid_start_sluice "quota-$kind" \
    "fid-$kind 127.0.0.1:$port tls=none rate=$qrate/s burst=1 $limits" ""
  fid_message "$dir/message" "$sender" ""
  log "fidelity quota: $((2 * limit)) messages against $limits"
  fid_load "$sender" $((2 * limit)) "$dir/message" "quota-$kind"
  start_sink_waiter "fid-$kind" $((limit / 2)) "$BENCH_RUN_TIMEOUT" "fid-quota-half-$kind"
  finish_sink_waiter || die "fidelity quota: the $kind account's sink stopped at $WAITER_COUNT of $((limit / 2))"
  fid_stop "$sig"
  restart_at=$(sink_count "fid-$kind")
  log "fidelity quota: restarted sluice (SIG$sig) at $restart_at delivered"
  ((restart_at < limit)) || FID_NOTES+=("$kind: the restart came after the quota was used up ($restart_at/$limit)")
  fid_launch
  start_sink_waiter "fid-$kind" "$limit" "$BENCH_RUN_TIMEOUT" "fid-quota-$kind"
  finish_sink_waiter || log "fidelity quota: the $kind account's sink stopped at $WAITER_COUNT of $limit"
  # Would the quota leak, the rate would bring about BENCH_FIDELITY_QUOTA_WATCH x rate more.
  sleep "$BENCH_FIDELITY_QUOTA_WATCH"
  settle_sink "fid-$kind"
  got=$(sink_count "fid-$kind")
  fid_quota_row "$kind" "${kind}_limit=$limit" "$limit" $((2 * limit)) "$restart_at" "$got" \
    "$(fid_logged ": to=<[^>]*>, relay=fid-$kind.*, status=sent ")"
  (($(fid_logged "every account of pool 'default' has used its quota") > 0)) \
    || FID_NOTES+=("$kind: sluice never logged that the account had used its quota")
  fid_stop TERM
  stop_sink "fid-$kind"
}

measure_fidelity() {
  sluice_binary
  fid_campaign_case
  fid_account_case
  fid_quota_case daily
  fid_quota_case hourly
}

report_fidelity() {  # file: the fidelity tables, to standard output and to the file
  local out=$1 row
  mkdir -p "$(dirname "$out")"
  {
    echo "# sluice benchmark: throttle fidelity, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "# host: $(nproc) cpus, $(uname -sr); no Postfix (it has no per-campaign throttle to compare)"
    echo "# sluice: $SLUICE_BIN (git $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo ?)), a fresh instance per case"
    echo "# load: $FID_LOAD_CMD (1 KB message with headers)"
    echo "# rate: messages counted by the sink over ${BENCH_FIDELITY_WINDOW}s, from ${BENCH_FIDELITY_SKIP}s after the clock starts"
    echo "#   (campaign: resume of the paused campaign, all mail queued; account: the last message queued);"
    echo "#   burst=$BENCH_FIDELITY_BURST; pass within ${BENCH_FIDELITY_TOLERANCE}%; min/max: messages in one whole second of the window;"
    echo "#   load: the machine's 1-minute load average at the end of the window"
    printf '%-9s %10s %12s %10s %13s %10s %6s %7s\n' case configured measured deviation "per-s min/max" \
      "in window" load result
    for row in "${FID_ROWS[@]}"; do echo "$row"; done
    echo "# quota overshoot: one account (rate ${BENCH_FIDELITY_QUOTA_RATE}/s) and sluice per quota, twice the quota sent,"
    echo "#   sluice restarted (SIG$BENCH_FIDELITY_RESTART_SIGNAL) once its sink had half; delivered: the sink's count"
    echo "#   ${BENCH_FIDELITY_QUOTA_WATCH}s and more after the quota was reached"
    printf '%-12s %17s %6s %11s %10s %10s %7s\n' account quota sent "restart at" delivered overshoot result
    for row in "${FID_QUOTA_ROWS[@]}"; do echo "$row"; done
    local overshoots=0
    for row in "${FID_QUOTA_ROWS[@]}"; do
      read -r _ _ _ _ _ row _ <<<"$row"
      overshoots=$((overshoots + row))
    done
    echo "# quota overshoots: $overshoots"
    for row in "${FID_NOTES[@]}"; do echo "# note: $row"; done
  } | tee "$out"
  log "written to $out"
}

# ---- main ----------------------------------------------------------------------------------------
main() {
  # ceiling: an smtp-sink that keeps nothing, the most this load generator can push through a
  # server on this machine; it bounds every ratio the benchmark can show.
  SERVERS=(sluice postfix ceiling)
  case $BENCH_ONLY in
    '') ;; sluice|postfix|ceiling) SERVERS=("$BENCH_ONLY") ;; *) die "BENCH_ONLY must be sluice, postfix or ceiling" ;;
  esac
  case $BENCH_POSTFIX_DELIVERY in hold|relay) ;; *) die "BENCH_POSTFIX_DELIVERY must be hold or relay" ;; esac
  case $BENCH_MODE in accept|e2e|fidelity|all) ;; *) die "BENCH_MODE must be accept, e2e, fidelity or all" ;; esac
  case $BENCH_FIDELITY_RESTART_SIGNAL in TERM|KILL) ;; *) die "BENCH_FIDELITY_RESTART_SIGNAL must be TERM or KILL" ;; esac
  # Throttle fidelity measures sluice alone; a stand-in has no throttle to measure.
  local fidelity=0
  if [[ $BENCH_MODE == fidelity ]]; then
    [[ -z $BENCH_SLUICE_STANDIN ]] || die "BENCH_MODE=fidelity measures sluice itself: unset BENCH_SLUICE_STANDIN"
    fidelity=1 SERVERS=()
  elif [[ $BENCH_MODE == all && -z $BENCH_SLUICE_STANDIN && " ${SERVERS[*]} " == *" sluice "* ]]; then
    fidelity=1
  fi
  "$ROOT/scripts/deps.sh" test
  if [[ " ${SERVERS[*]} " == *" postfix "* && $EUID -ne 0 ]]; then
    command -v sudo >/dev/null || die "the private Postfix instance needs root"
    exec sudo --preserve-env "$0" "$@"
  fi

  WORK=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench.XXXXXX")
  trap cleanup EXIT
  trap 'exit 130' INT TERM
  local ports s postfix_delivery=$BENCH_POSTFIX_DELIVERY
  [[ $BENCH_MODE == e2e ]] && postfix_delivery=relay
  read -r -a ports <<<"$(free_ports 7)"
  MESSAGES[1024]=$BENCH_MESSAGES_SMALL MESSAGES[81920]=$BENCH_MESSAGES_LARGE
  PORT_OF=([sluice]=${ports[0]} [postfix]=${ports[2]} [ceiling]=${ports[6]})
  for s in "${SERVERS[@]}"; do
    case $s in
      sluice) start_sink sluice "${ports[1]}"
              start_sluice "${ports[0]}" "${ports[4]}" "${ports[5]}" "${ports[1]}" ;;
      postfix) start_sink postfix "${ports[3]}"
               start_postfix "${ports[2]}" "${ports[3]}" "$postfix_delivery" ;;
      ceiling) start_sink ceiling "${ports[6]}" ;;
    esac
  done

  if [[ $BENCH_MODE == accept || $BENCH_MODE == all ]]; then
    measure_accept
    report accept "$BENCH_OUT" "${SIZES[@]}"
  fi
  if [[ $BENCH_MODE == e2e || $BENCH_MODE == all ]]; then
    measure_e2e
    report e2e "$BENCH_E2E_OUT" "${SIZES[@]}"
  fi
  if ((fidelity)); then
    measure_fidelity
    report fidelity "$BENCH_FIDELITY_OUT"
    ((FID_FAILED == 0)) || die "throttle fidelity: $FID_FAILED case(s) failed (see $BENCH_FIDELITY_OUT)"
  fi
}

main "$@"
