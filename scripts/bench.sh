#!/usr/bin/env bash
# Accept-path benchmark: sluice against a private Postfix instance, in the same run, on this machine.
# Both servers get the same load (Postfix's smtp-source, 50 sessions, 1 KB and 80 KB messages,
# several messages per connection) on loopback. The figure is accepted messages per second, wall
# clock, from the first connect to the last 250. Each server has its own smtp-sink as next hop;
# Postfix puts accepted mail on hold by default (BENCH_POSTFIX_DELIVERY=hold), so only its accept
# path runs: same fsync before 250, no relaying competing for the CPUs (scripts/BENCH.md: why).
#
#   scripts/bench.sh                      full run (needs root for the private Postfix)
#   BENCH_QUICK=1 scripts/bench.sh        2000 x 1 KB and 500 x 80 KB
#   BENCH_ONLY=postfix|sluice             measure one side only
#   BENCH_SLUICE_STANDIN=smtp-sink        put smtp-sink on the sluice port (proves the script)
#
# Environment (defaults in brackets): SLUICE_BIN [build/release/src/app/sluice, built if missing],
# BENCH_OUT [build/bench/accept.txt], BENCH_MESSAGES_SMALL [20000], BENCH_MESSAGES_LARGE [5000],
# BENCH_SESSIONS [50], BENCH_ROUNDS [1; the table shows the best round], BENCH_RUN_TIMEOUT [600 s
# per load run], BENCH_POSTFIX_DELIVERY [hold|relay], BENCH_KEEP=1 (keep the work dir),
# BENCH_SLUICE_ACCEPT_LOG [regex of sluice's per-message "queued" log line, the cross-check],
# BENCH_SLUICE_CF_EXTRA / BENCH_POSTFIX_CF_EXTRA (lines appended to sluice.cf / main.cf).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_OUT=${BENCH_OUT:-$ROOT/build/bench/accept.txt}
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
BENCH_POSTFIX_DELIVERY=${BENCH_POSTFIX_DELIVERY:-hold}
BENCH_SLUICE_STANDIN=${BENCH_SLUICE_STANDIN:-}
BENCH_SLUICE_ACCEPT_LOG=${BENCH_SLUICE_ACCEPT_LOG:-': client=.*from=<[^>]*>, size=[0-9]+, nrcpt=[0-9]+'}
BENCH_SLUICE_CF_EXTRA=${BENCH_SLUICE_CF_EXTRA:-}
BENCH_POSTFIX_CF_EXTRA=${BENCH_POSTFIX_CF_EXTRA:-}
BENCH_KEEP=${BENCH_KEEP:-0}
SENDER=bench@source.example
RECIPIENT=rcpt@sink.example

log() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---- processes we started, stopped on exit -------------------------------------------------------
PIDS=()
LOAD_PID=
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

cleanup() {
  local rc=$?
  set +e
  [[ -n $LOAD_PID ]] && stop_pid "$LOAD_PID"
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
declare -A SINK_OUT=()

start_sink() {  # name port: an smtp-sink counting messages into $WORK/sink-<name>.out
  local name=$1 port=$2 user=()
  [[ $EUID -eq 0 ]] && user=(-u nobody)   # smtp-sink refuses to keep root privileges
  SINK_OUT[$name]=$WORK/sink-$name.out
  smtp-sink "${user[@]}" -c -m 512 127.0.0.1:"$port" 1024 >"${SINK_OUT[$name]}" 2>&1 &
  PIDS+=($!)
  wait_smtp "$port" "$BENCH_START_TIMEOUT" || die "smtp-sink $name did not answer on port $port"
}

sink_count() {  # name: messages the sink has received so far (its last "mesg=" counter)
  local f=${SINK_OUT[$1]}
  tr '\r' '\n' <"$f" | sed -n 's/.*mesg=\([0-9]*\).*/\1/p' | tail -n 1 | grep . || echo 0
}

# ---- Postfix (private instance; never the host's /etc/postfix) -----------------------------------
PF_CONF='' PF_SPOOL='' PF_LOG='' PF_PORT=''

start_postfix() {  # smtpd_port sink_port
  PF_PORT=$1
  local sink_port=$2
  PF_CONF=$WORK/postfix-conf PF_SPOOL=$WORK/postfix-spool PF_LOG=$WORK/postfix.log
  mkdir -p "$PF_CONF" "$PF_SPOOL"
  install -d -o postfix -m 0700 "$WORK/postfix-data"   # master.lock lives here, owned by mail_owner
  local restrictions="permit_mynetworks, reject_unauth_destination"
  # hold: every message goes straight to the hold queue after the same fsync, and is never relayed.
  [[ $BENCH_POSTFIX_DELIVERY == hold ]] && restrictions="check_client_access static:HOLD, $restrictions"
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
smtpd_relay_restrictions = $restrictions
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
  log "postfix $(postconf -c "$PF_CONF" -h mail_version) up on 127.0.0.1:$PF_PORT ($BENCH_POSTFIX_DELIVERY)"
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
  mkdir -p "$dir"
  cat >"$dir/sluice.cf" <<EOF
queue_directory = $dir/queue
smtpd_listen = 127.0.0.1:$SL_PORT
admin_listen = 127.0.0.1:$admin_port
metrics_listen = 127.0.0.1:$SL_METRICS_PORT
upstream_accounts = accounts.cf
admin_tokens = texthash:admin_tokens
mynetworks = 127.0.0.0/8
myhostname = sluice-bench.localdomain
$BENCH_SLUICE_CF_EXTRA
EOF
  echo "sink 127.0.0.1:$sink_port tls=none" >"$dir/accounts.cf"
  echo "bench 0123456789abcdef0123456789abcdef" >"$dir/admin_tokens"
  chmod 0600 "$dir/admin_tokens"
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
LOAD_CMD=

accepted_count() {  # server
  case $1 in postfix) postfix_accepted ;; sluice) sluice_accepted ;; ceiling) sink_count ceiling ;; esac
}

