#!/usr/bin/env bash
# Where the instructions of one benchmarks/callgrind.sh scenario go, by JIT-compiled method: runs the scenario
# under callgrind twice (N and 3N measured operations after the same warm-up, as callgrind.sh does), with the
# JVM writing a perf map of its compiled code at exit, resolves each run's JIT addresses through its own map,
# and prints (cost in 3N run - cost in N run) / 2N per method, largest first. Each compiled method's figure
# includes what C2 inlined into it. Same counts as callgrind.sh's (its total line is the scenario's count).
#
#   bash benchmarks/callgrind-methods.sh cold-picante [TOP]
#   CLASSES_FIRST=picante-core/target/classes bash benchmarks/callgrind-methods.sh cold-picante
#
# Run after `bash benchmarks/run.sh --build-only`; takes as long as one callgrind.sh scenario.
set -euo pipefail
cd "$(dirname "$0")/.."
SCENARIO=$1
TOP=${2:-25}
JAR=benchmarks/target/benchmarks.jar
OUT=$(mktemp -d)
WARM=100000
N=100000
case $SCENARIO in hit-*) WARM=400000; N=1000000 ;; cutoff-*) WARM=20000; N=20000 ;; esac
run() {
  local n=$1 tag=$2
  valgrind --tool=callgrind --smc-check=all-non-file --callgrind-out-file="$OUT/$tag.out" \
    java -XX:+UseSerialGC -Xbatch -Xms1g -Xmx1g ${JVM_OPTS:-} -XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit \
    -cp "${CLASSES_FIRST:+$CLASSES_FIRST:}$JAR" dev.picante.benchmarks.callgrind.InstructionCounts "$SCENARIO" "$WARM" "$n" \
    > "$OUT/$tag.log" 2>&1
}
run "$N" 1 &
run $((3 * N)) 3 &
wait
pid() { grep -m1 -o '^==[0-9]*==' "$OUT/$1.log" | tr -d =; }
python3 benchmarks/callgrind_methods.py "$OUT/1.out" "/tmp/perf-$(pid 1).map" "$OUT/3.out" "/tmp/perf-$(pid 3).map" "$N" "$TOP"
rm -f "/tmp/perf-$(pid 1).map" "/tmp/perf-$(pid 3).map"
rm -rf "$OUT"
