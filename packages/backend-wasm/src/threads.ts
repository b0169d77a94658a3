/** Logical processors available to this process (Node's `availableParallelism`, or the browser's `hardwareConcurrency`), at least 1. */
export async function hardwareThreads(): Promise<number> {
  if (typeof process !== 'undefined' && process.versions?.node) {
    const os = await import('node:os');
    return Math.max(1, os.availableParallelism());
  }
  return Math.max(1, globalThis.navigator?.hardwareConcurrency ?? 1);
}

/** Whether this thread may block in `Atomics.wait` (every thread but a browser's main one). */
export function canBlockHere(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}
