import { CONTRACT_VERSION, LlamitaError, type BackendFactory, type BackendInfo, type BufferHandle, type Op } from '@llamita/core';
import { JsBackend } from '@llamita/backend-js';
import { f16ToF32, quantizeRowQ8_0, quantizeRowQ8K } from '@llamita/tensor';
import { detectWasmFeatures } from './features.js';
import { instantiateKernels, kernelModule, type KernelExports } from './kernels-module.js';

const PAGE = 65536;
/** wasm32 addresses 4 GiB; the last page stays unused so every offset fits an i32 comparison. */
const MAX_PAGES = 65535;
/** Weight types with a SIMD kernel; the others run the reference kernels. */
const WASM_WEIGHTS = new Set(['f32', 'q8_0', 'q4_0', 'q4_k', 'q6_k']);
/** Bytes below this belong to the AssemblyScript runtime's static data. */
const RESERVED = PAGE;

/** A region of the wasm memory owned by one buffer. */
interface Region {
  readonly offset: number;
  readonly byteLength: number;
}

/**
 * The WebAssembly backend: every buffer lives in one `WebAssembly.Memory`
 * (weights included, with no second copy in JavaScript), and matmuls with
 * f32, Q8_0, Q4_0, Q4_K and Q6_K weights run as SIMD128 kernels — quantized
 * ones as integer dot products against the activation row quantized once to
 * Q8_0 or Q8_K, as llama.cpp does. The other ops and weight types still run the reference
 * TypeScript kernels over the same memory. Single-threaded so far.
 */
export class WasmBackend extends JsBackend {
  /** @inheritDoc */
  override readonly info: BackendInfo;
  private readonly regions = new Map<number, Region>();
  private nextBufferId = 1;
  private top: number;
  private readonly f16Table: number;
  private scratch: Region = { offset: 0, byteLength: 0 };

