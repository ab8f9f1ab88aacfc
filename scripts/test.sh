#!/usr/bin/env bash
# The whole test suite: setup, type check, unit tests, then the namespace integration tests (root only).
# Ends with one plain line "N passed, N failed, N skipped" summed over both jest runs.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
npx tsc -p tsconfig.json --noEmit || { echo "type check failed"; exit 1; }

out=$(mktemp -d)
status=0
npx jest --selectProjects unit --json --outputFile="$out/unit.json" || status=1
# A short coverage-guided fuzz run per target (docs/fuzzing.md; BGPFO_FUZZ_SECONDS=0 skips): a finding fails the suite.
for target in bgp-decode framer bfd-decode config-load topology-load; do
  [ "${BGPFO_FUZZ_SECONDS:-45}" = 0 ] && break
  bash fuzz/run.sh "$target" "${BGPFO_FUZZ_SECONDS:-45}" || status=1
done
if [ "$(id -u)" = 0 ]; then
  bash scripts/setup-docker.sh || status=1 # Docker for the containerlab tests (test/integration/containerlab-*)
  npx jest --selectProjects integration --runInBand --json --outputFile="$out/integration.json" || status=1
else
  echo "integration tests skipped: they need root (network namespaces, FRR, BIRD)"
fi
node -e '
  const fs = require("fs"); let p = 0, f = 0, s = 0;
  for (const file of process.argv.slice(1)) {
    if (!fs.existsSync(file)) continue;
    const r = JSON.parse(fs.readFileSync(file, "utf8"));
    p += r.numPassedTests; f += r.numFailedTests + (r.numRuntimeErrorTestSuites || 0); s += r.numPendingTests + r.numTodoTests;
  }
  console.log(`tests: ${p} passed, ${f} failed, ${s} skipped`);
' "$out/unit.json" "$out/integration.json"
rm -rf "$out"
exit $status
