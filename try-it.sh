#!/usr/bin/env bash
# Try nifi-routing on NiFi's canvas with one command (docs/getting-started.md):
#   ./try-it.sh         builds the NAR, lays out Apache NiFi 2.3.0 from Maven Central exactly as the system test does,
#                       starts it on 127.0.0.1 with both flow definitions of templates/ imported, configured on a sample
#                       data folder (sites, competitors, the Andorra extract) and running; prints the URL and the folders.
#   ./try-it.sh stop    stops that NiFi.
# Everything lives under target/try-it (NiFi's state and logs in nifi-home/, the data folder in data/); each start
# begins with an empty canvas and a fresh data folder.
set -euo pipefail
cd "$(dirname "$0")"
ROOT="$PWD"
BASE="$ROOT/target/try-it"
MODULE=system-tests/nifi-routing-system-tests
PID_FILE="$BASE/nifi-home/run/nifi.pid"

running_pid() {
  [ -f "$PID_FILE" ] || return 1
  local pid; pid="$(cat "$PID_FILE")"
  # Only a NiFi started from this tryout's home counts (the pid may have been reused since).
  if [ -d "/proc/$pid" ] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q 'org.apache.nifi.NiFi' \
      && [ "$(readlink -f "/proc/$pid/cwd")" = "$(readlink -f "$BASE/nifi-home")" ]; then
    echo "$pid"; return 0
  fi
  return 1
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then echo "No try-it NiFi is running."; rm -f "$PID_FILE"; return 0; fi
  echo "Stopping NiFi (pid $pid) ..."
  kill -TERM "$pid"
  for _ in $(seq 1 30); do [ -d "/proc/$pid" ] || break; sleep 1; done
  if [ -d "/proc/$pid" ]; then echo "NiFi did not stop within 30 s: killing it"; kill -KILL "$pid"; fi
  rm -f "$PID_FILE"
  echo "Stopped."
}

case "${1:-start}" in
  stop) stop; exit 0 ;;
  start) ;;
  *) echo "usage: $0 [start|stop]" >&2; exit 2 ;;
esac

if pid="$(running_pid)"; then
  echo "A try-it NiFi is already running (pid $pid); ./try-it.sh stop first." >&2
  exit 1
fi

java_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}' | cut -d. -f1; }
pick_jdk() {
  local candidate
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-21-jdk-amd64 /usr/lib/jvm/*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] || continue
    if [ "$(java_major "$candidate")" -ge 21 ] 2>/dev/null; then echo "$candidate"; return 0; fi
  done
  return 1
}
JAVA_HOME="$(pick_jdk)" || { echo "no JDK 21+ found (set JAVA_HOME)" >&2; exit 1; }
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"

started=$(date +%s)
echo "Building the NAR and laying out NiFi 2.3.0 (tests not run; the first time downloads NiFi's jars into ~/.m2) ..."
# pre-integration-test: package the NARs, copy NiFi's runtime and our NAR into $MODULE/target/nifi-home, write the class path.
./mvnw -B -q -pl "$MODULE" -am -Dmaven.test.skip.exec=true pre-integration-test
echo "Built in $(( $(date +%s) - started )) s."

java --enable-native-access=ALL-UNNAMED \
  -cp "$MODULE/target/test-classes:$(cat "$MODULE/target/try-it-classpath.txt")" \
  -Dnifi.home="$ROOT/$MODULE/target/nifi-home" -Dtry-it.dir="$BASE" \
  -Dosm.dir="$ROOT/nifi-routing-processors/src/test/resources/osm" -Dtemplates.dir="$ROOT/templates" \
  io.github.nifirouting.systemtest.TryIt
echo "(./try-it.sh took $(( $(date +%s) - started )) s in all.)"
