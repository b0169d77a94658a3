#!/usr/bin/env bash
# Q4_0 decode: this build (llamita) beside 81ab0b8 (llamita-base), three alternations of 5 repeats; then profiles. One tar.
set -u
for i in 1 2 3; do
  OUT=$OUT/r$i-a BUNDLES="llamita llamita-base" REPEATS=5 MODELS=q4_0 bash .gpu/gpu-bench.sh 2>&1 | grep -o '== q4_0 [a-z-]*\|"decode_tok_s":[0-9.]*'
  OUT=$OUT/r$i-b BUNDLES="llamita-base llamita" REPEATS=5 MODELS=q4_0 bash .gpu/gpu-bench.sh 2>&1 | grep -o '== q4_0 [a-z-]*\|"decode_tok_s":[0-9.]*'
done
for b in llamita llamita-base; do
  OUT=$OUT/p-$b PROFILE=1 REPEATS=1 MODELS=q4_0 BUNDLES=$b bash .gpu/gpu-bench.sh > /dev/null 2>&1
done
tar -C $OUT -cf $OUT/runs.tar $(cd $OUT && ls -d r* p-*) && (cd $OUT && rm -rf r[0-9]-* p-*)
