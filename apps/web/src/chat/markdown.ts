/**
 * The model's text as HTML: Markdown through `marked`, then DOMPurify, so no
 * HTML the model writes runs or loads anything. Images, media, forms and
 * styles are dropped (a reply must not make the browser fetch a URL the model
 * chose); links open in a new tab without an opener or referrer.
 */
import DOMPurify from 'dompurify';
import { Marked } from 'marked';

const marked = new Marked({ gfm: true, breaks: true, async: false });
const FORBID_TAGS = ['img', 'picture', 'video', 'audio', 'source', 'iframe', 'object', 'embed', 'form', 'input', 'button', 'textarea', 'select', 'style', 'link', 'meta', 'svg', 'math'];

DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A') {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer nofollow');
  }
});

/** Sanitized HTML of `markdown`. */
export function renderMarkdown(markdown: string): string {
  const html = marked.parse(markdown) as string;
  return DOMPurify.sanitize(html, { FORBID_TAGS, FORBID_ATTR: ['style'], ALLOWED_URI_REGEXP: /^(?:https?:|mailto:|#)/i });
}
