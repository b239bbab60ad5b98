import type { Headlines } from '../pipeline.js';
import { threePublicItem } from '../recognize/columns.js';
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
export const PERSONNEL_TOTALS = ['人员经费合计', '人员经费小计', '人员经费'];
export const PUBLIC_TOTALS = ['公用经费合计', '公用经费小计', '公用经费'];

/** The first of `labels` (in that order) that labels a code-less row of the side; its items. */
function totalRow(table: NormalizedTable | undefined, labels: string[], side: 'revenue' | 'expenditure'): LineItem[] {
  if (!table) return [];
  const coded = table.items.filter((i) => i.side === side && i.code === '');
  // the table's own total; a unit's only where the table prints one unit (a table printed per 预算单位 has a 合计 per block)
  const units = new Set(table.items.map((i) => i.unitName).filter((u) => u !== ''));
  const candidates = [...coded.filter((i) => i.unitName === ''), ...(units.size === 1 ? coded.filter((i) => i.unitName !== '') : [])];
  for (const label of labels) {
    const first = candidates.find((i) => i.label === label);
    if (first) return rowOf(candidates, first);
  }
  return [];
}

/** The items of the row `first` stands in: the same label and unit, each measure once. */
function rowOf(items: LineItem[], first: LineItem): LineItem[] {
  const row: LineItem[] = [];
  for (const item of items) {
    if (item.label === first.label && item.unitName === first.unitName && !row.some((r) => r.measure === item.measure)) row.push(item);
  }
  return row;
}

const measureOf = (items: LineItem[], measure: string) => items.find((i) => i.measure === measure)?.amountFen;

const sum = (values: (bigint | undefined)[]) => (values.every((v) => v === undefined) ? undefined : values.reduce<bigint>((s, v) => s + (v ?? 0n), 0n));

/** The names of the "三公" items and their parts (threePublicItem's), besides 合计: a 合计 over only these is the "三公" total. */
const THREE_PUBLIC_PARTS = new Set(['合计', '因公出国(境)费', '公务用车购置及运维费', '公务用车购置费', '公务用车运行维护费', '公务接待费']);

/** The "三公" total: its 小计 row where printed, else the sum of the three items (not 会议费, 培训费 or 机关运行经费). */
function threePublic(table: NormalizedTable | undefined): bigint | undefined {
  if (!table) return undefined;
  if (table.publishedEmpty) return 0n;
  // the items under their canonical names (因公出国（境）费用 is 因公出国(境)费), the table's own before a unit's
  const byItem = new Map<string, bigint>();
  const rows = [...table.items.filter((i) => i.unitName === ''), ...table.items.filter((i) => i.unitName !== '')];
  // the "三公" total of all funds; 深圳 prints it per fund only, of which the 一般公共预算 one is the table's
  const measure = table.items.some((i) => i.measure === 'total') ? 'total' : 'general_budget';
  for (const i of rows) {
    if (i.code !== '' || i.measure !== measure) continue;
    const name = i.label === '合计' ? '合计' : (threePublicItem([i.label]) ?? i.label);
    if (!byItem.has(name)) byItem.set(name, i.amountFen);
  }
  const item = (label: string) => byItem.get(label);
  const subtotal = item('“三公”经费小计');
  if (subtotal !== undefined) return subtotal;
  // a 合计 over the three items and nothing else is their total as printed (中央's 决算 公开09表: 合计 | 因公出国（境）费 | 公务用车… | 公务接待费)
  const total = item('合计');
  if (total !== undefined && [...byItem.keys()].every((name) => THREE_PUBLIC_PARTS.has(name))) return total;
  const cars = item('公务用车购置及运维费') ?? sum([item('公务用车购置费'), item('公务用车运行维护费')]);
  const parts = sum([item('因公出国(境)费'), cars, item('公务接待费')]);
  return parts ?? item('合计');
}

export function headlines(doc: NormalizedDocument): Headlines {
  const table = (kind: TableKind) => doc.tables.find((t) => t.kind === kind);
  const expenditure = totalRow(table('expenditure'), TABLE_TOTALS, 'expenditure');
  const generalBudget = totalRow(table('general_budget_expenditure'), TABLE_TOTALS, 'expenditure');
  const basicTable = totalRow(table('general_budget_basic_expenditure'), TABLE_TOTALS, 'expenditure');
  // a table 6 printed as two groups of rows with a total each (人员经费合计 | 公用经费合计) and no 合计 row: the groups' totals
  const personnelTotal = totalRow(table('general_budget_basic_expenditure'), PERSONNEL_TOTALS, 'expenditure');
  const publicTotal = totalRow(table('general_budget_basic_expenditure'), PUBLIC_TOTALS, 'expenditure');
  const revenue = totalRow(table('revenue_expenditure_summary'), REVENUE_GRAND_TOTALS, 'revenue');
  return {
    revenueTotalFen: measureOf(revenue, 'amount'),
    expenditureTotalFen: measureOf(expenditure, 'total'),
    // where table 3 prints 基本支出 only as its parts (人员支出, 日常公用支出), their sum
    basicFen: measureOf(expenditure, 'basic') ?? sum([measureOf(expenditure, 'personnel'), measureOf(expenditure, 'public')]),
    projectFen: measureOf(expenditure, 'project'),
    generalBudgetFen: measureOf(generalBudget, 'total'),
    personnelFen: measureOf(basicTable, 'personnel') ?? measureOf(personnelTotal, 'personnel'),
    publicFen: measureOf(basicTable, 'public') ?? measureOf(publicTotal, 'public'),
    threePublicFen: threePublic(table('three_public')),
  };
}
