import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCsv } from './helpers/gold.js';
import { exportRows, ingestInto, ROOT, tempDb } from './helpers/run.js';

/**
 * The national sample: 31 real disclosures of 10 provinces (corpus/national),
 * against the figures read from them by hand (tests/reference/national,
 * a copy of ../shared/national's headline-gold.csv; its README says which
 * cell each figure is). Nothing expected here is computed by yusuan.
 */

const REFERENCE = join(ROOT, 'tests/reference/national');
const gold = parseCsv(readFileSync(join(REFERENCE, 'headline-gold.csv'), 'utf8'));
const manifest = new Map(
  readFileSync(join(REFERENCE, 'MANIFEST.tsv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split('\t'))
    .map((cells) => [cells[0], cells[2]] as const),
);

const FIGURES = ['revenue_total', 'expenditure_total', 'basic', 'project', 'general_budget', 'personnel', 'public', 'three_public'] as const;
const KINDS = [
  'revenue_expenditure_summary',
  'revenue',
  'expenditure',
  'fiscal_summary',
  'general_budget_expenditure',
  'general_budget_basic_expenditure',
  'gov_fund_expenditure',
  'soe_capital_expenditure',
  'three_public',
];

/**
 * What yusuan does not read yet in these documents, each checked by hand:
 * the test asserts that the gap is still there, so that closing one means
 * taking it off this list. Tables by their number in the standard set.
 */
const KNOWN_GAPS: Record<string, { unreadable?: number[]; figures?: (typeof FIGURES)[number][]; why: string }> = {};

const money = (v: string | undefined) => (v === undefined || v === '' ? '' : v);

describe('the national sample: 29 budgets and 2 final accounts of 10 provinces, as read by hand', async () => {
  const db = tempDb();
  await ingestInto(db, [join(ROOT, 'corpus/national')]);
  const documents = new Map(exportRows(db, 'documents').map((d) => [d.source_file.replace(/\.pdf$/, ''), d]));
  const tables = exportRows(db, 'tables');
  const statusOf = (id: string, kind: string) => tables.find((t) => t.source_file === `${id}.pdf` && t.table_kind === kind)?.status;

  it('ingests all 31 files', () => {
    expect(documents.size).toBe(31);
    expect(gold.length).toBe(31);
  });

  for (const g of gold) {
    const id = g.id;
    // a final account (决算) is read like a budget: the same nine tables, its figures the year's actual (决算数)
    const phase = manifest.get(id) === 'final_accounts' ? 'final' : 'budget';
    const gap = KNOWN_GAPS[id];
    it(`${id}: ${phase === 'final' ? 'a final account, ' : ''}${gap ? 'partial where the known gaps say, ' : 'ok, '}every published table read, the headline figures to the 分`, () => {
      const d = documents.get(id)!;
      expect(d.status).toBe(gap?.unreadable ? 'partial' : 'ok');
      expect(d.phase).toBe(phase);
      expect(d.fiscal_year === '' || d.fiscal_year === g.fiscal_year).toBe(true);
      const published = g.tables_published.split('|').map(Number);
      const empty = g.tables_empty === '' ? [] : g.tables_empty.split('|').map(Number);
      for (const n of published) {
        const want = gap?.unreadable?.includes(n) ? 'unreadable' : empty.includes(n) ? 'published_empty' : 'read';
        expect([n, statusOf(id, KINDS[n - 1])]).toEqual([n, want]);
      }
      // a table the document does not publish is not invented
      for (let n = 1; n <= 9; n++) if (!published.includes(n)) expect([n, statusOf(id, KINDS[n - 1])]).toEqual([n, undefined]);
      for (const f of FIGURES) {
        const want = g[`${f}_yuan`];
        if (want === '') continue;
        const got = money(d[`${f}_yuan`]);
        if (gap?.figures?.includes(f)) expect([f, got]).not.toEqual([f, want]);
        else if (want === 'empty') expect([f, ['', '0.00'].includes(got)]).toEqual([f, true]);
        else expect([f, got]).toEqual([f, want]);
      }
    });
  }
});
