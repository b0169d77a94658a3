#!/usr/bin/env bash
# Builds what the lent GPU machine runs into .gpu/ (ignored): the llamita CLI as
# one ESM bundle (WGSL inlined, `webgpu` left external), node, Dawn and the
# Vulkan loader (../shared/gpu/pack.sh), and gpu-bench.sh. Then, with the
# device tool: carry [".gpu"], command `bash .gpu/enter.sh .gpu bash .gpu/gpu-bench.sh`.
#
#   bash apps/bench/scripts/gpu-pack.sh
set -euo pipefail
cd "$(dirname "$0")/../../.."
mkdir -p .gpu
npx esbuild apps/cli/src/main.ts --bundle --platform=node --format=esm --external:webgpu --loader:.wgsl=text \
  --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" \
  --outfile=.gpu/llamita.mjs --log-level=warning
cp apps/bench/scripts/gpu-bench.sh .gpu/
# the vocabulary the synthetic models take (tokenizer metadata only)
cp ../shared/fixtures/llama-spm-vocab/*.gguf .gpu/vocab.gguf
bash ../shared/gpu/pack.sh .gpu
du -sh .gpu
