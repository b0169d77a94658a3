/**
 * The pre-tokenizers of byte-level BPE vocabularies, by GGUF
 * `tokenizer.ggml.pre`, as llama.cpp defines them (`llm_tokenizer_bpe`): a
 * list of regular expressions applied in turn, each splitting every fragment
 * so far into its matches and the text between them. BPE then runs within
 * each fragment.
 */

/**
 * Whitespace as llama.cpp's Unicode tables have it (`\s` in its regexes):
 * JavaScript's `\s` also takes U+FEFF and leaves out U+0085.
 */
const WS = '\\t-\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

/** A regex of llama.cpp's syntax with `\s` and `\S` as llama.cpp reads them, in and out of brackets. */
function llamaRegex(source: string): RegExp {
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\\' && (source[i + 1] === 's' || source[i + 1] === 'S')) {
      const negated = source[i + 1] === 'S';
      if (inClass && negated) throw new Error(`\\S inside a class is not supported: ${source}`);
      out += inClass ? WS : negated ? `[^${WS}]` : `[${WS}]`;
      i++;
      continue;
    }
    if (c === '\\') {
      out += c + source[i + 1]!;
      i++;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    out += c;
  }
  return new RegExp(out, 'gu');
}

const GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
const CONTRACTIONS = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])";
const LLAMA3 = `${CONTRACTIONS}|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`;
const QWEN2 = `${CONTRACTIONS}|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`;
/** Han, and the ranges llama.cpp's DeepSeek regexes add (code points written out: an editor's Unicode normalization would change them). */
const CJK = '[\\u{4e00}-\\u{9fa5}\\u{800}-\\u{4e00}\\u{ac00}-\\u{d7ff}]+';
/** deepseek-llm's letters: the cased scripts, as its tokenizer.json lists them. */
const DEEPSEEK_LETTERS =
  '\\s?[A-Za-z\\u{b5}\\u{c0}-\\u{d6}\\u{d8}-\\u{f6}\\u{f8}-\\u{1ba}\\u{1bc}-\\u{1bf}\\u{1c4}-\\u{293}\\u{295}-\\u{2af}\\u{370}-\\u{373}\\u{376}\\u{377}\\u{37b}-\\u{37d}\\u{37f}\\u{386}\\u{388}-\\u{38a}\\u{38c}\\u{38e}-\\u{3a1}\\u{3a3}-\\u{3f5}\\u{3f7}-\\u{481}\\u{48a}-\\u{52f}\\u{531}-\\u{556}\\u{10a0}-\\u{10c5}\\u{13a0}-\\u{13f5}\\u{13f8}-\\u{13fd}\\u{1c90}-\\u{1cba}\\u{1cbd}-\\u{1cbf}\\u{1d00}-\\u{1d2b}\\u{1d6b}-\\u{1d77}\\u{1d79}-\\u{1d9a}\\u{1e00}-\\u{1f15}\\u{1f18}-\\u{1f1d}\\u{1f20}-\\u{1f45}\\u{1f48}-\\u{1f4d}\\u{1f50}-\\u{1f57}\\u{1f59}\\u{1f5b}\\u{1f5d}\\u{1f5f}-\\u{1f7d}\\u{1f80}-\\u{1fb4}\\u{1fb6}-\\u{1fbc}\\u{1fbe}\\u{1fc2}-\\u{1fc4}\\u{1fc6}-\\u{1fcc}\\u{1fd0}-\\u{1fd3}\\u{1fd6}-\\u{1fdb}\\u{1fe0}-\\u{1fec}\\u{1ff2}-\\u{1ff4}\\u{1ff6}-\\u{1ffc}\\u{2102}\\u{2107}\\u{210a}-\\u{2113}\\u{2115}\\u{2119}-\\u{211d}\\u{2124}\\u{2126}\\u{2128}\\u{212a}-\\u{212d}\\u{212f}-\\u{2134}\\u{2139}\\u{213c}-\\u{213f}\\u{2145}-\\u{2149}\\u{214e}\\u{2183}\\u{2184}\\u{2c00}-\\u{2c7b}\\u{2c7e}-\\u{2ce4}\\u{2ceb}-\\u{2cee}\\u{2cf2}\\u{2cf3}\\u{a640}-\\u{a66d}\\u{a680}-\\u{a69b}\\u{a722}-\\u{a76f}\\u{a771}-\\u{a787}\\u{a78b}-\\u{a78e}\\u{ab70}-\\u{abbf}\\u{fb00}-\\u{fb06}\\u{fb13}-\\u{fb17}\\u{ff21}-\\u{ff3a}\\u{ff41}-\\u{ff5a}\\u{10400}-\\u{1044f}\\u{104b0}-\\u{104d3}\\u{104d8}-\\u{104fb}\\u{10c80}-\\u{10cb2}\\u{10cc0}-\\u{10cf2}\\u{118a0}-\\u{118df}\\u{1e900}-\\u{1e943}]+';
