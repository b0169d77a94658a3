/** The settings of the sample op (see `SampleOp` in @llamita/core). */
export interface SampleSettings {
  /** Keep the k most likely tokens; 0 keeps all. */
  readonly topK: number;
  /** Keep the smallest prefix whose probability reaches it; 1 keeps all. */
  readonly topP: number;
  /** Drop tokens below it times the top probability; 0 keeps all. */
  readonly minP: number;
  /** Divides the logits before the draw; 0 picks the argmax. */
  readonly temperature: number;
}

/**
 * Draws one id from a logits row as `@llamita/sampling`'s chain does with only
 * top-k, top-p, min-p and temperature (llama.cpp's order), then its `dist`
 * draw with the uniform `u` in [0, 1). The arithmetic follows the chain's
 * step by step (probabilities in f64, tempered logits rounded to f32) so the
 * same draw picks the same id.
 */
export function sampleRow(logits: Float32Array, s: SampleSettings, u: number): number {
  const n = logits.length;
  if (s.temperature === 0) {
    let best = 0;
    for (let j = 1; j < n; j++) if (logits[j]! > logits[best]!) best = j;
    return best;
  }
  // candidates by descending logit, ties by lower id
  let ids = Array.from({ length: n }, (_, i) => i).sort((a, b) => logits[b]! - logits[a]! || a - b);
  if (s.topK > 0) ids = ids.slice(0, s.topK);
  let values = Float32Array.from(ids, (id) => logits[id]!);
  if (s.topP < 1) {
    const probs = softmax(values);
    let cum = 0;
    for (let i = 0; i < probs.length; i++) {
      cum += probs[i]!;
      if (cum >= s.topP) {
        values = values.subarray(0, i + 1);
        break;
      }
    }
  }
  if (s.minP > 0) {
    // in logit space: keep logit >= max + ln(minP), at least one
    const floor = values[0]! + Math.log(s.minP);
    let keep = 1;
    while (keep < values.length && values[keep]! >= floor) keep++;
    values = values.subarray(0, keep);
  }
  const tempered = Float32Array.from(values, (v) => v / s.temperature);
  const probs = softmax(tempered);
  let r = u;
  for (let i = 0; i < probs.length; i++) {
    r -= probs[i]!;
    if (r < 0) return ids[i]!;
  }
  return ids[probs.length - 1]!;
}

/** Softmax in f64 of f32 values, the largest subtracted first. */
function softmax(values: Float32Array): Float64Array {
  let max = -Infinity;
  for (const v of values) max = Math.max(max, v);
  const probs = Float64Array.from(values, (v) => Math.exp(v - max));
  let sum = 0;
  for (const p of probs) sum += p;
  for (let i = 0; i < probs.length; i++) probs[i] = probs[i]! / sum;
  return probs;
}
