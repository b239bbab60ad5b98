import { formatRef, type SourceRef } from '../ir.js';
import { UNIT_TO_YUAN, formatYuan } from '../normalize/amount.js';
import type { LineItem, NormalizedDocument, NormalizedTable } from '../normalize/line-items.js';
import type { Side, TableKind } from '../recognize/kinds.js';
import type { Project } from '../recognize/disclosure.js';
import type { NarrativeFact } from '../recognize/facts.js';

/**
 * Validation: every identity the nine tables promise, checked per document.
 * Each check that runs is recorded, passing ones as `ok`. A difference that
 * half a unit of the last published digit of each number involved can
 * explain is `rounding`; a larger one is an `error`.
 */

export type CheckSeverity = 'ok' | 'rounding' | 'error';

export interface Check {
  rule: string;
  severity: CheckSeverity;
  tableKind: TableKind | '';
  code: string;
  label: string;
  measure: string;
  /** What the other numbers say the value should be (a sum, another table). */
  expectedFen: bigint;
  /** The value as published. */
  actualFen: bigint;
  message: string;
  ref?: SourceRef;
  /** The published cells the check involves (the total and its terms). */
  involves: CellId[];
}

/** A published cell: enough to name it in a message and to find it in the source. */
export interface CellId {
  tableKind: TableKind;
  code: string;
  label: string;
  measure: string;
  ref: SourceRef;
}

/** A published number with what validation needs to know of it. */
interface Term {
  fen: bigint;
  /** Half a unit of its last published digit, in 分 (may be fractional: 元 with 2 decimals → 0.5). */
  halfUnit: number;
  cell?: CellId;
}

interface RowView {
  side: Side;
  rowNo: string;
  code: string;
  label: string;
  values: Map<string, LineItem>;
}

interface TableView {
  table: NormalizedTable;
  rows: RowView[];
}

const ZERO: Term = { fen: 0n, halfUnit: 0 };

/** Half units by unit and decimal places: the same few pairs come up for every published number. */
const halfUnits = new Map<string, number[]>();

function halfUnitOf(unit: string, decimals: number): number {
  let byDecimals = halfUnits.get(unit);
  if (byDecimals === undefined) halfUnits.set(unit, (byDecimals = []));
  return (byDecimals[decimals] ??= (UNIT_TO_YUAN[unit] * 100 * 10 ** -decimals) / 2);
}

function termOf(item: LineItem | undefined, table: NormalizedTable): Term {
  if (!item) return ZERO;
  return {
    fen: item.amountFen,
    halfUnit: halfUnitOf(table.unit, item.decimals),
    cell: { tableKind: table.kind, code: item.code, label: item.label, measure: item.measure, ref: item.ref },
  };
}

/** Line items grouped back into the rows they came from. */
function viewOf(table: NormalizedTable): TableView {
  const rows: RowView[] = [];
  let current: RowView | undefined;
  for (const item of table.items) {
    if (!current || current.side !== item.side || current.rowNo !== item.rowNo || current.code !== item.code || current.label !== item.label || current.values.has(item.measure)) {
      current = { side: item.side, rowNo: item.rowNo, code: item.code, label: item.label, values: new Map() };
      rows.push(current);
    }
    current.values.set(item.measure, item);
  }
  return { table, rows };
}

const isTotalLabel = (label: string) => label === '合计' || label === '总计';

class Checker {
  readonly checks: Check[] = [];

