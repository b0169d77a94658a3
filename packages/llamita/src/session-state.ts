import { LlamitaError, concatBytes as concat, sha256Hex as sha256 } from '@llamita/core';
import type { KvSnapshot, KvType } from '@llamita/model';

/** The first bytes of a saved session. */
const MAGIC = 'LLAMITA-SESSION\0';
/** Version of the layout below; a reader refuses others. */
const VERSION = 1;
/** Most bytes the JSON header may take (tokens included): a bound on what a corrupt length makes us read. */
const MAX_HEADER_BYTES = 64 << 20;

/** The header of a saved session, as JSON. */
interface StateHeader {
  readonly version: number;
  /** `modelFingerprint` of the weights the cache was computed with. */
  readonly model: string;
  /** `info.numerics` of the backend that computed it. */
  readonly numerics: string;
  readonly dtype: KvType;
  readonly tokens: readonly number[];
  /** Byte length of each layer's key rows and of its value rows. */
  readonly layerBytes: readonly number[];
  /** SHA-256 (hex) of the rows that follow the header. */
  readonly sha256: string;
}

/** A saved session, decoded. */
export interface SessionState {
  /** Fingerprint of the model it was made with. */
  readonly model: string;
  /** Numerics of the backend that computed the cache. */
  readonly numerics: string;
  /** The tokens, one per cache row. */
  readonly tokens: readonly number[];
  /** The cache rows. */
  readonly kv: KvSnapshot;
}

/**
 * Layout: MAGIC, a u32 (little-endian) header length, the JSON header, then
 * for each layer its key rows and its value rows.
 */
export async function encodeSessionState(state: SessionState): Promise<Uint8Array> {
  const rows = [...state.kv.k.flatMap((k, l) => [k, state.kv.v[l]!])];
  const body = concat(rows);
  const header: StateHeader = {
    version: VERSION,
    model: state.model,
    numerics: state.numerics,
    dtype: state.kv.dtype,
    tokens: state.tokens,
    layerBytes: rows.map((r) => r.byteLength),
    sha256: await sha256(body),
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, json.byteLength, true);
  return concat([new TextEncoder().encode(MAGIC), length, json, body]);
}

/**
 * Reads what {@link encodeSessionState} wrote.
 * @throws LlamitaError `E_BAD_FILE` for anything else: another format, a version we do not read, a truncated or altered blob.
 */
export async function decodeSessionState(bytes: Uint8Array): Promise<SessionState> {
  const bad = (why: string) => new LlamitaError('E_BAD_FILE', `not a saved llamita session: ${why}`);
  const magic = new TextEncoder().encode(MAGIC);
  if (bytes.byteLength < magic.byteLength + 4 || !magic.every((b, i) => bytes[i] === b)) throw bad('it does not start with the session magic');
  const headerBytes = new DataView(bytes.buffer, bytes.byteOffset + magic.byteLength, 4).getUint32(0, true);
  const bodyStart = magic.byteLength + 4 + headerBytes;
  if (headerBytes > MAX_HEADER_BYTES || bodyStart > bytes.byteLength) throw bad(`its header length ${headerBytes} runs past the end (the blob is truncated)`);
  let header: StateHeader;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(magic.byteLength + 4, bodyStart))) as StateHeader;
  } catch {
    throw bad('its header is not JSON');
  }
  if (header.version !== VERSION) throw bad(`version ${String(header.version)} (this llamita reads ${VERSION})`);
  const wellFormed =
    typeof header.model === 'string' &&
    typeof header.numerics === 'string' &&
    (header.dtype === 'f16' || header.dtype === 'f32') &&
    Array.isArray(header.tokens) &&
    header.tokens.every((t) => Number.isSafeInteger(t) && t >= 0) &&
    Array.isArray(header.layerBytes) &&
    header.layerBytes.length % 2 === 0 &&
    header.layerBytes.every((n) => Number.isSafeInteger(n) && n >= 0) &&
    typeof header.sha256 === 'string';
  if (!wellFormed) throw bad('its header lacks a field or has one of the wrong type');
  const body = bytes.subarray(bodyStart);
  if (header.layerBytes.reduce((a, b) => a + b, 0) !== body.byteLength)
    throw bad(`its rows take ${body.byteLength} bytes, the header says ${header.layerBytes.reduce((a, b) => a + b, 0)} (truncated?)`);
  if ((await sha256(body)) !== header.sha256) throw bad('its cache rows do not match their checksum (the blob was altered)');
  const k: Uint8Array[] = [];
  const v: Uint8Array[] = [];
  let at = 0;
  header.layerBytes.forEach((n, i) => {
    (i % 2 === 0 ? k : v).push(body.slice(at, at + n));
    at += n;
  });
  return { model: header.model, numerics: header.numerics, tokens: header.tokens, kv: { length: header.tokens.length, dtype: header.dtype, k, v } };
}
