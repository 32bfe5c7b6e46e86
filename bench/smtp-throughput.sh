#!/usr/bin/env bash
# SMTP inbound throughput: Postern vs a private Postfix on the same machine, same load.
#
# Load: Postfix's smtp-source (-s SESSIONS -m MESSAGES -l SIZE) to bench@test.local; ROUNDS (3) measured rounds of
# 10,000 messages each by default, the ratio taken of the medians (a 2,000-message round lasts about
# a second and varies by +-30%; 10,000-message rounds still vary by +-20% on this 2-core VM).
# Rate: messages / (time of the last message in the Maildir's new/ - time of the first connect).
# Both servers deliver to a Maildir on the same filesystem with fsync (Postfix: the virtual agent;
# Postern: its local delivery). A warm-up round (WARMUP messages, same settings) runs first on both
# and its rate is printed too: even with the launcher's ahead-of-time cache (loaded classes, method
# profiles) the JVM needs some 10-20 thousand messages on 2 cores before the JIT has compiled the
# hot paths (first 2,000 messages ~600-800 msg/s, ~1,300 after 4,000, 2,000-2,500 at steady
# state), so the measured rounds are the steady state a server that runs for days is in.
# WARMUP=0 MESSAGES=2000 measures a cold start instead.
# Also prints Postern's peak RSS (VmHWM) and heap (largest heap occupancy seen by GC, and
# jcmd GC.heap_info at the end).
#
# Usage: bench/smtp-throughput.sh           (needs root for the private Postfix)
#   env: SESSIONS=20 MESSAGES=10000 SIZE=4096 WARMUP=20000 ROUNDS=3 ONLY=postfix|postern KEEP=1
#        POSTERN_SET="queue.local_destination_concurrency_limit=20" sets values in Postern's config
#        POSTERN_JAVA_OPTS="..." extra JVM options for Postern (profiling)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$here/bench/lib.sh"
SESSIONS="${SESSIONS:-20}"; MESSAGES="${MESSAGES:-10000}"; SIZE="${SIZE:-4096}"; WARMUP="${WARMUP:-20000}"
ROUNDS="${ROUNDS:-3}"  # measured rounds per server; the ratio is of the medians
ONLY="${ONLY:-}"
PATH="$PATH:/usr/sbin:/sbin"

for c in smtp-source postfix postconf script; do
  command -v "$c" >/dev/null || { echo "bench: needs $c (apt-get install postfix)" >&2; exit 127; }
done
[ "$ONLY" = postern ] || [ "$(id -u)" = 0 ] || { echo "bench: needs root for the private Postfix (mail_owner=postfix); ONLY=postern runs without it" >&2; exit 1; }

