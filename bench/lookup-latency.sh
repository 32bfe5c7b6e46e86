#!/usr/bin/env bash
# Directory lookup latency: resolve() with and without the lookup cache, on SQLite and on real
# MariaDB and PostgreSQL servers started from the Debian binaries (as the tests do; run as root).
# Usage: bench/lookup-latency.sh [LOOKUPS] [sqlite,mariadb,postgresql]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
for c in "${JAVA_HOME:-}" /usr/lib/jvm/*25*; do
  if [ -n "$c" ] && [ -x "$c/bin/java" ] && "$c/bin/java" -version 2>&1 | head -1 | grep -Eq 'version "(2[5-9]|[3-9][0-9])'; then
    export JAVA_HOME="$c"; break
  fi
done
cd "$here"
mvn -B -q -o test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test >/dev/null
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Dlogback.configurationFile=src/test/resources/logback-test.xml \
  -cp "target/classes:target/test-classes:$(cat target/bench.classpath)" \
  org.postern.bench.LookupLatency "${1:-20000}" "${2:-sqlite,mariadb,postgresql}"
