#!/usr/bin/env bash
# Directory lookup latency: resolve() with and without the lookup cache, on SQLite and on real
# MariaDB and PostgreSQL servers started from the Debian binaries (as the tests do; run as root).
# Usage: bench/lookup-latency.sh [LOOKUPS] [sqlite,mariadb,postgresql]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$here/bench/lib.sh"
bench_find_jdk
cd "$here"
bench_run_java src/test/resources/logback-test.xml org.postern.bench.LookupLatency "${1:-20000}" "${2:-sqlite,mariadb,postgresql}"
