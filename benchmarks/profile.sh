#!/usr/bin/env bash
# Profiles the benchmarks whose goals BENCHMARKS.md reports as not met, with JMH's stack sampler, and
# writes benchmarks/results/profile-*.txt (BENCHMARKS.md links them). Run after benchmarks/run.sh built the jar.
set -euo pipefail
cd "$(dirname "$0")/.."
JAR=benchmarks/target/benchmarks.jar
RESULTS=benchmarks/results
profile() {
  local name=$1 regex=$2
  java -jar "$JAR" "$regex" -f 1 -wi 3 -w 1s -i 3 -r 1s -prof "stack:lines=4;top=15;detailLine=false" -prof gc \
    > "$RESULTS/profile-$name.txt" 2>&1
  echo "wrote $RESULTS/profile-$name.txt"
}
profile memo-hit 'MemoHitBenchmark.picante$'
profile hot-key-2-threads 'HotKeyScalingBenchmark.picante2Threads$'
profile cold-computation 'ColdComputationOverheadBenchmark.picante$'
