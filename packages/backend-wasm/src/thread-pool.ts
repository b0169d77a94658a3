import { LlamitaError } from '@llamita/core';
import { workerMain, type WorkerInit } from './worker-main.js';

/** Slots of the control block shared by the pool's threads (an Int32Array over a SharedArrayBuffer). */
export const Slot = {
  /** Bumped once per task; workers wait on it. */
  Generation: 0,
  /** Workers that finished the current task. */
  Done: 1,
  /** Index of the kernel to run, or -1 to stop. */
  Kernel: 2,
  /** Workers whose task threw. */
  Failed: 3,
  /** Threads taking part, the caller included. */
  Threads: 4,
  /** Arguments of the current task. */
  ArgCount: 5,
  /** The task's range [0, n) of output rows (or heads, or chunks). */
  Count: 6,
  /** How many of them a thread takes at a time. */
  Chunk: 7,
  /** The start of the next chunk nobody took yet (threads take chunks with an atomic add). */
  Next: 8,
} as const;
/** Most threads a pool runs. */
export const MAX_THREADS = 64;
/** Byte offset of the task's f64 arguments in the control block. */
export const ARGS_AT = 16 * 4;
/** Most arguments a task takes (each chunk's range is appended by the thread that takes it). */
export const MAX_ARGS = 16;
const CONTROL_BYTES = ARGS_AT + MAX_ARGS * 8;
/** Chunks per thread in a task: enough that a thread slowed down (another process, a smaller core) leaves its share to the others. */
const CHUNKS_PER_THREAD = 4;
/** Loads of the done counter before the caller sleeps: a few microseconds of spinning saves a futex round trip per matmul. */
const SPINS = 20000;
/**
 * A task in which no thread took a chunk or finished for this long has a dead
 * worker (one killed by the runtime, say), and fails instead of hanging. It
 * measures silence, not the task's length: a thread descheduled by a busy
 * machine still makes progress within milliseconds, so a slow task never trips it.
 */
const STALL_MS = 60_000;

/**
 * The chunk size for a task of `n` rows on `threads` threads: about
 * CHUNKS_PER_THREAD chunks each, a multiple of `align` (4: the matmul tiles).
 * Threads take chunks in turn until none is left, so the work follows
 * whichever thread is free; which thread computes a row does not change its
 * result.
 */
export function chunkOf(n: number, threads: number, align = 4): number {
  return Math.max(align, Math.ceil(n / (threads * CHUNKS_PER_THREAD) / align) * align);
}

/** Runs `kernel(...args, j0, j1)` on chunks of `[0, n)` taken from the control block's counter until none is left. */
export function takeChunks(c: Int32Array, kernel: (...args: number[]) => void, args: number[], n: number, chunk: number, next: number): void {
  for (let j0 = Atomics.add(c, next, chunk); j0 < n; j0 = Atomics.add(c, next, chunk)) kernel(...args, j0, Math.min(n, j0 + chunk));
}

type Kernel = (...args: number[]) => void;

/** The minimal worker handle both runtimes give. */
interface WorkerHandle {
  postMessage(message: unknown): void;
  terminate(): unknown;
}

/** What a pool needs to start (and start again) its workers. */
interface PoolSetup {
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  readonly workers: number;
  readonly kernelNames: readonly string[];
}

/** Starts `setup.workers` workers on a control block; `onLost` hears of any that exits or fails later. */
async function startWorkers(setup: PoolSetup, controlBuffer: SharedArrayBuffer, onLost: (why: string) => void): Promise<WorkerHandle[]> {
  const workers: WorkerHandle[] = [];
  try {
    const ready: Promise<void>[] = [];
    for (let i = 1; i <= setup.workers; i++) {
      const { worker, started } = await spawn(onLost);
      workers.push(worker);
      ready.push(started);
      const { module, memory, kernelNames } = setup;
      worker.postMessage({ module, memory, control: controlBuffer, kernelNames, slots: Slot, argsAt: ARGS_AT, maxArgs: MAX_ARGS, index: i } satisfies WorkerInit);
    }
    await Promise.all(ready);
    return workers;
  } catch (e) {
    for (const w of workers) void w.terminate();
    throw new LlamitaError('E_BACKEND_UNAVAILABLE', `cannot start ${setup.workers} wasm worker threads: ${(e as Error).message}`);
  }
}

