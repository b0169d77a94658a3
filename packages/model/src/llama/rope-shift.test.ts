import { describe, expect, it } from 'vitest';
import { refRope } from '@llamita/testkit';
import { llama3RopeFactors } from '../synthetic.js';
import { rotateCachedKeys } from './rope-shift.js';

// The K-shift rotates cached keys by delta positions with the model's RoPE; the
// reference is an independent f64 RoPE (testkit) at position delta.
describe('rotateCachedKeys', () => {
  const [heads, hd, rows] = [2, 32, 3];
  const keys = Float32Array.from({ length: rows * heads * hd }, (_, i) => Math.sin(i * 1.7) * 0.9);
  const bytes = new Uint8Array(keys.buffer);

  it.each([
    ['adjacent', undefined],
    ['half', undefined],
    ['adjacent', 'Llama 3.1 factors'],
    ['half', 'Llama 3.1 factors'],
  ] as const)('rotates %s pairs by delta (frequency factors: %s) as RoPE at that position does', (mode, withFactors) => {
    const theta = withFactors ? 500000 : 10000;
    const factors = withFactors ? llama3RopeFactors(hd, theta) : undefined;
    const delta = 3000;
    const rotated = new Float32Array(rotateCachedKeys(bytes, 'f32', hd, mode, theta, delta, factors).buffer);
    const want = refRope(
      keys,
      Int32Array.from({ length: rows }, () => delta),
      theta,
      mode,
      rows,
      heads,
      hd,
      factors,
    );
    // ggml's angle is an f32 chain of products: at position 3000 it is off the f64 angle by about 1e-4
    rotated.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 3));
  });

  it('applies the factors: without them the slow pairs turn by a different angle', () => {
    const factors = llama3RopeFactors(hd, 500000);
    const withFactors = new Float32Array(rotateCachedKeys(bytes, 'f32', hd, 'adjacent', 500000, 3000, factors).buffer);
    const without = new Float32Array(rotateCachedKeys(bytes, 'f32', hd, 'adjacent', 500000, 3000).buffer);
    expect(Math.max(...withFactors.map((v, i) => Math.abs(v - without[i]!)))).toBeGreaterThan(0.05);
  });
});
