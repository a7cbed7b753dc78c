#!/usr/bin/env bash
# Builds the JMH benchmarks, runs them and regenerates BENCHMARKS.md from the JSON results.
#
#   bash benchmarks/run.sh            quick mode (under 10 minutes on 2 cores: 7 min 36 s with the Spring and store
#                                     benchmarks on a busy machine, before DocsSiteBenchmark, the demo on 2,000 pages, which
#                                     adds about a minute), rewrites BENCHMARKS.md; single-shot benchmarks
#                                     (the store's save and load) take 2 warmup + 4 measured shots
#   bash benchmarks/run.sh --full     each benchmark class's own settings (2 forks, longer), rewrites BENCHMARKS.md
#   bash benchmarks/run.sh REGEX...   only the matching benchmarks, quick settings; results go to
#                                     benchmarks/results/partial.json and BENCHMARKS.md is left alone
#   bash benchmarks/run.sh --store    only the durable store's benchmark (JdbcStoreBenchmark), quick settings; its
#                                     rows in BENCHMARKS.md are replaced by these (results/store.json), marked as
#                                     a separate run, until the next quick or full run
#   bash benchmarks/run.sh --build-only
#
# Then `bash benchmarks/profile.sh` profiles the goals not met; the next report embeds its output.
#
# Extra JMH options can be passed in JMH_OPTS, e.g. JMH_OPTS="-prof stack".
set -euo pipefail
cd "$(dirname "$0")/.."

mvn -B -q -Pbenchmarks -pl benchmarks -am package -DskipTests
JAR=benchmarks/target/benchmarks.jar
RESULTS=benchmarks/results
mkdir -p "$RESULTS"

QUICK=(-f 1 -wi 2 -w 1s -i 4 -r 1s)
mode=quick
settings=("${QUICK[@]}")
filters=()
case "${1:-}" in
  --build-only) exit 0 ;;
  --full) mode=full; settings=(); shift ;;
  --store) mode=store; filters=(JdbcStoreBenchmark); shift ;;
esac
if [ $# -gt 0 ]; then
  filters=("$@")
  mode=partial
fi

out="$RESULTS/$mode.json"
load_before=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)
# -prof gc adds the allocation per operation to every result; -foe false: a benchmark whose invariant
# check fails is reported and left out of the results, and the others still run.
# shellcheck disable=SC2086
java -jar "$JAR" "${settings[@]}" -prof gc -foe false -rf json -rff "$out" ${JMH_OPTS:-} "${filters[@]}" \
  | tee "$RESULTS/$mode.log"

load_after=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)

if [ "$mode" = store ]; then
  # Rows 8 of BENCHMARKS.md come from this run (the report reads store.json and store.load beside quick.json)
  # until the next quick or full run, which measures the store too and removes them.
  echo "$load_before at the start, $load_after at the end" > "$RESULTS/store.load"
  [ -f "$RESULTS/quick.json" ] && java -cp "$JAR" dev.picante.benchmarks.report.BenchmarksReport \
    "$RESULTS/quick.json" BENCHMARKS.md quick "bash benchmarks/run.sh" "$(cat "$RESULTS/quick.load" 2>/dev/null || true)"
elif [ "$mode" != partial ]; then
  rm -f "$RESULTS/store.json" "$RESULTS/store.load"
  echo "$load_before at the start, $load_after at the end" > "$RESULTS/$mode.load"
  command="bash benchmarks/run.sh"
  [ "$mode" = full ] && command="bash benchmarks/run.sh --full"
  java -cp "$JAR" dev.picante.benchmarks.report.BenchmarksReport "$out" BENCHMARKS.md "$mode" "$command" \
    "$load_before at the start, $load_after at the end"
fi
