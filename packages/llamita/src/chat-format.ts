import { renderChatTemplate, type ChatMessage, type Tokenizer } from '@llamita/tokenizer';

/**
 * The template used when a model has none: ChatML, as llama.cpp falls back to
 * (`<|im_start|>role\ncontent<|im_end|>\n`, then `<|im_start|>assistant\n`).
 */
export const FALLBACK_CHAT_TEMPLATE =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** End-of-turn texts of common templates: generation stops at them when the vocabulary has them as one token. */
const END_OF_TURN_TEXTS = ['<|im_end|>', '<|eot_id|>', '<|end|>', '<end_of_turn>', '<|endoftext|>'];

/**
 * How a model's conversations become tokens: its Jinja chat template (or
 * {@link FALLBACK_CHAT_TEMPLATE}), rendered with its BOS and EOS texts, and
 * the tokens that end an assistant's turn.
 */
export class ChatFormat {
  /** Token ids that end the assistant's turn: EOS and the template's end-of-turn tokens. */
  readonly stopTokens: readonly number[];

  constructor(
    private readonly tokenizer: Tokenizer,
    /** The Jinja template in use. */
    readonly template: string,
    /** Whether it is the fallback (the model has no template). */
    readonly isFallback: boolean,
  ) {
    const stops = new Set(tokenizer.vocab.eos === undefined ? [] : [tokenizer.vocab.eos]);
    for (const text of END_OF_TURN_TEXTS) {
      if (!template.includes(text)) continue;
      const ids = tokenizer.encode(text, { addBos: false, addEos: false });
      if (ids.length === 1) stops.add(ids[0]!);
    }
    this.stopTokens = [...stops];
  }

  /**
   * The prompt tokens of a conversation, ready for the assistant's reply: the
   * template rendered with special tokens recognized; BOS added once (unless
   * the template wrote it itself or the vocabulary adds none).
   */
  tokens(messages: readonly ChatMessage[]): number[] {
    const { vocab } = this.tokenizer;
    const piece = (id: number | undefined) => (id === undefined ? '' : (vocab.pieces[id] ?? ''));
    const rendered = renderChatTemplate(this.template, messages, { bosToken: piece(vocab.bos), eosToken: piece(vocab.eos) });
    const ids = this.tokenizer.encode(rendered, { addBos: false, addEos: false });
    return vocab.addBos && vocab.bos !== undefined && ids[0] !== vocab.bos ? [vocab.bos, ...ids] : ids;
  }
}
