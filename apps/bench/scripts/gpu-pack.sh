#!/usr/bin/env bash
# Builds what the lent GPU machine runs into .gpu/ (ignored): the llamita CLI as
# one ESM bundle (WGSL inlined, `webgpu` left external), node, Dawn and the
# Vulkan loader (../shared/gpu/pack.sh), and gpu-bench.sh. Then, with the
# device tool: carry [".gpu"], command `bash .gpu/enter.sh .gpu bash .gpu/gpu-bench.sh`.
# With BASE=REV, a second bundle .gpu/llamita-base.mjs is built from the
# packages and the CLI as they were at REV (their dist rebuilt, then this tree's again),
# for `BUNDLES="llamita llamita-base"`.
#
#   [BASE=HEAD~1] bash apps/bench/scripts/gpu-pack.sh
set -euo pipefail
cd "$(dirname "$0")/../../.."
mkdir -p .gpu
bundle() {
  npx esbuild apps/cli/src/main.ts --bundle --platform=node --format=esm --external:webgpu --loader:.wgsl=text \
    --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" \
    --outfile="$1" --log-level=warning
}
if [ -n "${BASE:-}" ]; then
  # the CLI's source goes back with the packages: it may use what BASE's packages lack
  git diff --quiet HEAD -- packages apps/cli || { echo "packages/ or apps/cli/ has uncommitted changes: commit them first" >&2; exit 1; }
  trap 'git checkout HEAD -- packages apps/cli' EXIT
  git checkout "$BASE" -- packages apps/cli
  pnpm --filter "@llamita/cli..." build > /dev/null
  bundle .gpu/llamita-base.mjs
  git checkout HEAD -- packages apps/cli
  trap - EXIT
  pnpm --filter "@llamita/cli..." build > /dev/null
fi
bundle .gpu/llamita.mjs
# the per-kernel latency benchmark (apps/bench/src/webgpu-kernel-latency.ts)
npx esbuild apps/bench/src/webgpu-kernel-latency.ts --bundle --platform=node --format=esm --external:webgpu --loader:.wgsl=text \
  --outfile=.gpu/kernel-latency.mjs --log-level=warning
cp apps/bench/scripts/gpu-bench.sh .gpu/
# the vocabulary the synthetic models take (tokenizer metadata only)
cp ../shared/fixtures/llama-spm-vocab/*.gguf .gpu/vocab.gguf
bash ../shared/gpu/pack.sh .gpu
du -sh .gpu
