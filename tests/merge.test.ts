import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { listFiles } from '../src/ingest.js';
import { DATASETS, datasetCsv } from '../src/store/datasets.js';
import { inShard, mergeStores, parseShard } from '../src/store/merge.js';
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
    const ok = query<{ n: number }>(target, "SELECT count(*) AS n FROM documents WHERE status = 'ok'")[0].n;
    expect(again.skipped).toBe(ok);
    expect(again.copied).toBe(files.length - ok); // failed documents are replaced by themselves
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

  it('brings along a table a newer source has and the target lacks', () => {
    const source = tempDb();
    const store = Store.open(source);
    store.db.exec(`ATTACH DATABASE '${shardDbs[0].replace(/'/g, "''")}' AS s`);
    for (const t of ['documents', 'budget_tables', 'items', 'messages', 'check_problems', 'check_passes', 'facts']) store.db.exec(`INSERT INTO main.${t} SELECT * FROM s.${t}`);
    store.db.exec('DETACH DATABASE s');
    store.db.exec('CREATE TABLE notes (doc_key INTEGER NOT NULL, seq INTEGER NOT NULL, note TEXT NOT NULL, PRIMARY KEY (doc_key, seq))');
    store.db.exec("INSERT INTO notes SELECT doc_key, 0, 'checked by hand' FROM documents");
    const docs = (store.db.prepare('SELECT count(*) AS n FROM documents').get() as { n: number }).n;
    store.close();
    const target = join(tempDir(), 'merged.sqlite');
    mergeStores([source], target);
    expect(query(target, 'SELECT count(*) AS n FROM notes')[0]).toEqual({ n: docs });
  });

  it('refuses a source made with another schema version', () => {
    const source = tempDb();
    const store = Store.open(source);
    store.db.prepare("UPDATE meta SET value = '0' WHERE key = 'schema_version'").run();
    store.close();
    expect(() => mergeStores([source], join(tempDir(), 'out.sqlite'))).toThrow(/another version of yusuan \(schema 0/);
  });

  it('refuses a source that does not exist, without creating it', () => {
    const missing = join(tempDir(), 'missing.sqlite');
    expect(() => mergeStores([missing], join(tempDir(), 'out.sqlite'))).toThrow(/does not exist/);
    expect(() => readFileSync(missing)).toThrow();
  });
});
