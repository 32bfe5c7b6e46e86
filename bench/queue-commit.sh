#!/usr/bin/env bash
# Queue commit latency and commits/s, with group commit and with one directory fsync per message.
# Usage: bench/queue-commit.sh [MESSAGES_PER_SESSION] [SIZE] [SESSIONS,...] [DIR]
# DIR must be on the disk the spool will live on (default target/bench-queue).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$here/bench/lib.sh"
bench_find_jdk
cd "$here"
bench_run_java bench/logback-quiet.xml org.postern.bench.QueueCommitBench "${4:-target/bench-queue}" "${1:-200}" "${2:-4096}" "${3:-1,20,100}"
