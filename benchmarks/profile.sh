#!/usr/bin/env bash
# Profiles the benchmarks whose goals BENCHMARKS.md reports as not met, with JMH's stack sampler, and
# writes benchmarks/results/profile-*.txt (BENCHMARKS.md links them). Run after benchmarks/run.sh built the jar.
#
#   bash benchmarks/profile.sh          every profile
#   bash benchmarks/profile.sh store    only the durable store's (JdbcStoreBenchmark: save and append, H2 and PostgreSQL)
#   bash benchmarks/profile.sh NAME...  only the named profiles (e.g. docs-site-edited-page)
set -euo pipefail
cd "$(dirname "$0")/.."
JAR=benchmarks/target/benchmarks.jar
RESULTS=benchmarks/results
ONLY=" $* "
profile() {
  local name=$1 regex=$2
  shift 2
  if [ "$ONLY" != "  " ] && [ "$ONLY" != " store " ] && [[ "$ONLY" != *" $name "* ]]; then
    return 0
  fi
  java -jar "$JAR" "$regex" -f 1 -wi 3 -w 1s -i 3 -r 1s -prof "stack:${STACK:-lines=4;top=15;detailLine=false}" -prof gc "$@" \
    > "$RESULTS/profile-$name.txt" 2>&1
  echo "wrote $RESULTS/profile-$name.txt"
}
if [ "${1:-}" != store ]; then
  profile memo-hit 'MemoHitBenchmark.picante$'
  profile hot-key-2-threads 'HotKeyScalingBenchmark.picante2Threads$'
  profile cold-computation 'ColdComputationOverheadBenchmark.picante$'
  profile early-cutoff-fan-out 'EarlyCutoffFanOutBenchmark.changeAndRecompute$' -p fanOut=10000
  profile docs-site-edited-page 'DocsSiteBenchmark.serveEditedPage$'
  profile mvc-request-snapshots 'RequestSnapshotBenchmark'
fi
# The store's save is a single shot (3 warmup + 3 measured saves); deeper stacks to see past the JDBC layers.
export STACK="lines=8;top=12;detailLine=false"
profile store-save-h2 'JdbcStoreBenchmark.save$' -p vendor=H2
profile store-save-postgresql 'JdbcStoreBenchmark.save$' -p vendor=POSTGRESQL
profile store-append-h2 'JdbcStoreBenchmark.appendOneChange$' -p vendor=H2
profile store-append-postgresql 'JdbcStoreBenchmark.appendOneChange$' -p vendor=POSTGRESQL
