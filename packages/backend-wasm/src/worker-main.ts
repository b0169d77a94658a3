/** What a pool worker receives once, before its first task. */
export interface WorkerInit {
  /** The compiled kernels (the shared-memory build). */
  readonly module: WebAssembly.Module;
  /** The backend's shared memory. */
  readonly memory: WebAssembly.Memory;
  /** The pool's control block (see `Slot` in thread-pool.ts). */
  readonly control: SharedArrayBuffer;
  /** Kernel exports by index. */
  readonly kernelNames: readonly string[];
  /** Slot indices of the control block. */
  readonly slots: {
    readonly Generation: number;
    readonly Done: number;
    readonly Kernel: number;
    readonly Failed: number;
    readonly Threads: number;
    readonly ArgCount: number;
    readonly Count: number;
    readonly Chunk: number;
    readonly Next: number;
  };
  /** Byte offset and count of the f64 task arguments. */
  readonly argsAt: number;
  readonly maxArgs: number;
  /** This worker's thread index (1 and up; the caller is 0). */
  readonly index: number;
}

/**
 * The body of a pool worker. It is serialized with `Function.prototype.toString`
 * and started from source (an eval'd worker in Node, a Blob URL in browsers),
 * so it must not refer to anything outside itself: `onInit` and `post` are the
 * runtime's message plumbing. It instantiates the kernels over the shared
 * memory, says `ready`, then runs every task the control block announces on
 * chunks of the rows it takes from a shared counter, until the kernel index is -1.
 */
export function workerMain(onInit: (handler: (init: WorkerInit) => void) => void, post: (message: string) => void): void {
  onInit((init) => {
    void (async () => {
      let exports: Record<string, (...args: number[]) => void>;
      try {
        const instance = await WebAssembly.instantiate(init.module, {
          env: {
            memory: init.memory,
            abort: () => {
              throw new Error('a wasm kernel aborted');
            },
          },
        });
        exports = instance.exports as typeof exports;
        // kernels with scratch per thread find their part by this index
        exports['setThreadIndex']!(init.index);
      } catch (e) {
        post(`cannot instantiate the kernels: ${(e as Error).message}`);
        return;
      }
      const c = new Int32Array(init.control, 0, init.argsAt / 4);
      const argv = new Float64Array(init.control, init.argsAt, init.maxArgs);
      const s = init.slots;
      // Read before saying ready: the caller announces its first task as soon as every
      // worker is ready, and a worker descheduled between `post` and this load would
      // otherwise take that task's generation for one it had seen, and sleep through it.
      let seen = Atomics.load(c, s.Generation);
      post('ready');
      for (;;) {
        // spin up to 2 ms (during a forward pass the next task comes within microseconds
        // and a futex wake-up costs more than that), then sleep until notified
        let generation = Atomics.load(c, s.Generation);
        const spinUntil = performance.now() + 2;
        for (let spins = 1; generation === seen; spins++) {
          if (spins % 1024 === 0 && performance.now() > spinUntil) break;
          generation = Atomics.load(c, s.Generation);
        }
        if (generation === seen) {
          Atomics.wait(c, s.Generation, seen);
          continue;
        }
        seen = generation;
        const kernel = c[s.Kernel]!;
        if (kernel < 0) return;
        try {
          const args = Array.from(argv.subarray(0, c[s.ArgCount]));
          const run = exports[init.kernelNames[kernel]!]!;
          // chunks in turn from the shared counter, as thread-pool.ts's takeChunks (this function cannot import it)
          const [n, chunk] = [c[s.Count]!, c[s.Chunk]!];
          for (let j0 = Atomics.add(c, s.Next, chunk); j0 < n; j0 = Atomics.add(c, s.Next, chunk)) run(...args, j0, Math.min(n, j0 + chunk));
        } catch {
          Atomics.add(c, s.Failed, 1);
        }
        if (Atomics.add(c, s.Done, 1) + 1 === c[s.Threads]! - 1) Atomics.notify(c, s.Done);
      }
    })();
  });
}
