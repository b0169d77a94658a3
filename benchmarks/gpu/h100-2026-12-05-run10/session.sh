#!/usr/bin/env bash
# One device call: the 400 HellaSwag items again, the landing before the session (llamita-base) first this time.
set -u
mkdir -p /tmp/llamita-models
m=/tmp/llamita-models/tiny-q4_0.gguf
[ -f $m ] || node .gpu/llamita.mjs make-model --shape tinyllama --dtype q4_0 --seed 1 --vocab .gpu/vocab.gguf --out $m > /dev/null 2>&1
for b in llamita-base llamita; do
  timeout 58 node .gpu/$b.mjs eval --task hellaswag --data .gpu/hellaswag_llamacpp.txt --model $m --backend webgpu --json > $OUT/eval-$b.json 2> $OUT/eval-$b.log
  echo "eval $b exit $?: $(cat $OUT/eval-$b.json)"
done
