import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseCsv } from '../../src/store/csv.js';

export { parseCsv };

/**
 * The comparison of ../shared/tools/gold_diff.py in TypeScript: line items
 * compared as a multiset on the contract's key columns.
 */

export const GOLD_KEY = ['table_kind', 'side', 'row_no', 'code', 'code_scheme', 'label', 'measure', 'amount_yuan', 'source_unit'];

export const REFERENCE = new URL('../reference/', import.meta.url).pathname;

const keyOf = (r: Record<string, string>) => GOLD_KEY.map((k) => r[k]).join('\u0001');

function counts(rows: Record<string, string>[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of rows) m.set(keyOf(r), (m.get(keyOf(r)) ?? 0) + 1);
  return m;
}

export interface GoldDiff {
  expected: number;
  got: number;
  missing: string[];
  extra: string[];
}

export function diffRows(expected: Record<string, string>[], got: Record<string, string>[]): GoldDiff {
  const e = counts(expected);
  const g = counts(got);
  const missing: string[] = [];
  const extra: string[] = [];
  for (const [k, n] of e) for (let i = (g.get(k) ?? 0); i < n; i++) missing.push(k.replaceAll('\u0001', ','));
  for (const [k, n] of g) for (let i = (e.get(k) ?? 0); i < n; i++) extra.push(k.replaceAll('\u0001', ','));
  return { expected: expected.length, got: got.length, missing, extra };
}

/** The document a file renders: `000_x.docx`, `000_x.landscape.pdf` → `000_x`. */
export const stem = (file: string) => basename(file).split('.')[0];

/** Gold rows of a reference folder, by file stem. */
export function loadGold(dir = join(REFERENCE, 'gold')): Map<string, Record<string, string>[]> {
  const gold = new Map<string, Record<string, string>[]>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.csv')).sort()) {
    gold.set(basename(file, '.csv'), parseCsv(readFileSync(join(dir, file), 'utf8')));
  }
  return gold;
}

/** Export rows grouped by source file. */
export function bySourceFile(rows: Record<string, string>[]): Map<string, Record<string, string>[]> {
  const out = new Map<string, Record<string, string>[]>();
  for (const r of rows) {
    if (!out.has(r.source_file)) out.set(r.source_file, []);
    out.get(r.source_file)!.push(r);
  }
  return out;
}
