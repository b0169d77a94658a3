/**
 * Load on a running `llamita serve`: `clients` concurrent clients for
 * `seconds`, each sending, one after another, a seeded mix of requests: plain
 * completions, streamed chats, streams aborted after their first chunk,
 * streams read slowly, clients that disconnect before the answer, and bad
 * bodies. Then SIGTERM while the load goes on, and how the server exits.
 * Shared by the bounded test (server-load.test.ts) and the benchmark (../server-load.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { Prng } from '@llamita/sampling';

/** What one kind of client does. */
export type ClientKind = 'complete' | 'stream' | 'abort' | 'slow' | 'disconnect' | 'bad';
const KINDS: readonly ClientKind[] = ['complete', 'stream', 'abort', 'slow', 'disconnect', 'bad'];

/** Options of {@link runLoad}. */
export interface LoadOptions {
  /** The `llamita` CLI's entry (apps/cli/dist/main.js). */
  readonly cli: string;
  /** The model the server serves. */
  readonly model: string;
  readonly clients: number;
  readonly seconds: number;
  /** The server's queue beyond the running request (`--max-queue`): below `clients`, so 429s happen. */
  readonly maxQueue: number;
  /** Tokens per reply. */
  readonly maxTokens: number;
  readonly seed: number;
  /** More `llamita serve` arguments (backend, threads). */
  readonly serveArgs?: readonly string[];
}

/** What the load did and how the server held. */
export interface LoadReport {
  readonly clients: number;
  readonly seconds: number;
  readonly requests: number;
  /** Responses by HTTP status, over the load (before SIGTERM). */
  readonly statuses: Record<string, number>;
  /** 5xx answers before SIGTERM (must be 0). */
  readonly serverErrors: number;
  /** Requests that failed without an HTTP answer before SIGTERM, by kind and cause, not counting the clients' own disconnects and aborts (must be none). */
  readonly transportErrors: Record<string, number>;
  /** Clients that went away before their answer, on purpose. */
  readonly disconnects: number;
  /** Latency of whole non-streamed completions (200 only), ms. */
  readonly completeMs: Percentiles;
  /** Time to the first streamed chunk (200 only), ms. */
  readonly firstChunkMs: Percentiles;
  /** The server's resident memory, sampled every 250 ms: first, max, last (MB). */
  readonly rssMb: { readonly first: number; readonly max: number; readonly last: number };
  /** After SIGTERM under load: the exit code (0 expected), how long it took, what in-flight requests got. */
  readonly shutdown: {
    readonly exitCode: number | null;
    readonly signal: string | null;
    readonly ms: number;
    readonly statuses: Record<string, number>;
    /** Requests cut off as the server closed its connections (after the grace period, or sent as it closed). */
    readonly transportErrors: Record<string, number>;
  };
}

/** p50, p90, p99 and max of a list of durations. */
export interface Percentiles {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => +(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0).toFixed(1);
  return { count: sorted.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1) };
}

/** Starts `llamita serve` on a free port; resolves with its URL once it listens. */
async function startServer(options: LoadOptions): Promise<{ child: ChildProcess; url: string }> {
  const args = [options.cli, 'serve', '--model', options.model, '--port', '0', '--max-queue', String(options.maxQueue), ...(options.serveArgs ?? [])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = / on (http:\/\/\S+) /.exec(stderr);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`llamita serve exited (${code}) before listening:\n${stderr}`)));
  });
  return { child, url };
}

/** The process's resident memory in MB (Linux). */
function rssOf(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return +(kb / 1024).toFixed(1);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Reads a streamed response to its end, `pause` ms between chunks; resolves with when the first chunk came. */
async function drain(response: Response, pause: number, abortAfterFirst?: AbortController): Promise<number | undefined> {
  const reader = response.body!.getReader();
  let first: number | undefined;
  for (;;) {
    const { done } = await reader.read();
    if (done) return first;
    first ??= performance.now();
    if (abortAfterFirst) {
      abortAfterFirst.abort();
      return first;
    }
    if (pause > 0) await sleep(pause);
  }
}

/** A POST whose client goes away after `ms`, before reading any answer. */
function disconnectAfter(url: string, body: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const req = request(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'Content-Type': 'application/json' } });
    req.on('error', () => resolve());
    req.end(body);
    setTimeout(() => {
      req.destroy();
      resolve();
    }, ms);
  });
}

