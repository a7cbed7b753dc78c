#!/usr/bin/env bash
# Where the instructions of JIT-compiled methods go, instruction by instruction: runs one benchmarks/callgrind.sh
# scenario under callgrind with per-instruction counts, has HotSpot print the code of the named methods
# (-XX:CompileCommand=print; without hsdis it prints the code bytes), disassembles each C2 version with objdump
# and prints every instruction with its count per operation, and the bytecode positions HotSpot names for it.
#
#   bash benchmarks/callgrind-instructions.sh cold-picante 'dev.picante.internal.ViewState::compute' \
#       'dev.picante.internal.Marking::applyFresh' > /tmp/profile.txt
#   CLASSES_FIRST=picante-core/target/classes bash benchmarks/callgrind-instructions.sh cold-picante ...
#
# Counts are per operation of the whole run (warm-up included, as the compiled code also ran there), so a
# method's total comes out a few percent under callgrind-methods.sh's figure, which subtracts two runs; use this
# to see which instructions a change removed, and callgrind-methods.sh for the figure. Needs objdump (binutils).
# Run after `bash benchmarks/run.sh --build-only`; takes about a minute.
set -euo pipefail
cd "$(dirname "$0")/.."
SCENARIO=$1
shift
[ $# -gt 0 ] || { echo "name at least one method, e.g. 'dev.picante.internal.ViewState::compute'" >&2; exit 2; }
JAR=benchmarks/target/benchmarks.jar
OUT=$(mktemp -d)
WARM=100000
N=200000
PRINT=()
for m in "$@"; do PRINT+=("-XX:CompileCommand=print,$m"); done
valgrind --tool=callgrind --dump-instr=yes --compress-pos=no --compress-strings=no --smc-check=all-non-file \
  --callgrind-out-file="$OUT/cg.out" \
  java -XX:+UseSerialGC -Xbatch -Xms1g -Xmx1g ${JVM_OPTS:-} -XX:+UnlockDiagnosticVMOptions -XX:CompileCommand=quiet \
  "${PRINT[@]}" -cp "${CLASSES_FIRST:+$CLASSES_FIRST:}$JAR" dev.picante.benchmarks.callgrind.InstructionCounts \
  "$SCENARIO" "$WARM" "$N" > "$OUT/print.txt" 2> "$OUT/valgrind.log"
python3 benchmarks/callgrind_instructions.py "$OUT/print.txt" "$OUT/cg.out" $((WARM + N)) "$@"
[ -n "${KEEP:-}" ] && echo "kept in $OUT" >&2 || rm -rf "$OUT"
