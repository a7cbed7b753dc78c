#!/usr/bin/env bash
# Instructions per operation of scenarios 1 (memo hit) and 7 (cold computation) and their peers, counted by
# valgrind's callgrind: the same on an idle or a loaded machine (unlike JMH's times). Each scenario runs twice,
# with N and 3N measured operations after the same warm-up; (total(3N) - total(N)) / 2N is the count per
# operation, JIT-compiled code and garbage collection included. Run after `bash benchmarks/run.sh --build-only`.
#
#   bash benchmarks/callgrind.sh [JAR]     prints one line per scenario; about 3 minutes on 2 cores
#   SCENARIOS="hit-picante hit-caffeine" bash benchmarks/callgrind.sh [JAR]     only those scenarios
#   SCENARIOS="cutoff-1 cutoff-10000": scenario 4a/4b (an edit cut off early under 1 or 10,000 dependents);
#   CUTOFF_COUNTS="warm n" sets their operation counts (default 20000 20000)
#   JVM_OPTS=... adds JVM options; CLASSES_FIRST=picante-core/target/classes puts classes before the jar
#   (try an engine change after `mvn -o -q compile -pl picante-core`, without rebuilding the jar)
set -euo pipefail
cd "$(dirname "$0")/.."
JAR=${1:-benchmarks/target/benchmarks.jar}
OUT=$(mktemp -d)
JVM=(-XX:+UseSerialGC -Xbatch -Xms1g -Xmx1g ${JVM_OPTS:-})
count() {
  valgrind --tool=callgrind --smc-check=all-non-file --callgrind-out-file=/dev/null \
    java "${JVM[@]}" -cp "${CLASSES_FIRST:+$CLASSES_FIRST:}$JAR" dev.picante.benchmarks.callgrind.InstructionCounts "$@" 2>&1 \
    | sed -n 's/.*I *refs: *//p' | tr -d ,
}
measure() {
  local scenario=$1 warm=$2 n=$3
  count "$scenario" "$warm" "$n" > "$OUT/$scenario.1" &
  count "$scenario" "$warm" $((3 * n)) > "$OUT/$scenario.3" &
  wait
  echo "$scenario: $(( ($(cat "$OUT/$scenario.3") - $(cat "$OUT/$scenario.1")) / (2 * n) )) instructions/op"
}
for scenario in ${SCENARIOS:-hit-picante hit-caffeine hit-chm cold-picante cold-caffeine cold-plain}; do
  case $scenario in
    hit-*) measure "$scenario" 400000 1000000 ;;
    cutoff-*) measure "$scenario" ${CUTOFF_COUNTS:-20000 20000} ;;
    *) measure "$scenario" 100000 100000 ;;
  esac
done
rm -rf "$OUT"
