/** A model the app offers by name. */
export interface CatalogModel {
  /** What the list shows. */
  readonly label: string;
  /** Where it comes from: `hf:OWNER/REPO/FILE`. */
  readonly ref: string;
  /** Its size in bytes as the hub lists it (rounded to the MB): shown before the download starts. */
  readonly approxBytes: number;
}

const TINYLLAMA = 'hf:TheBloke/TinyLlama-1.1B-Chat-v1.0-GGUF/tinyllama-1.1b-chat-v1.0';

/**
 * The curated list: TinyLlama-1.1B-Chat-v1.0 in the three quantizations people
 * pick (sizes from the hub's file list), then the other small Llama-family
 * models llamita runs (docs/adr/0021; sizes approximate, as remembered from the
 * hub: this project's machines cannot reach it).
 */
export const CATALOG: readonly CatalogModel[] = [
  { label: 'TinyLlama 1.1B Chat v1.0 · Q4_K_M', ref: `${TINYLLAMA}.Q4_K_M.gguf`, approxBytes: 669e6 },
  { label: 'TinyLlama 1.1B Chat v1.0 · Q4_0', ref: `${TINYLLAMA}.Q4_0.gguf`, approxBytes: 638e6 },
  { label: 'TinyLlama 1.1B Chat v1.0 · Q8_0', ref: `${TINYLLAMA}.Q8_0.gguf`, approxBytes: 1170e6 },
  { label: 'Qwen3 0.6B · Q8_0', ref: 'hf:Qwen/Qwen3-0.6B-GGUF/Qwen3-0.6B-Q8_0.gguf', approxBytes: 639e6 },
  { label: 'Qwen2.5 0.5B Instruct · Q8_0', ref: 'hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q8_0.gguf', approxBytes: 676e6 },
  { label: 'Llama 3.2 1B Instruct · Q4_K_M', ref: 'hf:bartowski/Llama-3.2-1B-Instruct-GGUF/Llama-3.2-1B-Instruct-Q4_K_M.gguf', approxBytes: 808e6 },
];

/** The hub the `hf:` references resolve against. */
export const HF_ENDPOINT = 'https://huggingface.co';

/**
 * A model reference to the URL to fetch: `hf:OWNER/REPO/FILE` becomes the
 * hub's download URL; an http(s) URL (or a path relative to the page) stays.
 * @throws Error naming the accepted forms, for anything else.
 */
export function resolveModelUrl(ref: string, base: string): string {
  const hf = /^hf:([^/\s]+)\/([^/\s]+)\/(\S+)$/.exec(ref.trim());
  if (hf) return `${HF_ENDPOINT}/${hf[1]}/${hf[2]}/resolve/main/${hf[3]!.split('/').map(encodeURIComponent).join('/')}`;
  if (ref.trim().startsWith('hf:')) throw new Error(`"${ref}" is not hf:OWNER/REPO/FILE`);
  let url: URL;
  try {
    url = new URL(ref.trim(), base);
  } catch {
    throw new Error(`"${ref}" is not a model address: give an https URL of a .gguf file or hf:OWNER/REPO/FILE`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`"${ref}" is not an http(s) address`);
  return url.href;
}

/** "669 MB", "1.17 GB": bytes as people read them. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(bytes >= 1e8 ? 0 : 1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(0)} kB`;
  return `${bytes} B`;
}
