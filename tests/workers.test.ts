import { describe, expect, it } from 'vitest';
import { DOCUMENT_COLUMNS } from '../src/store/rows.js';
import { WorkerPool } from '../src/workers.js';
import { exportRows, ingestInto, SEEDS, tempDb } from './helpers/run.js';

describe('parallel ingest in worker threads', () => {
  it('stores exactly what the in-thread ingest stores', async () => {
    const inThread = tempDb();
    const parallel = tempDb();
    await ingestInto(inThread, [SEEDS]);
    const summary = await ingestInto(parallel, [SEEDS], { workers: 2 });
    expect(summary.ok).toBe(5);
    const strip = (rows: Record<string, string>[]) => rows.map(({ ...r }) => r);
    expect(strip(exportRows(parallel))).toEqual(strip(exportRows(inThread)));
    expect(exportRows(parallel, 'checks')).toEqual(exportRows(inThread, 'checks'));
  });

  it('abandons a document over the time limit, records why, and goes on', async () => {
    const db = tempDb();
    const summary = await ingestInto(db, [SEEDS], { workers: 1, timeLimitMs: 1 });
    expect(summary.outcomes).toHaveLength(5);
    const abandoned = summary.outcomes.filter((o) => o.status === 'failed');
    expect(abandoned.length).toBeGreaterThan(0);
    for (const o of abandoned) expect(o.error).toMatch(/took longer than 0.001 s and was abandoned/);
    // nothing of an abandoned document is stored but its documents row
    expect(exportRows(db).filter((r) => abandoned.some((o) => o.docId === r.doc_id))).toEqual([]);
    const docs = exportRows(db, 'documents').filter((d) => d.status === 'failed');
    expect(docs.map((d) => d.doc_id).sort()).toEqual(abandoned.map((o) => o.docId).sort());
    expect(docs.every((d) => /abandoned/.test(d.error))).toBe(true);
  });
});

describe('--workers 0: one document at a time, in a worker the run can stop', () => {
  it('holds the time limit (it was ignored when documents were read in the main thread)', async () => {
    const db = tempDb();
    const summary = await ingestInto(db, [SEEDS], { workers: 0, timeLimitMs: 1 });
    expect(summary.outcomes).toHaveLength(5);
    const abandoned = summary.outcomes.filter((o) => o.status === 'failed');
    expect(abandoned.length).toBeGreaterThan(0);
    for (const o of abandoned) expect(o.error).toBe('reading this file took longer than 0.001 s and was abandoned (a damaged or unusually large document?)');
  });

  it('reads what the worker threads read', async () => {
    const zero = tempDb();
    const summary = await ingestInto(zero, [SEEDS], { workers: 0 });
    expect(summary.ok).toBe(5);
    expect(exportRows(zero)).toEqual(exportRows(await (async () => {
      const db = tempDb();
      await ingestInto(db, [SEEDS]);
      return db;
    })()));
  });
});

describe('the worker pool', () => {
  const stub = new URL('./fixtures/workers/stub-worker.mjs', import.meta.url);

  it('gives the documents after a hanging one to a new worker, not the stuck one', async () => {
    const pool = new WorkerPool(1, { timeLimitMs: 3000, script: stub });
    try {
      const results = await Promise.all(['a-hang', 'b', 'c-crash', 'd'].map((p) => pool.run(new Uint8Array([1, 2, 3]), p)));
      expect(results.map((r) => [r.document[DOCUMENT_COLUMNS.indexOf('source_path')], r.outcome.status])).toEqual([
        ['a-hang', 'failed'],
        ['b', 'ok'],
        ['c-crash', 'failed'],
        ['d', 'ok'],
      ]);
      expect(results[0].outcome.error).toMatch(/took longer than 3 s and was abandoned/);
      expect(results[2].outcome.error).toMatch(/internal error: stub worker crashed/);
    } finally {
      await pool.close();
    }
  });

  it('abandons a document that needs more memory than a worker is given, and goes on', async () => {
    const pool = new WorkerPool(1, { timeLimitMs: 30_000, heapLimitMb: 32, script: stub });
    try {
      const results = await Promise.all(['a', 'b-hog', 'c'].map((p) => pool.run(new Uint8Array([1, 2, 3]), p)));
      expect(results.map((r) => r.outcome.status)).toEqual(['ok', 'failed', 'ok']);
      expect(results[1].outcome.error).toMatch(/needed more than 32 MB of memory and was abandoned/);
      expect(results[1].children.messages).toContain('memory-limit');
    } finally {
      await pool.close();
    }
  });
});
