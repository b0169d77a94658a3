// Cost of masking a 32,000-token vocabulary with a JSON-schema constraint, per
// generated token, at several points of a document. Run:
// pnpm build && pnpm --filter @llamita/bench json-mask
import { readGguf, spmVocabFromGguf } from '@llamita/model';
import { fileSource } from '@llamita/model/node';
import { JsonConstraint } from '@llamita/sampling';
import { SpmTokenizer } from '@llamita/tokenizer';
import { JsonTokenMask } from 'llamita';

const fixtures = process.env.LLAMITA_FIXTURES ?? new URL('../../../../shared/fixtures', import.meta.url).pathname;
const file = await readGguf(await fileSource(`${fixtures}/llama-spm-vocab/ggml-vocab-llama-spm.gguf`));
const tokenizer = new SpmTokenizer(spmVocabFromGguf(file));
let start = performance.now();
const mask = new JsonTokenMask(tokenizer);
const buildMs = performance.now() - start;
const schema = { type: 'object', properties: { name: { type: 'string' }, age: { type: 'integer' }, tags: { type: 'array', items: { type: 'string' } } }, required: ['name', 'age'] };
const prefixes = ['', '{', '{"name": "Al', '{"name": "Al", "age": 4', '{"name": "Al", "age": 42, "tags": ['];
const results = prefixes.map((prefix) => {
  const c = JsonConstraint.fromSchema(schema).advance(prefix)!;
  const logits = new Float32Array(tokenizer.size);
  const times: number[] = [];
  for (let r = 0; r < 7; r++) {
    start = performance.now();
    mask.apply(logits.fill(0), c);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { after: prefix, allowed_tokens: logits.filter((l) => l === 0).length, ms_median: +times[3]!.toFixed(2) };
});
console.log(JSON.stringify({ vocab: tokenizer.size, trie_build_ms: Math.round(buildMs), results }, null, 2));
