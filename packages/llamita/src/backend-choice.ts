import { LlamitaError, type Backend, type BackendFactory } from '@llamita/core';

/** A backend the engine did not take, and why. */
export interface SkippedBackend {
  /** Its name. */
  readonly name: string;
  /** Why not: its probe's answer, a failed creation, or an op or size it cannot take. */
  readonly reason: string;
}

/** Which backend an engine runs on, and the candidates passed over before it. */
export interface BackendChoice {
  /** The backend's name. */
  readonly name: string;
  /** Its own description (device, threads, features). */
  readonly description: string;
  /** Candidates tried first and not taken, in order. */
  readonly skipped: readonly SkippedBackend[];
}

/** What `backend` may be: a live backend (the caller's), a factory, or factories in order of preference. */
export type BackendOption = Backend | BackendFactory | readonly BackendFactory[];

/** A loaded thing on the backend it was placed on. */
export interface Placed<T> {
  /** What `load` returned. */
  readonly value: T;
  /** The backend it was placed on. */
  readonly backend: Backend;
  /** Whether the backend was created here (the engine disposes it) or passed in (the caller's). */
  readonly owned: boolean;
  /** Which backend, and the candidates passed over. */
  readonly choice: BackendChoice;
  /** The candidates after the one taken, in order: where to go if it fails later. */
  readonly fallbacks: readonly BackendFactory[];
}

const isFactory = (b: Backend | BackendFactory): b is BackendFactory => typeof (b as BackendFactory).create === 'function';

/**
 * Loads with `load` on the first backend of `option` that probes well, can be
 * created, and takes the model: a model the backend cannot run (an op it
 * lacks, or more memory than it has) is refused before anything is uploaded,
 * and the next candidate is tried.
 * @throws LlamitaError `E_BACKEND_UNAVAILABLE` listing every candidate's reason when none takes it.
 */
export async function placeOnBackend<T>(option: BackendOption, load: (backend: Backend) => Promise<T>): Promise<Placed<T>> {
  if (!Array.isArray(option) && !isFactory(option as Backend | BackendFactory)) {
    const backend = option as Backend;
    return { value: await load(backend), backend, owned: false, choice: { name: backend.info.name, description: backend.info.description, skipped: [] }, fallbacks: [] };
  }
  const candidates = (Array.isArray(option) ? option : [option]) as readonly BackendFactory[];
  if (candidates.length === 0) throw new LlamitaError('E_INVALID_ARGUMENT', 'no backend given: pass a backend, a factory, or factories in order of preference');
  const skipped: SkippedBackend[] = [];
  for (const [index, factory] of candidates.entries()) {
    const probe = await factory.probe();
    if (!probe.ok) {
      skipped.push({ name: factory.name, reason: probe.reason });
      continue;
    }
    let backend: Backend;
    try {
      backend = await factory.create();
    } catch (e) {
      // options the caller got wrong (a thread count out of range) are theirs to fix, not a reason to fall back
      if (LlamitaError.is(e) && e.code === 'E_INVALID_ARGUMENT') throw e;
      skipped.push({ name: factory.name, reason: (e as Error).message });
      continue;
    }
    try {
      const value = await load(backend);
      return { value, backend, owned: true, choice: { name: backend.info.name, description: backend.info.description, skipped }, fallbacks: candidates.slice(index + 1) };
    } catch (e) {
      backend.dispose();
      // refused before upload: another backend may take it
      if (LlamitaError.is(e) && (e.code === 'E_UNSUPPORTED_OP' || e.code === 'E_OUT_OF_MEMORY') && candidates.length > 1) {
        skipped.push({ name: factory.name, reason: e.message });
        continue;
      }
      throw e;
    }
  }
  const reasons = skipped.map((s) => `${s.name}: ${s.reason}`).join('; ');
  throw new LlamitaError(
    'E_BACKEND_UNAVAILABLE',
    candidates.length === 1 ? `the ${candidates[0]!.name} backend cannot run here: ${skipped[0]!.reason}` : `no backend can run this model here (${reasons})`,
    { skipped },
  );
}