tmp="$(mktemp -d /tmp/postern-bench.XXXXXX)"; chmod 755 "$tmp"
pf_conf=""; postern_pid=""
cleanup() {
  [ -n "$postern_pid" ] && kill "$postern_pid" 2>/dev/null && wait "$postern_pid" 2>/dev/null || true
  [ -n "$pf_conf" ] && script -qc "postfix -c $pf_conf stop" /dev/null >/dev/null 2>&1 || true
  if [ "${KEEP:-}" = 1 ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
now() { date +%s.%N; }
count_new() { find "$1" -maxdepth 1 -type f 2>/dev/null | wc -l; }
# Waits until dir $1 holds $2 files (timeout 600 s); prints the newest file's mtime.
await_files() {
  local dir="$1" want="$2" end=$(( $(date +%s) + 600 ))
  while [ "$(count_new "$dir")" -lt "$want" ]; do
    [ "$(date +%s)" -lt "$end" ] || { echo "bench: only $(count_new "$dir")/$want messages arrived in $dir" >&2; return 1; }
    sleep 0.02
  done
  find "$dir" -maxdepth 1 -type f -printf '%T@\n' | sort -n | tail -1
}
await_greeting() {
  local port="$1" end=$(( $(date +%s) + 60 ))
  until /usr/bin/python3 - "$port" <<'EOF' 2>/dev/null
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
assert s.recv(512).startswith(b"220")
s.sendall(b"QUIT\r\n")
EOF
  do
    [ "$(date +%s)" -lt "$end" ] || { echo "bench: nothing greets on port $port" >&2; return 1; }
    sleep 0.1
  done
}
# busy CPU seconds of the whole machine so far (user+nice+system+irq+softirq, from /proc/stat)
cpu_busy() { awk '/^cpu / { printf "%.2f\n", ($2 + $3 + $4 + $7 + $8) / 100 }' /proc/stat; }
# run_load PORT MAILDIR_NEW EXPECTED_TOTAL COUNT -> prints "seconds rate accepted-seconds cpu-ms-per-message"
run_load() {
  local port="$1" newdir="$2" total="$3" count="$4" t0 t1 c0 c1
  c0="$(cpu_busy)"
  t0="$(now)"
  smtp-source -s "$SESSIONS" -m "$count" -l "$SIZE" -f a@example.org -t bench@test.local "127.0.0.1:$port"
  ts="$(now)"
  t1="$(await_files "$newdir" "$total")"
  c1="$(cpu_busy)"
  # seconds rate accepted-seconds (when smtp-source had all its 250s) machine-CPU-ms-per-message (both sides, smtp-source included)
  awk -v a="$t0" -v b="$t1" -v s="$ts" -v n="$count" -v c0="$c0" -v c1="$c1" \
    'BEGIN { d = b - a; printf "%.3f %.1f %.3f %.2f\n", d, n / d, s - a, (c1 - c0) * 1000 / n }'
}

# rounds NAME PORT NEWDIR DONE: ROUNDS measured rounds of MESSAGES each, one line per round;
# sets round_median (msg/s of the median round)
rounds() {
  local name="$1" port="$2" newdir="$3" done="$4" i secs rate acc cpu rates=""
  for i in $(seq "$ROUNDS"); do
    read -r secs rate acc cpu < <(run_load "$port" "$newdir" $(( done + MESSAGES )) "$MESSAGES")
    done=$(( done + MESSAGES ))
    echo "$name: round $i: $MESSAGES messages in $secs s = $rate msg/s (smtp-source done after $acc s; machine CPU $cpu ms/message)"
    rates="$rates $rate"
  done
  round_median="$(printf '%s\n' $rates | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')"
  echo "$name: median of $ROUNDS rounds: $round_median msg/s"
}

# ---------------------------------------------------------------- Postfix (baseline)
bench_postfix() {
  local R="$tmp/postfix" port
  mkdir -p "$R"
  cp -a /etc/postfix "$R/etc"; rm -f "$R/etc/makedefs.out"
  mkdir -p "$R/spool" "$R/data" "$R/mail"
  chown postfix "$R/data"; chown 5000:5000 "$R/mail"
  port="$(free_port)"
  local name="postfix-bench-$$"
  postconf -c "$R/etc" -e queue_directory="$R/spool" data_directory="$R/data" mail_owner=postfix \
    inet_interfaces=127.0.0.1 inet_protocols=ipv4 mydestination= mynetworks=127.0.0.0/8 \
    smtp_dns_support_level=disabled multi_instance_name="$name" syslog_name="$name" \
    maillog_file="$R/maillog" 'maillog_file_prefixes=/var,/dev/stdout,/tmp' alias_maps= alias_database= \
    virtual_mailbox_domains=test.local virtual_mailbox_base="$R/mail" \
    virtual_mailbox_maps=static:test.local/bench/ virtual_uid_maps=static:5000 virtual_gid_maps=static:5000 \
    virtual_minimum_uid=100
  postconf -c "$R/etc" -F '*/*/chroot = n'
  postconf -c "$R/etc" -M# smtp/inet
  postconf -c "$R/etc" -M "127.0.0.1:$port/inet=127.0.0.1:$port inet n - n - - smtpd"
  postconf -c "$R/etc" -M 'postlog/unix-dgram=postlog unix-dgram n - n - 1 postlogd'
  pf_conf="$R/etc"
  script -qec "postfix -c $R/etc start" /dev/null >/dev/null
  await_greeting "$port"
  local newdir="$R/mail/test.local/bench/new" done=0
  if [ "$WARMUP" -gt 0 ]; then
    read -r w_secs w_rate _ < <(run_load "$port" "$newdir" "$WARMUP" "$WARMUP"); done="$WARMUP"
    echo "postfix: warm-up $WARMUP messages in $w_secs s = $w_rate msg/s"
  fi
  rounds postfix "$port" "$newdir" "$done"; pf_rate="$round_median"
  script -qc "postfix -c $R/etc stop" /dev/null >/dev/null 2>&1 || true
  pf_conf=""
}

# ---------------------------------------------------------------- Postern
bench_postern() {
  local java jar offset d port
  (cd "$here" && ./postern --version >/dev/null)   # builds target/postern.jar when sources changed
  bench_find_jdk
  java="$JAVA_HOME/bin/java"
  jar="$here/target/postern.jar"
  while :; do
    offset=$(( 10000 + RANDOM % 40000 )); ok=1
    for p in 25 587 465 143 993 110 995 24 80 443; do port_free $(( p + offset )) || { ok=0; break; }; done
    [ "$ok" = 1 ] && break
  done
  d="$tmp/postern"
  "$java" --enable-native-access=ALL-UNNAMED -jar "$jar" init "$d" --hostname mail.test.local \
    --domain test.local --port-offset "$offset" >/dev/null
  echo bench-password | POSTERN_CONFIG="$d/postern.toml" "$java" --enable-native-access=ALL-UNNAMED -jar "$jar" \
    user add bench@test.local --password-stdin >/dev/null
  # POSTERN_SET="section.key=value ..." sets values in the generated config (for experiments)
  for kv in ${POSTERN_SET:-}; do
    /usr/bin/python3 -c '
import sys
path, kv = sys.argv[1], sys.argv[2]
key, value = kv.split("=", 1)
section, name = key.rsplit(".", 1)
lines = open(path).read().split("\n")
line = "%s = \"%s\"" % (name, value)
if "[%s]" % section in lines:
    lines.insert(lines.index("[%s]" % section) + 1, line)
else:
    lines += ["", "[%s]" % section, line]
open(path, "w").write("\n".join(lines))
' "$d/postern.toml" "$kv"
  done
  port=$(( 25 + offset ))
  # Started through the launcher, as a user starts it (with its ahead-of-time cache, made once per
  # build before this start if needed; POSTERN_AOT=0 measures without it). The launcher execs the JVM,
  # so $! is the server's pid. POSTERN_JAVA_OPTS: extra JVM options (e.g.
  # -XX:StartFlightRecording=filename=/tmp/p.jfr,settings=profile)
  POSTERN_JAVA_OPTS="-Xlog:gc:file=$tmp/gc.log ${POSTERN_JAVA_OPTS:-}" "$here/postern" \
    serve --config "$d/postern.toml" >"$tmp/postern.log" 2>&1 &
  postern_pid=$!
  await_greeting "$port"
  local newdir="$d/mail/test.local/bench/new" done=0
  if [ "$WARMUP" -gt 0 ]; then
    read -r w_secs w_rate _ < <(run_load "$port" "$newdir" "$WARMUP" "$WARMUP"); done="$WARMUP"
    echo "postern: warm-up $WARMUP messages in $w_secs s = $w_rate msg/s (from a cold start)"
  fi
  rounds postern "$port" "$newdir" "$done"; pn_rate="$round_median"
  pn_rss="$(awk '/^VmHWM:/ { printf "%.0f MiB", $2 / 1024 }' "/proc/$postern_pid/status")"
  # largest heap occupancy before a collection, from the unified GC log ("Pause ... 123M->45M(256M)")
  pn_heap_peak="$(grep -oE '[0-9]+M->[0-9]+M\([0-9]+M\)' "$tmp/gc.log" | sed 's/M->.*//' | sort -n | tail -1)"
  pn_heap_now="$("$(dirname "$java")/jcmd" "$postern_pid" GC.heap_info 2>/dev/null | grep -m1 -E 'total|used' | sed 's/^ *//')"
  kill "$postern_pid"; wait "$postern_pid" 2>/dev/null || true; postern_pid=""
  echo "postern: peak RSS $pn_rss; peak heap before GC ${pn_heap_peak:-n/a (no GC ran)} MiB; at end: ${pn_heap_now:-n/a}"
}

echo "load: smtp-source -s $SESSIONS -m $MESSAGES -l $SIZE, $ROUNDS rounds after a warm-up of $WARMUP, $(nproc) cores"
pf_rate=""; pn_rate=""
[ "$ONLY" = postern ] || bench_postfix
[ "$ONLY" = postfix ] || bench_postern
if [ -n "$pf_rate" ] && [ -n "$pn_rate" ]; then
  awk -v a="$pn_rate" -v b="$pf_rate" 'BEGIN { printf "ratio Postern/Postfix (medians): %.2f\n", a / b }'
fi
