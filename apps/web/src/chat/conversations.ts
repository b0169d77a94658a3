/**
 * Conversations kept in IndexedDB (one object store, keyed by id), and each
 * conversation's engine session state (the KV cache rows, `saveSession`'s
 * bytes) in the origin private file system under `sessions/ID.bin`, so after
 * a reload the next reply starts without reading the conversation again.
 */

/** One message of a conversation. */
export interface StoredMessage {
  /** Who said it. */
  readonly role: 'user' | 'assistant';
  /** What was said (Markdown for the assistant). */
  readonly content: string;
}

/** Settings of the sampler and the reply length, llama.cpp's defaults unless changed. */
export interface ChatSettings {
  temperature: number;
  topP: number;
  topK: number;
  minP: number;
  repeatPenalty: number;
  seed: number;
  maxTokens: number;
}

/** llama.cpp's defaults (`common_params_sampling`), with replies of at most 512 tokens (llama.cpp's -1 means unbounded) and seed 0 (it draws one at random; ours is explicit). */
export const DEFAULT_SETTINGS: Readonly<ChatSettings> = { temperature: 0.8, topP: 0.95, topK: 40, minP: 0.05, repeatPenalty: 1, seed: 0, maxTokens: 512 };

/** A conversation as it is kept. */
export interface Conversation {
  readonly id: string;
  title: string;
  system: string;
  messages: StoredMessage[];
  settings: ChatSettings;
  /** Last change, ms since the epoch. */
  updatedAt: number;
}

const DB = 'llamita-chat';
const STORE = 'conversations';

let opened: Promise<IDBDatabase> | undefined;
function database(): Promise<IDBDatabase> {
  opened ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: 'id' });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  return opened;
}

/** Runs one request against the conversations store. */
async function inStore<T>(mode: IDBTransactionMode, act: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await database();
  return new Promise((resolve, reject) => {
    const request = act(db.transaction(STORE, mode).objectStore(STORE));
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** Every kept conversation, the most recent first. */
export async function listConversations(): Promise<Conversation[]> {
  const all = await inStore<Conversation[]>('readonly', (s) => s.getAll() as IDBRequest<Conversation[]>);
  return all.sort((a, b) => b.updatedAt - a.updatedAt);
}

/** Keeps a conversation (new or changed). */
export async function saveConversation(conversation: Conversation): Promise<void> {
  conversation.updatedAt = Date.now();
  await inStore('readwrite', (s) => s.put(structuredClone(conversation)));
}

/** Forgets a conversation and its session state. */
export async function deleteConversation(id: string): Promise<void> {
  await inStore('readwrite', (s) => s.delete(id));
  await (await sessionsDir()).removeEntry(`${id}.bin`).catch(() => undefined);
}

/** A new, empty conversation (not yet kept). */
export function newConversation(id: string): Conversation {
  return { id, title: 'New chat', system: '', messages: [], settings: { ...DEFAULT_SETTINGS }, updatedAt: Date.now() };
}

const sessionsDir = async () => (await navigator.storage.getDirectory()).getDirectoryHandle('sessions', { create: true });

/** Keeps a conversation's session state (`saveSession`'s bytes). */
export async function saveSessionState(id: string, bytes: Uint8Array): Promise<void> {
  const writable = await (await (await sessionsDir()).getFileHandle(`${id}.bin`, { create: true })).createWritable();
  await writable.write(bytes as Uint8Array<ArrayBuffer>);
  // close commits the whole file at once: a reload mid-write leaves the previous state, never half of one
  await writable.close();
}

/** A conversation's kept session state, if any. */
export async function loadSessionState(id: string): Promise<Uint8Array | undefined> {
  try {
    const file = await (await (await sessionsDir()).getFileHandle(`${id}.bin`)).getFile();
    return new Uint8Array(await file.arrayBuffer());
  } catch {
    return undefined;
  }
}
