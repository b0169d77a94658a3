// Which thread of the pool this instance of the kernel module runs on. Every
// thread has its own instance over the shared memory, and a wasm global is
// per instance, so kernels can find their own part of a shared scratch area.

let threadIndex: i32 = 0;

/** Sets this instance's thread index (0 is the calling thread, workers 1 and up); called once when a worker starts. */
export function setThreadIndex(index: i32): void {
  threadIndex = index;
}

/** This thread's part of a scratch area holding `bytesPerThread` for each thread. */
export function threadScratch(scratch: usize, bytesPerThread: usize): usize {
  return scratch + <usize>threadIndex * bytesPerThread;
}
