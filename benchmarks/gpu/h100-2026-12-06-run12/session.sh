#!/usr/bin/env bash
# Run 12: per-kernel latency per decode shape (this build); HellaSwag 400 items, pipelined eval (llamita = HEAD) vs 4885b93 (llamita-base);
# Q4_0 decode, both bundles, then candidate decode shapes as variants. Tarred after each phase (one file back even if cut short).
set -u
mkdir -p /tmp/llamita-models "$OUT/k" "$OUT/b"
pack() { tar -C "$OUT" -cf "$OUT/runs.tar.part" k b && mv "$OUT/runs.tar.part" "$OUT/runs.tar"; }
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$OUT/k/gpu.txt"
( node .gpu/llamita.mjs make-model --shape tinyllama --dtype q4_0 --seed 1 --vocab .gpu/vocab.gguf --out /tmp/llamita-models/tiny-q4_0.gguf.part > "$OUT/k/make.log" 2>&1 && mv /tmp/llamita-models/tiny-q4_0.gguf.part /tmp/llamita-models/tiny-q4_0.gguf ) &
maker=$!
timeout 150 node .gpu/kernel-latency.mjs --shapes default,16x8/4,32x8/4,16x4/4,32x4/4,64x4/4,8x32/4,32x8/2 --out "$OUT/k/latency.json" > "$OUT/k/latency.log" 2>&1
tail -40 "$OUT/k/latency.log"; pack
wait $maker
for b in llamita llamita-base; do
  start=$(date +%s%N)
  timeout 150 node ".gpu/$b.mjs" eval --task hellaswag --data .gpu/hellaswag_llamacpp.txt --model /tmp/llamita-models/tiny-q4_0.gguf --backend webgpu --json > "$OUT/k/eval-$b.json" 2> "$OUT/k/eval-$b.log"
  echo "eval $b: rc=$? $(( ($(date +%s%N) - start) / 1000000 )) ms" | tee -a "$OUT/k/eval-times.txt"
  pack
done
OUT=$OUT/b BUNDLES="llamita llamita-base" REPEATS=3 MODELS=q4_0 VARIANTS="--webgpu-decode 16x8/4;--webgpu-decode 32x8/4;--webgpu-decode 16x4/4" bash .gpu/gpu-bench.sh 2>&1 | grep -o '== q4_0.*\|"decode_tok_s":[0-9.]*\|"prefill_tok_s":[0-9.]*'
pack
