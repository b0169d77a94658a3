import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Prng } from '@llamita/sampling';

/** Non-Latin and mixed-script paragraphs (written for this benchmark). */
const WORLD = [
  'Съешь же ещё этих мягких французских булок, да выпей чаю. Быстрая коричневая лиса прыгает через ленивую собаку.',
  '敏捷的棕色狐狸跳过了懒狗。今天天气很好，我们去公园散步吧。机器学习模型可以在浏览器中运行。',
  'いろはにほへと ちりぬるを わかよたれそ つねならむ。東京は日本の首都です。',
  'الثعلب البني السريع يقفز فوق الكلب الكسول. اللغة العربية جميلة.',
  'Ο γρήγορος καφέ αλεπού πηδά πάνω από τον τεμπέλη σκύλο. Καλημέρα κόσμε!',
  'दुनिया को नमस्ते। भाषा मॉडल अब ब्राउज़र में चलते हैं।',
  '빠른 갈색 여우가 게으른 개를 뛰어넘습니다. 안녕하세요 세계!',
  'Emoji: 🦙🚀✨👩‍💻🇫🇷 — “quotes”, ‘single’, naïve café, Ωmega, ½ ¾, tab\tand\nnewline.',
];

function listFiles(dir: string, ext: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) listFiles(path, ext, out);
    else if (name.endsWith(ext)) out.push(path);
  }
  return out;
}

/**
 * About `bytes` of text: English prose (the fixtures' stories), TypeScript
 * (this repository's sources) and non-Latin scripts, in seeded order, as
 * paragraphs. Same arguments, same corpus.
 */
export function buildCorpus(repoRoot: string, fixtures: string, bytes: number, seed = 1): string[] {
  const english = [readFileSync(join(fixtures, 'quant/text.txt'), 'utf8'), readFileSync(join(fixtures, 'stories260K/greedy-256.txt'), 'utf8')].join('\n').split('\n').filter(Boolean);
  const code = listFiles(join(repoRoot, 'packages'), '.ts')
    .sort()
    .map((f) => readFileSync(f, 'utf8'));
  const pools = [english, code.flatMap((c) => c.split('\n\n')), WORLD];
  const rng = new Prng(seed);
  const out: string[] = [];
  let size = 0;
  while (size < bytes) {
    const pool = pools[rng.nextU32() % pools.length]!;
    const paragraph = pool[rng.nextU32() % pool.length]!;
    out.push(paragraph);
    size += Buffer.byteLength(paragraph);
  }
  return out;
}
