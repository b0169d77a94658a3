// Cost of llamita's default sampler chain per token on a 32,000-entry
// vocabulary. Run: pnpm build && pnpm --filter @llamita/bench sampling
import { Prng, SamplerChain } from '@llamita/sampling';

const VOCAB = 32_000;
const rng = new Prng(1);
const rows = Array.from({ length: 64 }, () => Float32Array.from({ length: VOCAB }, () => rng.normal() * 3));
const configs: Record<string, ConstructorParameters<typeof SamplerChain>[0]> = {
  'default (penalties off, top-k 40, top-p 0.95, min-p 0.05, temp 0.8)': {},
  'default + repeat penalty 1.1 over 64': { repeatPenalty: 1.1 },
  'no top-k (top-p 0.95 over the full vocabulary)': { topK: 0 },
  'greedy (temperature 0)': { temperature: 0 },
};
const results = Object.entries(configs).map(([name, options]) => {
  const chain = new SamplerChain({ ...options, seed: 1 });
  for (let i = 0; i < 64; i++) chain.accept(i * 7);
  for (const r of rows) chain.sample(r); // warm up
  const times: number[] = [];
  for (let round = 0; round < 9; round++) {
    const start = performance.now();
    for (const r of rows) chain.accept(chain.sample(r));
    times.push((performance.now() - start) / rows.length);
  }
  times.sort((a, b) => a - b);
  return { chain: name, ms_per_token_median: +times[4]!.toFixed(4), min: +times[0]!.toFixed(4), max: +times[8]!.toFixed(4) };
});
console.log(JSON.stringify({ vocab: VOCAB, results }, null, 2));