  /** Records `actual = Σ terms` (a single term: an equality). */
  compare(
    rule: string,
    at: { table: TableView | undefined; code?: string; label: string; measure: string; ref?: SourceRef },
    actual: Term,
    terms: Term[],
    what: string,
  ): void {
    const expectedFen = terms.reduce((sum, t) => sum + t.fen, 0n);
    const difference = actual.fen - expectedFen;
    const tolerance = terms.reduce((sum, t) => sum + t.halfUnit, actual.halfUnit);
    const abs = difference < 0n ? -difference : difference;
    const severity: CheckSeverity = difference === 0n ? 'ok' : Number(abs) <= tolerance ? 'rounding' : 'error';
    const table = at.table?.table;
    // passing checks say what was checked; failing ones also the numbers
    let message = what;
    if (severity !== 'ok') {
      const where = table ? `table ${table.number} (${table.title})` : 'the document';
      const row = [at.code, at.label].filter(Boolean).join(' ');
      message = `${where}: ${row}, ${at.measure}: ${formatYuan(actual.fen)} 元 published, ${what} gives ${formatYuan(expectedFen)} 元 (${
        difference > 0n ? '+' : ''
      }${formatYuan(difference)})${severity === 'rounding' ? ', within rounding' : ''}`;
    }
    // the cells of the published value and of the terms, in that order (a loop: this runs for every check)
    const involves: CellId[] = actual.cell ? [actual.cell] : [];
    for (const term of terms) if (term.cell) involves.push(term.cell);
    this.checks.push({
      rule,
      severity,
      tableKind: table?.kind ?? '',
      code: at.code ?? '',
      label: at.label,
      measure: at.measure,
      expectedFen,
      actualFen: actual.fen,
      message,
      ref: at.ref,
      involves,
    });
  }
}

const MEASURES_OF: Partial<Record<TableKind, string[]>> = {
  revenue: ['total', 'current_year_subtotal', 'fiscal_appropriation', 'fiscal_special_account', 'business', 'operating', 'superior_subsidy', 'affiliated_remittance', 'other', 'carryover'],
  expenditure: ['total', 'basic', 'project', 'operating', 'remit_to_superior', 'subsidy_to_affiliates'],
  general_budget_expenditure: ['total', 'basic', 'project'],
  general_budget_basic_expenditure: ['total', 'personnel', 'public'],
  gov_fund_expenditure: ['total', 'basic', 'project'],
  soe_capital_expenditure: ['total', 'basic', 'project'],
};

const REVENUE_SOURCES = ['fiscal_appropriation', 'fiscal_special_account', 'business', 'operating', 'superior_subsidy', 'affiliated_remittance', 'other'];

/**
 * Within a row: a total and the columns it is the sum of. An identity is
 * checked where the table has the total's column and at least one part's
 * (Shanghai's 收入预算总表 has no 小计 or 上年结转 columns).
 */
const ROW_IDENTITIES: Partial<Record<TableKind, [string, string[]][]>> = {
  revenue: [
    ['total', ['current_year_subtotal', 'carryover']],
    ['current_year_subtotal', REVENUE_SOURCES],
    ['total', [...REVENUE_SOURCES, 'carryover']],
  ],
  expenditure: [['total', ['basic', 'project', 'operating', 'remit_to_superior', 'subsidy_to_affiliates']]],
  fiscal_summary: [['total', ['general_budget', 'gov_fund', 'soe_capital']]],
  general_budget_expenditure: [['total', ['basic', 'project']]],
  general_budget_basic_expenditure: [['total', ['personnel', 'public']]],
  gov_fund_expenditure: [['total', ['basic', 'project']]],
  soe_capital_expenditure: [['total', ['basic', 'project']]],
  three_public: [['total', ['general_budget', 'gov_fund', 'soe_capital']]],
};

/** The "三公" table's rows that are sums of other rows (by normalized label). */
const THREE_PUBLIC_SUMS: [string, string[]][] = [
  ['合计', ['“三公”经费小计', '会议费', '培训费']],
  ['“三公”经费小计', ['因公出国(境)费', '公务用车购置及运维费', '公务接待费']],
  ['因公出国(境)费', ['教学科研人员因公出国(境)费', '其他因公出国(境)费']],
  ['公务用车购置及运维费', ['公务用车购置费', '公务用车运行维护费']],
  ['会议费', ['省属高校业务性会议费', '其他会议费']],
];

