import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ingestInto, query, ROOT, SEEDS, tempDb, tempDir } from './helpers/run.js';

const SCRIPT = join(ROOT, 'scripts', 'synth-corpus.mjs');

interface Made {
  file: string;
  source: string;
  format: string;
  factor?: number;
  fiscalYear?: number;
  sourceYear?: number;
  department?: { code: string; name: string };
}

function synth(out: string, ...args: string[]): Made[] {
  execFileSync(process.execPath, [SCRIPT, '--out', out, ...args], { stdio: 'pipe' });
  return JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
}

const stem = (path: string) => path.split('/').pop()!.replace(/\.[^.]+$/, '');

interface Item {
  table_kind: string;
  side: string;
  row_no: string;
  code: string;
  label: string;
  measure: string;
  amount_fen: number;
}
interface CheckRow {
  rule: string;
  severity: string;
  table_kind: string;
  code: string;
  label: string;
  measure: string;
}

const itemKey = (i: Item, fen: bigint) => `${i.table_kind}|${i.side}|${i.row_no}|${i.code}|${i.label}|${i.measure}|${fen}`;
const checkKey = (c: CheckRow) => `${c.rule}|${c.table_kind}|${c.code}|${c.label}|${c.measure}`;

describe('synthetic corpus', () => {
  let out: string;
  let made: Made[];
  let db: string;
  let seedsDb: string;

  beforeAll(async () => {
    out = tempDir('yusuan-synth-');
    made = synth(out, '--count', '15', '--seed', '3', '--formats', 'txt,html,docx');
    db = tempDb();
    seedsDb = tempDb();
    await Promise.all([ingestInto(db, [out], { workers: 2 }), ingestInto(seedsDb, [SEEDS])]);
  });

  it('makes the documents asked for, varied in department, year and factor', () => {
    expect(made).toHaveLength(15);
    expect(readdirSync(out).filter((f) => f !== 'manifest.json')).toHaveLength(15);
    expect(new Set(made.map((m) => m.format))).toEqual(new Set(['txt', 'html', 'docx']));
    expect(new Set(made.map((m) => m.fiscalYear)).size).toBeGreaterThan(3);
    expect(new Set(made.map((m) => m.factor)).size).toBeGreaterThan(3);
    expect(new Set(made.map((m) => m.department?.code)).size).toBeGreaterThan(8);
    for (const m of made) {
      expect(m.fiscalYear).toBeGreaterThanOrEqual(2019);
      expect(m.fiscalYear).toBeLessThanOrEqual(2026);
      expect(m.fiscalYear).not.toBe(undefined);
    }
  });

  it('is deterministic from the seed number', () => {
    const again = tempDir('yusuan-synth-');
    synth(again, '--count', '15', '--seed', '3', '--formats', 'txt,html,docx');
    const other = tempDir('yusuan-synth-');
    synth(other, '--count', '15', '--seed', '4', '--formats', 'txt,html,docx');
    for (const m of made) expect(readFileSync(join(again, m.file)).equals(readFileSync(join(out, m.file)))).toBe(true);
    const otherFiles = new Set(readdirSync(other).map((f) => readFileSync(join(other, f)).toString('base64')));
    expect(made.filter((m) => otherFiles.has(readFileSync(join(out, m.file)).toString('base64')))).toHaveLength(0);
  });

  it('every document reads, with the department and year it was given', () => {
    const docs = query<{ source_file: string; status: string; error: string; department_code: string; department_name: string; fiscal_year: number }>(
      db,
      'SELECT source_file, status, error, department_code, department_name, fiscal_year FROM documents',
    );
    expect(docs).toHaveLength(made.length);
    const byFile = new Map(docs.map((d) => [d.source_file, d]));
    for (const m of made) {
      const doc = byFile.get(m.file)!;
      expect({ file: m.file, status: doc.status, error: doc.error }).toEqual({ file: m.file, status: 'ok', error: '' });
      expect(doc.fiscal_year).toBe(m.fiscalYear);
      expect(doc.department_code).toBe(m.department!.code);
      expect(doc.department_name).toBe(m.department!.name);
    }
  });

  it('every amount is its seed amount times the factor, exactly', () => {
    for (const m of made) {
      const seedItems = query<Item>(seedsDb, 'SELECT * FROM line_items WHERE source_file = ?', `${stem(m.source)}.txt`);
      const items = query<Item>(db, 'SELECT * FROM line_items WHERE source_file = ?', m.file);
      expect(seedItems.length).toBeGreaterThan(50);
      expect(items.map((i) => itemKey(i, BigInt(i.amount_fen))).sort(), m.file).toEqual(
        seedItems.map((i) => itemKey(i, BigInt(i.amount_fen) * BigInt(m.factor!))).sort(),
      );
    }
  });

  it('identities that held exactly in the seed still hold: no error but where the seed was within rounding', () => {
    for (const m of made) {
      const seedChecks = query<CheckRow>(seedsDb, 'SELECT c.* FROM checks c JOIN documents d USING (doc_key) WHERE d.source_file = ?', `${stem(m.source)}.txt`);
      const checks = query<CheckRow>(db, 'SELECT c.* FROM checks c JOIN documents d USING (doc_key) WHERE d.source_file = ?', m.file);
      const rounding = new Set(seedChecks.filter((c) => c.severity === 'rounding').map(checkKey));
      const exact = new Set(seedChecks.filter((c) => c.severity === 'ok').map(checkKey));
      expect(checks.filter((c) => c.severity === 'ok').length, m.file).toBeGreaterThan(100);
      for (const c of checks) {
        if (exact.has(checkKey(c))) expect(c.severity, `${m.file}: ${checkKey(c)}`).toBe('ok');
        if (c.severity === 'error') {
          expect(rounding.has(checkKey(c)), `${m.file}: ${checkKey(c)} is an error`).toBe(true);
        }
      }
      if (rounding.size === 0) expect(checks.filter((c) => c.severity === 'error'), m.file).toEqual([]);
    }
    // the seeds without rounding differences give error-free copies
    const clean = made.filter((m) => !stem(m.source).startsWith('004'));
    expect(clean.length).toBeGreaterThan(8);
    const cleanErrors = query<{ n: number }>(
      db,
      `SELECT count(*) AS n FROM checks c JOIN documents d USING (doc_key) WHERE c.severity = 'error' AND d.source_file IN (${clean.map(() => '?').join(', ')})`,
      ...clean.map((m) => m.file),
    )[0].n;
    expect(cleanErrors).toBe(0);
  });

  it('copies PDFs byte for byte with a unique comment after %%EOF, which read as their sources do', async () => {
    const dir = tempDir('yusuan-synth-');
    const pdfs = synth(dir, '--count', '3', '--seed', '5', '--formats', 'pdf');
    const seen = new Set<string>();
    for (const m of pdfs) {
      const source = readFileSync(join(ROOT, m.source));
      const copy = readFileSync(join(dir, m.file));
      expect(copy.subarray(0, source.length).equals(source)).toBe(true);
      const tail = copy.subarray(source.length).toString('latin1');
      expect(tail).toMatch(/^\n% synth 5\/\d+\n$/);
      expect(source.subarray(-8).toString('latin1')).toContain('%%EOF');
      seen.add(tail);
    }
    expect(seen.size).toBe(3);
    const copies = tempDb();
    const sources = tempDb();
    await Promise.all([ingestInto(copies, [dir], { workers: 2 }), ingestInto(sources, [...new Set(pdfs.map((m) => join(ROOT, m.source)))], { workers: 2 })]);
    const rows = (db: string, file: string) =>
      query<Item & { source_ref: string }>(db, 'SELECT * FROM line_items WHERE source_file = ? ORDER BY seq', file).map((i) => `${itemKey(i, BigInt(i.amount_fen))}|${i.source_ref}`);
    const status = (db: string, file: string) => query<{ status: string; error: string }>(db, 'SELECT status, error FROM documents WHERE source_file = ?', file);
    for (const m of pdfs) {
      const source = m.source.split('/').pop()!;
      expect(status(sources, source)).toEqual([{ status: 'ok', error: '' }]);
      expect(status(copies, m.file)).toEqual(status(sources, source));
      expect(rows(copies, m.file).length).toBeGreaterThan(50);
      expect(rows(copies, m.file)).toEqual(rows(sources, source));
    }
  });
});
