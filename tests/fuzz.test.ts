import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { query, ROOT, tempDir } from './helpers/run.js';

/**
 * A bounded fuzz run (scripts/fuzz.mjs, on dist/ as `npm test` builds it):
 * mutated seeds and fixtures must each end up stored, ok or failed with a
 * reason, never crash the ingest nor leave half a document, and never be
 * stored ok with less than their original without saying so. (The script
 * runs ≥ 3,000 inputs the same way: `npm run fuzz -- --count 3000`.)
 */

interface Finding {
  file: string;
  reason: string;
}
interface Report {
  inputs: number;
  ok: number;
  failed: number;
  failedWithoutError: number;
  failedReasons: { reason: string; n: number }[];
  crashes: Finding[];
  internalErrors: Finding[];
  hangs: Finding[];
  partial: Finding[];
  silentLosses: Finding[];
  byMutation: Record<string, { ok: number; failed: number }>;
}

describe('fuzzing the ingest', () => {
  let work: string;
  let report: Report;
  let status: number | null;

  beforeAll(() => {
    work = tempDir('yusuan-fuzz-test-');
    const run = spawnSync(
      process.execPath,
      [join(ROOT, 'scripts', 'fuzz.mjs'), '--count', '80', '--seed', '11', '--heavy', '25', '--time-limit', '30', '--work', work, '--json'],
      { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
    );
    status = run.status;
    if (!run.stdout.trim().startsWith('{')) throw new Error(`fuzz.mjs printed no report (status ${run.status}): ${run.stderr}`);
    report = JSON.parse(run.stdout);
  }, 600_000);

  it('made the inputs, of many kinds of damage, and accounts for every one', () => {
    expect(report.inputs).toBe(80);
    expect(readdirSync(join(work, 'inputs'))).toHaveLength(80);
    expect(Object.keys(report.byMutation).length).toBeGreaterThan(8);
    expect(report.ok + report.failed).toBe(80);
    expect(report.ok).toBeGreaterThan(0);
    expect(report.failed).toBeGreaterThan(0);
  });

  it('nothing crashes the ingest, and no damage is mistaken for a bug of yusuan', () => {
    expect(report.crashes).toEqual([]);
    expect(status).toBe(0);
    expect(report.internalErrors).toEqual([]);
  });

  it('no document is stored in part', () => {
    expect(report.partial).toEqual([]);
    const db = join(work, 'fuzz.sqlite');
    const leftovers = query<{ n: number }>(
      db,
      `SELECT count(*) AS n FROM documents d WHERE d.status = 'failed' AND (
         EXISTS (SELECT 1 FROM items i WHERE i.doc_key = d.doc_key) OR EXISTS (SELECT 1 FROM budget_tables t WHERE t.doc_key = d.doc_key)
         OR EXISTS (SELECT 1 FROM checks c WHERE c.doc_key = d.doc_key) OR EXISTS (SELECT 1 FROM facts f WHERE f.doc_key = d.doc_key))`,
    );
    expect(leftovers[0].n).toBe(0);
    const mismatched = query<{ n: number }>(
      db,
      `SELECT count(*) AS n FROM documents d WHERE d.status = 'ok'
         AND (SELECT count(*) FROM items i WHERE i.doc_key = d.doc_key) <> (SELECT coalesce(sum(line_items), 0) FROM budget_tables t WHERE t.doc_key = d.doc_key)`,
    );
    expect(mismatched[0].n).toBe(0);
  });

  it('no hang: every document read within the time limit', () => {
    expect(report.hangs).toEqual([]);
  });

  it('no silent loss: a mutant stored ok has every table and line item of its original, or says what it lost', () => {
    expect(report.silentLosses).toEqual([]);
  });

  it('every failed document says why', () => {
    expect(report.failedWithoutError).toBe(0);
    const db = join(work, 'fuzz.sqlite');
    const failed = query<{ error: string }>(db, "SELECT error FROM documents WHERE status = 'failed'");
    expect(failed.length).toBe(report.failed);
    for (const { error } of failed) expect(error.trim()).not.toBe('');
  });
});
