// What sessions cost and save (issue 15).
// 1. Engine cost per token: greedy decode of N tokens straight from the model
//    (`LlamaModel.decode`) against the same through `session.generate`
//    (prefix check, stop filters, stream decoding, event-loop yields), in
//    alternating rounds; the difference is what the engine adds.
// 2. Time to first token of each turn of a 5-turn greedy chat, with the
//    session's cache reused (only new tokens evaluated) and, side by side, with
//    a fresh session each turn (the whole conversation evaluated again).
// Run: pnpm --filter @llamita/bench sessions MODEL.gguf [--backend wasm|js] [--threads N] [--tokens 32] [--rounds 3] [--reply 24]
import { resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { parseArgs } from 'node:util';
import { jsBackend } from '@llamita/backend-js';
import { WasmBackend } from '@llamita/backend-wasm';
import { fileSource } from '@llamita/model/node';
import { loadModel, type Session } from 'llamita';

setFlagsFromString('--experimental-wasm-relaxed-simd');
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    backend: { type: 'string', default: 'wasm' },
    threads: { type: 'string' },
    tokens: { type: 'string', default: '32' },
    rounds: { type: 'string', default: '3' },
    reply: { type: 'string', default: '24' },
  },
});
const path = positionals[0];
if (!path) throw new Error('usage: sessions MODEL.gguf [--backend wasm|js] [--threads N] [--tokens 32] [--rounds 3] [--reply 24]');
const [tokens, rounds, replyTokens] = [Number(values.tokens), Number(values.rounds), Number(values.reply)];
const backend = values.backend === 'wasm' ? await WasmBackend.create(values.threads ? { threads: Number(values.threads) } : {}) : await jsBackend.create();
const engine = await loadModel(await fileSource(resolve(process.env.INIT_CWD ?? process.cwd(), path)), { backend, contextSize: 1024 });
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
const prompt = engine.tokenizer.encode('Once upon a time, in a small town by the sea, there lived');

/** ms per token after the first, decoding straight from the model (taking back the step queued ahead included, as a session's decode time includes it). */
async function modelDecode(): Promise<number> {
  engine.model.reset();
  const ids = engine.model.decode(prompt);
  await ids.next();
  const start = performance.now();
  for (let i = 1; i < tokens; i++) await ids.next();
  await ids.return();
  return (performance.now() - start) / (tokens - 1);
}

/** ms per token after the first, through a session (from an empty cache). */
async function sessionDecode(): Promise<number> {
  const session = engine.createSession();
  const generation = session.generate(prompt, { temperature: 0, maxTokens: tokens, stopAtEos: false });
  while (!(await generation.next()).done);
  const ms = session.stats.decodeMs / (tokens - 1);
  session.dispose();
  return ms;
}

const direct: number[] = [];
const throughSession: number[] = [];
for (let r = 0; r < rounds; r++) {
  direct.push(await modelDecode());
  throughSession.push(await sessionDecode());
}

/** Prefill ms and evaluated tokens of each turn of a greedy chat; `fresh`: a new session each turn. */
async function chat(fresh: boolean): Promise<{ prefillMs: number; promptTokens: number; evaluated: number }[]> {
  const turns = ['Tell me a story about a fox.', 'What did the fox find?', 'Who else was there?', 'How did it end?', 'Tell me another one, shorter.'];
  const messages: { role: string; content: string }[] = [];
  let session: Session = engine.createSession();
  const out = [];
  for (const turn of turns) {
    if (fresh) {
      session.dispose();
      session = engine.createSession();
    }
    messages.push({ role: 'user', content: turn });
    let reply = '';
    for await (const { text } of session.generate(engine.chatTokens(messages), { temperature: 0, maxTokens: replyTokens, stopTokens: engine.chatFormat.stopTokens })) reply += text;
    messages.push({ role: 'assistant', content: reply });
    const s = session.stats;
    out.push({ prefillMs: +s.prefillMs.toFixed(1), promptTokens: s.promptTokens, evaluated: s.promptTokens - s.cachedTokens });
  }
  session.dispose();
  return out;
}
const reused = await chat(false);
const fresh = await chat(true);

console.log(
  JSON.stringify({
    model: path,
    backend: engine.backendChoice.description,
    decode_tokens: tokens,
    rounds,
    ms_per_token_model_decode: +median(direct).toFixed(3),
    ms_per_token_session: +median(throughSession).toFixed(3),
    engine_cost_ms_per_token: +(median(throughSession) - median(direct)).toFixed(3),
    chat_turns_reused: reused,
    chat_turns_fresh: fresh,
  }),
);
engine.dispose();
backend.dispose();
