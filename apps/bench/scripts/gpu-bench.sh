#!/usr/bin/env bash
# Runs on the lent GPU machine, inside enter.sh (node and Dawn on PATH; see
# gpu-pack.sh): makes the synthetic TinyLlama-1.1B-shape models there (seed 1,
# in parallel, one process each), then `llamita bench --backend webgpu` on each
# (prefill 512, decode 128, median of REPEATS), as JSON under $OUT.
#
#   MODELS="q4_0 q4_k_m f16" REPEATS=3 bash .gpu/gpu-bench.sh
# BUNDLES="llamita llamita-base" benches each bundle in .gpu/ in turn, model by
# model (a build of the previous landing beside this one: the baseline in the same run).
# VARIANTS="--webgpu-tile 64x64/4x4;--webgpu-decode 8x32/4;--webgpu-float-dot" benches the
# first bundle once more with each ;-separated set of bench flags (tuning), as
# bench-MODEL-BUNDLE-vN.json (N from 1; variants.txt lists them).
set -euo pipefail
out=${OUT:-/tmp/llamita-gpu-out}
work=/tmp/llamita-models
models=${MODELS:-q4_0 q4_k_m f16}
mkdir -p "$out" "$work"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader > "$out/gpu.txt" 2>&1 || true
declare -A maker
for d in $models; do
  if [ ! -f "$work/tiny-$d.gguf" ]; then
    node .gpu/llamita.mjs make-model --shape tinyllama --dtype "$d" --seed 1 --vocab .gpu/vocab.gguf --out "$work/tiny-$d.gguf.part" > "$out/make-$d.log" 2>&1 \
      && mv "$work/tiny-$d.gguf.part" "$work/tiny-$d.gguf" &
    maker[$d]=$!
  fi
done
for d in $models; do
  [ -z "${maker[$d]:-}" ] || wait "${maker[$d]}"
  for b in ${BUNDLES:-llamita}; do
    start=$(date +%s)
    node ".gpu/$b.mjs" bench --model "$work/tiny-$d.gguf" --backend webgpu --prompt-tokens 512 --gen-tokens 128 --repeats "${REPEATS:-3}" ${PROFILE:+--profile} --json > "$out/bench-$d-$b.json" 2> "$out/bench-$d-$b.log" || echo "bench $d $b failed" >&2
    echo "== $d $b ($(( $(date +%s) - start )) s)"; tail -3 "$out/bench-$d-$b.log"; head -c 400 "$out/bench-$d-$b.json"; echo
  done
  b=${BUNDLES%% *}
  b=${b:-llamita}
  IFS=';' read -r -a variants <<< "${VARIANTS:-}"
  for i in "${!variants[@]}"; do
    name="bench-$d-$b-v$((i + 1))"
    echo "v$((i + 1)) ${variants[$i]}" >> "$out/variants-$d.txt"
    # shellcheck disable=SC2086 # a variant is several flags
    node ".gpu/$b.mjs" bench --model "$work/tiny-$d.gguf" --backend webgpu ${variants[$i]} ${PROFILE:+--profile} --prompt-tokens 512 --gen-tokens 128 --repeats "${REPEATS:-3}" --json > "$out/$name.json" 2> "$out/$name.log" || echo "bench $d $b ${variants[$i]} failed" >&2
    echo "== $d $b ${variants[$i]}: $(grep -o '"prefill_tok_s":[0-9.]*,"decode_tok_s":[0-9.]*' "$out/$name.json")"
  done
done
