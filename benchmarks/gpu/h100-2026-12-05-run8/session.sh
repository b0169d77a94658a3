#!/usr/bin/env bash
# One device call: generation with llamita run's default sampling (temperature 0.8, top-k 40,
# top-p 0.95, min-p 0.05: the GPU's sample op) and greedy, this build against llamita-base.
set -u
final=$OUT
mkdir -p /tmp/run-s /tmp/llamita-models
m=/tmp/llamita-models/tiny-q4_0.gguf
[ -f $m ] || node .gpu/llamita.mjs make-model --shape tinyllama --dtype q4_0 --seed 1 --vocab .gpu/vocab.gguf --out $m > /tmp/run-s/make.log 2>&1
for rep in 1 2 3 4 5 6; do
  order="llamita llamita-base"; [ $((rep % 2)) = 0 ] && order="llamita-base llamita"
  for b in $order; do
    for t in 0.8 0; do
      timeout 60 node .gpu/$b.mjs run --model $m --backend webgpu --prompt "Once upon a time" --max-tokens 512 --ctx 1024 --temperature $t --seed 1 > /tmp/run-s/out-$b-t$t-$rep.txt 2> /tmp/run-s/stats-$b-t$t-$rep.txt
      echo "$rep $b temperature $t: $(tail -2 /tmp/run-s/stats-$b-t$t-$rep.txt | tr '\n' ' ')"
    done
  done
done
tar czf $final/results.tgz -C /tmp run-s
