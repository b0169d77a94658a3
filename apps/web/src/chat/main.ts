/**
 * The chat page: picks and keeps models, runs the engine in a Web Worker,
 * keeps conversations (IndexedDB) and their session state (OPFS) across
 * reloads, and moves a conversation between backends mid-way.
 */
import { LlamitaError } from '@llamita/core';
import { CATALOG, formatBytes, resolveModelUrl } from './catalog.js';
import { BACKEND_CHOICES, ChatEngine, type BackendChoiceName, type ReplyStats } from './chat-engine.js';
import { DEFAULT_SETTINGS, deleteConversation, listConversations, newConversation, saveConversation, type ChatSettings, type Conversation } from './conversations.js';
import { deleteStoredModel, downloadModel, fileNameOf, listStoredModels, storageStatus, storedModelFile, type DownloadProgress } from './model-store.js';
import { el, renderConversations, renderMessages, renderStoredModels, StreamingReply } from './views.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const ui = {
  catalog: $<HTMLSelectElement>('catalog'),
  modelUrl: $<HTMLInputElement>('model-url'),
  modelFile: $<HTMLInputElement>('model-file'),
  backend: $<HTMLSelectElement>('backend'),
  progress: $<HTMLProgressElement>('download-progress'),
  modelStatus: $<HTMLParagraphElement>('model-status'),
  modelsPanel: $<HTMLDetailsElement>('models-panel'),
  storage: $<HTMLParagraphElement>('storage'),
  storedModels: $<HTMLUListElement>('stored-models'),
  conversations: $<HTMLUListElement>('conversations'),
  system: $<HTMLTextAreaElement>('system'),
  messages: $<HTMLOListElement>('messages'),
  prompt: $<HTMLTextAreaElement>('prompt'),
  send: $<HTMLButtonElement>('send'),
  stop: $<HTMLButtonElement>('stop'),
  stats: $<HTMLParagraphElement>('stats'),
};
/** The settings inputs, by the setting they edit. */
const SETTING_INPUTS: Record<keyof ChatSettings, HTMLInputElement> = {
  temperature: $('temperature'),
  topP: $('top-p'),
  topK: $('top-k'),
  minP: $('min-p'),
  repeatPenalty: $('repeat-penalty'),
  seed: $('seed'),
  maxTokens: $('max-tokens'),
};
const LAST_MODEL = 'llamita.model';
const LAST_CONVERSATION = 'llamita.conversation';

let chat: ChatEngine | undefined;
let conversations: Conversation[] = [];
let current: Conversation = newConversation(crypto.randomUUID());
let generation: AbortController | undefined;
let loading = false;

const idle = () => generation === undefined && !loading;

/** The error as the user reads it: the engine's code kept. */
const describe = (e: unknown) => (LlamitaError.is(e) ? `${e.message} [${e.code}]` : e instanceof Error ? e.message : String(e));

function setModelStatus(text: string, error = false): void {
  ui.modelStatus.textContent = text;
  ui.modelStatus.classList.toggle('error', error);
}

function render(): void {
  renderConversations(ui.conversations, conversations, current.id, { open: (id) => void openConversation(id), remove: (id) => void removeConversation(id) }, idle());
  renderMessages(ui.messages, current, { copy: (i) => void navigator.clipboard.writeText(current.messages[i]!.content), regenerate: () => void regenerate(), editLast }, idle());
  ui.system.value = current.system;
  for (const [key, input] of Object.entries(SETTING_INPUTS)) input.value = String(current.settings[key as keyof ChatSettings]);
  ui.send.disabled = !chat || !idle();
  ui.stop.disabled = generation === undefined;
  ui.backend.disabled = loading || generation !== undefined;
}

/** Keeps the current conversation (from its first message on) and lists it first. */
async function keep(): Promise<void> {
  if (current.messages.length === 0) return;
  await saveConversation(current);
  conversations = [current, ...conversations.filter((c) => c.id !== current.id)];
  localStorage.setItem(LAST_CONVERSATION, current.id);
}

async function openConversation(id: string): Promise<void> {
  current = conversations.find((c) => c.id === id) ?? current;
  localStorage.setItem(LAST_CONVERSATION, id);
  ui.stats.textContent = '';
  render();
}

async function removeConversation(id: string): Promise<void> {
  await deleteConversation(id);
  await chat?.forget(id);
  conversations = conversations.filter((c) => c.id !== id);
  if (current.id === id) current = conversations[0] ?? newConversation(crypto.randomUUID());
  render();
}

function progressText(name: string, p: DownloadProgress): string {
  const of = p.total !== undefined ? ` of ${formatBytes(p.total)}` : '';
  const left = p.secondsLeft !== undefined ? `, ${Math.ceil(p.secondsLeft)} s left` : '';
  const resumed = p.resumedFrom > 0 ? ` (resumed at ${formatBytes(p.resumedFrom)})` : '';
  return `Downloading ${name}: ${formatBytes(p.loaded)}${of}, ${formatBytes(p.bytesPerSecond)}/s${left}${resumed}`;
}

