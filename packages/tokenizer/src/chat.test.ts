import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixturePath, fixturesAvailable } from '@llamita/testkit';
import { renderChatTemplate } from './chat.js';
import { spmVocabFromTokenizerJson } from './hf-json.js';
import { SpmTokenizer } from './spm.js';

const have = fixturesAvailable();

describe.skipIf(!have)(`TinyLlama-Chat's template${have ? '' : ' (skipped: ../shared/fixtures not found)'}`, () => {
  const dir = 'tinyllama-1.1b-chat-v1.0';
  const template = have ? (JSON.parse(readFileSync(fixturePath(`${dir}/tokenizer_config.json`), 'utf8')) as { chat_template: string }).chat_template : '';
  const messages = [
    { role: 'system', content: 'You are a friendly chatbot.' },
    { role: 'user', content: 'Hi!' },
  ];

  // What transformers' apply_chat_template renders (jinja2 with trim_blocks and
  // lstrip_blocks), i.e. the format of TinyLlama-1.1B-Chat-v1.0's model card.
  it('renders as transformers does, with the generation prompt', () => {
    expect(renderChatTemplate(template, messages)).toBe('<|system|>\nYou are a friendly chatbot.</s>\n<|user|>\nHi!</s>\n<|assistant|>\n');
  });

  it('renders without the generation prompt, and multi-turn', () => {
    const turns = [...messages, { role: 'assistant', content: 'Hello.' }, { role: 'user', content: 'Bye' }];
    expect(renderChatTemplate(template, turns, { addGenerationPrompt: false })).toBe('<|system|>\nYou are a friendly chatbot.</s>\n<|user|>\nHi!</s>\n<|assistant|>\nHello.</s>\n<|user|>\nBye</s>\n');
  });

  it('tokenizes the rendered text with </s> recognized as the EOS token', () => {
    const tok = new SpmTokenizer(spmVocabFromTokenizerJson(readFileSync(fixturePath(`${dir}/tokenizer.json`), 'utf8')));
    const ids = tok.encode(renderChatTemplate(template, messages));
    expect(ids[0]).toBe(1);
    expect(ids.filter((id) => id === 2)).toHaveLength(2);
  });

  it('reports a broken template as a typed error', () => {
    expect(() => renderChatTemplate('{% for %}', messages)).toThrow(expect.objectContaining({ code: 'E_BAD_FILE' }));
  });
});

/** Python Jinja2's renderings (tools/jinja-reference/render.py), as transformers' apply_chat_template renders. */
interface Jinja2Goldens {
  readonly templates: Record<string, string>;
  readonly conversations: Record<string, { role: string; content: string }[]>;
  readonly cases: { template: string; conversation: string; add_generation_prompt: boolean; rendered?: string; error?: string }[];
}
const jinja2 = JSON.parse(readFileSync(new URL('./goldens/jinja2-chat-templates.json', import.meta.url), 'utf8')) as Jinja2Goldens;

describe("chat templates render as Python's Jinja2 does", () => {
  it.each(jinja2.cases.map((c) => [c.template, c.conversation, c.add_generation_prompt, c] as const))('%s, %s, generation prompt %s', (_t, _c, _g, c) => {
    const render = () => renderChatTemplate(jinja2.templates[c.template]!, jinja2.conversations[c.conversation]!, { addGenerationPrompt: c.add_generation_prompt });
    if (c.error !== undefined) expect(render).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT', message: expect.stringContaining(c.error) }));
    else expect(render()).toBe(c.rendered);
  });
});
