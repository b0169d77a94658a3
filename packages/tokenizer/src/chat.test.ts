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
