#!/usr/bin/env bash
# A/B of the wasm backend between two builds of llamita, alternating on one machine:
# for each round, model and thread count, `llamita bench` of BEFORE then of AFTER.
# BEFORE and AFTER are checkouts with `pnpm build` done (e.g. a git worktree of an
# earlier commit, and this one). Rows go to OUT as JSON lines.
# Run: apps/bench/scripts/ab-wasm.sh BEFORE_DIR AFTER_DIR OUT.jsonl MODEL.gguf [MODEL.gguf…]
# (ROUNDS=3 THREADS="2 1" PROMPT=128 GEN=64 REPEATS=2 by default)
set -euo pipefail
before=$1 after=$2 out=$3
shift 3
for round in $(seq "${ROUNDS:-3}"); do
  for model in "$@"; do
    for threads in ${THREADS:-2 1}; do
      for side in before after; do
        dir=$before
        [ "$side" = after ] && dir=$after
        result=$(node "$dir/apps/cli/dist/main.js" bench --model "$model" --backend wasm --threads "$threads" --prompt-tokens "${PROMPT:-128}" --gen-tokens "${GEN:-64}" --repeats "${REPEATS:-2}" --json 2>/dev/null)
        echo "{\"side\":\"$side\",\"round\":$round,\"model\":\"$(basename "$model")\",\"threads\":$threads,\"result\":$result}" >>"$out"
      done
    done
  done
done
