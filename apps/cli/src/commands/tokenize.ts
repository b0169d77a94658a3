import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readGguf, tokenizerFromGguf } from '@llamita/model';
import { SpmTokenizer, spmVocabFromSentencePieceModel, tokenizerFromTokenizerJson, type Tokenizer } from '@llamita/tokenizer';
import { UsageError } from '../cli-error.js';
import { openModel } from '../source.js';
import { joinNegativeValues } from '../options.js';

/** The tokenizer of a GGUF, a Hugging Face tokenizer.json or a SentencePiece tokenizer.model: SentencePiece or byte-level BPE, as the file says. */
async function loadTokenizer(path: string | undefined): Promise<Tokenizer> {
  if (path?.endsWith('.json')) return tokenizerFromTokenizerJson(readFileSync(path, 'utf8'));
  if (path?.endsWith('.model')) return new SpmTokenizer(spmVocabFromSentencePieceModel(new Uint8Array(readFileSync(path))));
  const source = await openModel(path);
  const file = await readGguf(source);
  await source.close();
  return tokenizerFromGguf(file);
}

export const tokenizeHelp = `llamita tokenize --model FILE --text TEXT [--no-bos] [--no-special] [--json] [--verbose]

Prints the token ids of TEXT. FILE is a GGUF (vocabulary-only files too), a
Hugging Face tokenizer.json or a SentencePiece tokenizer.model; SentencePiece
(Llama 2, TinyLlama) and byte-level BPE (Llama 3, Qwen, GPT-2, StarCoder ...)
vocabularies alike.
  --no-bos       do not add BOS (by default, BOS as the vocabulary says)
  --no-special   treat control-token texts such as </s> as plain text
  --json         a JSON array of ids
  --verbose      each id with its piece`;

/** `llamita tokenize`. */
export async function tokenize(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: joinNegativeValues(argv),
    options: {
      model: { type: 'string' },
      text: { type: 'string' },
      'no-bos': { type: 'boolean', default: false },
      'no-special': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
    },
  });
  if (values.text === undefined) throw new UsageError('--text is required');
  const tokenizer = await loadTokenizer(values.model);
  const ids = tokenizer.encode(values.text, { ...(values['no-bos'] && { addBos: false }), parseSpecial: !values['no-special'] });
  if (values.json && values.verbose) process.stdout.write(`${JSON.stringify(ids.map((id) => ({ id, piece: tokenizer.piece(id) })))}\n`);
  else if (values.json) process.stdout.write(`${JSON.stringify(ids)}\n`);
  else if (values.verbose) process.stdout.write(ids.map((id) => `${id}\t${JSON.stringify(tokenizer.piece(id))}`).join('\n') + '\n');
  else process.stdout.write(`${ids.join(' ')}\n`);
}