/** Loads a model by reference (catalog, address, `hf:`, `?model=`): from the device when it is kept there, else downloaded and kept. */
async function loadByRef(ref: string): Promise<void> {
  let url: string;
  try {
    url = resolveModelUrl(ref, location.href);
  } catch (e) {
    return setModelStatus(`Cannot load that model: ${describe(e)}`, true);
  }
  const name = fileNameOf(url);
  await withLoading(async () => {
    let file = await storedModelFile(url);
    if (!file) {
      ui.progress.hidden = false;
      file = await downloadModel(url, (p) => {
        ui.progress.max = p.total ?? 1;
        ui.progress.value = p.total !== undefined ? p.loaded : 0;
        setModelStatus(progressText(name, p));
      });
    }
    localStorage.setItem(LAST_MODEL, ref);
    // the page's address names the model: a link to it loads the same one
    const address = new URL(location.href);
    address.searchParams.set('model', ref);
    history.replaceState(null, '', address);
    await startEngine(file, `${name} (${formatBytes(file.size)}, kept on this device)`);
  });
}

/** Loads a model from a local file (not kept: the file stays where it is). */
async function loadFile(file: File): Promise<void> {
  await withLoading(() => startEngine(file, `${file.name} (${formatBytes(file.size)}, local file)`));
}

async function withLoading(work: () => Promise<void>): Promise<void> {
  if (!idle()) return;
  loading = true;
  render();
  try {
    await work();
  } catch (e) {
    setModelStatus(`Could not load the model: ${describe(e)}`, true);
  } finally {
    loading = false;
    ui.progress.hidden = true;
    render();
    void refreshModelsPanel();
  }
}

async function startEngine(model: Blob, label: string): Promise<void> {
  await chat?.dispose();
  chat = undefined;
  setModelStatus(`Loading ${label}…`);
  chat = await ChatEngine.load(model, BACKEND_CHOICES[ui.backend.value as BackendChoiceName], (p) => setModelStatus(`Loading ${label}: ${Math.round((100 * p.loaded) / Math.max(1, p.total))}%`));
  setModelStatus(`Loaded ${label}. ${backendLine()}`);
}

/** Which backend runs the model, in plain words. */
function backendLine(): string {
  if (!chat) return '';
  const { name, description, skipped } = chat.engine.backendChoice;
  const passed = skipped.length ? ` Passed over: ${skipped.map((s) => `${s.name} (${s.reason})`).join('; ')}.` : '';
  const isolation = name === 'wasm' && !crossOriginIsolated ? ' This page is not cross-origin isolated, so WebAssembly runs on one thread.' : '';
  return `Running on ${name}: ${description}.${passed}${isolation}`;
}

/** Moves the conversation's model to the backend chosen in the menu (its sessions go with it). */
async function changeBackend(): Promise<void> {
  if (!chat) return;
  const running = chat;
  await withLoading(async () => {
    let lastError: unknown;
    for (const name of BACKEND_CHOICES[ui.backend.value as BackendChoiceName]) {
      try {
        await running.moveTo(name);
        return setModelStatus(`Moved. ${backendLine()}`);
      } catch (e) {
        lastError = e;
      }
    }
    throw lastError;
  });
}

async function send(): Promise<void> {
  const text = ui.prompt.value.trim();
  if (!text || !chat || !idle()) return;
  ui.prompt.value = '';
  if (current.messages.length === 0) current.title = text.slice(0, 60);
  current.messages.push({ role: 'user', content: text });
  await keep();
  await reply();
}

async function regenerate(): Promise<void> {
  if (current.messages.at(-1)?.role !== 'assistant') return;
  current.messages.pop();
  // another seed, or the same reply again: the setting shows which
  current.settings.seed += 1;
  await reply();
}

function editLast(): void {
  const index = current.messages.findLastIndex((m) => m.role === 'user');
  if (index < 0) return;
  ui.prompt.value = current.messages[index]!.content;
  current.messages.splice(index);
  void keep();
  render();
  ui.prompt.focus();
}

/** Generates the assistant's reply to the conversation so far; a stopped reply keeps what it said. */
async function reply(): Promise<void> {
  if (!chat) return;
  const running = chat;
  generation = new AbortController();
  render();
  const streaming = new StreamingReply(ui.messages);
  let stats: ReplyStats | undefined;
  try {
    stats = await running.reply(current, (t) => streaming.append(t), generation.signal);
  } catch (e) {
    if (LlamitaError.is(e) && e.code === 'E_ABORTED') {
      ui.stats.textContent = 'Stopped.';
      await running.keepState(current.id).catch(() => undefined);
    } else {
      ui.stats.textContent = `The reply failed: ${describe(e)}`;
    }
  } finally {
    if (streaming.value) current.messages.push({ role: 'assistant', content: streaming.value });
    generation = undefined;
    await keep();
    render();
    if (stats) showStats(stats);
    ui.prompt.focus();
  }
}