function checkRowIdentities(c: Checker, view: TableView): void {
  const identities = ROW_IDENTITIES[view.table.kind];
  if (!identities) return;
  const columns = new Set(view.table.measures);
  const applicable = identities
    .filter(([total, parts]) => columns.has(total) && parts.some((m) => columns.has(m)))
    .map(([total, parts]) => [total, parts, `${total} = ${parts.join(' + ')}`] as const);
  for (const row of view.rows) {
    if (row.side !== 'expenditure' && view.table.kind !== 'revenue') continue;
    for (const [total, parts, what] of applicable) {
      if (!row.values.has(total) && !parts.some((m) => row.values.has(m))) continue;
      const item = row.values.get(total);
      c.compare(
        'row-identity',
        { table: view, code: row.code, label: row.label, measure: total, ref: item?.ref ?? row.values.values().next().value?.ref },
        termOf(item, view.table),
        parts.map((m) => termOf(row.values.get(m), view.table)),
        what,
      );
    }
  }
}

function checkHierarchy(c: Checker, view: TableView): void {
  const measures = MEASURES_OF[view.table.kind];
  if (!measures) return;
  const coded = view.rows.filter((r) => r.code !== '');
  const byParent = new Map<string, RowView[]>();
  for (const row of coded) {
    const parent = row.code.length > 3 ? row.code.slice(0, -2) : '';
    if (!byParent.has(parent)) byParent.set(parent, []);
    byParent.get(parent)!.push(row);
  }
  const total = view.rows.find((r) => r.code === '' && isTotalLabel(r.label));
  const parents: [RowView, RowView[], string][] = coded
    .filter((r) => byParent.has(r.code))
    .map((r) => [r, byParent.get(r.code)!, 'hierarchy']);
  const classes = byParent.get('');
  if (total && classes) parents.push([total, classes, 'total-of-classes']);
  for (const [parent, children, rule] of parents) {
    const what = rule === 'hierarchy' ? `the sum of ${children.map((ch) => ch.code).join(', ')}` : `the sum of the 类 ${children.map((ch) => ch.code).join(', ')}`;
    for (const measure of measures) {
      const item = parent.values.get(measure);
      if (!item && children.every((ch) => !ch.values.has(measure))) continue;
      c.compare(
        rule,
        { table: view, code: parent.code, label: parent.label, measure, ref: item?.ref },
        termOf(item, view.table),
        children.map((ch) => termOf(ch.values.get(measure), view.table)),
        what,
      );
    }
  }
}

function checkThreePublic(c: Checker, view: TableView): void {
  const byLabel = new Map(view.rows.map((r) => [r.label, r]));
  for (const [parentLabel, childLabels] of THREE_PUBLIC_SUMS) {
    const parent = byLabel.get(parentLabel);
    const children = childLabels.map((l) => byLabel.get(l));
    // only a published parent row can disagree with its parts
    if (!parent) continue;
    const measures = new Set([...parent.values.keys(), ...children.flatMap((ch) => [...(ch?.values.keys() ?? [])])]);
    // 合计 includes 会议费 and 培训费 only where the table lists them
    const listed = children.filter((ch): ch is RowView => ch !== undefined);
    if (listed.length === 0) continue;
    for (const measure of measures) {
      const item = parent.values.get(measure);
      c.compare(
        'three-public-sum',
        { table: view, label: parentLabel, measure, ref: item?.ref },
        termOf(item, view.table),
        listed.map((ch) => termOf(ch.values.get(measure), view.table)),
        `the sum of ${listed.map((ch) => ch.label).join(', ')}`,
      );
    }
  }
}

