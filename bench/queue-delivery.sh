#!/usr/bin/env bash
# Queue + local delivery into Maildir (no SMTP): messages/s from first commit to empty queue,
# with group commit on and off. Usage: bench/queue-delivery.sh [MESSAGES] [SIZE] [SESSIONS] [MAILBOXES] [DIR]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$here/bench/lib.sh"
bench_find_jdk
cd "$here"
bench_run_java bench/logback-quiet.xml org.postern.bench.QueueDeliveryBench "${5:-target/bench-delivery}" "${1:-2000}" "${2:-4096}" "${3:-20}" "${4:-20}" "${6:-single,group,single,group}"
