import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DATASETS, datasetCsv } from '../src/store/datasets.js';
import { Store } from '../src/store/store.js';
import { ROOT, SEEDS, tempDir } from './helpers/run.js';

const BIN = join(ROOT, 'bin', 'yusuan.js');
const COPIES = 160;

/**
 * Every dataset as CSV, without ingested_at (the time of the run), nor the
 * document department_years chooses: of copies equal in all else, the one
 * ingested last, which differs from run to run.
 */
function snapshot(db: string): Record<string, string[]> {
  const store = Store.open(db, { readonly: true });
  try {
    const runTimes = (dataset: string) => (dataset === 'department_years' ? ['ingested_at', 'doc_id', 'source_file'] : ['ingested_at']);
    return Object.fromEntries(
      Object.values(DATASETS).map((dataset) => [
        dataset.name,
        [...datasetCsv(store.db, { ...dataset, columns: dataset.columns.filter((c) => !runTimes(dataset.name).includes(c)) })],
      ]),
    );
  } finally {
    store.close();
  }
}

function itemsPerDocument(db: string): Map<string, { status: string; items: number; tables: number }> {
  const conn = new Database(db, { readonly: true });
  try {
    const rows = conn
      .prepare(
        `SELECT d.doc_id, d.status, (SELECT count(*) FROM items i WHERE i.doc_key = d.doc_key) AS items,
           (SELECT count(*) FROM budget_tables t WHERE t.doc_key = d.doc_key) AS tables FROM documents d`,
      )
      .all() as { doc_id: string; status: string; items: number; tables: number }[];
    return new Map(rows.map((r) => [r.doc_id, { status: r.status, items: r.items, tables: r.tables }]));
  } finally {
    conn.close();
  }
}

/** Documents stored so far, or 0 while the database is not there yet or busy. */
function storedCount(db: string): number {
  try {
    const conn = new Database(db, { readonly: true, fileMustExist: true });
    try {
      return (conn.prepare('SELECT count(*) AS n FROM documents').get() as { n: number }).n;
    } finally {
      conn.close();
    }
  } catch {
    return 0;
  }
}

const ingestArgs = (corpus: string, db: string) => [BIN, 'ingest', corpus, '--db', db, '--workers', '2'];

describe('an ingest killed mid-run', () => {
  it('leaves whole documents only, and a second run completes it to what a clean run gives', async () => {
    const work = tempDir('yusuan-crash-');
    const corpus = join(work, 'corpus');
    mkdirSync(corpus);
    const seeds = readdirSync(SEEDS).filter((f) => f.endsWith('.txt')).sort().map((f) => readFileSync(join(SEEDS, f)));
    for (let i = 0; i < COPIES; i++) {
      writeFileSync(join(corpus, `copy-${String(i).padStart(4, '0')}.txt`), Buffer.concat([seeds[i % seeds.length], Buffer.from(`\n副本 ${i}\n`)]));
    }

    // 1. start, and kill it once it has written some documents
    const killed = join(work, 'killed.sqlite');
    const child = spawn(process.execPath, ingestArgs(corpus, killed), { stdio: 'ignore' });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    const deadline = Date.now() + 60_000;
    while (storedCount(killed) < 10 && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 25));
    child.kill('SIGKILL');
    const { signal } = await exited;
    expect(signal).toBe('SIGKILL'); // killed, not finished on its own

    // 2. what the killed run left: a sound database with some, not all, documents
    const conn = new Database(killed);
    expect(conn.pragma('integrity_check', { simple: true })).toBe('ok');
    conn.close();
    const afterKill = itemsPerDocument(killed);
    expect(afterKill.size).toBeGreaterThanOrEqual(10);
    expect(afterKill.size).toBeLessThan(COPIES);

    // 3. the same ingest again, to the end; and a clean run into a fresh database
    const resumed = spawnSync(process.execPath, ingestArgs(corpus, killed), { encoding: 'utf8' });
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/unchanged\s+\d+ document/);
    const clean = join(work, 'clean.sqlite');
    const fresh = spawnSync(process.execPath, ingestArgs(corpus, clean), { encoding: 'utf8' });
    expect(fresh.status, fresh.stderr).toBe(0);

    // every document the killed run had stored was whole: as the clean run stores it
    const cleanDocs = itemsPerDocument(clean);
    expect(cleanDocs.size).toBe(COPIES);
    for (const [docId, doc] of afterKill) {
      expect(doc.status).toBe('ok');
      expect(doc, docId).toEqual(cleanDocs.get(docId));
    }

    const expected = snapshot(clean);
    expect(expected.line_items.length).toBeGreaterThan(COPIES * 100);
    expect(snapshot(killed)).toEqual(expected);
  });
});
