import { readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { LlamitaError, type BackendFactory } from '@llamita/core';
import type { ChatMessage } from '@llamita/tokenizer';
import type { Engine, GenerateOptions, Session } from 'llamita';
import { backendOption } from '../backends.js';
import { UsageError } from '../cli-error.js';
import { ENGINE_FLAGS, ENGINE_HELP, engineArgsFromFlags } from '../engine-flags.js';
import { openEngine } from '../open-engine.js';
import { intFlag, joinNegativeValues } from '../options.js';
import { SAMPLING_FLAGS, SAMPLING_HELP, samplingFromFlags } from '../sampling-flags.js';

export const chatHelp = `llamita chat [--model FILE|URL|hf:OWNER/REPO/FILE|DIR] [options]

An interactive chat in the model's chat template, replies streamed. Ctrl-C
stops a reply (a second Ctrl-C at the prompt quits). Each turn evaluates only
the new tokens: the conversation's cache is kept. Commands:
  /system TEXT   set the system prompt (starts a new conversation)
  /reset         start a new conversation
  /backend NAME  move the conversation to js, wasm or webgpu and go on there
  /stats         tokens, cache, backend and speed of the last reply
  /save FILE     save the conversation and its cache
  /load FILE     load a conversation saved by /save and go on from it
  /exit          quit
When stdin is not a terminal, each line is one user message (or a command)
and each reply is printed on one line; with --json, one JSON object per reply
({"content", "backend", "usage", "timings"}).
  --system TEXT      system prompt
  --max-tokens N     most tokens per reply (default: until the model ends its turn)
${SAMPLING_HELP}
${ENGINE_HELP}
  --json             one JSON object per reply (for scripts)`;

/** A saved chat: the messages and the session's bytes. */
interface SavedChat {
  readonly format: 'llamita-chat';
  readonly version: 1;
  readonly system: string | undefined;
  readonly messages: ChatMessage[];
  /** `Engine.saveSession`'s bytes, base64. */
  readonly session: string;
}

/** One conversation on an engine: its messages and session. */
class Conversation {
  messages: ChatMessage[] = [];
  session: Session;

  constructor(
    private readonly engine: Engine,
    public system: string | undefined,
  ) {
    this.session = engine.createSession();
  }

  /** The prompt of the conversation with its system prompt. */
  private prompt(): number[] {
    return this.engine.chatTokens([...(this.system ? [{ role: 'system', content: this.system }] : []), ...this.messages]);
  }

  /**
   * Generates the reply to `text`, streaming pieces to `write`; aborted
   * replies keep what was said. When the conversation no longer leaves room
   * for a reply (a quarter of the context, at most 256 tokens), its oldest
   * exchanges are dropped (the system prompt stays) and `dropped` says how many messages.
   */
  async reply(text: string, options: GenerateOptions, write: (piece: string) => void, dropped: (count: number) => void = () => undefined): Promise<string> {
    this.messages.push({ role: 'user', content: text });
    const room = Math.min(256, Math.floor(this.engine.model.contextSize / 4));
    let prompt = this.prompt();
    let count = 0;
    while (prompt.length > this.engine.model.contextSize - 1 - room && this.messages.length > 1) {
      this.messages.splice(0, 2);
      count += 2;
      prompt = this.prompt();
    }
    if (count) dropped(count);
    let content = '';
    try {
      for await (const step of this.session.generate(prompt, { ...options, stopTokens: this.engine.chatFormat.stopTokens })) {
        content += step.text;
        write(step.text);
      }
    } catch (e) {
      if (!(LlamitaError.is(e) && e.code === 'E_ABORTED')) {
        this.messages.pop();
        throw e;
      }
    }
    this.messages.push({ role: 'assistant', content });
    return content;
  }

  reset(): void {
    this.session.dispose();
    this.session = this.engine.createSession();
    this.messages = [];
  }

  async save(path: string): Promise<void> {
    const saved: SavedChat = {
      format: 'llamita-chat',
      version: 1,
      system: this.system,
      messages: this.messages,
      session: Buffer.from(await this.engine.saveSession(this.session)).toString('base64'),
    };
    writeFileSync(path, JSON.stringify(saved));
  }

  async load(path: string): Promise<void> {
    let saved: SavedChat;
    try {
      saved = JSON.parse(readFileSync(path, 'utf8')) as SavedChat;
    } catch (e) {
      throw new LlamitaError('E_BAD_FILE', `${path}: ${(e as Error).message}`);
    }
    if (saved.format !== 'llamita-chat' || saved.version !== 1 || !Array.isArray(saved.messages) || typeof saved.session !== 'string') {
      throw new LlamitaError('E_BAD_FILE', `${path} is not a chat saved by llamita chat's /save`);
    }
    const session = await this.engine.restoreSession(new Uint8Array(Buffer.from(saved.session, 'base64')));
    this.session.dispose();
    this.session = session;
    this.messages = saved.messages;
    this.system = saved.system;
  }
}

/** `llamita chat`. */
export async function chat(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: joinNegativeValues(argv),
    options: { ...ENGINE_FLAGS, ...SAMPLING_FLAGS, system: { type: 'string' }, 'max-tokens': { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  const sampling = samplingFromFlags(values);
  const maxTokens = values['max-tokens'] === undefined ? undefined : intFlag('max-tokens', values['max-tokens'], 0, 1);
  const engineArgs = engineArgsFromFlags(values, true);
  const engine = await openEngine(engineArgs);
  if (engine.chatFormat.isFallback) process.stderr.write('llamita: the model has no chat template; using ChatML (give --chat-template FILE for another)\n');
  const conversation = new Conversation(engine, values.system);
  const interactive = process.stdin.isTTY === true && !values.json;
  const options = (signal: AbortSignal): GenerateOptions => ({
    ...sampling,
    maxTokens: maxTokens ?? engine.model.contextSize,
    // a chat keeps its context: a turn that would overflow it shifts, keeping the system prompt's start
    contextShift: true,
    signal,
  });

  const lines = createInterface({ input: process.stdin, output: interactive ? process.stdout : undefined, terminal: interactive });
  let replying: AbortController | undefined;
  lines.on('SIGINT', () => {
    if (replying) replying.abort();
    else lines.close();
  });
  if (interactive) {
    process.stdout.write(`chatting with ${engine.modelName} on ${engine.backendChoice.name}; /help for commands, Ctrl-C stops a reply\n`);
    lines.setPrompt('> ');
    lines.prompt();
  }

  for await (const line of lines) {
    const text = line.trim();
    if (text) {
      try {
        if (text.startsWith('/')) {
          const done = await command(text, conversation, engine, engineArgs.threads);
          if (done) break;
        } else {
          replying = new AbortController();
          const start = performance.now();
          const content = await conversation.reply(
            text,
            options(replying.signal),
            (piece) => {
              if (interactive) process.stdout.write(piece);
            },
            (count) => process.stderr.write(`llamita: the conversation outgrew the context: its ${count} oldest messages were dropped\n`),
          );
          const stats = conversation.session.stats;
          if (values.json) {
            const usage = { prompt_tokens: stats.promptTokens, cached_tokens: stats.cachedTokens, completion_tokens: stats.generatedTokens };
            const timings = { total_ms: round(performance.now() - start), prefill_ms: round(stats.prefillMs), decode_ms: round(stats.decodeMs) };
            process.stdout.write(`${JSON.stringify({ content, backend: engine.backendChoice.name, finish_reason: replying.signal.aborted ? 'abort' : stats.finishReason, usage, timings })}\n`);
          } else {
            process.stdout.write(interactive ? '\n' : `${content.replaceAll('\n', ' ')}\n`);
          }
        }
      } catch (e) {
        if (!LlamitaError.is(e) && !(e instanceof UsageError)) throw e;
        process.stderr.write(`llamita: ${LlamitaError.is(e) ? `error [${e.code}]: ` : ''}${e.message}\n`);
      } finally {
        replying = undefined;
      }
    }
    if (interactive) lines.prompt();
  }
  lines.close();
  conversation.session.dispose();
  engine.dispose();
}

/** Runs a `/command`; true when the chat should end. */
async function command(text: string, conversation: Conversation, engine: Engine, threads: number | undefined): Promise<boolean> {
  const [name, ...rest] = text.split(/\s+/);
  const arg = text.slice(name!.length).trim();
  const say = (s: string) => process.stderr.write(`${s}\n`);
  switch (name) {
    case '/exit':
    case '/quit':
      return true;
    case '/help':
      say(chatHelp.split('Commands:\n')[1]!.split('When stdin')[0]!.trimEnd());
      return false;
    case '/system':
      conversation.system = arg || undefined;
      conversation.reset();
      say(arg ? 'system prompt set; new conversation' : 'system prompt cleared; new conversation');
      return false;
    case '/reset':
      conversation.reset();
      say('new conversation');
      return false;
    case '/stats': {
      const s = conversation.session.stats;
      const decode = s.generatedTokens > 1 ? ((s.generatedTokens - 1) / (s.decodeMs / 1000)).toFixed(1) : '0';
      say(
        `backend ${engine.backendChoice.name} (${engine.backendChoice.description}); session ${conversation.session.tokens.length}/${engine.model.contextSize} tokens; last reply: ${s.promptTokens} prompt tokens (${s.cachedTokens} from the cache), ${s.generatedTokens} generated, prefill ${round(s.prefillMs)} ms, decode ${decode} tok/s, finish ${s.finishReason}`,
      );
      return false;
    }
    case '/save':
      if (!arg) throw new UsageError('/save takes a file name');
      await conversation.save(arg);
      say(`saved ${conversation.messages.length} messages and ${conversation.session.tokens.length} cached tokens to ${arg}`);
      return false;
    case '/load':
      if (!arg) throw new UsageError('/load takes a file name');
      await conversation.load(arg);
      say(`loaded ${conversation.messages.length} messages and ${conversation.session.tokens.length} cached tokens from ${arg}`);
      return false;
    case '/backend': {
      if (rest.length !== 1 || rest[0] === 'auto') throw new UsageError('/backend takes one of js, wasm, webgpu');
      const [factory] = backendOption(rest[0], rest[0] === 'wasm' ? threads : undefined) as readonly BackendFactory[];
      const probe = await factory!.probe();
      if (!probe.ok) throw new LlamitaError('E_BACKEND_UNAVAILABLE', `the ${factory!.name} backend cannot run here: ${probe.reason}`);
      const backend = await factory!.create();
      await engine.moveTo(backend, { adopt: true }).catch((e: unknown) => {
        backend.dispose();
        throw e;
      });
      say(`the conversation moved to ${engine.backendChoice.name} (${engine.backendChoice.description})`);
      return false;
    }
    default:
      throw new UsageError(`unknown command ${name} (/help lists them)`);
  }
}

const round = (x: number) => Math.round(x * 100) / 100;