function showStats(s: ReplyStats): void {
  const { name, description } = chat!.engine.backendChoice;
  const cached = `${s.cachedTokens} of ${s.promptTokens} prompt tokens cached${s.restored ? ', restored from this device' : ''}`;
  const dropped = s.droppedMessages > 0 ? ` · the ${s.droppedMessages} oldest messages no longer fit the model's context and were left out of its view` : '';
  ui.stats.textContent = `${name} (${description}) · first token in ${Math.round(s.ttftMs)} ms (${cached}) · ${s.tokensPerSecond.toFixed(1)} tokens/s · ${s.generatedTokens} tokens${dropped}`;
  Object.assign(ui.stats.dataset, { backend: name, ttftMs: String(Math.round(s.ttftMs)), cachedTokens: String(s.cachedTokens), promptTokens: String(s.promptTokens), restored: String(s.restored) });
  void showMemory();
}

/** The page's and its workers' memory, where the browser measures it (cross-origin isolated Chromium). */
async function showMemory(): Promise<void> {
  const measure = (performance as Performance & { measureUserAgentSpecificMemory?: () => Promise<{ bytes: number }> }).measureUserAgentSpecificMemory;
  if (!crossOriginIsolated || !measure) return;
  const { bytes } = await measure.call(performance).catch(() => ({ bytes: 0 }));
  if (bytes > 0) ui.stats.textContent += ` · memory ${formatBytes(bytes)}`;
}

async function refreshModelsPanel(): Promise<void> {
  const [models, storage] = await Promise.all([listStoredModels(), storageStatus()]);
  renderStoredModels(ui.storedModels, models, (key) => void deleteStoredModel(key).then(refreshModelsPanel));
  ui.storage.textContent = `${formatBytes(storage.usage)} used of ${formatBytes(storage.quota)} this browser allows this site; storage is ${storage.persisted ? 'persistent' : 'not persistent (the browser may clear it when space runs low)'}.`;
}

function wire(): void {
  ui.catalog.append(...CATALOG.map((m) => el('option', { value: m.ref, textContent: `${m.label} (about ${formatBytes(m.approxBytes)})` })));
  $('load-catalog').addEventListener('click', () => void loadByRef(ui.catalog.value));
  $('load-url').addEventListener('click', () => void loadByRef(ui.modelUrl.value));
  ui.modelUrl.addEventListener('keydown', (e) => e.key === 'Enter' && void loadByRef(ui.modelUrl.value));
  ui.modelFile.addEventListener('change', () => ui.modelFile.files?.[0] && void loadFile(ui.modelFile.files[0]));
  ui.backend.addEventListener('change', () => void changeBackend());
  ui.modelsPanel.addEventListener('toggle', () => ui.modelsPanel.open && void refreshModelsPanel());
  $('persist').addEventListener('click', () => void navigator.storage.persist().then(refreshModelsPanel));
  $('new-chat').addEventListener('click', () => {
    if (!idle()) return;
    current = newConversation(crypto.randomUUID());
    ui.stats.textContent = '';
    render();
    ui.prompt.focus();
  });
  $<HTMLFormElement>('composer').addEventListener('submit', (e) => {
    e.preventDefault();
    void send();
  });
  ui.prompt.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      void send();
    }
  });
  ui.stop.addEventListener('click', () => generation?.abort());
  document.addEventListener('keydown', (e) => e.key === 'Escape' && generation?.abort());
  ui.system.addEventListener('change', () => {
    current.system = ui.system.value;
    void keep();
  });
  for (const [key, input] of Object.entries(SETTING_INPUTS)) {
    input.addEventListener('change', () => {
      const value = Number(input.value);
      if (Number.isFinite(value)) current.settings[key as keyof ChatSettings] = value;
      void keep();
    });
  }
  $('reset-settings').addEventListener('click', () => {
    current.settings = { ...DEFAULT_SETTINGS };
    void keep();
    render();
  });
  document.addEventListener('dragover', (e) => {
    e.preventDefault();
    document.body.classList.add('dragging');
  });
  document.addEventListener('dragleave', () => document.body.classList.remove('dragging'));
  document.addEventListener('drop', (e) => {
    e.preventDefault();
    document.body.classList.remove('dragging');
    const file = e.dataTransfer?.files[0];
    if (file) void loadFile(file);
  });
}

async function start(): Promise<void> {
  // the app's files for offline visits (not in development, where Vite serves changing sources)
  if (import.meta.env.PROD && 'serviceWorker' in navigator) void navigator.serviceWorker.register('./sw.js').catch(() => undefined);
  wire();
  conversations = await listConversations();
  current = conversations.find((c) => c.id === localStorage.getItem(LAST_CONVERSATION)) ?? conversations[0] ?? current;
  render();
  const ref = new URLSearchParams(location.search).get('model') ?? localStorage.getItem(LAST_MODEL);
  if (ref) await loadByRef(ref);
}

void start();
