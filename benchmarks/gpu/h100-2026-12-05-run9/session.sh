#!/usr/bin/env bash
# One device call: the fixtures' 400 HellaSwag items on the GPU, this build against llamita-base (16abb92),
# then a CPU profile of this build's host side on 150 items.
set -u
final=$OUT
mkdir -p /tmp/run-e /tmp/llamita-models
m=/tmp/llamita-models/tiny-q4_0.gguf
[ -f $m ] || node .gpu/llamita.mjs make-model --shape tinyllama --dtype q4_0 --seed 1 --vocab .gpu/vocab.gguf --out $m > /tmp/run-e/make.log 2>&1
for b in llamita llamita-base; do
  timeout 100 node .gpu/$b.mjs eval --task hellaswag --data .gpu/hellaswag_llamacpp.txt --model $m --backend webgpu --json > /tmp/run-e/eval-$b.json 2> /tmp/run-e/eval-$b.log
  echo "eval $b exit $?: $(cat /tmp/run-e/eval-$b.json)"
done
cd /tmp/run-e
timeout 60 node --cpu-prof --cpu-prof-dir=/tmp/run-e "$OLDPWD/.gpu/llamita.mjs" eval --task hellaswag --data "$OLDPWD/.gpu/hellaswag_llamacpp.txt" --limit 150 --model $m --backend webgpu --json > eval-150.json 2> eval-150.log
echo "profiled: $(cat eval-150.json)"
cd "$OLDPWD"
tar czf $final/results.tgz -C /tmp run-e
