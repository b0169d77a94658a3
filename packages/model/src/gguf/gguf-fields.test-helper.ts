/**
 * A GGUF header walked independently of the reader, for fuzzing: every
 * field's byte offset, width and role, so a test can overwrite one field with
 * a hostile value. Follows the GGUF v3 layout (magic, version, tensor count,
 * key/value count, key/values, tensor infos), little-endian.
 */

/** One header field: where it is, how wide, and what it means. */
export interface GgufField {
  readonly at: number;
  /** Bytes: 4 or 8 for numbers, the string's length for string bytes. */
  readonly width: number;
  /** The field's role, e.g. `tensor dims`, `kv key length`, `array count`. */
  readonly role: string;
}

const SCALAR_WIDTH: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
const STRING = 8;
const ARRAY = 9;

/** Lists every field of a valid GGUF file's header (ends where tensor data begins, before alignment padding). */
export function ggufFields(bytes: Uint8Array): GgufField[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fields: GgufField[] = [];
  let at = 0;
  const field = (width: number, role: string) => {
    fields.push({ at, width, role });
    at += width;
  };
  const u32 = (role: string) => {
    const value = view.getUint32(at, true);
    field(4, role);
    return value;
  };
  const u64 = (role: string) => {
    const value = Number(view.getBigUint64(at, true));
    field(8, role);
    return value;
  };
  const string = (role: string) => {
    const length = u64(`${role} length`);
    if (length > 0) field(length, `${role} bytes`);
  };
  const value = (type: number, role: string) => {
    if (type === STRING) string(`${role} string`);
    else if (type === ARRAY) {
      const itemType = u32('array item type');
      const count = u64('array count');
      for (let i = 0; i < count; i++) value(itemType, 'array item');
    } else field(SCALAR_WIDTH[type]!, `${role} value`);
  };
  field(4, 'magic');
  u32('version');
  const tensors = u64('tensor count');
  const kvs = u64('kv count');
  for (let i = 0; i < kvs; i++) {
    string('kv key');
    value(u32('kv type'), 'kv');
  }
  for (let i = 0; i < tensors; i++) {
    string('tensor name');
    const dims = u32('tensor dimension count');
    for (let d = 0; d < dims; d++) u64('tensor dims');
    u32('tensor type');
    u64('tensor offset');
  }
  return fields;
}
