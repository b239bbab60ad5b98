import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatRef } from '../src/ir.js';
import { formatYuan } from '../src/normalize/amount.js';
import { processBytes, type DocumentResult } from '../src/pipeline.js';
import { parseCsv } from '../src/store/csv.js';
import { DATASETS, datasetCsv } from '../src/store/datasets.js';
import { documentRows } from '../src/store/rows.js';
import { Store } from '../src/store/store.js';
import { SEEDS, tempDb } from './helpers/run.js';

/** The store read back: what the pipeline produced must be there, exactly, whatever the storage layout. */
describe('the store', () => {
  const write = (results: DocumentResult[]) => {
    const store = Store.open(tempDb());
    for (const r of results) store.write(documentRows(r));
    return store;
  };

  it('gives back every check of every seed, passing ones included, in order and exact', async () => {
    const results = await Promise.all(readdirSync(SEEDS).map((f) => processBytes(readFileSync(join(SEEDS, f)), join(SEEDS, f))));
    const store = write(results);
    try {
      for (const r of results) {
        const stored = store.db
          .prepare(
            `SELECT check_no, rule, severity, table_kind, code, label, measure, expected_fen, actual_fen, message, source_ref, involves
             FROM checks_dataset WHERE doc_id = ? ORDER BY check_no`,
          )
          .all(r.docId);
        expect(r.checks.length).toBeGreaterThan(200);
        expect(stored).toEqual(
          r.checks.map((c, seq) => ({
            check_no: seq,
            rule: c.rule,
            severity: c.severity,
            table_kind: c.tableKind,
            code: c.code,
            label: c.label,
            measure: c.measure,
            expected_fen: Number(c.expectedFen),
            actual_fen: Number(c.actualFen),
            message: c.message,
            source_ref: formatRef(c.ref),
            involves: c.involves.map((cell) => formatRef(cell.ref)).join(' '),
          })),
        );
      }
      // passing checks and the others are stored apart: the seeds have both (004's rounding)
      const severities = store.db.prepare('SELECT DISTINCT severity FROM checks ORDER BY 1').pluck().all();
      expect(severities).toEqual(['ok', 'rounding']);
    } finally {
      store.close();
    }
  });

  it('keeps amounts beyond 2^53 分 exact in passing checks and line items', async () => {
    const seed = join(SEEDS, readdirSync(SEEDS)[0]);
    const result = await processBytes(readFileSync(seed), seed);
    const huge = 2n ** 62n + 7n;
    result.checks = [{ ...result.checks.find((c) => c.severity === 'ok')!, expectedFen: huge, actualFen: huge }];
    result.normalized!.tables[0].items[0].amountFen = -huge;
    const store = write([result]);
    try {
      expect(store.db.prepare('SELECT expected_fen, actual_fen FROM checks').safeIntegers().get()).toEqual({ expected_fen: huge, actual_fen: huge });
      // the view's 元 is a number (exact below 2^53 分); its 分 and the exported text stay exact beyond
      expect(store.db.prepare('SELECT expected_fen FROM checks_dataset').safeIntegers().pluck().get()).toBe(huge);
      const exported = parseCsv([...datasetCsv(store.db, DATASETS.checks)].join(''));
      expect(exported[0].expected_yuan).toBe(formatYuan(huge));
      expect(exported[0].expected_fen).toBe(huge.toString());
      expect(store.db.prepare('SELECT amount_fen FROM line_items ORDER BY seq LIMIT 1').safeIntegers().pluck().get()).toBe(-huge);
    } finally {
      store.close();
    }
  });

  it('replaces a document written again, leaving no rows of the first write', async () => {
    const seed = join(SEEDS, readdirSync(SEEDS)[1]);
    const result = await processBytes(readFileSync(seed), seed);
    const store = write([result, result]);
    try {
      const counts = (table: string) => store.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get();
      expect(counts('documents')).toBe(1);
      expect(counts('items')).toBe(result.normalized!.tables.reduce((n, t) => n + t.items.length, 0));
      expect(counts('checks')).toBe(result.checks.length);
      expect(counts('check_passes')).toBe(1);
      // every row belongs to the one document there is
      for (const table of ['items', 'budget_tables', 'check_problems', 'check_passes', 'facts', 'indicators']) {
        expect(store.db.prepare(`SELECT count(*) FROM ${table} WHERE doc_key NOT IN (SELECT doc_key FROM documents)`).pluck().get(), table).toBe(0);
      }
    } finally {
      store.close();
    }
  });

  it('copies its log into the database from a thread of its own, starting the log over as it goes, and leaves none behind', async () => {
    const results = await Promise.all(readdirSync(SEEDS).map((f) => processBytes(readFileSync(join(SEEDS, f)), join(SEEDS, f))));
    const path = tempDb();
    // the log's header counts its restarts (SQLite's "checkpoint sequence number", bytes 12-15)
    const restarts = () => readFileSync(`${path}-wal`).readUInt32BE(12);
    // a log of 64 pages (256 KB) is started over: some four documents
    const store = Store.open(path, { backgroundCheckpoints: { everyMs: 2, restartFrames: 64 } });
    const first = restarts();
    let written = 0;
    try {
      // until the log has started over a few times (the thread takes a moment to start)
      while (restarts() - first < 3 && written < 400) {
        const r = results[written % results.length];
        const rows = documentRows(r);
        const docId = `${written++}-${r.docId}`;
        store.write({ ...rows, docId, document: [docId, ...rows.document.slice(1)] });
        await sleep(5); // the writer of an ingest waits on its workers now and then; so does this one
      }
    } finally {
      store.close();
    }
    expect(written).toBeLessThan(400);
    expect(existsSync(`${path}-wal`)).toBe(false);
    const reader = Store.open(path, { readonly: true });
    try {
      expect(reader.db.prepare('SELECT count(*) FROM documents').pluck().get()).toBe(written);
      const items = (r: DocumentResult) => r.normalized!.tables.reduce((m, t) => m + t.items.length, 0);
      const expected = Array.from({ length: written }, (_, i) => items(results[i % results.length])).reduce((a, b) => a + b, 0);
      expect(reader.db.prepare('SELECT count(*) FROM items').pluck().get()).toBe(expected);
    } finally {
      reader.close();
    }
  });
});