quiesce() {  # server: let background delivery of the previous run finish before measuring
  local server=$1 deadline=$((SECONDS + BENCH_QUIESCE_TIMEOUT)) last=-1 same=0 n
  if [[ $server == postfix ]]; then
    while (( $(postfix_backlog) > 0 )); do
      (( SECONDS < deadline )) || { log "postfix queue not drained after ${BENCH_QUIESCE_TIMEOUT}s"; break; }
      sleep 0.5
    done
  elif [[ $server == sluice && -z $BENCH_SLUICE_STANDIN ]]; then
    # No queue probe yet: wait until its sink has been quiet for 2 s.
    while (( same < 4 && SECONDS < deadline )); do
      n=$(sink_count sluice); if [[ $n == "$last" ]]; then same=$((same + 1)); else same=0 last=$n; fi
      sleep 0.5
    done
  fi
  sync
}

run_load() {  # server port size count round: one timed smtp-source run
  local server=$1 port=$2 size=$3 count=$4 round=$5 before after t0 t1 rc=0 status
  local cmd=(smtp-source -s "$BENCH_SESSIONS" -m "$count" -l "$size" -d -M bench-client.localdomain
             -f "$SENDER" -t "$RECIPIENT" 127.0.0.1:"$port")
  LOAD_CMD="${cmd[*]}"
  LOAD_CMD=${LOAD_CMD/-m $count -l $size/-m N -l SIZE}
  LOAD_CMD=${LOAD_CMD/%127.0.0.1:$port/127.0.0.1:PORT}
  quiesce "$server"
  before=$(accepted_count "$server")
  log "$server: $count x $size bytes, $BENCH_SESSIONS sessions (round $round)"
  t0=$(now)
  # In the background, so a signal to this script runs the cleanup trap at once.
  timeout "$BENCH_RUN_TIMEOUT" "${cmd[@]}" >"$WORK/load-$server-$size-$round.out" 2>&1 &
  LOAD_PID=$!
  wait "$LOAD_PID" || rc=$?
  LOAD_PID=
  t1=$(now)
  if ((rc != 0)); then
    cat "$WORK/load-$server-$size-$round.out" >&2
    die "$server: smtp-source failed (exit $rc; 124 means it hit BENCH_RUN_TIMEOUT=${BENCH_RUN_TIMEOUT}s)"
  fi
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
  local rate key=$server/$size best
  rate=$(awk -v n="$count" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }')
  log "$server: $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s, $rate msgs/s, $status"
  best=${RATE[$key]:-0}
  (( rate > best )) && RATE[$key]=$rate
  CHECK[$key]=${CHECK[$key]:+${CHECK[$key]},}$rate
  CHECK[$key.count]=$status
}

