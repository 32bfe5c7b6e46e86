#!/usr/bin/env bash
# Crash test with more kills than the default test run, printing the numbers:
# while CONNECTIONS connections send uniquely numbered messages (X-Seq), the server is killed
# with SIGKILL KILLS times at random moments and restarted on the same directory; after the last
# restart it drains; then every message answered 250 must be in the Maildir.
# Prints: kills, attempted, acknowledged, found, lost, duplicates, delivered-without-250.
#
# Usage: bench/crash-test.sh        env: KILLS=5 CONNECTIONS=10 MIN_GAP_MS=1000 MAX_GAP_MS=5000
# (runs the CrashIT end-to-end test through Maven against the freshly packaged server)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$here/bench/lib.sh"
bench_find_jdk
report="$(mktemp /tmp/postern-crash.XXXXXX)"
trap 'rm -f "$report"' EXIT
cd "$here"
status=0
mvn -B -q -ntp verify -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=CrashIT \
  -Dcrash.kills="${KILLS:-5}" -Dcrash.connections="${CONNECTIONS:-10}" \
  -Dcrash.minGapMs="${MIN_GAP_MS:-1000}" -Dcrash.maxGapMs="${MAX_GAP_MS:-5000}" \
  -Dcrash.report="$report" >"$report.log" 2>&1 || status=$?
if [ -s "$report" ]; then
  tr ' ' '\n' <"$report" | sed -n 's/^\(kills\|connections\|load\|attempted\|acknowledged\|found\|lost\|duplicates\|delivered-without-250\|refused-connects\|broken-sessions\)=/\1 = /p'
  grep -o '(files [0-9]*)' "$report" | sed 's/[()]//g; s/files/message files =/'
fi
if [ "$status" != 0 ]; then
  echo "crash test FAILED (maven exit $status); log:" >&2
  grep -v '^WARNING' "$report.log" | tail -60 >&2
fi
rm -f "$report.log"
exit "$status"
