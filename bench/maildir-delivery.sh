#!/usr/bin/env bash
# Maildir delivery throughput of the store (fsync on): messages/second for 20 threads delivering
# 4 KiB messages into one mailbox (group commit) and into one mailbox per thread.
# Usage: bench/maildir-delivery.sh [MESSAGES] [THREADS] [SIZE] [DIR]   (DIR: filesystem to test, default /tmp)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
for c in "${JAVA_HOME:-}" /usr/lib/jvm/*25*; do
  if [ -n "$c" ] && [ -x "$c/bin/java" ] && "$c/bin/java" -version 2>&1 | head -1 | grep -Eq 'version "(2[5-9]|[3-9][0-9])'; then
    export JAVA_HOME="$c"; break
  fi
done
cd "$here"
mvn -B -q -o test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test >/dev/null
exec "$JAVA_HOME/bin/java" -Dlogback.configurationFile=src/test/resources/logback-test.xml \
  -cp "target/classes:target/test-classes:$(cat target/bench.classpath)" \
  org.postern.bench.MaildirDelivery "${1:-20000}" "${2:-20}" "${3:-4096}" "${4:-${TMPDIR:-/tmp}}"
