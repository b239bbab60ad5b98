import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCanvas, loadImage } from '@napi-rs/canvas';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../src/store/store.js';
import { trace, tracePng, type TraceResult } from '../src/trace.js';
import { ingestInto, query, ROOT, SEEDS, tempDir } from './helpers/run.js';

/**
 * `trace` from a folder other than the one the corpus was ingested from:
 * the store keeps the paths as given (relative), the files are found again
 * from the store's folder, read only when their sha256 still matches, and
 * each number is shown at the very cell it came from.
 */

const SEED = '000_313ba343419bd952';
const REAL = 'sh-putuo-commerce-2025-dept.pdf';

// the ingest folder: the store beside a docs/ folder, ingested as `docs` (relative paths)
const home = tempDir('yusuan-trace-home-');
const db = join(home, 'store.sqlite');
// where trace is run from: unrelated to the ingest folder
const elsewhere = tempDir('yusuan-trace-elsewhere-');

function copyIn(from: string, name: string): void {
  copyFileSync(from, join(home, 'docs', name));
}

beforeAll(async () => {
  mkdirSync(join(home, 'docs'));
  copyIn(join(SEEDS, `${SEED}.txt`), `${SEED}.txt`);
  for (const format of ['pdf', 'docx', 'html']) copyIn(join(ROOT, 'corpus', 'fixtures', format, `${SEED}.${format}`), `${SEED}.${format}`);
  copyIn(join(ROOT, 'corpus', 'real', REAL), REAL);
  // the same bytes under a second name: stored once, under the name listed first
  copyIn(join(ROOT, 'corpus', 'fixtures', 'docx', `${SEED}.docx`), 'zz-copy.docx');
  const before = process.cwd();
  process.chdir(home);
  try {
    await ingestInto(db, ['docs']);
  } finally {
    process.chdir(before);
  }
});

let store: Store;
beforeAll(() => {
  store = Store.open(db, { readonly: true });
});
afterAll(() => store?.close());

const traceFrom = (cwd: string, which: string, kind: string, code: string, measure?: string, source?: string) =>
  trace(store, which, kind, code, measure, { cwd, source });

/** The box printed for the n-th item: four numbers after "cell box". */
function printedBox(result: TraceResult, n = 0): number[] {
  const m = /cell box (\S+) (\S+) (\S+) (\S+)/.exec(result.excerpts[n]);
  expect(m).not.toBeNull();
  return m!.slice(1).map(Number);
}

/** The lines marked as the row (or line) holding the number. */
const marked = (excerpt: string) => excerpt.split('\n').filter((l) => l.startsWith('>'));

describe('trace: the store keeps relative paths', () => {
  it('as given to ingest, so that trace has to find them again', () => {
    const paths = query<{ source_path: string }>(db, 'SELECT source_path FROM documents ORDER BY source_path').map((r) => r.source_path);
    expect(paths).toEqual([`docs/${SEED}.docx`, `docs/${SEED}.html`, `docs/${SEED}.pdf`, `docs/${SEED}.txt`, `docs/${REAL}`]);
  });
});

