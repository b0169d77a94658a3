/** One tokenizer in a race: its name and how it encodes a paragraph (no BOS). */
export type Contender = readonly [name: string, encode: (text: string) => number[]];

/** A contender's result: throughput (median of the rounds) and how many paragraphs' ids differ from the first contender's. */
export interface RaceResult {
  readonly tokenizer: string;
  readonly mb_per_s: number;
  readonly median_ms: number;
  readonly min_ms: number;
  readonly max_ms: number;
  readonly paragraphs_differing_from_first: number;
}

/**
 * Every contender encodes every paragraph, `rounds` times; the rounds
 * interleave the contenders so that machine noise hits all of them alike.
 * The first contender's ids are the ones the others are compared with.
 */
export function race(contenders: readonly Contender[], paragraphs: readonly string[], rounds = 7): RaceResult[] {
  const megabytes = paragraphs.reduce((s, p) => s + Buffer.byteLength(p), 0) / 1e6;
  const reference = paragraphs.map(contenders[0]![1]);
  const mismatches = contenders.map(([, encode]) => paragraphs.filter((p, i) => encode(p).join() !== reference[i]!.join()).length);
  const times = contenders.map((): number[] => []);
  for (let r = 0; r < rounds; r++) {
    contenders.forEach(([, encode], c) => {
      const start = performance.now();
      for (const p of paragraphs) encode(p);
      times[c]!.push(performance.now() - start);
    });
  }
  return contenders.map(([name], c) => {
    const t = times[c]!.sort((a, b) => a - b);
    const median = t[rounds >> 1]!;
    return {
      tokenizer: name,
      mb_per_s: +(megabytes / (median / 1000)).toFixed(2),
      median_ms: +median.toFixed(1),
      min_ms: +t[0]!.toFixed(1),
      max_ms: +t[rounds - 1]!.toFixed(1),
      paragraphs_differing_from_first: mismatches[c]!,
    };
  });
}