/** deepseek-llm's ASCII and full-width punctuation. */
const DEEPSEEK_PUNCTUATION = '\\s?[!-/:-~\\u{ff01}-\\u{ff0f}\\u{ff1a}-\\u{ff5e}\\u{2018}-\\u{201f}\\u{3000}-\\u{3002}]+';

const SOURCES: Readonly<Record<string, readonly string[]>> = {
  'gpt-2': [GPT2],
  mpt: [GPT2],
  olmo: [GPT2],
  jais: [GPT2],
  'llama-bpe': [LLAMA3],
  llama3: [LLAMA3],
  'llama-v3': [LLAMA3],
  dbrx: [LLAMA3],
  smaug: [LLAMA3],
  chatglm4: [LLAMA3],
  qwen2: [QWEN2],
  stablelm2: [QWEN2],
  starcoder: ['\\p{N}', GPT2],
  refact: ['\\p{N}', GPT2],
  'command-r': ['\\p{N}', GPT2],
  smollm: ['\\p{N}', GPT2],
  codeshell: ['\\p{N}', GPT2],
  exaone: ['\\p{N}', GPT2],
  falcon: ['[\\p{P}\\$\\+<=>\\^~\\|`]+', GPT2, '[0-9][0-9][0-9]'],
  'deepseek-coder': ['[\\r\\n]', '\\s?\\p{L}+', '\\s?\\p{P}+', CJK, '\\p{N}'],
  'deepseek-llm': ['[\\r\\n]', DEEPSEEK_LETTERS, DEEPSEEK_PUNCTUATION, '\\s+$', CJK, '\\p{N}+'],
};

/** Pre-tokenizers whose words that are pieces skip the merges (llama.cpp's `ignore_merges`, Hugging Face's for Llama 3). */
export const IGNORES_MERGES: ReadonlySet<string> = new Set(['llama-bpe', 'llama3', 'llama-v3']);

/** The `tokenizer.ggml.pre` names with a pre-tokenizer here. */
export const PRE_TOKENIZER_NAMES: readonly string[] = Object.keys(SOURCES);

const compiled = new Map<string, readonly RegExp[]>();

/** The regexes of pre-tokenizer `name`, or undefined for a name llamita does not know. */
export function preTokenizer(name: string): readonly RegExp[] | undefined {
  const sources = SOURCES[name];
  if (!sources) return undefined;
  let regexes = compiled.get(name);
  if (!regexes) compiled.set(name, (regexes = sources.map(llamaRegex)));
  return regexes;
}

/** `text` split by each regex in turn: every fragment into its matches and the gaps between them, in order. */
export function preTokenize(text: string, regexes: readonly RegExp[]): string[] {
  let fragments = text.length > 0 ? [text] : [];
  for (const regex of regexes) {
    const next: string[] = [];
    for (const fragment of fragments) {
      let at = 0;
      for (const match of fragment.matchAll(regex)) {
        if (match[0].length === 0) continue;
        if (match.index > at) next.push(fragment.slice(at, match.index));
        next.push(match[0]);
        at = match.index + match[0].length;
      }
      if (at < fragment.length) next.push(fragment.slice(at));
    }
    fragments = next;
  }
  return fragments;
}