describe('trace: every format, from another folder', () => {
  it('text: the line holding the number, with the lines around it', async () => {
    const result = await traceFrom(elsewhere, `${SEED}.txt`, 'general_budget_expenditure', '2010301', 'total');
    expect(result.refused).toBeUndefined();
    expect(result.sourcePath).toBe(join(home, 'docs', `${SEED}.txt`));
    expect(result.items.map((i) => [i.sourceRef, i.amountYuan])).toEqual([['L1126', '8576100.00']]);
    // the seed: row no., code, label, then the amounts one a line
    expect(result.excerpts[0]).toContain('  1124  →2010301\n');
    expect(result.excerpts[0]).toContain('  1125  →行政运行\n');
    expect(marked(result.excerpts[0])).toEqual(['>   1126  →857.61']);
  });

  it('PDF: the cell box is stored with the line item (the same boxes as above, known by hand); other formats have none', () => {
    expect(
      query(db, `SELECT measure, source_ref, box FROM line_items WHERE source_file = ? AND table_kind = 'general_budget_expenditure' AND code = '2010301' ORDER BY seq`, `${SEED}.pdf`),
    ).toEqual([
      { measure: 'total', source_ref: 'p7', box: '359.2 236.95 423.3 257.35' },
      { measure: 'basic', source_ref: 'p7', box: '423.3 236.95 487.4 257.35' },
    ]);
    expect(query(db, `SELECT DISTINCT box FROM line_items WHERE source_format <> 'pdf'`)).toEqual([{ box: '' }]);
    expect(query(db, `SELECT count(*) AS n FROM line_items WHERE source_format = 'pdf' AND box = ''`)).toEqual([{ n: 0 }]);
  });

  it('PDF: the page, the cell box and the row as read; the two 857.61 of the row told apart', async () => {
    const result = await traceFrom(elsewhere, `${SEED}.pdf`, 'general_budget_expenditure', '2010301');
    expect(result.refused).toBeUndefined();
    expect(result.items.map((i) => [i.measure, i.sourceRef, i.amountYuan])).toEqual([
      ['total', 'p7', '8576100.00'],
      ['basic', 'p7', '8576100.00'],
    ]);
    expect(result.positions.map((p) => p.how)).toEqual(['exact', 'exact']);
    for (const excerpt of result.excerpts) expect(excerpt).toContain('  page 7, cell box ');
    // columns 3 (合计) and 4 (基本支出) of 表5's row 4, as drawn with --png; pdfjs's own text positions put
    // the two 857.61 of the row at x 394.3–421.7 and 458.4–485.8, baseline y 250.2: one in each box
    expect(printedBox(result, 0)).toEqual([359.2, 236.95, 423.3, 257.35]);
    expect(printedBox(result, 1)).toEqual([423.3, 236.95, 487.4, 257.35]);
    for (const excerpt of result.excerpts) {
      const rows = marked(excerpt);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatch(/^> p7 +4 \| 2010301 \| 行政运行 \| 857\.61 \| 857\.61 \|/);
    }
  });

  it('PDF as published (上海普陀): the cell of 行政单位离退休 on page 15', async () => {
    const result = await traceFrom(elsewhere, REAL, 'general_budget_expenditure', '2080501', 'total');
    expect(result.items.map((i) => [i.sourceRef, i.amountYuan])).toEqual([['p15', '1661216.00']]);
    // pdfjs puts this 1,661,216.00 at x 480.0–552.0, baseline y 452.8 (its twin of 基本支出 at x 592.8)
    expect(printedBox(result)).toEqual([433.5, 436.56, 553.5, 459]);
    const rows = marked(result.excerpts[0]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain('行政单位离退休');
    expect(rows[0]).toContain('1,661,216.00');
  });

  it('DOCX and HTML: the table row holding the number', async () => {
    for (const format of ['docx', 'html']) {
      const result = await traceFrom(elsewhere, `${SEED}.${format}`, 'general_budget_expenditure', '2010301', 'total');
      expect(result.refused).toBeUndefined();
      expect(result.items.map((i) => i.sourceRef)).toEqual(['t10r7']);
      expect(marked(result.excerpts[0])).toEqual(['> t10r7    4 | 2010301 | 行政运行 | 857.61 | 857.61 | ']);
    }
  });

  it('from a folder below the ingest folder, and by the stored path', async () => {
    const below = join(home, 'docs');
    const result = await traceFrom(below, `docs/${SEED}.html`, 'general_budget_expenditure', '2010301', 'total');
    expect(result.sourcePath).toBe(join(home, 'docs', `${SEED}.html`));
    expect(marked(result.excerpts[0])).toHaveLength(1);
  });

  it('under the name of a duplicate, which the store does not keep', async () => {
    expect(query(db, "SELECT 1 FROM documents WHERE source_file = 'zz-copy.docx'")).toHaveLength(0);
    const result = await traceFrom(elsewhere, 'zz-copy.docx', 'general_budget_expenditure', '2010301', 'total');
    expect(result.document.sourceFile).toBe(`${SEED}.docx`);
    expect(marked(result.excerpts[0])).toEqual(['> t10r7    4 | 2010301 | 行政运行 | 857.61 | 857.61 | ']);
  });
});

describe('trace reads only the file ingested', () => {
  it('refuses a changed copy with the plain reason, and shows nothing of it', async () => {
    const changed = join(tempDir('yusuan-trace-changed-'), `${SEED}.pdf`);
    const bytes = readFileSync(join(home, 'docs', `${SEED}.pdf`));
    bytes[200] ^= 0x01; // one byte of a content stream: the PDF still opens
    writeFileSync(changed, bytes);
    const result = await traceFrom(elsewhere, `${SEED}.pdf`, 'general_budget_expenditure', '2010301', 'total', changed);
    expect(result.refused).toBe(
      `the file ${changed} (sha256 now ${createHash('sha256').update(bytes).digest('hex').slice(0, 12)}…) is not the one ingested (sha256 20df44436862…): its content changed since, so nothing of it is shown. Give the original file with --source FILE.`,
    );
    expect(result.excerpts).toEqual([]);
    expect(result.positions).toEqual([]);
    expect(result.bytes).toBeUndefined();
  });

  it('says where it looked when the file is gone, and finds it moved with --source', async () => {
    const moved = join(tempDir('yusuan-trace-moved-'), 'moved');
    mkdirSync(moved);
    const lost = tempDir('yusuan-trace-lost-');
    // a store copied away from its files: neither its folder nor the working folder leads to them
    copyFileSync(db, join(lost, 'store.sqlite'));
    const away = Store.open(join(lost, 'store.sqlite'), { readonly: true });
    try {
      const gone = await trace(away, `${SEED}.txt`, 'general_budget_expenditure', '2010301', 'total', { cwd: elsewhere });
      expect(gone.refused).toBe(
        `the source file docs/${SEED}.txt (${SEED}.txt, sha256 c8f561af71c6…) was not found from ${elsewhere} or ${lost} or any folder above; give its place with --source FILE or FOLDER.`,
      );
      expect(gone.excerpts).toEqual([]);
      copyFileSync(join(home, 'docs', `${SEED}.txt`), join(moved, `${SEED}.txt`));
      const found = await trace(away, `${SEED}.txt`, 'general_budget_expenditure', '2010301', 'total', { cwd: elsewhere, source: moved });
      expect(found.sourcePath).toBe(join(moved, `${SEED}.txt`));
      expect(marked(found.excerpts[0])).toEqual(['>   1126  →857.61']);
    } finally {
      away.close();
    }
  });
});

describe('trace --png', () => {
  it('writes the page region as a PNG, the cell outlined, its digits inside the box', async () => {
    const result = await traceFrom(elsewhere, `${SEED}.pdf`, 'general_budget_expenditure', '2010301', 'basic');
    const file = join(elsewhere, 'cell.png');
    const image = await tracePng(result, file);
    const png = readFileSync(file);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const width = png.readUInt32BE(16);
    const height = png.readUInt32BE(20);
    expect([width, height]).toEqual([image.width, image.height]);
    // the table's width (some 500 pt of an A4 page) at 2 px a point, and a few rows high
    expect(width).toBeGreaterThan(800);
    expect(width).toBeLessThan(1200);
    expect(height).toBeGreaterThan(150);
    expect(height).toBeLessThan(600);
    expect(image.page).toBe(7);

    const decoded = await loadImage(png);
    const canvas = createCanvas(width, height);
    const context = canvas.getContext('2d');
    context.drawImage(decoded, 0, 0);
    const pixels = context.getImageData(0, 0, width, height).data;
    const at = (x: number, y: number) => {
      const k = (Math.round(y) * width + Math.round(x)) * 4;
      return [pixels[k], pixels[k + 1], pixels[k + 2]];
    };
    // the box 423.3 236.95 487.4 257.35 in the image's pixels
    const [x0, y0, x1, y1] = [423.3, 236.95, 487.4, 257.35].map((v, i) => (v - image.region[i % 2]) * 2);
    let dark = 0;
    for (let y = y0 + 4; y < y1 - 4; y++) for (let x = x0 + 4; x < x1 - 4; x++) if (at(x, y).every((c) => c < 128)) dark++;
    // a blank page has none; the digits 857.61 have some hundreds
    expect(dark).toBeGreaterThan(100);
    // the outline: red on the box's edges, midway along
    for (const [x, y] of [[(x0 + x1) / 2, y0], [(x0 + x1) / 2, y1], [x0, (y0 + y1) / 2], [x1, (y0 + y1) / 2]]) {
      const [r, g, b] = at(x, y);
      expect(r).toBeGreaterThan(180);
      expect(g).toBeLessThan(80);
      expect(b).toBeLessThan(80);
    }
  });

  it('is refused for a document that is not a PDF', async () => {
    const result = await traceFrom(elsewhere, `${SEED}.html`, 'general_budget_expenditure', '2010301', 'total');
    await expect(tracePng(result, join(elsewhere, 'no.png'))).rejects.toThrow(`--png draws PDF pages; ${SEED}.html is html`);
  });
});

describe('the trace command (built)', () => {
  const yusuan = (cwd: string, ...args: string[]) => {
    const run = spawnSync(process.execPath, [join(ROOT, 'bin', 'yusuan.js'), ...args], { encoding: 'utf8', cwd });
    return { status: run.status, stdout: run.stdout, stderr: run.stderr };
  };

  it('traces a PDF from another folder and writes --png', () => {
    const run = yusuan(elsewhere, 'trace', '--db', db, `${SEED}.pdf`, 'general_budget_expenditure', '2010301', 'total', '--png', 'total.png');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('  page 7, cell box 359.2 236.95 423.3 257.35 ');
    expect(run.stdout).toMatch(/\n> p7 +4 \| 2010301 \| 行政运行 \| 857\.61 \| 857\.61 \|/);
    expect(run.stdout).toMatch(/wrote total\.png: page 7, \d+×\d+ px/);
    expect([...readFileSync(join(elsewhere, 'total.png')).subarray(1, 4)]).toEqual([0x50, 0x4e, 0x47]);
  });

  it('exits 1 on a changed file, the reason on stderr and nothing of the file on stdout', () => {
    const folder = tempDir('yusuan-trace-cli-changed-');
    const bytes = readFileSync(join(home, 'docs', `${SEED}.pdf`));
    bytes[200] ^= 0x01;
    writeFileSync(join(folder, `${SEED}.pdf`), bytes);
    const run = yusuan(elsewhere, 'trace', '--db', db, '--source', folder, `${SEED}.pdf`, 'general_budget_expenditure', '2010301', 'total');
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/is not the one ingested \(sha256 20df44436862…\): its content changed since, so nothing of it is shown/);
    expect(run.stdout).not.toContain('857.61');
    expect(run.stdout).not.toContain('cell box');
  });
});

