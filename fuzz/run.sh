#!/usr/bin/env bash
# Runs one fuzz target for SECONDS (default 60) at the lowest CPU priority, seeded from the repository's fixtures;
# the corpus it grows is kept in fuzz/out/corpus/TARGET for the next run. Exit status 0: no finding.
#   bash fuzz/run.sh TARGET [SECONDS]      TARGET: bgp-decode framer bfd-decode config-load topology-load
# A finding is written to fuzz/out/findings/TARGET/crash-SHA1 (+ .txt with the error): make it a fixture
# (docs/fuzzing.md), fix the code, and rerun with the file as the only input to check: bash fuzz/run.sh TARGET FILE
set -euo pipefail
cd "$(dirname "$0")"
TARGET=${1:?usage: fuzz/run.sh TARGET [SECONDS|FILE]}
ARG=${2:-60}
[ -f "targets/$TARGET.js" ] || { echo "no fuzz target $TARGET (see fuzz/targets/)" >&2; exit 2; }
[ -f node_modules/@jazzer.js/fuzzer/build/Release/jazzerjs.node ] || bash setup.sh
[ -d ../dist ] || (cd .. && npm run -s build)
declare -A MAX_LEN=([bgp-decode]=4200 [framer]=20000 [bfd-decode]=300 [config-load]=16384 [topology-load]=16384)
if [ -f "$ARG" ]; then
  # Reproduce one input (a finding), without fuzzing.
  exec npx jazzer "targets/$TARGET.js" --sync -- "$ARG"
fi
SEEDS=out/seeds/$TARGET
CORPUS=out/corpus/$TARGET
rm -rf "$SEEDS"
mkdir -p "$CORPUS"
node seed.js "$TARGET" "$SEEDS"
LOG=out/$TARGET.log
set +e
# --timeout 30 s: one input takes milliseconds, but at nice 19 on a loaded machine a wall-clock 5 s (the default) fired
# on a config the loader parses in 26 ms. A real hang still stops the run.
nice -n 19 npx jazzer "targets/$TARGET.js" "$CORPUS" "$SEEDS" --sync --timeout=30000 -- \
  -max_total_time="$ARG" -max_len="${MAX_LEN[$TARGET]}" -rss_limit_mb=2048 -artifact_prefix=out/ -print_final_stats=1 >"$LOG" 2>&1
rc=$?
set -e
runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$LOG" | grep -oE '[0-9]+$' || echo '?')
cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$LOG" | tail -1 || true)
echo "fuzz $TARGET: ${ARG}s, $runs executions, $cov, corpus $(ls "$CORPUS" | wc -l) inputs, exit $rc (log fuzz/$LOG)"
if [ $rc -ne 0 ]; then tail -30 "$LOG" >&2; fi
exit $rc
