import { formatRef, type SourceRef } from '../ir.js';
import { UNIT_TO_YUAN, formatYuan } from '../normalize/amount.js';
import type { LineItem, NormalizedDocument, NormalizedTable } from '../normalize/line-items.js';
import type { Side, TableKind } from '../recognize/kinds.js';
import type { Project } from '../recognize/disclosure.js';
import type { NarrativeFact } from '../recognize/facts.js';
import { identitiesOf, isYearMeasure, outlineReadings, partsOf, type Identity } from './identities.js';

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
  /** The 预算单位 block the row stands in ('' for the table's own rows). */
  unitName: string;
  /** The label's enumerator level (line-items.ts). */
  outline: number;
  /** The row heads a 预算单位's block (it names the unit: its amounts are the unit's totals). */
  unitHeader?: boolean;
  values: Map<string, LineItem>;
}

interface TableView {
  table: NormalizedTable;
  rows: RowView[];
  /** The measures printed per side (columnsOf), once computed. */
  columns?: Partial<Record<Side, Set<string>>>;
  /** ownRows, once computed. */
  own?: RowView[];
  /** summaryOf, once computed. */
  summary?: Partial<Record<Side, SummarySide>>;
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

/** A table's own grand total row, by the labels documents use for it. */
const isTotalLabel = (label: string) => label === '合计' || label === '总计';

/** Classification codes have 3, 5 or 7 digits (类, 款, 项); a 2- or 4-digit one is a part not joined, a 6-digit one a unit's code. */
const isClassificationCode = (code: string) => code.length === 3 || code.length === 5 || code.length === 7;
const isUnitCode = (code: string) => code.length === 6 && /^\d{6}$/.test(code);

/**
 * Line items grouped back into the rows they came from. A 预算单位's block
 * runs from the row naming the unit to the next unit: rows printed under it
 * without the unit's name (深圳: 预算单位 only on the block's 合计 row) are
 * the unit's, not the table's own; the table's 合计 is its own wherever it
 * stands.
 */
function viewOf(table: NormalizedTable): TableView {
  const rows: RowView[] = [];
  let current: RowView | undefined;
  let block = '';
  for (const original of table.items) {
    let item = original;
    // a row coded as no classification is (a 6-digit 125001 西安市…局): it names a unit, whose rows follow
    const names = item.unitName === '' && isUnitCode(item.code);
    if (names) item = { ...item, unitName: (block = `${item.code} ${item.label}`) };
    else if (item.unitName !== '') block = item.unitName;
    else if (block !== '' && !(item.code === '' && isTotalLabel(item.label))) item = { ...item, unitName: block };
    if (
      !current ||
      current.side !== item.side ||
      current.rowNo !== item.rowNo ||
      current.code !== item.code ||
      current.label !== item.label ||
      current.unitName !== item.unitName ||
      current.values.has(item.measure)
    ) {
      current = { side: item.side, rowNo: item.rowNo, code: item.code, label: item.label, unitName: item.unitName, outline: item.outline, unitHeader: names || undefined, values: new Map() };
      rows.push(current);
    }
    current.values.set(item.measure, item);
  }
  return { table, rows };
}


/** A reading of an identity: the terms a layout's total is the sum of, under one way of reading it. */
interface Reading {
  terms: Term[];
  what: string;
}

type At = { table: TableView | undefined; code?: string; label: string; measure: string; ref?: SourceRef };

class Checker {
  readonly checks: Check[] = [];

  /** Records `actual = Σ terms` (a single term: an equality). */
  compare(rule: string, at: At, actual: Term, terms: Term[], what: string): void {
    this.compareBest(rule, at, actual, [{ terms, what }]);
  }

