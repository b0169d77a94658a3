#!/usr/bin/env bash
# The README's test command, RUNS times in a row on a fresh clone of this repository,
# each run with one busy loop per core in other processes (bounded at 30 minutes; killed
# when the run ends): the tests and the wasm thread pool must pass on a busy machine.
# Run: scripts/loaded-test-runs.sh [CLONE_DIR] (RUNS=5 by default; the clone sits beside
# this repository so that ../shared/fixtures resolves). Prints one line per run.
set -u
repo=$(cd "$(dirname "$0")/.." && pwd)
clone=${1:-$(dirname "$repo")/loaded-clone}
rm -rf "$clone" && git clone -q "$repo" "$clone" && cd "$clone"
pnpm install --frozen-lockfile --reporter=silent >/dev/null 2>&1 || { echo "install failed"; exit 1; }
for run in $(seq "${RUNS:-5}"); do
  loads=()
  for _ in $(seq "$(nproc)"); do
    node -e 'const end = Date.now() + 30 * 60 * 1000; while (Date.now() < end);' &
    loads+=($!)
  done
  start=$(date +%s)
  pnpm test >"/tmp/loaded-run-$run.log" 2>&1
  rc=$?
  kill "${loads[@]}" 2>/dev/null
  wait "${loads[@]}" 2>/dev/null
  echo "run $run: exit $rc in $(($(date +%s) - start)) s; $(grep -E 'Tests ' "/tmp/loaded-run-$run.log" | tail -1 | sed 's/\x1b\[[0-9;]*m//g')"
done