/** Runs the load and the shutdown; see the module comment. */
export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const { child, url } = await startServer(options);
  const statuses: Record<string, number> = {};
  const shutdownStatuses: Record<string, number> = {};
  const transportErrors: Record<string, number> = {};
  const shutdownErrors: Record<string, number> = {};
  let disconnects = 0;
  const completeMs: number[] = [];
  const firstChunkMs: number[] = [];
  const rss: number[] = [rssOf(child.pid!)];
  const sampler = setInterval(() => rss.push(rssOf(child.pid!)), 250);
  let stopping = false;
  let requests = 0;
  const count = (into: Record<string, number>, key: string) => (into[key] = (into[key] ?? 0) + 1);
  const chatBody = (stream: boolean) => JSON.stringify({ messages: [{ role: 'user', content: 'Tell me a story.' }], max_tokens: options.maxTokens, stream, seed: 1 });

  async function client(index: number, deadline: number): Promise<void> {
    const rng = new Prng(options.seed * 1000 + index);
    while (performance.now() < deadline) {
      const kind = KINDS[Math.floor(rng.next() * KINDS.length)]!;
      const into = stopping ? shutdownStatuses : statuses;
      requests++;
      const started = performance.now();
      const abort = new AbortController();
      try {
        if (kind === 'disconnect') {
          await disconnectAfter(url, chatBody(false), 5 + Math.floor(rng.next() * 50));
          disconnects++;
          continue;
        }
        const body = kind === 'bad' ? '{"messages": [' : kind === 'complete' ? JSON.stringify({ prompt: 'Once upon a time', max_tokens: options.maxTokens, seed: 1 }) : chatBody(true);
        const path = kind === 'complete' ? '/v1/completions' : '/v1/chat/completions';
        const response = await fetch(`${url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body, signal: abort.signal });
        count(into, String(response.status));
        if (response.status !== 200 || kind === 'bad' || kind === 'complete') {
          await response.arrayBuffer();
          if (response.status === 200 && kind === 'complete') completeMs.push(performance.now() - started);
          continue;
        }
        const first = await drain(response, kind === 'slow' ? 100 : 0, kind === 'abort' ? abort : undefined);
        if (first !== undefined) firstChunkMs.push(first - started);
      } catch (e) {
        // a client's own abort is not an error of the server's
        if ((e as Error).name === 'AbortError') continue;
        count(stopping ? shutdownErrors : transportErrors, `${kind}: ${String((e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message)}`);
      }
    }
  }

  const loadEnd = performance.now() + options.seconds * 1000;
  // the load goes on 2 s past SIGTERM, so requests are in flight when it comes
  const clients = Array.from({ length: options.clients }, (_, i) => client(i, loadEnd + 2000));
  await sleep(options.seconds * 1000);
  stopping = true;
  const signalled = performance.now();
  const exited = new Promise<{ exitCode: number | null; signal: string | null }>((resolve) => child.once('exit', (exitCode, signal) => resolve({ exitCode, signal })));
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const tooLong = new Promise<{ exitCode: null; signal: string }>((resolve) => (timer = setTimeout(() => resolve({ exitCode: null, signal: 'still running after 30 s' }), 30_000)));
  const exit = await Promise.race([exited, tooLong]);
  clearTimeout(timer);
  const shutdownMs = performance.now() - signalled;
  clearInterval(sampler);
  await Promise.all(clients);
  if (child.exitCode === null) child.kill('SIGKILL');
  const serverErrors = Object.entries(statuses).reduce((sum, [status, n]) => sum + (Number(status) >= 500 ? n : 0), 0);
  return {
    clients: options.clients,
    seconds: options.seconds,
    requests,
    statuses,
    serverErrors,
    transportErrors,
    disconnects,
    completeMs: percentiles(completeMs),
    firstChunkMs: percentiles(firstChunkMs),
    rssMb: { first: rss[0]!, max: Math.max(...rss), last: rss.at(-1)! },
    shutdown: { ...exit, ms: +shutdownMs.toFixed(0), statuses: shutdownStatuses, transportErrors: shutdownErrors },
  };
}