  /**
   * Records `actual = Σ terms` under the reading that holds ("identities
   * decide"): exactly, else within rounding, else the reading nearest to
   * it, which is then the error reported.
   */
  compareBest(rule: string, at: At, actual: Term, readings: Reading[]): void {
    if (readings.length === 0) return;
    // the best reading so far, in locals: this runs for every check
    let bestIndex = 0;
    let bestExpected = 0n;
    let bestAbs = -1n;
    let bestRank = 3;
    for (let r = 0; r < readings.length; r++) {
      let expectedFen = 0n;
      let tolerance = actual.halfUnit;
      for (const t of readings[r].terms) {
        expectedFen += t.fen;
        tolerance += t.halfUnit;
      }
      const difference = actual.fen - expectedFen;
      const abs = difference < 0n ? -difference : difference;
      const rank = difference === 0n ? 0 : Number(abs) <= tolerance ? 1 : 2;
      if (rank < bestRank || (rank === bestRank && abs < bestAbs)) {
        bestIndex = r;
        bestExpected = expectedFen;
        bestAbs = abs;
        bestRank = rank;
      }
      if (rank === 0) break;
    }
    const reading = readings[bestIndex];
    const expectedFen = bestExpected;
    const difference = actual.fen - expectedFen;
    const severity: CheckSeverity = bestRank === 0 ? 'ok' : bestRank === 1 ? 'rounding' : 'error';
    const table = at.table?.table;
    // passing checks say what was checked; failing ones also the numbers
    let message = reading.what;
    if (severity !== 'ok') {
      const where = table ? `table ${table.number} (${table.title})` : 'the document';
      const row = [at.code, at.label].filter(Boolean).join(' ');
      message = `${where}: ${row}, ${at.measure}: ${formatYuan(actual.fen)} 元 published, ${reading.what} gives ${formatYuan(expectedFen)} 元 (${
        difference > 0n ? '+' : ''
      }${formatYuan(difference)})${severity === 'rounding' ? ', within rounding' : ''}`;
    }
    // the cells of the published value and of the terms, in that order (a loop: this runs for every check)
    const involves: CellId[] = actual.cell ? [actual.cell] : [];
    for (const term of reading.terms) if (term.cell) involves.push(term.cell);
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

/** The measures a table prints on a side: its columns (tables.measures covers the expenditure side, or a one-sided table's), and any measure its rows hold. */
function columnsOf(view: TableView, side: Side): ReadonlySet<string> {
  const cached = view.columns?.[side];
  if (cached) return cached;
  const columns = new Set<string>();
  if (side === 'expenditure' || view.table.kind === 'revenue') for (const m of view.table.measures) columns.add(m);
  for (const item of view.table.items) if (item.side === side) columns.add(item.measure);
  (view.columns ??= {})[side] = columns;
  return columns;
}

/** Optional terms printed with an amount: each may be in the sum or beside it. More than a few and only all-in and all-out are read. */
function readingsOf(identity: Identity, row: RowView, table: NormalizedTable): Reading[] {
  const required: Term[] = [];
  let optional: { measure: string; term: Term }[] | undefined;
  for (const t of identity.terms) {
    const item = row.values.get(t.measure);
    if (!t.optional) required.push(termOf(item, table));
    else if (item && item.amountFen !== 0n) (optional ??= []).push({ measure: t.measure, term: termOf(item, table) });
  }
  // the common case: no optional term printed (a loop over every row of every table)
  if (!optional) return [{ terms: required, what: identity.requiredWhat }];
  const requiredNames = identity.terms.filter((t) => !t.optional).map((t) => t.measure);
  const reading = (chosen: { measure: string; term: Term }[]): Reading => ({
    terms: [...required, ...chosen.map((o) => o.term)],
    what: `${identity.parent} = ${[...requiredNames, ...chosen.map((o) => o.measure)].join(' + ')}`,
  });
  // all in first: the templates that add them (河北), then each subset down to none (深圳's 经营支出 beside the sum)
  const printed = optional;
  const subsets: { measure: string; term: Term }[][] = [];
  if (printed.length > 4) subsets.push(printed, []);
  else for (let mask = (1 << printed.length) - 1; mask >= 0; mask--) subsets.push(printed.filter((_, i) => mask & (1 << i)));
  return subsets.map(reading);
}

/**
 * Within a row: each total the table prints against each decomposition its
 * columns allow (identities.ts), under the reading that holds.
 */
function checkRowIdentities(c: Checker, view: TableView): void {
  const bySide = new Map<Side, Identity[]>();
  for (const row of view.rows) {
    let identities = bySide.get(row.side);
    if (!identities) bySide.set(row.side, (identities = identitiesOf(columnsOf(view, row.side))));
    for (const identity of identities) {
      // only a printed total can disagree with its parts (a blank 小计 over printed parts is not printed)
      const item = row.values.get(identity.parent);
      if (!item) continue;
      c.compareBest(
        'row-identity',
        { table: view, code: row.code, label: row.label, measure: identity.parent, ref: item.ref },
        termOf(item, view.table),
        readingsOf(identity, row, view.table),
      );
    }
  }
}

/** The rows of each 预算单位 block, the table's own ('') first: codes repeat per unit, so sums stay within a block. */
function blocksOf(rows: RowView[]): Map<string, RowView[]> {
  const blocks = new Map<string, RowView[]>([['', []]]);
  for (const row of rows) {
    let block = blocks.get(row.unitName);
    if (!block) blocks.set(row.unitName, (block = []));
    block.push(row);
  }
  return blocks;
}

/** Measures summed over rows: every one but the comparison columns (a 增长率 is no sum). */
const isRowAdditive = (measure: string) => !/_change$/.test(measure);

/** A group's total in a table printed as column groups (人员经费合计, 公用经费小计). */
const GROUP_TOTAL = /^(?:人员经费|公用经费)(?:合计|小计)$/;

function checkHierarchy(c: Checker, view: TableView): void {
  if (view.table.kind === 'three_public' || view.table.kind === 'revenue_expenditure_summary' || view.table.kind === 'fiscal_summary') return;
  const seen = new Set<string>();
  for (const item of view.table.items) seen.add(item.measure);
  const measures = [...seen].filter(isRowAdditive);
  for (const block of blocksOf(view.rows).values()) {
    const coded = block.filter((r) => isClassificationCode(r.code));
    const present = new Set(coded.map((r) => r.code));
    // a code printed twice in the block (rare): its parent is read both ways
    const repeats = present.size < coded.length;
    const byParent = new Map<string, RowView[]>();
    for (const row of coded) {
      // the nearest level printed above it (301 over 3010201 where 30102 is not printed)
      let parent = row.code.length > 3 ? row.code.slice(0, -2) : '';
      if (parent.length > 3 && !present.has(parent) && present.has(parent.slice(0, -2))) parent = parent.slice(0, -2);
      if (!byParent.has(parent)) byParent.set(parent, []);
      byParent.get(parent)!.push(row);
    }
    const total = block.find((r) => r.unitHeader || (r.code === '' && isTotalLabel(r.label)));
    const parents: [RowView, RowView[], string][] = coded.filter((r) => byParent.has(r.code)).map((r) => [r, byParent.get(r.code)!, 'hierarchy']);
    const classes = byParent.get('');
    if (total && classes) parents.push([total, classes, 'total-of-classes']);
    // no 合计 row, one total per group (决算 公开06表: 人员经费合计 | 公用经费合计): each the sum of the 类 in its measure
    if (!total && classes) for (const group of block.filter((r) => r.code === '' && GROUP_TOTAL.test(r.label))) parents.push([group, classes, 'total-of-classes']);
    for (const [parent, children, rule] of parents) {
      const name = (rows: RowView[]) => (rule === 'hierarchy' ? `the sum of ${rows.map((ch) => ch.code).join(', ')}` : `the sum of the 类 ${rows.map((ch) => ch.code).join(', ')}`);
      // a code printed twice (无锡: the 项 under 21999 printed with its 款's code) is a row printed twice or two rows: the identity decides
      const codes = repeats ? new Set<string>() : undefined;
      const distinct = codes ? children.filter((ch) => !codes.has(ch.code) && codes.add(ch.code)) : children;
      const lists = distinct.length < children.length ? [children, distinct] : [children];
      const names = lists.map(name);
      for (const measure of measures) {
        const item = parent.values.get(measure);
        if (!item) continue;
        const readings: Reading[] = [];
        for (let i = 0; i < lists.length; i++) {
          const terms: Term[] = [];
          for (const ch of lists[i]) terms.push(termOf(ch.values.get(measure), view.table));
          readings.push({ terms, what: names[i] });
        }
        c.compareBest(rule, { table: view, code: parent.code, label: parent.label, measure, ref: item.ref }, termOf(item, view.table), readings);
      }
    }
  }
}

/** The "三公" table's rows by role, from the names documents give them (因公出国(境)费用, 公务用车购置及运行费 …). */
const THREE_PUBLIC_ROLES: [string, RegExp][] = [
  ['合计', /^(?:合计|总计)$/],
  ['“三公”经费小计', /^“?三公”?经费(?:小计|合计)?$/],
  ['因公出国(境)费', /^因公出国\(境\)(?:费用?|经费)$/],
  ['公务用车购置及运维费', /^公务用车购置及运[行维]*(?:护)?费$|^公务用车购置及运行维护费$/],
  ['公务接待费', /^公务接待费$/],
  ['公务用车购置费', /^(?:公务用车)?购置费$/],
  ['公务用车运行维护费', /^(?:公务用车)?运行(?:维护)?费$|^(?:公务用车)?运维费$/],
  ['会议费', /^会议费$/],
  ['培训费', /^培训费$/],
  ['教学科研人员因公出国(境)费', /^教学科研人员因公出国\(境\)费$/],
  ['其他因公出国(境)费', /^其他因公出国\(境\)费$/],
  ['省属高校业务性会议费', /^省属高校业务性会议费$/],
  ['其他会议费', /^其他会议费$/],
];

/** The "三公" table's rows that are sums of other rows (by role). */
const THREE_PUBLIC_SUMS: [string, string[]][] = [
  ['合计', ['“三公”经费小计', '会议费', '培训费']],
  ['“三公”经费小计', ['因公出国(境)费', '公务用车购置及运维费', '公务接待费']],
  ['因公出国(境)费', ['教学科研人员因公出国(境)费', '其他因公出国(境)费']],
  ['公务用车购置及运维费', ['公务用车购置费', '公务用车运行维护费']],
  ['会议费', ['省属高校业务性会议费', '其他会议费']],
];

const roleOfLabel = new Map<string, string | undefined>();
/** A "三公" row's role by its label (memoized: the same few labels come up in every document). */
function threePublicRole(label: string): string | undefined {
  if (roleOfLabel.has(label)) return roleOfLabel.get(label);
  const role = THREE_PUBLIC_ROLES.find(([, pattern]) => pattern.test(label))?.[0];
  if (roleOfLabel.size < 10_000) roleOfLabel.set(label, role);
  return role;
}

/**
 * The "三公" table's rows of a block by role, the rows of one role merged:
 * a table printing its periods as row groups (深圳: 2025年 | 2026年 | 增减)
 * has each item once per period, each with its own measures.
 */
function threePublicRows(rows: RowView[]): Map<string, RowView> {
  const byRole = new Map<string, RowView>();
  for (const row of rows) {
    const role = threePublicRole(row.label);
    if (!role) continue;
    const merged = byRole.get(role);
    if (!merged) byRole.set(role, { ...row, values: new Map(row.values) });
    else for (const [m, item] of row.values) if (!merged.values.has(m)) merged.values.set(m, item);
  }
  return byRole;
}

function checkThreePublic(c: Checker, view: TableView): void {
  const childrenOf = new Map(THREE_PUBLIC_SUMS);
  for (const block of blocksOf(view.rows).values()) {
    const byRole = threePublicRows(block);
    const columns = columnsOf(view, 'expenditure');
    /**
     * The cells a child stands for on a measure: its own where printed, else
     * the measure's parts in its row (长春: 合计 | 当年 | 上年结转, the items'
     * 合计 blank), else its own rows' (北京: 公务用车 小计 blank, 购置费 and
     * 运维费 printed); none where nothing is printed.
     */
    const termsOf = (role: string, measure: string, depth = 0): Term[] => {
      const row = byRole.get(role);
      const item = row?.values.get(measure);
      if (item) return [termOf(item, view.table)];
      if (row) {
        for (const parts of partsOf(measure, columns)) {
          if (parts.some((t) => row.values.has(t.measure))) return parts.map((t) => termOf(row.values.get(t.measure), view.table));
        }
      }
      const children = depth < 3 ? childrenOf.get(role) : undefined;
      return children ? children.flatMap((p) => termsOf(p, measure, depth + 1)) : [];
    };
    for (const [parentRole, childRoles] of THREE_PUBLIC_SUMS) {
      const parent = byRole.get(parentRole);
      // only a published parent row can disagree with its parts
      if (!parent) continue;
      // only a printed total can disagree with its parts
      for (const [measure, item] of parent.values) {
        if (!isRowAdditive(measure)) continue;
        // 合计 includes 会议费 and 培训费 only where the table lists them
        const listed = childRoles.filter((role) => byRole.has(role) || childrenOf.has(role));
        const terms = listed.flatMap((role) => termsOf(role, measure));
        if (terms.length === 0) continue;
        c.compare(
          'three-public-sum',
          { table: view, label: parentRole, measure, ref: item.ref },
          termOf(item, view.table),
          terms,
          `the sum of ${listed.filter((role) => termsOf(role, measure).length > 0).join(', ')}`,
        );
      }
    }
  }
}

/**
 * The rows of tables 1 and 4 by role, from the labels documents use: the
 * grand total (收入总计, 收入合计, 总计, 合计 — at the foot, or at the top as
 * in 重庆 and 西安), the year's subtotal (本年收入合计, or a heading 本年收入
 * carrying it above its items), and the balances carried over (上年结转结余,
 * 上年实户资金余额 …; 年终结转结余, 结转下年 … on the expenditure side).
 */
const GRAND = { revenue: /^(?:收入总计|收入合计|收入总额|总计|合计)$/, expenditure: /^(?:支出总计|支出合计|支出总额|总计|合计)$/ } as const;
const GRAND_PRIORITY = ['收入总计', '支出总计', '收入总额', '支出总额', '收入合计', '支出合计', '总计', '合计'];
const YEAR = { revenue: /^本年收入(?:合计|小计)?$/, expenditure: /^本年支出(?:合计|小计)?$/ } as const;
const BALANCE = {
  revenue: /^(?:上年|年初)(?:财政拨款)?(?:结转|结余)|^上年实户资金余额$|^用事业基金弥补收支差额$|^使用非财政拨款结余/,
  expenditure: /^(?:年终|年末)(?:财政拨款)?(?:结转|结余)|^结转下年|^未安排支出的实户资金$/,
} as const;

interface SummarySide {
  grand?: RowView;
  year?: RowView;
  items: RowView[];
  balances: RowView[];
}

/** A summary table's side by role (its own rows), once per view. */
function summaryOf(view: TableView, side: Side): SummarySide {
  const cached = view.summary?.[side];
  if (cached) return cached;
  const result = summarySide(view.rows.filter((r) => r.side === side && r.unitName === ''), side);
  (view.summary ??= {})[side] = result;
  return result;
}

function summarySide(rows: RowView[], side: Side): SummarySide {
  const grand = rows
    .filter((r) => r.code === '' && GRAND[side].test(r.label))
    .sort((a, b) => GRAND_PRIORITY.indexOf(a.label) - GRAND_PRIORITY.indexOf(b.label))[0];
  const year = rows.find((r) => r !== grand && r.code === '' && YEAR[side].test(r.label));
  const items: RowView[] = [];
  const balances: RowView[] = [];
  let inBalances = false;
  let seenItem = false;
  for (const row of rows) {
    if (row === grand) continue;
    if (row === year) {
      // a subtotal printed below its items closes them: what follows is carried over
      if (seenItem) inBalances = true;
      continue;
    }
    if (row.code === '' && BALANCE[side].test(row.label)) inBalances = true;
    if (inBalances) balances.push(row);
    else {
      items.push(row);
      seenItem = true;
    }
  }
  return { grand, year, items, balances };
}

/** The readings of a list of rows: its top-level rows, its leaves, all of them (and those of a role: the coded 类, the balances by name), each once. */
function listSelections(rows: RowView[], name: string, role?: (r: RowView) => boolean): { indexes: number[]; what: string }[] {
  if (rows.length === 0) return [{ indexes: [], what: '' }];
  const { roots, leaves, all } = outlineReadings(rows.map((r) => r.outline));
  const out: { indexes: number[]; what: string }[] = [];
  const same = (a: number[], b: number[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  const add = (indexes: number[], what: string) => {
    if (!out.some((o) => same(o.indexes, indexes))) out.push({ indexes, what });
  };
  if (role) {
    const picked = rows.flatMap((r, i) => (role(r) ? [i] : []));
    if (picked.length > 0) add(picked, `the ${name}`);
  }
  add(all, `the sum of the ${name}`);
  add(roots, `the sum of the top-level ${name}`);
  add(leaves, `the sum of the innermost ${name}`);
  return out;
}

/** Those readings on a measure. */
const readingsFor = (rows: RowView[], selections: { indexes: number[]; what: string }[], measure: string, table: NormalizedTable): Reading[] =>
  selections.map(({ indexes, what }) => ({ terms: indexes.map((i) => termOf(rows[i].values.get(measure), table)), what }));

/** Σ readings of several lists: every combination (a few each). */
function sumReadings(first: Reading[], second: Reading[]): Reading[] {
  const out: Reading[] = [];
  for (const a of first) for (const b of second) out.push({ terms: [...a.terms, ...b.terms], what: [a.what, b.what].filter(Boolean).join(' + ') });
  return out;
}

/** Tables 1 and 4: the summary rows of each side. */
function checkSummaryTable(c: Checker, view: TableView): void {
  const sides = { revenue: summaryOf(view, 'revenue'), expenditure: summaryOf(view, 'expenditure') };
  const value = (row: RowView | undefined, m: string) => termOf(row?.values.get(m), view.table);
  const ref = (row: RowView | undefined, m: string) => row?.values.get(m)?.ref;
  const isClass = (r: RowView) => r.code.length === 3;
  const isBalance = (side: Side) => (r: RowView) => BALANCE[side].test(r.label);

  for (const side of ['revenue', 'expenditure'] as const) {
    const { grand, year, items, balances } = sides[side];
    const rule = side === 'revenue' ? 'summary-revenue' : 'summary-expenditure';
    const itemName = side === 'revenue' ? 'revenue items' : '类';
    const measures = [...columnsOf(view, side)].filter(isYearMeasure);
    const itemSelections = listSelections(items, itemName, side === 'expenditure' ? isClass : undefined);
    const balanceSelections = listSelections(balances, 'balances', isBalance(side));
    for (const m of measures) {
      const itemReadings = readingsFor(items, itemSelections, m, view.table);
      const balanceReadings = readingsFor(balances, balanceSelections, m, view.table);
      const has = (rows: RowView[]) => rows.some((r) => r.values.has(m));
      if (year && (year.values.has(m) || has(items))) {
        c.compareBest(rule, { table: view, label: year.label, measure: m, ref: ref(year, m) }, value(year, m), itemReadings.map((r) => ({ ...r, what: r.what || 'no items' })));
      }
      if (grand && (grand.values.has(m) || has(items) || has(balances))) {
        const yearReading: Reading[] = year ? [{ terms: [value(year, m)], what: year.label }] : itemReadings;
        const readings = sumReadings(yearReading, balanceReadings);
        c.compareBest(rule, { table: view, label: grand.label, measure: m, ref: ref(grand, m) }, value(grand, m), readings);
      }
    }
  }
  // 收入总计 = 支出总计, on every measure both sides print (the expenditure side of table 4 calls its amount total)
  const income = sides.revenue.grand;
  const spending = sides.expenditure.grand;
  if (income && spending) {
    const spendingColumns = columnsOf(view, 'expenditure');
    for (const m of [...columnsOf(view, 'revenue')].filter(isYearMeasure)) {
      const em = m === 'amount' && !spendingColumns.has('amount') ? 'total' : m;
      if (!spendingColumns.has(em)) continue;
      c.compare('summary-balance', { table: view, label: income.label, measure: m, ref: ref(income, m) }, value(income, m), [value(spending, em)], spending.label);
    }
  }
}

/** The table's own rows (not a 预算单位's block) of the side its amounts are on. */
const ownRows = (v: TableView) => (v.own ??= v.rows.filter((r) => r.unitName === '' && (r.side === 'expenditure' || v.table.kind === 'revenue')));

/** Equal values of the same 类 in two tables, where both list their 类 (a table printed per unit, without codes, says nothing of them). */
function checkAcross(c: Checker, a: TableView | undefined, aMeasure: string, b: TableView | undefined, bMeasure: string): void {
  if (!a || !b) return;
  const classesOf = (v: TableView) => ownRows(v).filter((r) => r.code.length === 3);
  const aRows = new Map(classesOf(a).map((r) => [r.code, r]));
  const bRows = new Map(classesOf(b).map((r) => [r.code, r]));
  if (aRows.size === 0 || bRows.size === 0) return;
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

/** Within rounding: the half units of the numbers involved. */
function holds(actual: Term, terms: Term[]): boolean {
  let sum = 0n;
  let tolerance = actual.halfUnit;
  for (const t of terms) {
    sum += t.fen;
    tolerance += t.halfUnit;
  }
  const difference = actual.fen - sum;
  return Number(difference < 0n ? -difference : difference) <= tolerance;
}

/**
 * Table 4's 类 against the tables of each fund (5, 7, 8): fund by fund where
 * table 4 prints a column per fund, else its total against their sum.
 * Where table 4 spends the balance carried over and the funds' tables show
 * the year's appropriation only (国家信访局: table 5 is 年初预算数), their
 * totals say so — table 4's year's spending is theirs plus that balance —
 * and the 类 are not compared.
 */
function checkFunds(c: Checker, fiscal: TableView | undefined, funds: (TableView | undefined)[]): void {
  if (!fiscal) return;
  const columns = columnsOf(fiscal, 'expenditure');
  const FUND_MEASURES = ['general_budget', 'gov_fund', 'soe_capital'];
  const byFund = FUND_MEASURES.some((m) => columns.has(m));
  const printed = funds.flatMap((f, i) => (f && (!byFund || columns.has(FUND_MEASURES[i])) ? [{ view: f, measure: byFund ? FUND_MEASURES[i] : 'total' }] : []));
  if (printed.length === 0 || (!byFund && !columns.has('total'))) return;

  // the bases: table 4's year's spending against the funds' totals and the balance table 4 carries over
  const revenue = summaryOf(fiscal, 'revenue');
  const spending = summaryOf(fiscal, 'expenditure');
  const year = spending.year ?? spending.grand;
  const balances = revenue.balances.filter((r) => BALANCE.revenue.test(r.label)).map((r) => termOf(r.values.get('amount'), fiscal.table));
  if (year && balances.some((b) => b.fen !== 0n)) {
    const spent = byFund ? printed.map((p) => termOf(year.values.get(p.measure), fiscal.table)) : [termOf(year.values.get('total'), fiscal.table)];
    const actual: Term = { fen: spent.reduce((sum, t) => sum + t.fen, 0n), halfUnit: spent.reduce((sum, t) => sum + t.halfUnit, 0) };
    const theirs = printed.map((p) => {
      const total = totalRow(p.view);
      return termOf(total?.values.get('total'), p.view.table);
    });
    if (!holds(actual, theirs) && holds(actual, [...theirs, ...balances])) {
      c.compare(
        'cross-table',
        { table: fiscal, label: year.label, measure: byFund ? printed.map((p) => p.measure).join('+') : 'total', ref: year.values.get('total')?.ref },
        actual,
        [...theirs, ...balances],
        `the totals of ${printed.map((p) => `table ${p.view.table.number}`).join(', ')} + the balance carried over (${revenue.balances.filter((r) => BALANCE.revenue.test(r.label)).map((r) => r.label).join(', ')})`,
      );
      return;
    }
  }
  if (byFund) {
    for (const p of printed) checkAcross(c, fiscal, p.measure, p.view, 'total');
    return;
  }
  const classesOf = (v: TableView) => new Map(ownRows(v).filter((r) => r.code.length === 3).map((r) => [r.code, r]));
  const own = classesOf(fiscal);
  // a fund's table printed empty is a fund of nothing; one printing rows without 类 says nothing of them
  const theirs = printed.map((p) => ({ view: p.view, rows: classesOf(p.view) })).filter((f) => f.rows.size > 0 || f.view.table.publishedEmpty);
  if (own.size === 0 || theirs.length === 0 || theirs.every((f) => f.rows.size === 0)) return;
  const keys = new Set([...own.keys(), ...theirs.flatMap((f) => [...f.rows.keys()])]);
  for (const key of keys) {
    const row = own.get(key);
    const item = row?.values.get('total');
    const terms = theirs.map((f) => ({ f, item: f.rows.get(key)?.values.get('total') }));
    if (!item && terms.every((t) => !t.item)) continue;
    c.compare(
      'cross-table',
      { table: fiscal, code: key, label: row?.label ?? theirs.map((f) => f.rows.get(key)?.label).find(Boolean) ?? '', measure: 'total', ref: item?.ref },
      termOf(item, fiscal.table),
      terms.map((t) => termOf(t.item, t.f.view.table)),
      `the sum of ${theirs.map((f) => `table ${f.view.table.number} (${f.view.table.title}) total`).join(' + ')}`,
    );
  }
}

/**
 * Table 1's year's spending = table 3's 合计 (where table 1 carries a
 * balance forward, its 本年支出合计 without it): also where table 3's rows
 * are units, not 类.
 */
function checkSpendingTotals(c: Checker, summary: TableView | undefined, expenditure: TableView | undefined): void {
  if (!summary || !expenditure) return;
  const side = summaryOf(summary, 'expenditure');
  // the year's row, or the grand total where nothing is carried forward
  const year = side.year ?? (side.balances.every((r) => [...r.values.values()].every((i) => i.amountFen === 0n)) ? side.grand : undefined);
  const total = totalRow(expenditure);
  const a = year?.values.get('amount');
  const b = total?.values.get('total');
  if (!a || !b) return;
  c.compare(
    'cross-table',
    { table: summary, label: year!.label, measure: 'amount', ref: a.ref },
    termOf(a, summary.table),
    [termOf(b, expenditure.table)],
    `table ${expenditure.table.number} (${expenditure.table.title}) ${total!.label} total`,
  );
}

const totalRow = (v: TableView) => ownRows(v).find((r) => r.code === '' && isTotalLabel(r.label));

/** The columns a measure is printed in: its own, else its parts' (基本支出 as 人员经费 + 公用经费); none where the table has neither. */
function columnsFor(measure: string, columns: ReadonlySet<string>): string[] {
  if (columns.has(measure)) return [measure];
  return partsOf(measure, columns)[0]?.map((t) => t.measure) ?? [];
}

/**
 * Table 6's total = table 5's 基本支出 (a table 6 printing 基本支出 and
 * 项目支出 columns, 深圳's 按经济分类 table, compares its 基本支出; where
 * table 5 prints the balance carried over apart, 长春, its 基本支出 is
 * the year's and the balance's; where it prints 基本支出 only as its parts,
 * 西安, their sum).
 */
function checkBasicTotals(c: Checker, basicTable: TableView | undefined, general: TableView | undefined): void {
  if (!basicTable || !general) return;
  const a = totalRow(basicTable);
  const b = totalRow(general);
  if (!a && b) {
    // no 合计 row, but one total per group (中央's 决算 公开06表: 人员经费合计 | 公用经费合计): their sum
    const group = (label: RegExp, measure: string) => ownRows(basicTable).find((r) => r.code === '' && label.test(r.label))?.values.get(measure);
    const personnel = group(/^人员经费(?:合计|小计)$/, 'personnel');
    const publicTotal = group(/^公用经费(?:合计|小计)$/, 'public');
    const basic = columnsFor('basic', columnsOf(general, 'expenditure')).map((m) => b.values.get(m));
    if (!personnel || !publicTotal || basic.length !== 1 || !basic[0]) return;
    c.compare(
      'cross-table',
      { table: general, code: '', label: b.label, measure: basic[0].measure, ref: basic[0].ref },
      termOf(basic[0], general.table),
      [termOf(personnel, basicTable.table), termOf(publicTotal, basicTable.table)],
      `table ${basicTable.table.number} (${basicTable.table.title}) ${personnel.label} + ${publicTotal.label}`,
    );
    return;
  }
  const aMeasure = columnsOf(basicTable, 'expenditure').has('basic') ? 'basic' : 'total';
  const aItem = a?.values.get(aMeasure);
  const generalColumns = columnsOf(general, 'expenditure');
  const bMeasures = [...columnsFor('basic', generalColumns), ...columnsFor('carryover_basic', generalColumns)];
  if (bMeasures.length === 0 || (!aItem && !bMeasures.some((m) => b?.values.has(m)))) return;
  c.compare(
    'cross-table',
    { table: basicTable, code: '', label: a?.label ?? b?.label ?? '', measure: aMeasure, ref: aItem?.ref },
    termOf(aItem, basicTable.table),
    bMeasures.map((m) => termOf(b?.values.get(m), general.table)),
    `table ${general.table.number} (${general.table.title}) ${bMeasures.join(' + ')}`,
  );
}

/** The same revenue source in tables 1 and 4, by the names documents give it (一般公共预算拨款收入, 一般公共预算资金, 一般公共预算 …). */
const SAME_REVENUE: RegExp[] = [
  /^(?:一般)?公共预算(?:财政)?(?:拨款)?(?:收入|资金)?$/,
  /^政府性?基金(?:预算)?(?:财政)?(?:拨款)?(?:收入|资金)?$/,
  /^国有资本经营(?:预算)?(?:财政)?(?:拨款)?(?:收入|资金)?$/,
];

/** Table 1's and table 4's year's revenue from each fund, where both name it among the year's items (not among the balances carried over). */
function checkRevenueSources(c: Checker, summary: TableView | undefined, fiscal: TableView | undefined): void {
  if (!summary || !fiscal) return;
  const itemsOf = (v: TableView) => summaryOf(v, 'revenue').items;
  const summaryItems = itemsOf(summary);
  const fiscalItems = itemsOf(fiscal);
  for (const pattern of SAME_REVENUE) {
    const a = summaryItems.find((r) => pattern.test(r.label));
    const b = fiscalItems.find((r) => pattern.test(r.label));
    if (!a || !b) continue;
    const aItem = a.values.get('amount');
    const bItem = b.values.get('amount');
    if (!aItem && !bItem) continue;
    c.compare(
      'cross-table',
      { table: summary, label: a.label, measure: 'amount', ref: aItem?.ref },
      termOf(aItem, summary.table),
      [termOf(bItem, fiscal.table)],
      `table ${fiscal.table.number} (${fiscal.table.title}) ${b.label}`,
    );
  }
}

interface NarrativeTarget {
  items: (LineItem | undefined)[];
  view: TableView;
  /** A cell the sentence's figure is by definition only where the department has no 事业单位 (机关运行经费 as 公用经费): where it has units, a mismatch says nothing. */
  weak?: boolean;
}

function checkNarrative(c: Checker, facts: NarrativeFact[], views: Map<TableKind, TableView>): void {
  const total = (kind: TableKind, measure: string, label = '合计'): NarrativeTarget | undefined => {
    const v = views.get(kind);
    if (!v) return undefined;
    const own = ownRows(v);
    const row =
      kind === 'three_public'
        ? threePublicRows(own).get(label)
        : own.find((r) => r.code === '' && (r.label === label || (label === '合计' && isTotalLabel(r.label))));
    // a table published empty states a total of zero
    if (v.table.publishedEmpty) return { items: [row?.values.get(measure)], view: v };
    if (!row) return undefined;
    const columns = columnsOf(v, 'expenditure');
    if (row.values.has(measure) || columns.has(measure)) return { items: [row.values.get(measure)], view: v };
    // a table without the total's column: its funds' columns (深圳's "三公" table: 一般公共预算 | 政府性基金 | 国有资本经营)
    const funds = measure === 'total' ? ['general_budget', 'gov_fund', 'soe_capital'].filter((m) => columns.has(m)) : [];
    // one without the measure's column says nothing of it
    return funds.length > 0 ? { items: funds.map((m) => row.values.get(m)), view: v } : undefined;
  };
  const summaryTotal = (): NarrativeTarget | undefined => {
    const v = views.get('revenue_expenditure_summary');
    const row = v && summaryOf(v, 'revenue').grand;
    return v && row ? { items: [row.values.get('amount')], view: v } : undefined;
  };
  const targets: Record<string, () => NarrativeTarget | undefined> = {
    revenue_total: summaryTotal,
    expenditure_total: () => total('expenditure', 'total'),
    basic_total: () => total('expenditure', 'basic'),
    project_total: () => total('expenditure', 'project'),
    personnel_total: () => total('general_budget_basic_expenditure', 'personnel'),
    public_total: () => total('general_budget_basic_expenditure', 'public'),
    // 机关运行经费: a row of its own where the "三公" table has one (Shanghai),
    // else the 公用经费 of table 6, which it is where the department has no 事业单位 (its offices' only)
    admin_cost: () => {
      const own = views.get('three_public');
      const row = own && ownRows(own).find((r) => r.label === '机关运行经费');
      if (row) return { items: [row.values.get('total')], view: own };
      const target = total('general_budget_basic_expenditure', 'public');
      return target && { ...target, weak: true };
    },
    three_public_total: () => {
      const v = views.get('three_public');
      return v && threePublicRows(ownRows(v)).has('“三公”经费小计') ? total('three_public', 'total', '“三公”经费小计') : total('three_public', 'total');
    },
  };
  let units: Set<string> | undefined;
  const unitsNamed = () => {
    if (!units) {
      units = new Set<string>();
      for (const v of views.values()) for (const r of v.rows) if (r.unitName !== '') units.add(r.unitName.replace(/^\d+\s*/, ''));
    }
    return units.size;
  };
  for (const fact of facts) {
    const target = targets[fact.name]?.();
    if (!target) continue;
    const published: Term = { fen: fact.fen, halfUnit: halfUnitOf(fact.unit, fact.decimals) };
    const terms = target.items.map((item) => termOf(item, target.view.table));
    // 公用经费 is the offices' only where the document's tables name one 预算单位 at most (苏州数据局's 事业单位 have theirs)
    if (target.weak && unitsNamed() > 1) {
      const difference = published.fen - terms.reduce((sum, t) => sum + t.fen, 0n);
      const tolerance = terms.reduce((sum, t) => sum + t.halfUnit, published.halfUnit);
      if (Number(difference < 0n ? -difference : difference) > tolerance) continue;
    }
    c.compare('narrative', { table: target.view, label: fact.name, measure: 'text', ref: fact.ref }, published, terms, `the table (the text says: ${fact.sentence.slice(0, 80)})`);
  }
}

/** Σ the budgets of the performance-target tables = the project 合计 of table 3. */
function checkProjects(c: Checker, projects: Project[], expenditure: TableView | undefined): void {
  const budgets = projects.filter((p) => p.budgetFen !== undefined && p.unit !== undefined);
  if (!expenditure || budgets.length === 0) return;
  const total = totalRow(expenditure)?.values.get('project');
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
    // zeros under a note calling the table empty agree with it (泉州's 0.00 rows); amounts do not
    if (view.table.emptyNote && view.table.items.some((i) => i.amountFen !== 0n)) {
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
  checkAcross(c, v('revenue_expenditure_summary'), 'amount', v('expenditure'), 'total');
  checkSpendingTotals(c, v('revenue_expenditure_summary'), v('expenditure'));
  // a budget's revenue by function class is what it plans to spend on each; a final account's revenue is not its spending
  if (doc.phase !== 'final') checkAcross(c, v('revenue_expenditure_summary'), 'amount', v('revenue'), 'total');
  checkFunds(c, v('fiscal_summary'), [v('general_budget_expenditure'), v('gov_fund_expenditure'), v('soe_capital_expenditure')]);
  checkBasicTotals(c, v('general_budget_basic_expenditure'), v('general_budget_expenditure'));
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
