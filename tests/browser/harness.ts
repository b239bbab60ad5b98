import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ingest } from '../../src/ingest.js';
import { createServer } from '../../src/serve/server.js';

/**
 * The review page's test store: one document of every format of the sample
 * corpus, plus two copies of seed 000 changed by hand — one whose labels
 * hold markup, one with a number that breaks its checks — ingested into a
 * fresh store, and the server on a free port of 127.0.0.1.
 */

export const CHROMIUM = '/usr/bin/chromium';
export const haveChromium = existsSync(CHROMIUM);

const root = new URL('../../', import.meta.url).pathname;
const corpus = (path: string) => join(root, 'corpus', path);

export const FILES = {
  pdf: 'sh-putuo-commerce-2025-dept.pdf',
  txtCells: '000_313ba343419bd952.txt',
  txtTabs: '004_bd07757d433d15de.txt',
  docx: '001_d16636ba0dd022c8.docx',
  html: '002_8ad8223cbf43f16e.html',
  hostile: 'hostile-labels.txt',
  broken: 'broken-check.txt',
  partial: 'partial-table-6.txt',
  lastYear: 'seed-000-as-2024.txt',
} as const;

/** The partial copy: table 6's title stands on line 1223 of seed 000; its unit (line 1226) becomes one yusuan does not know. */
export const PARTIAL_TITLE_LINE = 1223;

/** The label the hostile copy gives 20103 (seed 000, line 565). */
// (no spaces: labels are stored with their spaces taken out)
export const HOSTILE_LABEL = '<script>window.__pwned=1</script><b>粗体</b><img/src=x/onerror=window.__pwned=2>';
/** The broken copy's 20103 total (line 566): 1113.61 万元 where the seed prints 1103.61. */
export const BROKEN_LINE = 566;
export const BROKEN_YUAN = '11136100.00';

export interface Fixture {
  dir: string;
  db: string;
  app: FastifyInstance;
  url: string;
}

function replaceLine(text: string, line: number, expected: string, replacement: string): string {
  const lines = text.split('\n');
  if (lines[line - 1].trim() !== expected) throw new Error(`seed 000 line ${line} is "${lines[line - 1]}", not "${expected}"`);
  lines[line - 1] = `\t${replacement}`;
  return lines.join('\n');
}

export async function startFixture(): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'yusuan-serve-'));
  const docs = join(dir, 'docs');
  mkdirSync(docs);
  copyFileSync(corpus(`real/${FILES.pdf}`), join(docs, FILES.pdf));
  copyFileSync(corpus(`seeds/${FILES.txtCells}`), join(docs, FILES.txtCells));
  copyFileSync(corpus(`seeds/${FILES.txtTabs}`), join(docs, FILES.txtTabs));
  copyFileSync(corpus(`fixtures/docx/${FILES.docx}`), join(docs, FILES.docx));
  copyFileSync(corpus(`fixtures/html/${FILES.html}`), join(docs, FILES.html));
  const seed = readFileSync(corpus(`seeds/${FILES.txtCells}`), 'utf8');
  writeFileSync(join(docs, FILES.hostile), replaceLine(seed, 565, '政府办公厅（室）及相关机构事务', HOSTILE_LABEL));
  writeFileSync(join(docs, FILES.broken), replaceLine(seed, BROKEN_LINE, '1103.61', '1113.61'));
  // the same department a year before (its amounts as they are): a second year for the charts
  writeFileSync(join(docs, FILES.lastYear), seed.replaceAll('2025', '2024'));
  writeFileSync(join(docs, FILES.partial), replaceLine(seed, PARTIAL_TITLE_LINE + 3, '单位：万元', '单位：万美元'));
  const db = join(dir, 'review.sqlite');
  const summary = await ingest([docs], { db, workers: 0 });
  if (summary.failed > 0) throw new Error(`the review fixture did not ingest: ${summary.failed} failed`);
  const app = await createServer({ db, quiet: true });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { dir, db, app, url: `http://127.0.0.1:${port}/` };
}

/** Chromium's flags: headless, no network of its own, a fresh profile. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
