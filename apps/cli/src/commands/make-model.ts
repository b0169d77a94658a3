import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { readGguf } from '@llamita/model';
import { SYNTHETIC_ARCHS, SYNTHETIC_SHAPES, synthesizeLlama, type SyntheticArch, type SyntheticDType, type SyntheticShapeName } from '@llamita/model/synthetic';
import { UsageError } from '../cli-error.js';
import { intFlag, joinNegativeValues } from '../options.js';
import { progressBar } from '../progress.js';
import { openModel } from '../source.js';

export const makeModelHelp = `llamita make-model --shape tinyllama|small|micro|kquant --dtype f32|f16|bf16|q8_0|q4_0|q6_k|q4_k_m|q5_k_m --seed N --vocab FILE --out OUT.gguf [--arch llama|llama3|smollm2|qwen2|qwen3|phi3]

Writes a Llama-family GGUF with seeded random weights and the vocabulary of
FILE (a GGUF, vocabulary-only files too). Same arguments, same bytes.
--arch: llama (Llama 2, the default); llama3 (RoPE frequency factors of
Llama 3.1's scaling, base 500000, tied head, as Llama 3.2 1B); smollm2 (llama with the output head
tied to the embedding table, as SmolLM2 and Llama 3.2 1B); qwen2 (biases on
q, k and v, NeoX RoPE, tied head, as Qwen2.5 0.5B); qwen3 (per-head
q/k norms, NeoX RoPE, heads twice dim / heads wide, tied head); phi3 (fused
attn_qkv and gate-up ffn_up tensors, NeoX RoPE).`;

const DTYPES: readonly SyntheticDType[] = ['f32', 'f16', 'bf16', 'q8_0', 'q4_0', 'q6_k', 'q4_k_m', 'q5_k_m'];

/** `llamita make-model`. */
export async function makeModel(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: joinNegativeValues(argv),
    options: {
      arch: { type: 'string', default: 'llama' },
      shape: { type: 'string', default: 'micro' },
      dtype: { type: 'string', default: 'f32' },
      seed: { type: 'string' },
      vocab: { type: 'string' },
      out: { type: 'string' },
    },
  });
  const shapeName = values.shape as SyntheticShapeName;
  if (!(shapeName in SYNTHETIC_SHAPES)) throw new UsageError(`--shape must be one of ${Object.keys(SYNTHETIC_SHAPES).join(', ')}`);
  const arch = values.arch as SyntheticArch;
  if (!Object.hasOwn(SYNTHETIC_ARCHS, arch)) throw new UsageError(`--arch must be one of ${Object.keys(SYNTHETIC_ARCHS).join(', ')}`);
  const dtype = values.dtype as SyntheticDType;
  if (!DTYPES.includes(dtype)) throw new UsageError(`--dtype must be one of ${DTYPES.join(', ')}`);
  if (!values.out) throw new UsageError('--out is required');
  if (!values.vocab) throw new UsageError('--vocab is required (a GGUF holding tokenizer.ggml.* metadata)');
  const source = await openModel(values.vocab);
  const vocab = await readGguf(source);
  await source.close();

  const model = synthesizeLlama({ arch, shape: SYNTHETIC_SHAPES[shapeName], dtype, seed: intFlag('seed', values.seed, 0, 0, 2 ** 32 - 1), vocab });
  const out = createWriteStream(values.out);
  const progress = progressBar(`writing ${values.out}`);
  let written = 0;
  const write = async (bytes: Uint8Array) => {
    if (!out.write(bytes)) await once(out, 'drain');
    written += bytes.length;
    progress({ loaded: written, total: model.totalBytes, stage: written === model.totalBytes ? 'done' : 'writing' });
  };
  await write(model.header);
  for (const chunk of model.chunks()) await write(chunk.bytes);
  out.end();
  await once(out, 'finish');
  process.stderr.write(`wrote ${values.out}: ${written} bytes\n`);
}
