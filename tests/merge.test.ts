import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { listFiles } from '../src/ingest.js';
import { DATASETS, datasetCsv } from '../src/store/datasets.js';
import { inShard, mergeStores, parseShard } from '../src/store/merge.js';
import { SCHEMA_VERSION } from '../src/store/schema.js';
import { Store } from '../src/store/store.js';
import { ingestInto, query, ROOT, SEEDS, tempDb, tempDir } from './helpers/run.js';

const INPUTS = [
  SEEDS,
  join(ROOT, 'corpus', 'fixtures', 'html'),
  // two that fail, so failed documents and their messages travel too
  join(ROOT, 'tests', 'fixtures', 'docx-html-bad', 'truncated.docx'),
  join(ROOT, 'tests', 'fixtures', 'docx-html-bad', 'binary.html'),
];

/** Every dataset as CSV, without the ingested_at column (a time of the run, not of the data). */
function snapshot(db: string): Record<string, string[]> {
  const store = Store.open(db, { readonly: true });
  try {
    const out: Record<string, string[]> = {};
    for (const dataset of Object.values(DATASETS)) {
      // department_years: of two documents equal in all else, the one ingested last is chosen, and a merge's are ingested apart
      const runTimes = dataset.name === 'department_years' ? ['ingested_at', 'doc_id', 'source_file'] : ['ingested_at'];
      const columns = dataset.columns.filter((c) => !runTimes.includes(c));
      out[dataset.name] = [...datasetCsv(store.db, { ...dataset, columns })];
    }
    // the messages are in no dataset: compare the table
    out.messages = (store.db.prepare('SELECT * FROM document_messages ORDER BY doc_id, seq').all() as object[]).map((r) => JSON.stringify(r));
    return out;
  } finally {
    store.close();
  }
}

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('parseShard', () => {
  it('reads i/n, 1-based', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    expect(parseShard('1/1')).toEqual({ index: 1, count: 1 });
    expect(parseShard(' 3 / 3 ')).toEqual({ index: 3, count: 3 });
  });

  it.each(['0/4', '5/4', '2', '2/0', 'a/b', '1.5/4', '-1/4', '', '2/4/8'])('refuses %j with a clear message', (text) => {
    expect(() => parseShard(text)).toThrow(/i\/n with 1 ≤ i ≤ n/);
  });
});

describe('inShard', () => {
  it('puts every doc_id in exactly one shard, evenly, and always the same one', () => {
    const ids = Array.from({ length: 3000 }, (_, i) => createHash('sha256').update(`doc ${i}`).digest('hex'));
    const count = 4;
    const sizes = new Array(count).fill(0);
    for (const id of ids) {
      const shards = [1, 2, 3, 4].filter((index) => inShard(id, { index, count }));
      expect(shards).toHaveLength(1);
      expect(inShard(id, { index: shards[0], count })).toBe(true);
      sizes[shards[0] - 1]++;
    }
    for (const size of sizes) expect(size).toBeGreaterThan(650); // 750 ± noise
  });

  it('refuses what is not a sha256 hex, or a bad shard', () => {
    expect(() => inShard('not-a-hash', { index: 1, count: 2 })).toThrow(/doc_id/);
    expect(() => inShard('a'.repeat(64), { index: 3, count: 2 })).toThrow(/shard/);
  });
});

