#!/usr/bin/env bash
# Maildir delivery throughput of the store (fsync on): messages/second for 20 threads delivering
# 4 KiB messages into one mailbox (group commit) and into one mailbox per thread.
# Usage: bench/maildir-delivery.sh [MESSAGES] [THREADS] [SIZE] [DIR]   (DIR: filesystem to test, default /tmp)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$here/bench/lib.sh"
bench_find_jdk
cd "$here"
bench_run_java src/test/resources/logback-test.xml org.postern.bench.MaildirDelivery "${1:-20000}" "${2:-20}" "${3:-4096}" "${4:-${TMPDIR:-/tmp}}"