/**
 * Worker threads over one shared `WebAssembly.Memory`, each with its own
 * instance of the kernel module. {@link ThreadPool.run} splits one kernel call
 * by output rows: the caller computes the first share while the workers
 * compute the rest, and it returns once all are done (synchronously, so the
 * backend's `run` stays synchronous). Workers spin briefly, then sleep on a
 * futex (`Atomics.wait`), between tasks.
 *
 * A worker that exits, fails or stops making progress (killed by the
 * runtime, hung) breaks the pool: the task it was part of throws
 * `E_BACKEND_UNAVAILABLE`, every worker is terminated and a new set starts in
 * the background; until it is ready, tasks run on the calling thread alone
 * (same results: which thread computes a row does not change it).
 */
export class ThreadPool {
  private control: Int32Array;
  private args: Float64Array;
  /** Why the pool runs on the calling thread alone, while new workers start; undefined when healthy. */
  private broken: string | undefined;
  private repair: Promise<void> = Promise.resolve();
  private disposed = false;
  /** Times the workers were started again after a loss. */
  restarts = 0;

  private constructor(
    private workers: readonly WorkerHandle[],
    controlBuffer: SharedArrayBuffer,
    private readonly setup: PoolSetup,
    private readonly canBlock: boolean,
    private readonly stallMs: number,
  ) {
    this.control = new Int32Array(controlBuffer, 0, ARGS_AT / 4);
    this.args = new Float64Array(controlBuffer, ARGS_AT, MAX_ARGS);
  }

  /** Threads that take part in each task, the calling one included (as configured, also while the pool restarts). */
  get threads(): number {
    return this.setup.workers + 1;
  }

  /** Why tasks run on the calling thread alone right now, or undefined when every worker is up. */
  get degraded(): string | undefined {
    return this.broken;
  }

  /** Settles when the latest restart of the workers has finished (at once when none is under way). */
  whenRestarted(): Promise<void> {
    return this.repair;
  }

  /**
   * Starts `threads - 1` workers that instantiate `module` over `memory` and
   * export `kernelNames`. `canBlock` says whether the calling thread may
   * `Atomics.wait` (not a browser's main thread); without it the caller spins.
   * `stallMs`: silence after which a task gives its workers up (tests shorten it).
   * @throws LlamitaError `E_BACKEND_UNAVAILABLE` when a worker cannot start.
   */
  static async create(module: WebAssembly.Module, memory: WebAssembly.Memory, threads: number, kernelNames: readonly string[], canBlock: boolean, stallMs = STALL_MS): Promise<ThreadPool> {
    if (threads > MAX_THREADS) throw new LlamitaError('E_INVALID_ARGUMENT', `at most ${MAX_THREADS} threads, got ${threads}`);
    const setup: PoolSetup = { module, memory, workers: threads - 1, kernelNames };
    const controlBuffer = new SharedArrayBuffer(CONTROL_BYTES);
    const current: { pool?: ThreadPool; workers?: readonly WorkerHandle[] } = {};
    const workers = await startWorkers(setup, controlBuffer, (why) => current.pool?.loseIfCurrent(current.workers, why));
    current.workers = workers;
    current.pool = new ThreadPool(workers, controlBuffer, setup, canBlock, stallMs);
    return current.pool;
  }

  /**
   * Runs `kernel(...args, j0, j1)` over `[0, n)` on every thread, which take
   * chunks ({@link chunkOf}, boundaries at multiples of `align`) until none
   * is left; `local` is the calling thread's instance of the same kernel.
   * @throws LlamitaError `E_INVALID_ARGUMENT` when a worker's kernel trapped;
   * `E_BACKEND_UNAVAILABLE` when a worker stopped responding during this task.
   */
  run(kernel: string, local: Kernel, args: readonly number[], n: number, align = 4): void {
    const index = this.setup.kernelNames.indexOf(kernel);
    if (index < 0 || args.length > MAX_ARGS) throw new LlamitaError('E_INVALID_ARGUMENT', `the thread pool cannot run ${kernel} with ${args.length} arguments`);
    if (this.broken) {
      local(...args, 0, n);
      return;
    }
    const c = this.control;
    this.args.set(args);
    c[Slot.ArgCount] = args.length;
    const chunk = chunkOf(n, this.threads, align);
    c[Slot.Count] = n;
    c[Slot.Chunk] = chunk;
    Atomics.store(c, Slot.Next, 0);
    c[Slot.Kernel] = index;
    c[Slot.Threads] = this.threads;
    c[Slot.Failed] = 0;
    Atomics.store(c, Slot.Done, 0);
    Atomics.add(c, Slot.Generation, 1);
    Atomics.notify(c, Slot.Generation);
    takeChunks(c, local, [...args], n, chunk, Slot.Next);
    this.awaitWorkers();
    if (c[Slot.Failed]) throw new LlamitaError('E_INVALID_ARGUMENT', `a wasm worker thread failed running ${kernel}`);
  }

