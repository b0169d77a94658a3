import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { wasmBackend } from '@llamita/backend-wasm';
import { fileSource } from '@llamita/model/node';
import { fixturePath, fixturesAvailable } from '@llamita/testkit';
import { loadModel } from 'llamita';
import { evaluateTask } from './evaluate.js';
import { taskByName } from './tasks/index.js';

const have = fixturesAvailable();
const read = (path: string) => readFileSync(fixturePath(path), 'utf8');

/** lm-evaluation-harness 0.4.13's per-item record for stories260K (../shared/fixtures/eval/reference). */
interface LmEvalItem {
  readonly index: number;
  readonly choices_loglik: number[];
  readonly choices_is_greedy: boolean[];
  readonly acc: number;
  readonly acc_norm?: number;
  readonly target: number;
}

const TASK_FILES: Record<string, string> = {
  piqa: 'eval/piqa.jsonl',
  hellaswag: 'eval/hellaswag_llamacpp.txt',
  winogrande: 'eval/winogrande.jsonl',
  boolq: 'eval/boolq.jsonl',
  openbookqa: 'eval/openbookqa.jsonl',
};

describe.skipIf(!have)(`lm-evaluation-harness's own scores on the shared items${have ? '' : ' (skipped: ../shared/fixtures not found)'}`, () => {
  // BoolQ's 400 passages take about 100 s on an idle 2-core machine: minutes on a busy one
  it.each(Object.keys(TASK_FILES))('%s: every per-item log-likelihood within 1e-3, every acc and acc_norm the same, the totals and stderr too', { timeout: 900_000 }, async (name) => {
    const task = taskByName(name);
    const items = task.parse(read(TASK_FILES[name]!), TASK_FILES[name]!, name === 'piqa' ? { labels: read('eval/piqa-labels.lst') } : {});
    const reference = read(`eval/reference/${name}.lm-eval.jsonl`)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as LmEvalItem);
    // lm-eval ran the model in float32 with a float32 cache; BoolQ's longest item is 1953 tokens
    const engine = await loadModel(await fileSource(fixturePath('stories260K/stories260K.gguf')), { backend: wasmBackend, contextSize: 2048, kvType: 'f32' });
    const result = await evaluateTask(engine, task, items);
    engine.dispose();
    expect(result.n).toBe(reference.length);
    let worst = 0;
    for (const [i, want] of reference.entries()) {
      const got = result.items[i]!;
      expect(got.gold).toBe(want.target);
      got.scores.forEach((s, k) => (worst = Math.max(worst, Math.abs(s - want.choices_loglik[k]!))));
      expect(got.greedy).toEqual(want.choices_is_greedy);
      expect(got.metrics.acc, `item ${i} acc`).toBe(want.acc);
      if (want.acc_norm !== undefined) expect(got.metrics.acc_norm, `item ${i} acc_norm`).toBe(want.acc_norm);
    }
    expect(worst).toBeLessThan(1e-3);
    const summary = JSON.parse(read('eval/reference/summary.json')).tasks[name];
    expect(result.metrics.acc!.value).toBeCloseTo(summary.acc, 10);
    expect(result.metrics.acc!.stderr).toBeCloseTo(summary.acc_stderr, 10);
    if (summary.acc_norm !== undefined) expect(result.metrics.acc_norm!.value).toBeCloseTo(summary.acc_norm, 10);
  });
});
