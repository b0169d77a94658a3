import type { LoadProgress } from '@llamita/model';

/** A one-line progress bar on stderr, drawn only when stderr is a terminal. */
export function progressBar(label: string): (p: LoadProgress) => void {
  if (!process.stderr.isTTY) return () => {};
  return (p) => {
    const frac = p.total > 0 ? p.loaded / p.total : 1;
    const width = 30;
    const filled = Math.round(frac * width);
    process.stderr.write(`\r${label} [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${(frac * 100).toFixed(0)}%`);
    if (p.stage === 'done') process.stderr.write('\n');
  };
}