  private constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly kernels: KernelExports,
  ) {
    super();
    const f = detectWasmFeatures();
    this.info = { name: 'wasm', contractVersion: CONTRACT_VERSION, description: `WebAssembly SIMD128 (${f.relaxedSimd ? 'relaxed SIMD available, unused' : 'no relaxed SIMD'}; single thread)` };
    this.top = RESERVED;
    // every half-precision value as f32, so kernels decode block scales with one load
    this.f16Table = this.reserve(65536 * 4);
    const table = new Float32Array(this.memory.buffer, this.f16Table, 65536);
    for (let h = 0; h < 65536; h++) table[h] = f16ToF32(h);
  }

  /** Creates a backend with its own memory. */
  static async create(): Promise<WasmBackend> {
    const memory = new WebAssembly.Memory({ initial: 32, maximum: MAX_PAGES });
    return new WasmBackend(memory, await instantiateKernels(memory));
  }

  /** Bytes of wasm memory in use (weights, cache, scratch). */
  get memoryBytes(): number {
    return this.top;
  }

  /** Takes `bytes` (16-byte aligned) from the top of memory, growing it. */
  private reserve(bytes: number): number {
    const offset = (this.top + 15) & ~15;
    const end = offset + bytes;
    if (end > MAX_PAGES * PAGE) {
      throw new LlamitaError('E_INVALID_ARGUMENT', `wasm memory is limited to 4 GiB: ${end} bytes would be needed`, { bytes: end });
    }
    const pages = Math.ceil(end / PAGE) - this.memory.buffer.byteLength / PAGE;
    if (pages > 0) this.memory.grow(pages);
    this.top = end;
    return offset;
  }

  /** A new zero-filled buffer in wasm memory (16-byte aligned). */
  override allocate(byteLength: number, label?: string): BufferHandle {
    this.checkAlive();
    if (!Number.isSafeInteger(byteLength) || byteLength < 0) {
      throw new LlamitaError('E_INVALID_ARGUMENT', `cannot allocate ${byteLength} bytes${label ? ` for ${label}` : ''}`);
    }
    const id = this.nextBufferId++;
    this.regions.set(id, { offset: this.reserve(Math.max(4, byteLength)), byteLength });
    return { backend: 'wasm', id, byteLength };
  }

  /**
   * Frees a buffer. Memory is a stack: the space returns when the buffer is
   * the most recent one; otherwise it is reused only after {@link WasmBackend.dispose}.
   */
  override release(buffer: BufferHandle): void {
    const region = this.regions.get(buffer.id);
    if (!region) return;
    this.regions.delete(buffer.id);
    if (region.offset + Math.max(4, region.byteLength) === this.top) {
      new Uint8Array(this.memory.buffer, region.offset, region.byteLength).fill(0);
      this.top = region.offset;
    }
  }

  /** Frees every buffer; later calls throw `E_DISPOSED`. */
  override dispose(): void {
    this.regions.clear();
    this.disposed = true;
  }

  protected override storage(buffer: BufferHandle): Uint8Array {
    this.checkAlive();
    const region = buffer.backend === 'wasm' ? this.regions.get(buffer.id) : undefined;
    if (!region) throw new LlamitaError('E_DISPOSED', `buffer ${buffer.backend}#${buffer.id} is not a live buffer of this backend`);
    return new Uint8Array(this.memory.buffer, region.offset, region.byteLength);
  }

  /** Absolute address of a tensor in wasm memory. */
  private address(buffer: BufferHandle, byteOffset: number): number {
    return this.storage(buffer).byteOffset + byteOffset;
  }

  protected override execute(op: Op): void {
    if (op.op !== 'matmul' || !WASM_WEIGHTS.has(op.w.dtype)) return super.execute(op);
    const [m, k] = op.x.shape as [number, number];
    const n = op.w.shape[0]!;
    if (m === 0 || n === 0) return;
    const x = this.address(op.x.buffer, op.x.byteOffset);
    const w = this.address(op.w.buffer, op.w.byteOffset);
    const out = this.address(op.out.buffer, op.out.byteOffset);
    if (op.w.dtype === 'f32') {
      this.kernels.matmulF32(x, w, out, m, k, n);
      return;
    }
    // quantize each activation row once: Q8_0 (blocks of 32) for q8_0/q4_0, Q8_K (256) for the k-quants
    const kQuant = op.w.dtype === 'q4_k' || op.w.dtype === 'q6_k';
    const block = kQuant ? 256 : 32;
    const qsBytes = (m * k + 15) & ~15;
    const dsBytes = ((m * k) / block) * 4;
    const sumsBytes = kQuant ? ((m * k) / 16) * 4 : 0;
    const scratch = this.scratchFor(qsBytes + dsBytes + sumsBytes);
    const [qsAt, dsAt, sumsAt] = [scratch, scratch + qsBytes, scratch + qsBytes + dsBytes];
    const qs = new Int8Array(this.memory.buffer, qsAt, m * k);
    const ds = new Float32Array(this.memory.buffer, dsAt, (m * k) / block);
    const xs = new Float32Array(this.memory.buffer, x, m * k);
    const quantizeRow = kQuant ? quantizeRowQ8K : quantizeRowQ8_0;
    for (let i = 0; i < m; i++) quantizeRow(xs.subarray(i * k, (i + 1) * k), qs.subarray(i * k, (i + 1) * k), ds.subarray((i * k) / block, ((i + 1) * k) / block));
    switch (op.w.dtype) {
      case 'q8_0':
        return this.kernels.matmulQ8_0(qsAt, dsAt, w, out, m, k, n, this.f16Table);
      case 'q4_0':
        return this.kernels.matmulQ4_0(qsAt, dsAt, w, out, m, k, n, this.f16Table);
      case 'q6_k':
        return this.kernels.matmulQ6_K(qsAt, dsAt, w, out, m, k, n, this.f16Table);
      default: {
        // Q4_K subtracts mins times the sums of each 16 activation quants
        const sums = new Int32Array(this.memory.buffer, sumsAt, (m * k) / 16);
        for (let g = 0; g < sums.length; g++) {
          let t = 0;
          for (let e = g * 16; e < g * 16 + 16; e++) t += qs[e]!;
          sums[g] = t;
        }
        return this.kernels.matmulQ4_K(qsAt, dsAt, sumsAt, w, out, m, k, n, this.f16Table);
      }
    }
  }

  /** A scratch area of at least `bytes`, kept at a fixed place once allocated (16-byte aligned). */
  private scratchFor(bytes: number): number {
    if (this.scratch.byteLength < bytes) {
      const size = Math.max(bytes, this.scratch.byteLength * 2, 1 << 16);
      this.scratch = { offset: this.reserve(size), byteLength: size };
    }
    return this.scratch.offset;
  }
}

/** Factory for {@link WasmBackend}: probes SIMD support and that the kernels load. */
export const wasmBackend: BackendFactory = {
  name: 'wasm',
  async probe() {
    const f = detectWasmFeatures();
    if (!f.simd) return { ok: false, reason: 'this runtime has no WebAssembly SIMD128' };
    try {
      await kernelModule();
    } catch (e) {
      return { ok: false, reason: (e as Error).message };
    }
    return { ok: true, description: `WebAssembly SIMD128${f.relaxedSimd ? ' (relaxed SIMD available)' : ''}, single thread` };
  },
  create: () => WasmBackend.create(),
};