/** Tables 1 and 4: the summary rows of each side. */
function checkSummaryTable(c: Checker, view: TableView): void {
  const revenue = view.rows.filter((r) => r.side === 'revenue');
  const expenditure = view.rows.filter((r) => r.side === 'expenditure');
  const amountMeasure = 'amount';
  const expMeasure = view.table.kind === 'fiscal_summary' ? 'total' : 'amount';
  const find = (rows: RowView[], ...labels: string[]) => rows.find((r) => labels.includes(r.label));
  const value = (row: RowView | undefined, m: string) => termOf(row?.values.get(m), view.table);
  const ref = (row: RowView | undefined, m: string) => row?.values.get(m)?.ref;

  const yearIncome = find(revenue, '本年收入合计');
  if (yearIncome) {
    const index = revenue.indexOf(yearIncome);
    const items = revenue.slice(0, index);
    c.compare('summary-revenue', { table: view, label: yearIncome.label, measure: amountMeasure, ref: ref(yearIncome, amountMeasure) }, value(yearIncome, amountMeasure), items.map((r) => value(r, amountMeasure)), 'the sum of the revenue items above it');
  }
  const yearSpending = find(expenditure, '本年支出合计');
  if (yearSpending) {
    const classes = expenditure.filter((r) => r.code !== '');
    const measures = view.table.kind === 'fiscal_summary' ? ['total', 'general_budget', 'gov_fund', 'soe_capital'] : ['amount'];
    for (const m of measures) {
      if (!yearSpending.values.has(m) && classes.every((r) => !r.values.has(m))) continue;
      c.compare('summary-expenditure', { table: view, label: yearSpending.label, measure: m, ref: ref(yearSpending, m) }, value(yearSpending, m), classes.map((r) => value(r, m)), 'the sum of the 类 above it');
    }
  }
  const incomeTotal = find(revenue, '收入总计');
  const spendingTotal = find(expenditure, '支出总计');
  if (incomeTotal && spendingTotal) {
    c.compare('summary-balance', { table: view, label: '收入总计', measure: amountMeasure, ref: ref(incomeTotal, amountMeasure) }, value(incomeTotal, amountMeasure), [value(spendingTotal, expMeasure)], '支出总计');
  }
  if (incomeTotal && yearIncome) {
    const carried = revenue.filter((r) => r.label === '上年结转结余' || r.label === '上年结转' || r.label === '年初财政拨款结转和结余');
    c.compare('summary-revenue', { table: view, label: '收入总计', measure: amountMeasure, ref: ref(incomeTotal, amountMeasure) }, value(incomeTotal, amountMeasure), [value(yearIncome, amountMeasure), ...carried.map((r) => value(r, amountMeasure))], '本年收入合计 + the balance carried over');
  }
  if (spendingTotal && yearSpending) {
    const carried = expenditure.filter((r) => r.label === '年终结转结余' || r.label === '年末财政拨款结转和结余');
    c.compare('summary-expenditure', { table: view, label: '支出总计', measure: expMeasure, ref: ref(spendingTotal, expMeasure) }, value(spendingTotal, expMeasure), [value(yearSpending, expMeasure), ...carried.map((r) => value(r, expMeasure))], '本年支出合计 + the balance carried forward');
  }
}

/** Equal values of the same 类 in two tables. */
function checkAcross(
  c: Checker,
  a: TableView | undefined,
  aMeasure: string,
  b: TableView | undefined,
  bMeasure: string,
  level: 'class' | 'total',
): void {
  if (!a || !b) return;
  const rowsOf = (v: TableView) =>
    v.rows.filter((r) => r.side === 'expenditure' || v.table.kind === 'revenue').filter((r) => (level === 'class' ? r.code.length === 3 : r.code === '' && isTotalLabel(r.label)));
  const bRows = new Map(rowsOf(b).map((r) => [level === 'class' ? r.code : 'total', r]));
  const aRows = new Map(rowsOf(a).map((r) => [level === 'class' ? r.code : 'total', r]));
  const keys = new Set([...aRows.keys(), ...bRows.keys()]);
  for (const key of keys) {
    const ar = aRows.get(key);
    const br = bRows.get(key);
    const aItem = ar?.values.get(aMeasure);
    const bItem = br?.values.get(bMeasure);
    if (!aItem && !bItem) continue;
    c.compare(
      'cross-table',
      { table: a, code: ar?.code ?? br?.code ?? '', label: ar?.label ?? br?.label ?? '', measure: aMeasure, ref: aItem?.ref },
      termOf(aItem, a.table),
      [termOf(bItem, b.table)],
      `table ${b.table.number} (${b.table.title}) ${bMeasure}`,
    );
  }
}

/** The same revenue source, named in tables 1 and 4 (Hebei template labels). */
const SAME_REVENUE: [string, string][] = [
  ['一般公共预算拨款收入', '一般公共预算拨款'],
  ['政府性基金预算拨款收入', '政府性基金预算拨款'],
  ['国有资本经营预算拨款收入', '国有资本经营预算拨款'],
];