  /** Blocks until every worker reported the current task done. */
  private awaitWorkers(): void {
    const c = this.control;
    const workers = this.workers.length;
    let spins = 0;
    let progress = -1;
    let since = 0;
    for (let done = Atomics.load(c, Slot.Done); done < workers; done = Atomics.load(c, Slot.Done)) {
      if (++spins < SPINS || !this.canBlock) continue;
      Atomics.wait(c, Slot.Done, done, 100);
      // chunks taken plus threads finished: it grows while any thread works
      const now = Atomics.load(c, Slot.Next) + Atomics.load(c, Slot.Done);
      if (now !== progress) [progress, since] = [now, performance.now()];
      else if (performance.now() - since > this.stallMs) {
        const why = `a wasm worker thread stopped responding (${workers - done} of ${workers} still busy, no progress for ${this.stallMs / 1000} s)`;
        this.lose(why);
        throw new LlamitaError('E_BACKEND_UNAVAILABLE', `${why}; its workers are restarting and tasks run on this thread meanwhile`);
      }
    }
  }

  /**
   * A worker of `set` was lost: breaks the pool if `set` is its current workers.
   * Terminated sets report their exits late, and are ignored; a worker lost
   * while its set is still starting is caught by the first task instead (it stalls).
   */
  private loseIfCurrent(set: readonly WorkerHandle[] | undefined, why: string): void {
    if (set !== undefined && set === this.workers) this.lose(why);
  }

  /** Gives up the current workers (terminated, even a hung one) and starts new ones on a fresh control block. */
  private lose(why: string): void {
    if (this.broken || this.disposed) return;
    this.broken = why;
    for (const w of this.workers) void w.terminate();
    const controlBuffer = new SharedArrayBuffer(CONTROL_BYTES);
    const next: { workers?: readonly WorkerHandle[] } = {};
    this.repair = startWorkers(this.setup, controlBuffer, (lost) => this.loseIfCurrent(next.workers, lost)).then(
      (workers) => {
        if (this.disposed) {
          for (const w of workers) void w.terminate();
          return;
        }
        next.workers = workers;
        this.workers = workers;
        this.control = new Int32Array(controlBuffer, 0, ARGS_AT / 4);
        this.args = new Float64Array(controlBuffer, ARGS_AT, MAX_ARGS);
        this.broken = undefined;
        this.restarts++;
      },
      (e: Error) => {
        this.broken = `${why}; restarting the workers failed: ${e.message}`;
      },
    );
  }

  /** Stops the workers. */
  dispose(): void {
    this.disposed = true;
    Atomics.store(this.control, Slot.Kernel, -1);
    Atomics.add(this.control, Slot.Generation, 1);
    Atomics.notify(this.control, Slot.Generation);
    for (const w of this.workers) void w.terminate();
  }
}

/**
 * Starts one worker running {@link workerMain}; `started` settles when it is
 * listening, or rejects on its first error. After that, `onLost` hears of the
 * worker exiting or failing (Node; a browser worker only reports errors).
 */
async function spawn(onLost: (why: string) => void): Promise<{ worker: WorkerHandle; started: Promise<void> }> {
  const main = workerMain.toString();
  if (typeof process !== 'undefined' && process.versions?.node) {
    const { Worker } = await import('node:worker_threads');
    const source = `const { parentPort } = require('node:worker_threads');\n(${main})((handler) => parentPort.once('message', handler), (message) => parentPort.postMessage(message));`;
    const worker = new Worker(source, { eval: true });
    worker.unref();
    const started = new Promise<void>((resolve, reject) => {
      worker.once('message', (m) => (m === 'ready' ? resolve() : reject(new Error(String(m)))));
      worker.once('error', reject);
    });
    void started.then(
      () => {
        worker.once('exit', (code) => onLost(`a wasm worker thread exited (code ${code})`));
        worker.on('error', (e) => onLost(`a wasm worker thread failed: ${e.message}`));
      },
      () => undefined,
    );
    return { worker, started };
  }
  const source = `(${main})((handler) => { self.onmessage = (e) => handler(e.data); }, (message) => self.postMessage(message));`;
  const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  const worker = new Worker(url);
  const started = new Promise<void>((resolve, reject) => {
    worker.onmessage = (e: MessageEvent) => (e.data === 'ready' ? resolve() : reject(new Error(String(e.data))));
    worker.onerror = (e: ErrorEvent) => reject(new Error(e.message));
  });
  void started
    .finally(() => URL.revokeObjectURL(url))
    .then(
      () => {
        worker.onerror = (e: ErrorEvent) => onLost(`a wasm worker thread failed: ${e.message}`);
      },
      () => undefined,
    );
  return { worker, started };
}
