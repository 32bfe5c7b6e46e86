#!/usr/bin/env bash
# Queue commit latency and commits/s, with group commit and with one directory fsync per message.
# Usage: bench/queue-commit.sh [MESSAGES_PER_SESSION] [SIZE] [SESSIONS,...] [DIR]
# DIR must be on the disk the spool will live on (default target/bench-queue).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
for c in "${JAVA_HOME:-}" /usr/lib/jvm/*25*; do
  if [ -n "$c" ] && [ -x "$c/bin/java" ] && "$c/bin/java" -version 2>&1 | head -1 | grep -Eq 'version "(2[5-9]|[3-9][0-9])'; then
    export JAVA_HOME="$c"; break
  fi
done
cd "$here"
mvn -B -q -o test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test >/dev/null
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Dlogback.configurationFile=bench/logback-quiet.xml \
  -cp "target/classes:target/test-classes:$(cat target/bench.classpath)" \
  org.postern.bench.QueueCommitBench "${4:-target/bench-queue}" "${1:-200}" "${2:-4096}" "${3:-1,20,100}"
