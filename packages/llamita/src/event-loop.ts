/**
 * How long a generation may keep the thread before it lets other work in
 * (timers, I/O, a server's other requests, streamed bytes). Each yield costs the
 * wasm backend about 1.5 ms (BENCHMARKS.md, "Sessions"): every 16 ms it was 4%
 * of a 1.1B decode step; every 100 ms it is within noise.
 */
export const MAX_BUSY_MS = 100;

/**
 * Resolves after the event loop has run other waiting work: a macrotask
 * (`setImmediate` in Node, a `MessageChannel` message in browsers), not a
 * microtask, which would let nothing else in.
 */
export function yieldToEventLoop(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(0);
  });
}
