/**
 * Stop strings across token boundaries: text is held back while it could
 * still be the start of a stop string, so a stop string is never printed,
 * even when it arrives split over several tokens.
 */
export class StopStringFilter {
  private pending = '';
  private done = false;

  /** @param stops - the stop strings (empty ones are ignored) */
  constructor(private readonly stops: readonly string[]) {}

  /** Whether a stop string was seen. */
  get stopped(): boolean {
    return this.done;
  }

  /** Adds generated text; returns what can be shown now. */
  push(text: string): string {
    if (this.done) return '';
    this.pending += text;
    let cut = -1;
    for (const s of this.stops) {
      if (!s) continue;
      const at = this.pending.indexOf(s);
      if (at >= 0 && (cut < 0 || at < cut)) cut = at;
    }
    if (cut >= 0) {
      this.done = true;
      const out = this.pending.slice(0, cut);
      this.pending = '';
      return out;
    }
    // hold back the longest tail that is a prefix of some stop string
    let hold = 0;
    for (const s of this.stops) {
      for (let n = Math.min(s.length - 1, this.pending.length); n > hold; n--) {
        if (this.pending.endsWith(s.slice(0, n))) {
          hold = n;
          break;
        }
      }
    }
    const out = this.pending.slice(0, this.pending.length - hold);
    this.pending = this.pending.slice(this.pending.length - hold);
    return out;
  }

  /** Ends the stream: returns text held back (no stop string completed). */
  flush(): string {
    const out = this.done ? '' : this.pending;
    this.pending = '';
    return out;
  }
}
