import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { processBytes, type DocumentResult } from '../src/pipeline.js';
import { SEEDS } from './helpers/run.js';

const seedPath = (name: string) => join(SEEDS, `${name}.txt`);
const read = (name: string) => processBytes(readFileSync(seedPath(name)), seedPath(name));
const bySeverity = (r: DocumentResult, severity: string) => r.checks.filter((c) => c.severity === severity);
const rowKey = (c: { tableKind: string; code: string; label: string }) => `${c.tableKind} ${c.code || c.label}`;

describe('validation of the seeds', () => {
  it.each(['000_313ba343419bd952', '001_d16636ba0dd022c8', '002_8ad8223cbf43f16e', '003_4966aa1e14abadbe'])(
    '%s: every check passes exactly',
    async (name) => {
      const r = await read(name);
      expect(r.checks.length).toBeGreaterThan(150);
      expect(bySeverity(r, 'error').map((c) => c.message)).toEqual([]);
      expect(bySeverity(r, 'rounding').map((c) => c.message)).toEqual([]);
      const rules = new Set(r.checks.map((c) => c.rule));
      for (const rule of ['row-identity', 'hierarchy', 'total-of-classes', 'summary-revenue', 'summary-expenditure', 'summary-balance', 'cross-table']) {
        expect(rules).toContain(rule);
      }
      // 001 states no totals in its text; 002 publishes its "三公" table empty
      if (name !== '001_d16636ba0dd022c8') expect(rules).toContain('narrative');
      if (name !== '002_8ad8223cbf43f16e') expect(rules).toContain('three-public-sum');
    },
  );

  it('004: no error, and its published rounding (21011; 301, 302, 303 and 合计 of table 6) told as rounding', async () => {
    const r = await read('004_bd07757d433d15de');
    expect(bySeverity(r, 'error').map((c) => c.message)).toEqual([]);
    expect(new Set(bySeverity(r, 'rounding').map(rowKey))).toEqual(
      new Set([
        'revenue 21011',
        'expenditure 21011',
        'general_budget_expenditure 21011',
        'general_budget_basic_expenditure 301',
        'general_budget_basic_expenditure 302',
        'general_budget_basic_expenditure 303',
        'general_budget_basic_expenditure 合计',
      ]),
    );
    const medical = bySeverity(r, 'rounding').find((c) => c.tableKind === 'expenditure' && c.measure === 'total')!;
    expect(medical).toMatchObject({ code: '21011', expectedFen: 168000_00n, actualFen: 167900_00n });
  });
});

/** The seed with the amount at one line changed. */
function withLine(text: string, line: number, change: (cell: string) => string): Buffer {
  const lines = text.split('\n');
  lines[line - 1] = `\t${change(lines[line - 1].trim())}`;
  return Buffer.from(lines.join('\n'));
}

describe('a wrong number is caught and named', async () => {
  const name = '000_313ba343419bd952';
  const text = readFileSync(seedPath(name), 'utf8');
  const clean = await read(name);
  const items = clean.normalized!.tables.flatMap((t) => t.items.map((item) => ({ ...item, kind: t.kind })));

  it.each([
    ['revenue_expenditure_summary', '210', 'amount'],
    ['revenue_expenditure_summary', '一般公共预算拨款收入', 'amount'],
    ['revenue', '208', 'fiscal_appropriation'],
    ['expenditure', '2010301', 'basic'],
    ['fiscal_summary', '221', 'general_budget'],
    ['general_budget_expenditure', '合计', 'total'],
    ['general_budget_basic_expenditure', '30101', 'total'],
    ['general_budget_basic_expenditure', '302', 'public'],
    ['three_public', '公务接待费', 'total'],
  ])('%s %s %s raised by 1.00 万元', async (kind, key, measure) => {
    const item = items.find((i) => i.kind === kind && (i.code === key || i.label === key) && i.measure === measure)!;
    const bytes = withLine(text, item.ref.line!, (cell) => new Decimal(cell).plus(1).toFixed(2));
    const r = await processBytes(bytes, `${name}.raised.txt`);
    const errors = bySeverity(r, 'error');
    expect(errors.length).toBeGreaterThan(0);
    // every error involves the changed cell ...
    expect(errors.every((c) => c.involves.some((cell) => cell.ref.line === item.ref.line))).toBe(true);
    // ... and the culprit is named: table, row and measure
    const named = errors.find((c) => c.rule === 'likely-wrong-cell');
    expect(named).toMatchObject({ tableKind: kind, measure, ref: { line: item.ref.line } });
    expect(named!.code || named!.label).toBe(key);
    expect(named!.message).toContain(`L${item.ref.line}`);
  });

  it('two amount columns of a table swapped are caught', async () => {
    // table 5: basic and project swapped in every data row
    const table5 = clean.normalized!.tables.find((t) => t.kind === 'general_budget_expenditure')!;
    const lines = text.split('\n');
    const rowsOf = new Map<string, { basic?: number; project?: number }>();
    for (const i of table5.items) {
      if (i.measure === 'basic' || i.measure === 'project') {
        const row = rowsOf.get(i.rowNo) ?? {};
        row[i.measure] = i.ref.line!;
        rowsOf.set(i.rowNo, row);
      }
    }
    for (const i of table5.items.filter((x) => x.measure === 'total')) {
      // in the one-cell-a-line layout the basic and project cells follow the total
      const basic = i.ref.line! + 1;
      const project = i.ref.line! + 2;
      [lines[basic - 1], lines[project - 1]] = [lines[project - 1], lines[basic - 1]];
    }
    expect(rowsOf.size).toBeGreaterThan(5);
    const r = await processBytes(Buffer.from(lines.join('\n')), `${name}.swapped.txt`);
    const errors = bySeverity(r, 'error');
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.some((c) => c.rule === 'cross-table')).toBe(true);
    expect(r.status).toBe('ok');
  });
});
