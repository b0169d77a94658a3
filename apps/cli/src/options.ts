import { UsageError } from './cli-error.js';

/** Parses a numeric flag, naming the flag when the value is not a number in range. */
export function numberFlag(name: string, value: string | undefined, fallback: number, min = -Infinity, max = Infinity): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${name} must be a number in [${min}, ${max}], got "${value}"`);
  return n;
}

/** Parses an integer flag. */
export function intFlag(name: string, value: string | undefined, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const n = numberFlag(name, value, fallback, min, max);
  if (!Number.isInteger(n)) throw new UsageError(`--${name} must be an integer, got "${value}"`);
  return n;
}

/** A value that reads as a negative number (`-1`, `-0.5`, `-inf`), which `parseArgs` would take for a flag. */
const NEGATIVE_NUMBER = /^-(\d|\.\d|inf\b)/i;

/**
 * `argv` with each `--flag -1` joined into `--flag=-1`, so negative numbers
 * need no `=` (`parseArgs` refuses a value that starts with a dash). Safe
 * because no command takes positionals: a negative number can only be a value.
 */
export function joinNegativeValues(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    if (arg.startsWith('--') && !arg.includes('=') && next !== undefined && NEGATIVE_NUMBER.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

/**
 * A sampling seed flag: an integer in [0, 2^32), or -1 (llama.cpp's "random"):
 * then a seed drawn from the system's random source, which the caller should
 * print so the run can be repeated.
 */
export function seedFlag(value: string | undefined, fallback: number): { readonly seed: number; readonly drawn: boolean } {
  if (value?.trim() === '-1') return { seed: crypto.getRandomValues(new Uint32Array(1))[0]!, drawn: true };
  return { seed: intFlag('seed', value, fallback, 0, 2 ** 32 - 1), drawn: false };
}
