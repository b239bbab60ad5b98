import type { Headlines } from '../pipeline.js';
import type { TableKind } from '../recognize/kinds.js';
import type { LineItem, NormalizedDocument, NormalizedTable } from './line-items.js';

/**
 * A document's headline totals, read from its own tables whatever their
 * labels: the grand total of table 1's revenue side, the 合计 row of tables
 * 3, 5 and 6, the "三公" total of table 9. Which cell each is follows
 * docs/SCHEMA.md (documents dataset).
 */

/** Labels of a grand-total row, the most specific first. */
const REVENUE_GRAND_TOTALS = ['收入总计', '收入总额', '总计', '收入合计', '合计'];
const TABLE_TOTALS = ['合计', '总计', '支出合计', '支出总计', '本年支出合计'];

/** The first of `labels` (in that order) that labels a code-less row of the side; its items. */
function totalRow(table: NormalizedTable | undefined, labels: string[], side: 'revenue' | 'expenditure'): LineItem[] {
  if (!table) return [];
  const candidates = table.items.filter((i) => i.side === side && i.code === '' && i.unitName === '');
  for (const label of labels) {
    const items = candidates.filter((i) => i.label === label);
    if (items.length > 0) {
      // one row: the first holding this label (a block per unit repeats it)
      const first = items[0];
      return items.filter((i) => i.ref === first.ref || i.label === first.label).filter((i, n, all) => all.findIndex((j) => j.measure === i.measure) === n);
    }
  }
  return [];
}

const measureOf = (items: LineItem[], measure: string) => items.find((i) => i.measure === measure)?.amountFen;

const sum = (values: (bigint | undefined)[]) => (values.every((v) => v === undefined) ? undefined : values.reduce<bigint>((s, v) => s + (v ?? 0n), 0n));

/** The "三公" total: its 小计 row where printed, else the sum of the three items (not 会议费, 培训费 or 机关运行经费). */
function threePublic(table: NormalizedTable | undefined): bigint | undefined {
  if (!table) return undefined;
  if (table.publishedEmpty) return 0n;
  const item = (label: string) => table.items.find((i) => i.code === '' && i.label === label && i.measure === 'total')?.amountFen;
  const subtotal = item('“三公”经费小计') ?? item('“三公”经费合计') ?? item('“三公”经费');
  if (subtotal !== undefined) return subtotal;
  const cars = item('公务用车购置及运维费') ?? sum([item('公务用车购置费'), item('公务用车运行维护费')]);
  const parts = sum([item('因公出国(境)费'), cars, item('公务接待费')]);
  return parts ?? item('合计');
}

export function headlines(doc: NormalizedDocument): Headlines {
  const table = (kind: TableKind) => doc.tables.find((t) => t.kind === kind);
  const expenditure = totalRow(table('expenditure'), TABLE_TOTALS, 'expenditure');
  const generalBudget = totalRow(table('general_budget_expenditure'), TABLE_TOTALS, 'expenditure');
  const basicTable = totalRow(table('general_budget_basic_expenditure'), TABLE_TOTALS, 'expenditure');
  const revenue = totalRow(table('revenue_expenditure_summary'), REVENUE_GRAND_TOTALS, 'revenue');
  return {
    revenueTotalFen: measureOf(revenue, 'amount'),
    expenditureTotalFen: measureOf(expenditure, 'total'),
    // where table 3 prints 基本支出 only as its parts (人员支出, 日常公用支出), their sum
    basicFen: measureOf(expenditure, 'basic') ?? sum([measureOf(expenditure, 'personnel'), measureOf(expenditure, 'public')]),
    projectFen: measureOf(expenditure, 'project'),
    generalBudgetFen: measureOf(generalBudget, 'total'),
    personnelFen: measureOf(basicTable, 'personnel'),
    publicFen: measureOf(basicTable, 'public'),
    threePublicFen: threePublic(table('three_public')),
  };
}