# ---- report --------------------------------------------------------------------------------------
report() {  # sizes...
  local size sl pf cl ratio cratio sluice_label=sluice
  [[ $BENCH_SLUICE_STANDIN == smtp-sink ]] && sluice_label="sluice(stand-in: smtp-sink)"
  mkdir -p "$(dirname "$BENCH_OUT")"
  {
    echo "# sluice accept-path benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "# host: $(nproc) cpus, $(uname -sr), postfix $(postconf -d -h mail_version 2>/dev/null || echo ?)"
    echo "# sluice: ${SLUICE_BIN:-${BENCH_SLUICE_STANDIN:-not run}} (git $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo ?))"
    echo "# load: $LOAD_CMD"
    echo "# postfix: private instance, delivery=$BENCH_POSTFIX_DELIVERY; rounds: $BENCH_ROUNDS (best shown)"
    echo "# ceiling: smtp-sink keeping nothing; ceiling/postfix is the largest ratio this load can show"
    printf '%-8s %9s %28s %14s %16s %14s %16s\n' size messages "$sluice_label msgs/s" "postfix msgs/s" \
      "sluice/postfix" "ceiling msgs/s" "ceiling/postfix"
    for size in "$@"; do
      sl=${RATE[sluice/$size]:--} pf=${RATE[postfix/$size]:--} cl=${RATE[ceiling/$size]:--}
      ratio=- cratio=-
      [[ $sl != - && $pf != - ]] && ratio=$(awk -v a="$sl" -v b="$pf" 'BEGIN { printf "%.2f", a / b }')
      [[ $cl != - && $pf != - ]] && cratio=$(awk -v a="$cl" -v b="$pf" 'BEGIN { printf "%.2f", a / b }')
      printf '%-8s %9s %28s %14s %16s %14s %16s\n' "$size" "${MESSAGES[$size]}" "$sl" "$pf" "$ratio" \
        "$cl" "$cratio"
    done
    for size in "$@"; do
      for sl in sluice postfix ceiling; do
        if [[ -n ${CHECK[$sl/$size]:-} ]]; then
          echo "# $sl/$size rounds: ${CHECK[$sl/$size]} msgs/s (${CHECK[$sl/$size.count]})"
        fi
      done
    done
  } | tee "$BENCH_OUT"
  log "written to $BENCH_OUT"
}

# ---- measurements --------------------------------------------------------------------------------
# Each measurement is a function over the running servers; the delivery issue adds an end-to-end
# one (smtp-source -> server -> its smtp-sink, delivered msgs/s via sink_count), the throttle
# issue a fidelity check, each with its own lines in report.
declare -A MESSAGES=() PORT_OF=()
SERVERS=()
SIZES=(1024 81920)

warm_up() {  # server port: untimed, so Postfix has forked its smtpd/cleanup processes
  local n=$((BENCH_SESSIONS * 10))
  timeout 120 smtp-source -s "$BENCH_SESSIONS" -m "$n" -l 1024 -d -M bench-client.localdomain \
    -f "$SENDER" -t "$RECIPIENT" 127.0.0.1:"$2" >"$WORK/warm-up-$1.out" 2>&1 \
    || { cat "$WORK/warm-up-$1.out" >&2; die "$1: warm-up load failed"; }
}

measure_accept() {
  local size round order s
  for s in "${SERVERS[@]}"; do warm_up "$s" "${PORT_OF[$s]}"; done
  for ((round = 1; round <= BENCH_ROUNDS; round++)); do
    # Rotate who goes first, so no server always runs on the fresher machine.
    local first=$(((round - 1) % ${#SERVERS[@]}))
    order=("${SERVERS[@]:first}" "${SERVERS[@]:0:first}")
    for size in "${SIZES[@]}"; do
      for s in "${order[@]}"; do
        run_load "$s" "${PORT_OF[$s]}" "$size" "${MESSAGES[$size]}" "$round"
      done
    done
  done
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
  "$ROOT/scripts/deps.sh" test
  if [[ " ${SERVERS[*]} " == *" postfix "* && $EUID -ne 0 ]]; then
    command -v sudo >/dev/null || die "the private Postfix instance needs root"
    exec sudo --preserve-env "$0" "$@"
  fi

  WORK=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench.XXXXXX")
  trap cleanup EXIT
  trap 'exit 130' INT TERM
  local ports s
  read -r -a ports <<<"$(free_ports 7)"
  MESSAGES[1024]=$BENCH_MESSAGES_SMALL MESSAGES[81920]=$BENCH_MESSAGES_LARGE
  PORT_OF=([sluice]=${ports[0]} [postfix]=${ports[2]} [ceiling]=${ports[6]})
  for s in "${SERVERS[@]}"; do
    case $s in
      sluice) start_sink sluice "${ports[1]}"
              start_sluice "${ports[0]}" "${ports[4]}" "${ports[5]}" "${ports[1]}" ;;
      postfix) start_sink postfix "${ports[3]}"
               start_postfix "${ports[2]}" "${ports[3]}" ;;
      ceiling) start_sink ceiling "${ports[6]}" ;;
    esac
  done

  measure_accept
  report "${SIZES[@]}"
}

main "$@"
