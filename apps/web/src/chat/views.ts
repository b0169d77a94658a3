/** DOM for the conversation list, the messages and the models panel: plain elements, text set as text, model output only through `renderMarkdown`. */
import { formatBytes } from './catalog.js';
import type { Conversation } from './conversations.js';
import { renderMarkdown } from './markdown.js';
import type { StoredModel } from './model-store.js';

/** An element with attributes and children. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> & { dataset?: Record<string, string> } = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const { dataset, ...rest } = props;
  const node = Object.assign(document.createElement(tag), rest);
  if (dataset) Object.assign(node.dataset, dataset);
  node.append(...children);
  return node;
}

/** What the message list offers on its messages. */
export interface MessageActions {
  /** Copies a reply's text. */
  copy(index: number): void;
  /** Drops the last reply and generates another. */
  regenerate(): void;
  /** Takes the last user message (and what followed) back into the message box. */
  editLast(): void;
}

/** The messages of `conversation`; actions only when `idle`. */
export function renderMessages(list: HTMLOListElement, conversation: Conversation, actions: MessageActions, idle: boolean): void {
  const { messages } = conversation;
  const lastUser = messages.findLastIndex((m) => m.role === 'user');
  list.replaceChildren(
    ...messages.map((message, index) => {
      const content = el('div', { className: 'content' });
      if (message.role === 'assistant') content.innerHTML = renderMarkdown(message.content);
      else content.append(el('p', { className: 'plain' }, message.content));
      const buttons: HTMLButtonElement[] = [];
      if (message.role === 'assistant') buttons.push(el('button', { type: 'button', className: 'copy', textContent: 'Copy', onclick: () => actions.copy(index) }));
      if (idle && message.role === 'assistant' && index === messages.length - 1) {
        buttons.push(el('button', { type: 'button', className: 'regenerate', textContent: 'Regenerate', onclick: () => actions.regenerate() }));
      }
      if (idle && index === lastUser) buttons.push(el('button', { type: 'button', className: 'edit', textContent: 'Edit', onclick: () => actions.editLast() }));
      return el(
        'li',
        { className: message.role },
        el('div', { className: 'role', textContent: message.role === 'user' ? 'You' : 'Assistant' }),
        content,
        el('div', { className: 'actions' }, ...buttons),
      );
    }),
  );
}

/** The reply being generated, shown as it streams (its Markdown re-rendered at most once a frame). */
export class StreamingReply {
  readonly item: HTMLLIElement;
  private readonly content = el('div', { className: 'content' });
  private text = '';
  private scheduled = false;

  constructor(list: HTMLOListElement) {
    this.item = el('li', { className: 'assistant streaming' }, el('div', { className: 'role', textContent: 'Assistant' }), this.content);
    list.append(this.item);
  }

  /** Adds text. */
  append(text: string): void {
    this.text += text;
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      this.content.innerHTML = renderMarkdown(this.text);
      this.item.scrollIntoView({ block: 'end' });
    });
  }

  /** All the text so far. */
  get value(): string {
    return this.text;
  }
}

/** What the conversation list offers. */
export interface ConversationActions {
  open(id: string): void;
  remove(id: string): void;
}

/** The sidebar's conversations, the current one marked. */
export function renderConversations(list: HTMLUListElement, conversations: readonly Conversation[], currentId: string, actions: ConversationActions, idle: boolean): void {
  list.replaceChildren(
    ...conversations.map((c) =>
      el(
        'li',
        { ...(c.id === currentId && { ariaCurrent: 'true' }) },
        el('button', { type: 'button', className: 'open', textContent: c.title, title: c.title, disabled: !idle, onclick: () => actions.open(c.id) }),
        el('button', { type: 'button', className: 'delete', textContent: '×', ariaLabel: `Delete “${c.title}”`, disabled: !idle, onclick: () => actions.remove(c.id) }),
      ),
    ),
  );
}

/** The models panel's list, each with its size and a Delete button. */
export function renderStoredModels(list: HTMLUListElement, models: readonly StoredModel[], remove: (key: string) => void): void {
  list.replaceChildren(
    ...(models.length === 0
      ? [el('li', { textContent: 'No models kept yet.' })]
      : models.map((m) => {
          const what = m.info ? `${m.info.name}: ${formatBytes(m.info.size)}` : `${m.key}: ${formatBytes(m.partialBytes ?? 0)} downloaded, resumes when loaded again`;
          return el(
            'li',
            { className: 'stored-model' },
            `${what} `,
            el('button', { type: 'button', textContent: 'Delete', ariaLabel: `Delete ${m.info?.name ?? m.key}`, onclick: () => remove(m.key) }),
          );
        })),
  );
}
