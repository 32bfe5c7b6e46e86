# Shared by the bench scripts (sourced, not run): the JDK and the test class path.

# Sets JAVA_HOME to the first Java 25+ JDK of $JAVA_HOME, /usr/lib/jvm/*25*; exits 127 without one.
bench_find_jdk() {
  local c
  for c in "${JAVA_HOME:-}" /usr/lib/jvm/*25*; do
    if [ -n "$c" ] && [ -x "$c/bin/java" ] && "$c/bin/java" -version 2>&1 | head -1 | grep -Eq 'version "(2[5-9]|[3-9][0-9])'; then
      export JAVA_HOME="$c"; return 0
    fi
  done
  echo "bench: needs a Java 25 JDK (JAVA_HOME or /usr/lib/jvm/*25*)" >&2
  exit 127
}

# Runs a bench main class from the test sources: bench_run_java LOGBACK_XML CLASS ARGS...
# (compiles first; run from the repository root)
bench_run_java() {
  local logback="$1"; shift
  mvn -B -q -o test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test >/dev/null
  exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Dlogback.configurationFile="$logback" \
    -cp "target/classes:target/test-classes:$(cat target/bench.classpath)" "$@"
}