function checkRevenueSources(c: Checker, summary: TableView | undefined, fiscal: TableView | undefined): void {
  if (!summary || !fiscal) return;
  const find = (v: TableView, label: string) => v.rows.find((r) => r.side === 'revenue' && r.label === label)?.values.get('amount');
  for (const [summaryLabel, fiscalLabel] of SAME_REVENUE) {
    const a = find(summary, summaryLabel);
    const b = find(fiscal, fiscalLabel);
    if (!a && !b) continue;
    c.compare(
      'cross-table',
      { table: summary, label: summaryLabel, measure: 'amount', ref: a?.ref },
      termOf(a, summary.table),
      [termOf(b, fiscal.table)],
      `table ${fiscal.table.number} (${fiscal.table.title}) ${fiscalLabel}`,
    );
  }
}

function checkNarrative(c: Checker, facts: NarrativeFact[], views: Map<TableKind, TableView>): void {
  const total = (kind: TableKind, measure: string, label = '合计') => {
    const v = views.get(kind);
    const row = v?.rows.find((r) => r.code === '' && r.label === label);
    // a table published empty states a total of zero
    return v && (row || v.table.publishedEmpty) ? { item: row?.values.get(measure), view: v } : undefined;
  };
  const summaryTotal = () => {
    const v = views.get('revenue_expenditure_summary');
    const row = v?.rows.find((r) => r.side === 'revenue' && r.label === '收入总计');
    return v && row ? { item: row.values.get('amount'), view: v } : undefined;
  };
  const targets: Record<string, () => { item: LineItem | undefined; view: TableView } | undefined> = {
    revenue_total: summaryTotal,
    expenditure_total: () => total('expenditure', 'total'),
    basic_total: () => total('expenditure', 'basic'),
    project_total: () => total('expenditure', 'project'),
    personnel_total: () => total('general_budget_basic_expenditure', 'personnel'),
    public_total: () => total('general_budget_basic_expenditure', 'public'),
    // 机关运行经费: a row of its own where the "三公" table has one (Shanghai),
    // else by definition the 公用经费 of the department's offices
    admin_cost: () =>
      views.get('three_public')?.rows.some((r) => r.label === '机关运行经费')
        ? total('three_public', 'total', '机关运行经费')
        : total('general_budget_basic_expenditure', 'public'),
    three_public_total: () =>
      views.get('three_public')?.rows.some((r) => r.label === '“三公”经费小计') ? total('three_public', 'total', '“三公”经费小计') : total('three_public', 'total'),
  };
  for (const fact of facts) {
    const target = targets[fact.name]?.();
    if (!target) continue;
    const published: Term = { fen: fact.fen, halfUnit: halfUnitOf(fact.unit, fact.decimals) };
    c.compare(
      'narrative',
      { table: target.view, label: fact.name, measure: 'text', ref: fact.ref },
      published,
      [termOf(target.item, target.view.table)],
      `the table (the text says: ${fact.sentence.slice(0, 80)})`,
    );
  }
}

/** Σ the budgets of the performance-target tables = the project 合计 of table 3. */
function checkProjects(c: Checker, projects: Project[], expenditure: TableView | undefined): void {
  const budgets = projects.filter((p) => p.budgetFen !== undefined && p.unit !== undefined);
  if (!expenditure || budgets.length === 0) return;
  const total = expenditure.rows.find((r) => r.code === '' && isTotalLabel(r.label))?.values.get('project');
  c.compare(
    'projects-total',
    { table: expenditure, label: '合计', measure: 'project', ref: total?.ref },
    termOf(total, expenditure.table),
    budgets.map((p) => ({ fen: p.budgetFen!, halfUnit: halfUnitOf(p.unit!, 2) })),
    `the sum of the budgets of the ${budgets.length} project performance-target tables`,
  );
}

