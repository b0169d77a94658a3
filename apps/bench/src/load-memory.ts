// Peak resident memory while loading a GGUF onto the JS backend, relative to
// the file size. Run: pnpm --filter @llamita/bench load-memory MODEL.gguf
import { statSync } from 'node:fs';
import { jsBackend } from '@llamita/backend-js';
import { loadGgufLlama, readGguf } from '@llamita/model';
import { fileSource } from '@llamita/model/node';

const path = process.argv[2];
if (!path) throw new Error('usage: load-memory MODEL.gguf');
const fileBytes = statSync(path).size;
const baselineKb = process.resourceUsage().maxRSS;
const start = performance.now();
const file = await readGguf(await fileSource(path));
const model = await loadGgufLlama(file, await jsBackend.create(), { contextSize: 256 });
const loadMs = performance.now() - start;
const peakKb = process.resourceUsage().maxRSS;
console.log(
  JSON.stringify({
    file: path,
    file_mb: +(fileBytes / 1e6).toFixed(1),
    baseline_rss_mb: +((baselineKb * 1024) / 1e6).toFixed(1),
    peak_rss_mb: +((peakKb * 1024) / 1e6).toFixed(1),
    peak_over_file: +((peakKb * 1024) / fileBytes).toFixed(3),
    kv_cache_mb: +(model.kvCacheBytes / 1e6).toFixed(1),
    load_ms: Math.round(loadMs),
  }),
);
