/**
 * The engine in its Web Worker, with one engine session per conversation:
 * a session is restored from its kept state when there is one, generates the
 * reply to the conversation so far (only the tokens after the cached prefix
 * are evaluated), and its state is kept again after each reply.
 */
import { createWorkerEngine, type WorkerEngine, type WorkerSession } from 'llamita/worker';
import type { Conversation } from './conversations.js';
import { loadSessionState, saveSessionState } from './conversations.js';

/** The choices of the backend menu, and the worker's backends each tries in order. */
export const BACKEND_CHOICES = {
  auto: ['webgpu-gpu', 'wasm', 'js'],
  webgpu: ['webgpu'],
  wasm: ['wasm'],
  js: ['js'],
} as const satisfies Record<string, readonly string[]>;

/** A choice of the backend menu. */
export type BackendChoiceName = keyof typeof BACKEND_CHOICES;

/** What one reply did. */
export interface ReplyStats {
  /** Tokens of the conversation the reply followed. */
  readonly promptTokens: number;
  /** Of those, the tokens already in the session's cache (restored or kept from the last reply). */
  readonly cachedTokens: number;
  /** Tokens generated. */
  readonly generatedTokens: number;
  /** Time to first token as the page saw it: from the call to the first token's arrival. */
  readonly ttftMs: number;
  /** Of that, the engine's part: evaluating the new prompt tokens and choosing the first reply token. */
  readonly prefillMs: number;
  /** Tokens per second after the first. */
  readonly tokensPerSecond: number;
  /** Whether this reply's session came from kept state (after a reload). */
  readonly restored: boolean;
  /** Oldest messages left out of the model's view because the conversation outgrew the context. */
  readonly droppedMessages: number;
}

export class ChatEngine {
  private readonly sessions = new Map<string, WorkerSession>();
  private readonly restored = new Set<string>();

  private constructor(
    private readonly worker: Worker,
    /** The engine in the worker. */
    readonly engine: WorkerEngine,
  ) {}

  /** Starts a worker and loads `model` there on the first backend of `backends` that takes it. */
  static async load(model: Blob, backends: readonly string[], onProgress: (p: { loaded: number; total: number }) => void): Promise<ChatEngine> {
    const worker = new Worker(new URL('../worker.ts', import.meta.url), { type: 'module' });
    try {
      // a context of 2048 tokens: TinyLlama's training length
      return new ChatEngine(worker, await createWorkerEngine(worker, { model, backends, contextSize: 2048 }, { onProgress }));
    } catch (e) {
      worker.terminate();
      throw e;
    }
  }

  /** Moves the model and every conversation's session to another backend; the next reply continues where the last ended. */
  async moveTo(backend: string): Promise<void> {
    await this.engine.moveTo(backend);
  }

  /**
   * Generates the assistant's reply to `conversation` (its system prompt and
   * messages, the last one the user's), streaming text to `onText`.
   * @throws LlamitaError `E_ABORTED` when `signal` stops it (what was generated stays evaluated).
   */
  async reply(conversation: Conversation, onText: (text: string) => void, signal: AbortSignal): Promise<ReplyStats> {
    const started = performance.now();
    let firstTokenAt: number | undefined;
    const session = await this.sessionFor(conversation.id);
    const restored = this.restored.delete(conversation.id);
    const { maxTokens, seed, temperature, topK, topP, minP, repeatPenalty } = conversation.settings;
    const { prompt, droppedMessages } = await this.promptThatFits(conversation, Math.min(maxTokens, this.engine.contextSize / 4));
    const options = { maxTokens, seed, temperature, topK, topP, minP, repeatPenalty, stopTokens: this.engine.chatStopTokens, signal };
    for await (const step of session.generate(prompt, options)) {
      firstTokenAt ??= performance.now();
      onText(step.text);
    }
    const { stats } = await session.state();
    await saveSessionState(conversation.id, await this.engine.saveSession(session));
    const after = stats.generatedTokens - 1;
    return {
      promptTokens: stats.promptTokens,
      cachedTokens: stats.cachedTokens,
      generatedTokens: stats.generatedTokens,
      ttftMs: (firstTokenAt ?? performance.now()) - started,
      prefillMs: stats.prefillMs,
      tokensPerSecond: after > 0 && stats.decodeMs > 0 ? after / (stats.decodeMs / 1000) : 0,
      restored,
      droppedMessages,
    };
  }

  /**
   * The conversation's prompt tokens, leaving `room` tokens of the context for
   * the reply: when it has outgrown the context, its oldest exchanges are left
   * out of the model's view (the system prompt stays), as llama.cpp's server
   * and `llamita chat` do; the conversation itself keeps them.
   */
  private async promptThatFits(conversation: Conversation, room: number): Promise<{ prompt: number[]; droppedMessages: number }> {
    const system = conversation.system.trim() ? [{ role: 'system' as const, content: conversation.system }] : [];
    for (let dropped = 0; ; dropped += 2) {
      const prompt = await this.engine.chatTokens([...system, ...conversation.messages.slice(dropped)]);
      // the last message (the user's) always stays, even when alone it does not fit: the engine then says so
      if (prompt.length + room <= this.engine.contextSize || dropped + 2 >= conversation.messages.length) return { prompt, droppedMessages: dropped };
    }
  }

  /** Keeps the session's state as it is now (after a stopped reply, so a reload resumes from it). */
  async keepState(conversationId: string): Promise<void> {
    const session = this.sessions.get(conversationId);
    if (session) await saveSessionState(conversationId, await this.engine.saveSession(session));
  }

  /** Frees a conversation's session (its kept state stays unless the conversation is deleted). */
  async forget(conversationId: string): Promise<void> {
    await this.sessions.get(conversationId)?.dispose();
    this.sessions.delete(conversationId);
  }

  /** Frees the engine and its worker. */
  async dispose(): Promise<void> {
    await this.engine.dispose().catch(() => undefined);
    this.worker.terminate();
  }

  /** The conversation's session: live, else restored from its kept state (another model's state is refused and a fresh session made), else new. */
  private async sessionFor(id: string): Promise<WorkerSession> {
    const live = this.sessions.get(id);
    if (live) return live;
    const bytes = await loadSessionState(id);
    let session: WorkerSession | undefined;
    if (bytes) {
      session = await this.engine.restoreSession(bytes).catch(() => undefined);
      if (session) this.restored.add(id);
    }
    session ??= await this.engine.createSession();
    this.sessions.set(id, session);
    return session;
  }
}
