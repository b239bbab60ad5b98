import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { processBytes, PIPELINE_VERSION, type DocumentResult } from '../src/pipeline.js';
import { documentRows } from '../src/store/rows.js';
import { Store } from '../src/store/store.js';
import { exportRows, ingestInto, query, SEEDS, tempDb, tempDir } from './helpers/run.js';

const SEED_000 = join(SEEDS, '000_313ba343419bd952.txt');
const seedLines = () => readFileSync(SEED_000, 'utf8').split('\n');

/** Files of one run: a good seed among bad documents. */
function badCorpus(): { dir: string; files: Record<string, string> } {
  const dir = tempDir();
  const lines = seedLines();
  const files: Record<string, string> = {};
  const put = (name: string, content: string | Uint8Array) => {
    writeFileSync(join(dir, name), content);
    files[name] = join(dir, name);
  };
  put('good.txt', readFileSync(SEED_000));
  put('empty.txt', '');
  put('binary.txt', Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256));
  put('no-table.txt', '关于2025年部门预算的说明\n\n本部门收入主要为一般公共预算拨款。\n');
  // cut inside row 3 of 部门预算收入总表 (the row starting at line 297)
  put('truncated.txt', lines.slice(0, 302).join('\n'));
  // 2085.50 of 部门预算收支总表 row 1 (line 24) becomes text
  put('non-numeric.txt', lines.map((l, i) => (i === 23 ? '\t约2085万' : l)).join('\n'));
  // 部门预算收入总表 declares 万美元 (line 231 holds its 单位 cell)
  put('unknown-unit.txt', lines.map((l, i) => (i === 232 ? l.replace('单位：万元', '单位：万美元') : l)).join('\n'));
  return { dir, files };
}

describe('bad input: a clear reason per file, the others land, nothing half-written', async () => {
  const { dir } = badCorpus();
  const db = tempDb();
  const summary = await ingestInto(db, [dir]);
  const outcome = (name: string) => summary.outcomes.find((o) => o.path.endsWith(`/${name}`))!;

  it('the line of the unit cell is where the test edits it', () => {
    expect(seedLines()[232]).toBe('\t单位：万元');
    expect(seedLines()[23]).toBe('\t2085.50');
  });

  it('stores the good document and the readable-with-warning one', () => {
    expect(outcome('good.txt').status).toBe('ok');
    expect(outcome('good.txt').lineItems).toBe(200);
    expect(outcome('non-numeric.txt').status).toBe('ok');
  });

  it.each([
    ['empty.txt', /empty/],
    ['binary.txt', /binary/],
    ['no-table.txt', /no standard budget table/],
  ])('%s fails with a reason a person can act on', (name, reason) => {
    expect(outcome(name).status).toBe('failed');
    expect(outcome(name).error).toMatch(reason);
    const [doc] = query<{ status: string; error: string }>(db, 'SELECT status, error FROM documents WHERE source_file = ?', name);
    expect(doc.status).toBe('failed');
    expect(doc.error).toMatch(reason);
  });

  // one table that cannot be read costs that table only: the document is partial, the reason names the table
  it.each([
    ['truncated.txt', /table 2 \(部门预算收入总表\).*cut off/],
    ['unknown-unit.txt', /table 2 \(部门预算收入总表\).*万美元.*not one yusuan knows/],
  ])('%s is partial, with a reason a person can act on', (name, reason) => {
    expect(outcome(name).status).toBe('partial');
    expect(outcome(name).error).toMatch(reason);
    const [doc] = query<{ status: string; error: string }>(db, 'SELECT status, error FROM documents WHERE source_file = ?', name);
    expect(doc.status).toBe('partial');
    expect(doc.error).toMatch(reason);
  });

  it('keeps nothing of a failed document but its documents row and messages', () => {
    const [{ n }] = query<{ n: number }>(
      db,
      `SELECT count(*) AS n FROM items WHERE doc_key IN (SELECT doc_key FROM documents WHERE status = 'failed')`,
    );
    expect(n).toBe(0);
    const [{ t }] = query<{ t: number }>(
      db,
      `SELECT count(*) AS t FROM budget_tables WHERE doc_key IN (SELECT doc_key FROM documents WHERE status = 'failed')`,
    );
    expect(t).toBe(0);
    const files = new Set(exportRows(db).map((r) => r.source_file));
    // the partial documents keep what was read
    expect([...files].sort()).toEqual(['good.txt', 'non-numeric.txt', 'truncated.txt', 'unknown-unit.txt']);
  });

  it('records a non-numeric amount as a warning at its line, and leaves it out', () => {
    const warnings = query<{ rule: string; message: string; source_ref: string }>(
      db,
      `SELECT rule, message, source_ref FROM document_messages WHERE source_file = 'non-numeric.txt' AND severity = 'warning'`,
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ rule: 'non-numeric-amount', source_ref: 'L24' });
    expect(warnings[0].message).toContain('约2085万');
    expect(outcome('non-numeric.txt').lineItems).toBe(199);
  });
});

describe('one transaction per document', () => {
  it('a write that fails half-way leaves nothing of the document', async () => {
    const db = tempDb();
    const good = await processBytes(readFileSync(SEED_000), SEED_000);
    const store = Store.open(db);
    // the last item cannot be bound: the write fails after the documents row and most items went in
    const broken: DocumentResult = structuredClone(good);
    const lastTable = broken.normalized!.tables.at(-1)!;
    (lastTable.items.at(-1) as { amountFen: unknown }).amountFen = { not: 'a number' };
    expect(() => store.write(documentRows(broken))).toThrow();
    const count = (sql: string) => (store.db.prepare(sql).get(good.docId) as { n: number }).n;
    const items = 'SELECT count(*) AS n FROM items JOIN documents USING (doc_key) WHERE doc_id = ?';
    expect(count('SELECT count(*) AS n FROM documents WHERE doc_id = ?')).toBe(0);
    expect((store.db.prepare('SELECT count(*) AS n FROM items').get() as { n: number }).n).toBe(0);
    store.write(documentRows(good));
    expect(count(items)).toBe(200);
    expect(good.pipelineVersion).toBe(PIPELINE_VERSION);
    store.close();
  });
});

describe('limits', () => {
  it('refuses a file over the size limit with a reason, and goes on', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'big.txt'), readFileSync(SEED_000));
    writeFileSync(join(dir, 'small.txt'), '部门预算收支总表\n');
    const db = tempDb();
    const summary = await ingestInto(db, [dir], { maxBytes: 10_000 });
    const big = summary.outcomes.find((o) => o.path.endsWith('big.txt'))!;
    expect(big).toMatchObject({ status: 'failed', error: 'the file is 0.04 MB, larger than 0.01 MB, more than a budget disclosure plausibly is; it was not read' });
    expect(summary.outcomes.find((o) => o.path.endsWith('small.txt'))!.error).toMatch(/no standard budget table/);
    // refused by its size before a byte was read: no content, no content hash, so it is reported, not stored
    expect(query(db, "SELECT status FROM documents WHERE source_file = 'big.txt'")).toEqual([]);
    expect(query(db, "SELECT status FROM documents WHERE source_file = 'small.txt'")).toEqual([{ status: 'failed' }]);
  });
});
