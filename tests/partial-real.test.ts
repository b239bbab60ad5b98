import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { extract } from '../src/extract/index.js';
import { processExtracted, sha256 } from '../src/pipeline.js';
import { ROOT } from './helpers/run.js';

/**
 * A real document with one table made unreadable: 杭州市气象局's 2026 budget
 * (corpus/national), whose table 6 header cell 人员经费 is changed, after
 * extraction, into a heading no vocabulary knows. The other eight tables are
 * read as before; the document is partial and says which table and why.
 * Expected figures are the hand-read ones of tests/reference/national.
 */
describe('a real document with one unreadable table', async () => {
  const file = join(ROOT, 'corpus/national/zj-hz-qxj-2026-dept.pdf');
  const bytes = new Uint8Array(readFileSync(file));
  const extracted = await extract(bytes, 'zj-hz-qxj-2026-dept.pdf');
  const titleAt = extracted.blocks.findIndex((b) => b.kind === 'paragraph' && b.text.includes('一般公共预算基本支出预算表') && b.ref.page === 20);
  const grid = extracted.blocks.slice(titleAt).find((b) => b.kind === 'table');
  const cell = grid?.kind === 'table' ? grid.rows.flatMap((r) => r.cells).find((c) => c.text.trim() === '人员经费') : undefined;
  if (cell) cell.text = '奇异经费';
  const result = await processExtracted(extracted, file, bytes.length, sha256(bytes));

  it('finds the cell it changes', () => {
    expect(titleAt).toBeGreaterThan(0);
    expect(cell?.text).toBe('奇异经费');
  });

  it('is partial, and says which table could not be read and why', () => {
    expect(result.status).toBe('partial');
    expect(result.error).toMatch(/^table 6 \(表6：2026年市级部门一般公共预算基本支出预算表\) could not be read: .*"本年一般公共预算基本支出\/奇异经费" is not a column yusuan knows/);
    expect(result.tables.filter((t) => t.status === 'unreadable').map((t) => t.number)).toEqual([6]);
  });

  it('reads the other tables as before', () => {
    expect(result.tables.map((t) => [t.number, t.status])).toEqual([
      [1, 'read'],
      [2, 'read'],
      [3, 'read'],
      [4, 'read'],
      [5, 'read'],
      [6, 'unreadable'],
      [7, 'published_empty'],
      [8, 'published_empty'],
      [9, 'read'],
    ]);
    const fen = (v: bigint | undefined) => (v === undefined ? undefined : (Number(v) / 100).toFixed(2));
    // headline-gold.csv, zj-hz-qxj-2026-dept: table 6's personnel and public are gone with it
    expect(fen(result.headlines.revenueTotalFen)).toBe('58766700.00');
    expect(fen(result.headlines.expenditureTotalFen)).toBe('58766700.00');
    expect(fen(result.headlines.generalBudgetFen)).toBe('57530700.00');
    expect(fen(result.headlines.threePublicFen)).toBe('240200.00');
    expect(result.headlines.personnelFen).toBeUndefined();
    expect(result.normalized!.tables.some((t) => t.kind === 'general_budget_basic_expenditure')).toBe(false);
  });
});
