#!/usr/bin/env node
// npm run bench [-- --copies 1000 --concurrency 4]
//
// Ingests the text corpus many times over into a fresh SQLite store and prints
// figures: documents/s, line items/s, peak RSS. Copies differ by one trailing
// line so that none is deduplicated. Figures, not assertions: speed goals live
// here, not in the tests.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ingest } from '../dist/ingest.js';

const { values } = parseArgs({
  options: {
    copies: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '4' },
    keep: { type: 'boolean', default: false },
  },
});
const root = new URL('../', import.meta.url).pathname;
const seedsDir = join(root, 'corpus', 'seeds');
const seeds = readdirSync(seedsDir).filter((f) => f.endsWith('.txt')).map((f) => readFileSync(join(seedsDir, f)));

/** Peak RSS while fn runs, sampled every 20 ms. */
async function withPeakRss(fn) {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  try {
    const result = await fn();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, peak };
  } finally {
    clearInterval(timer);
  }
}

const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

async function benchText(copies) {
  const work = mkdtempSync(join(tmpdir(), 'yusuan-bench-'));
  const dir = join(work, 'corpus');
  mkdirSync(dir);
  for (let i = 0; i < copies; i++) {
    const seed = seeds[i % seeds.length];
    writeFileSync(join(dir, `copy-${String(i).padStart(6, '0')}.txt`), Buffer.concat([seed, Buffer.from(`\n副本 ${i}\n`)]));
  }
  const db = join(work, 'bench.sqlite');
  const { result: summary, peak } = await withPeakRss(() => ingest([dir], { db, concurrency: Number(values.concurrency) }));
  const seconds = summary.elapsedMs / 1000;
  const size = statSync(db).size + (statSync(`${db}-wal`, { throwIfNoEntry: false })?.size ?? 0);
  console.log(
    [
      `text layouts, ${copies} documents`,
      `  ${(copies / seconds).toFixed(0)} documents/s, ${(summary.lineItems / seconds).toFixed(0)} line items/s (${seconds.toFixed(2)} s)`,
      `  ok ${summary.ok}, failed ${summary.failed}; peak RSS ${mb(peak)}; database ${mb(size)}`,
    ].join('\n'),
  );
  if (!values.keep) rmSync(work, { recursive: true, force: true });
  return { copies, seconds, peak };
}

console.log(`yusuan bench — node ${process.version}, ${(await import('node:os')).cpus().length} cores, concurrency ${values.concurrency}\n`);
const copies = Number(values.copies);
const small = await benchText(Math.max(50, Math.floor(copies / 10)));
const large = await benchText(copies);
console.log(`\npeak RSS at ${large.copies} vs ${small.copies} documents: ${((100 * large.peak) / small.peak - 100).toFixed(1)}% more`);
