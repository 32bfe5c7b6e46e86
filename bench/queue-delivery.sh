#!/usr/bin/env bash
# Queue + local delivery into Maildir (no SMTP): messages/s from first commit to empty queue,
# with group commit on and off. Usage: bench/queue-delivery.sh [MESSAGES] [SIZE] [SESSIONS] [MAILBOXES] [DIR]
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
  org.postern.bench.QueueDeliveryBench "${5:-target/bench-delivery}" "${1:-2000}" "${2:-4096}" "${3:-20}" "${4:-20}" "${6:-single,group,single,group}"