describe('mergeStores', () => {
  let files: string[];
  let single: string;
  let shardDbs: string[];

  beforeAll(async () => {
    files = await listFiles(INPUTS);
    single = tempDb();
    await ingestInto(single, INPUTS);
    shardDbs = [];
    for (let index = 1; index <= 3; index++) {
      const db = tempDb();
      const mine = files.filter((f) => inShard(sha(f), { index, count: 3 }));
      await ingestInto(db, mine);
      shardDbs.push(db);
    }
  });

  it('shards split the corpus: every document in exactly one shard store', () => {
    const perShard = shardDbs.map((db) => query<{ doc_id: string }>(db, 'SELECT doc_id FROM documents').map((r) => r.doc_id));
    for (const ids of perShard) expect(ids.length).toBeGreaterThan(0);
    const all = perShard.flat();
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBe(files.length);
  });

  it('merging the shards gives what a single ingest of everything gives', () => {
    const target = join(tempDir(), 'merged.sqlite');
    const summary = mergeStores(shardDbs, target);
    expect(summary.documents).toBe(files.length);
    expect(summary.copied).toBe(files.length);
    expect(summary.skipped).toBe(0);
    expect(summary.rows.items).toBeGreaterThan(1000);
    const expected = snapshot(single);
    expect(expected.line_items.length).toBeGreaterThan(1000);
    expect(expected.messages.length).toBeGreaterThanOrEqual(2);
    expect(query(target, "SELECT count(*) AS n FROM documents WHERE status = 'failed'")[0]).toEqual({ n: 2 });
    expect(snapshot(target)).toEqual(expected);
  });

  it('merging again changes nothing, and skips the documents already there', () => {
    const target = join(tempDir(), 'merged.sqlite');
    mergeStores(shardDbs, target);
    const first = snapshot(target);
    const ingestedAt = query(target, 'SELECT doc_id, ingested_at FROM documents ORDER BY doc_id');
    const again = mergeStores(shardDbs, target);
    expect(again.skipped).toBe(files.length);
    expect(again.copied).toBe(0); // failed documents too: the same version, no better status
    expect(snapshot(target)).toEqual(first);
    expect(query(target, 'SELECT doc_id, ingested_at FROM documents ORDER BY doc_id')).toEqual(ingestedAt);
  });

  it('replaces a document stored by another pipeline version, whole', () => {
    const target = join(tempDir(), 'merged.sqlite');
    mergeStores(shardDbs, target);
    const expected = snapshot(target);
    const store = Store.open(target);
    const victim = (store.db.prepare("SELECT doc_id FROM documents WHERE status = 'ok' ORDER BY doc_id LIMIT 1").get() as { doc_id: string }).doc_id;
    store.db.prepare("UPDATE documents SET pipeline_version = '0.0.0-old' WHERE doc_id = ?").run(victim);
    store.db.prepare('DELETE FROM items WHERE doc_key = (SELECT doc_key FROM documents WHERE doc_id = ?) AND seq % 2 = 0').run(victim);
    store.close();
    expect(snapshot(target)).not.toEqual(expected);
    const summary = mergeStores(shardDbs, target);
    expect(summary.replaced).toBeGreaterThanOrEqual(1);
    expect(snapshot(target)).toEqual(expected);
  });

  it("runs nothing of a crafted source's schema: ATTACH and DROP in a table's SQL are not executed, the table is left out", () => {
    const dir = tempDir();
    const source = join(dir, 'crafted.sqlite');
    copyFileSync(shardDbs[0], source);
    const attached = join(dir, 'attached.sqlite');
    const conn = new Database(source);
    conn.exec('CREATE TABLE notes (doc_key INTEGER NOT NULL, note TEXT)');
    conn.exec("INSERT INTO notes SELECT doc_key, 'x' FROM documents");
    conn.unsafeMode(true); // writable_schema needs it: better-sqlite3 is defensive otherwise
    conn.pragma('writable_schema = ON');
    const evil = `CREATE TABLE notes (doc_key INTEGER NOT NULL, note TEXT); ATTACH DATABASE '${attached.replace(/'/g, "''")}' AS a; CREATE TABLE a.pwned (x); DROP TABLE main.meta`;
    conn.prepare("UPDATE sqlite_master SET sql = ? WHERE name = 'notes'").run(evil);
    conn.pragma('writable_schema = OFF');
    conn.close();
    const docs = query<{ n: number }>(shardDbs[0], 'SELECT count(*) AS n FROM documents')[0].n;

    const target = join(dir, 'merged.sqlite');
    const summary = mergeStores([source], target);
    expect(summary.copied).toBe(docs);
    expect(existsSync(attached)).toBe(false);
    expect(query(target, "SELECT value FROM meta WHERE key = 'schema_version'")).toEqual([{ value: String(SCHEMA_VERSION) }]);
    expect(query(target, "SELECT name FROM sqlite_master WHERE name IN ('notes', 'pwned')")).toEqual([]);
  });

  it('keeps of each document the record of the newest pipeline version, and ok over failed at the same', () => {
    const dir = tempDir();
    const docId = query<{ doc_id: string }>(shardDbs[0], "SELECT doc_id FROM documents WHERE status = 'ok' ORDER BY doc_id LIMIT 1")[0].doc_id;
    /** A copy of the first shard in which the document is stored as failed by the given pipeline version. */
    const failedBy = (name: string, version: string) => {
      const path = join(dir, name);
      copyFileSync(shardDbs[0], path);
      const conn = new Database(path);
      const key = conn.prepare('SELECT doc_key FROM documents WHERE doc_id = ?').pluck().get(docId);
      for (const t of ['budget_tables', 'items', 'check_problems', 'check_passes', 'facts']) conn.prepare(`DELETE FROM ${t} WHERE doc_key = ?`).run(key);
      conn.prepare("UPDATE documents SET status = 'failed', error = 'broken', pipeline_version = ? WHERE doc_key = ?").run(version, key);
      conn.close();
      return path;
    };
    const stored = (db: string) =>
      query(db, 'SELECT status, pipeline_version, (SELECT count(*) FROM items i WHERE i.doc_key = d.doc_key) > 0 AS has_items FROM documents d WHERE doc_id = ?', docId)[0];
    const version = query<{ v: string }>(shardDbs[0], 'SELECT pipeline_version AS v FROM documents WHERE doc_id = ?', docId)[0].v;
    expect(version).toBe('0.2.0');

    for (const order of [[0, 1], [1, 0]]) {
      // an older failed record does not replace a newer ok one, whichever comes first
      const older = join(dir, `older-${order.join('')}.sqlite`);
      const withOld = [shardDbs[0], failedBy(`old-${order.join('')}.sqlite`, '0.1.9')];
      mergeStores(order.map((i) => withOld[i]), older);
      expect(stored(older)).toEqual({ status: 'ok', pipeline_version: '0.2.0', has_items: 1 });
      // at the same version, ok wins over failed, whichever comes first
      const same = join(dir, `same-${order.join('')}.sqlite`);
      const withSame = [shardDbs[0], failedBy(`same-source-${order.join('')}.sqlite`, '0.2.0')];
      mergeStores(order.map((i) => withSame[i]), same);
      expect(stored(same)).toEqual({ status: 'ok', pipeline_version: '0.2.0', has_items: 1 });
    }
    // a newer record replaces an older one, even a failed one an ok one; 0.10 is newer than 0.2
    const newer = join(dir, 'newer.sqlite');
    mergeStores([shardDbs[0], failedBy('newer-source.sqlite', '0.10.0')], newer);
    expect(stored(newer)).toEqual({ status: 'failed', pipeline_version: '0.10.0', has_items: 0 });
  });

  it('is all or nothing: a merge failing half-way leaves its target as it was, and makes none where there was none', () => {
    const dir = tempDir();
    // a source whose last document cannot be written to the target (a table status the schema does not allow)
    const bad = join(dir, 'bad.sqlite');
    copyFileSync(shardDbs[1], bad);
    const conn = new Database(bad);
    conn.unsafeMode(true); // writable_schema needs it: better-sqlite3 is defensive otherwise
    conn.pragma('writable_schema = ON');
    const sql = conn.prepare("SELECT sql FROM sqlite_master WHERE name = 'budget_tables'").pluck().get() as string;
    const loose = sql.replace(/CHECK \(status IN \([^)]*\)\)/, '');
    expect(loose).not.toBe(sql);
    conn.prepare("UPDATE sqlite_master SET sql = ? WHERE name = 'budget_tables'").run(loose);
    conn.pragma('writable_schema = OFF');
    conn.close();
    const reopened = new Database(bad);
    reopened.exec("UPDATE budget_tables SET status = 'lost' WHERE doc_key = (SELECT max(doc_key) FROM documents WHERE status = 'ok')");
    reopened.close();

    const existing = join(dir, 'existing.sqlite');
    mergeStores([shardDbs[2]], existing);
    const before = snapshot(existing);
    expect(() => mergeStores([shardDbs[0], bad], existing)).toThrow(/CHECK constraint failed/);
    expect(snapshot(existing)).toEqual(before);

    const fresh = join(dir, 'fresh.sqlite');
    expect(() => mergeStores([shardDbs[0], bad], fresh)).toThrow(/CHECK constraint failed/);
    expect(readdirSync(dir).filter((f) => f.startsWith('fresh'))).toEqual([]);
  });

  it('refuses a source of an older schema with the command that upgrades it, before writing anything', () => {
    const dir = tempDir();
    const source = join(dir, 'old.sqlite');
    copyFileSync(join(ROOT, 'tests', 'fixtures', 'store-v6', 'seeds-v6.sqlite'), source);
    const target = join(dir, 'out.sqlite');
    expect(() => mergeStores([shardDbs[0], source], target)).toThrow(
      `merge: ${source} is a store of schema 6, and this yusuan reads schema ${SCHEMA_VERSION}: upgrade it with \`yusuan migrate --db ${source}\``,
    );
    expect(existsSync(target)).toBe(false);
  });

  it('refuses a source made by a newer yusuan', () => {
    const source = join(tempDir(), 'newer.sqlite');
    copyFileSync(shardDbs[0], source);
    const conn = new Database(source);
    conn.prepare("UPDATE meta SET value = '99' WHERE key = 'schema_version'").run();
    conn.close();
    expect(() => mergeStores([source], join(tempDir(), 'out.sqlite'))).toThrow(/made by a newer yusuan \(schema 99/);
  });

  it('refuses a source that does not exist, without creating it', () => {
    const missing = join(tempDir(), 'missing.sqlite');
    expect(() => mergeStores([missing], join(tempDir(), 'out.sqlite'))).toThrow(/does not exist/);
    expect(() => readFileSync(missing)).toThrow();
  });
});