export function validate(doc: NormalizedDocument, facts: NarrativeFact[] = [], projects: Project[] = []): Check[] {
  const c = new Checker();
  const views = new Map<TableKind, TableView>(doc.tables.map((t) => [t.kind, viewOf(t)]));
  for (const view of views.values()) {
    checkRowIdentities(c, view);
    checkHierarchy(c, view);
    if (view.table.kind === 'three_public') checkThreePublic(c, view);
    if (view.table.kind === 'revenue_expenditure_summary' || view.table.kind === 'fiscal_summary') checkSummaryTable(c, view);
    if (view.table.emptyNote && view.table.items.length > 0) {
      c.checks.push({
        rule: 'empty-note',
        severity: 'error',
        tableKind: view.table.kind,
        code: '',
        label: '',
        measure: '',
        expectedFen: 0n,
        actualFen: 0n,
        message: `table ${view.table.number} (${view.table.title}): the note says the table is empty ("${view.table.emptyNote}") but it holds ${view.table.items.length} amounts`,
        ref: view.table.ref,
        involves: [],
      });
    }
  }
  const v = (k: TableKind) => views.get(k);
  checkAcross(c, v('revenue_expenditure_summary'), 'amount', v('expenditure'), 'total', 'class');
  checkAcross(c, v('revenue_expenditure_summary'), 'amount', v('revenue'), 'total', 'class');
  checkAcross(c, v('fiscal_summary'), 'general_budget', v('general_budget_expenditure'), 'total', 'class');
  checkAcross(c, v('fiscal_summary'), 'gov_fund', v('gov_fund_expenditure'), 'total', 'class');
  checkAcross(c, v('fiscal_summary'), 'soe_capital', v('soe_capital_expenditure'), 'total', 'class');
  checkAcross(c, v('general_budget_basic_expenditure'), 'total', v('general_budget_expenditure'), 'basic', 'total');
  checkRevenueSources(c, v('revenue_expenditure_summary'), v('fiscal_summary'));
  checkNarrative(c, facts, views);
  checkProjects(c, projects, v('expenditure'));
  return [...c.checks, ...likelyWrongCells(c.checks, views)];
}

const cellKey = (cell: CellId) => `${cell.tableKind}|${cell.code}|${cell.label}|${cell.measure}|${formatRef(cell.ref)}`;

/**
 * A wrong number usually breaks more than one identity (its row's and its
 * parent's, or two tables'): the cell that most failing checks share,
 * alone, is named as the likely culprit.
 */
function likelyWrongCells(checks: Check[], views: Map<TableKind, TableView>): Check[] {
  const failing = checks.filter((k) => k.severity === 'error' && k.involves.length > 0);
  const counts = new Map<string, { cell: CellId; checks: Check[] }>();
  for (const check of failing) {
    for (const cell of check.involves) {
      const key = cellKey(cell);
      if (!counts.has(key)) counts.set(key, { cell, checks: [] });
      counts.get(key)!.checks.push(check);
    }
  }
  const best = Math.max(0, ...[...counts.values()].map((v) => v.checks.length));
  if (best < 2) return [];
  const top = [...counts.values()].filter((v) => v.checks.length === best);
  if (top.length !== 1) return [];
  const { cell, checks: shared } = top[0];
  const table = views.get(cell.tableKind)!.table;
  return [
    {
      rule: 'likely-wrong-cell',
      severity: 'error',
      tableKind: cell.tableKind,
      code: cell.code,
      label: cell.label,
      measure: cell.measure,
      expectedFen: shared[0].expectedFen,
      actualFen: shared[0].actualFen,
      message: `table ${table.number} (${table.title}): ${[cell.code, cell.label].filter(Boolean).join(' ')}, ${cell.measure} at ${formatRef(cell.ref)} is in ${best} failing checks (${[...new Set(shared.map((k) => k.rule))].join(', ')}): most likely the wrong number`,
      ref: cell.ref,
      involves: [cell],
    },
  ];
}

export const countBySeverity = (checks: Check[]) => ({
  ok: checks.filter((k) => k.severity === 'ok').length,
  rounding: checks.filter((k) => k.severity === 'rounding').length,
  error: checks.filter((k) => k.severity === 'error').length,
});