describe('trace of a store written by another pipeline version', () => {
  // the document read again need not give the same items: the cells at the stored position holding the amount
  const oldDb = join(tempDir('yusuan-trace-old-'), 'store.sqlite');
  let old: Store;
  beforeAll(() => {
    copyFileSync(db, oldDb);
    const raw = new Database(oldDb);
    raw.prepare("UPDATE documents SET pipeline_version = '0.0.1'").run();
    raw.close();
    old = Store.open(oldDb, { readonly: true });
  });
  afterAll(() => old?.close());

  it('names the cell when the amount stands once in the row, and only the row when twice', async () => {
    const once = await trace(old, `${SEED}.pdf`, 'general_budget_expenditure', '合计', 'total', { cwd: elsewhere, source: join(home, 'docs') });
    expect(once.positions.map((p) => p.how)).toEqual(['searched']);
    expect(once.excerpts[0]).toContain('(stored by pipeline 0.0.1, read now by ');
    // the 合计 row of 表5, three rows (of 20.4 pt) above 行政运行's: 2085.50 in column 3 (pdfjs: x 389.3–421.7, baseline y 189.0)
    expect(printedBox(once)).toEqual([359.2, 175.75, 423.3, 196.15]);
    expect(marked(once.excerpts[0])).toEqual([expect.stringMatching(/^> p7 +1 \| +\| 合计 \| 2085\.50 \| 1089\.50 \| 996\.00/)]);

    const twice = await trace(old, `${SEED}.pdf`, 'general_budget_expenditure', '2010301', 'basic', { cwd: elsewhere, source: join(home, 'docs') });
    expect(twice.excerpts[0]).toContain('  page 7; the amount stands there more than once, so no single cell is named');
    expect(twice.excerpts[0]).not.toContain('cell box');
    expect(marked(twice.excerpts[0])).toEqual([expect.stringMatching(/^> p7 +4 \| 2010301 \| 行政运行 \| 857\.61 \| 857\.61 \|/)]);
  });
});
