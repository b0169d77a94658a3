import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { wasmBackend } from '@llamita/backend-wasm';
import { fileSource } from '@llamita/model/node';
import { compareWithLmEval, fixturePath, fixturesAvailable, lmEvalReference, lmEvalSummary } from '@llamita/testkit';
import { loadModel } from 'llamita';
import { evaluateTask } from './evaluate.js';
import { taskByName } from './tasks/index.js';

const have = fixturesAvailable();
const read = (path: string) => readFileSync(fixturePath(path), 'utf8');

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
    const reference = lmEvalReference(name);
    // lm-eval ran the model in float32 with a float32 cache; BoolQ's longest item is 1953 tokens
    const engine = await loadModel(await fileSource(fixturePath('stories260K/stories260K.gguf')), { backend: wasmBackend, contextSize: 2048, kvType: 'f32' });
    const result = await evaluateTask(engine, task, items);
    engine.dispose();
    expect(result.n).toBe(reference.length);
    const { worst, mismatches } = compareWithLmEval(result.items, reference);
    expect(mismatches).toEqual([]);
    expect(worst).toBeLessThan(1e-3);
    const summary = lmEvalSummary(name);
    expect(result.metrics.acc!.value).toBeCloseTo(summary.acc, 10);
    expect(result.metrics.acc!.stderr).toBeCloseTo(summary.acc_stderr, 10);
    if (summary.acc_norm !== undefined) expect(result.metrics.acc_norm!.value).toBeCloseTo(summary.acc_norm, 10);
  });
});
