import type { Message, SourceRef } from '../ir.js';
import type { RecognizedDocument, RecognizedTable } from '../recognize/document.js';
import { periodSuffix, type Phase } from '../recognize/columns.js';
import { isUnitTitle } from '../recognize/titles.js';
import type { Side, TableKind } from '../recognize/kinds.js';
import { AmountError, parseAmount, toFen } from './amount.js';
import { cleanCode, codeInfo, functionClassCode, isClassificationCode, type CodeScheme } from './codes.js';
import { compact, nfkc, normalizeLabel } from './label.js';

/**
 * Normalization: recognized tables → line items of the contract. One line
 * item per non-empty amount cell, with exact 分, codes with their hierarchy,
 * normalized labels and the canonical measure key.
 */

export interface LineItem {
  side: Side;
  rowNo: string;
  code: string;
  codeScheme: CodeScheme | '';
  codeLevel: number | undefined;
  parentCode: string;
  label: string;
  measure: string;
  amountFen: bigint;
  /** Decimal places as published (`2085.50` → 2): the precision validation allows for. */
  decimals: number;
  /** Where the amount cell stands in the source. */
  ref: SourceRef;
  /** 栏次 number of the column, where the table numbers its columns. */
  column?: number;
  /** The 预算单位 whose block of rows the item stands in, for tables printed per unit; '' otherwise. */
  unitName: string;
  /**
   * Where the code comes from: `published` (a code cell), `label` (read from
   * the label, `[2010501]行政运行`), `list` (filled in from the official
   * classification by the label's name), '' when the item has no code.
   */
  codeSource: 'published' | 'label' | 'list' | '';
  /**
   * The outline level the label's enumerator gives (一、 1; （一） or 1. 2;
   * (1) 3; none 0), for the identities of tables that nest their rows
   * without codes (一、财政拨款 over 1.一般公共预算拨款). Not stored.
   */
  outline: number;
}

export interface NormalizedTable {
  kind: TableKind;
  number: number;
  title: string;
  unit: string;
  /** Published as empty (空表列示). */
  publishedEmpty: boolean;
  /** The measures the table has a column for (of its expenditure side, for two-sided tables; of its only side otherwise). */
  measures: string[];
  emptyNote?: string;
  ref: SourceRef;
  items: LineItem[];
}

/** A standard table that was found but could not be read, with the reason. */
export interface UnreadableTable {
  kind: TableKind;
  number: number;
  title: string;
  unit: string;
  reason: string;
  ref: SourceRef;
}

export interface NormalizedDocument {
  /** department (部门预算) or unit (单位预算). */
  budgetScope: 'department' | 'unit' | '';
  /** budget (预算) or final (决算): in a final account the amounts are the year's actual (决算数). */
  phase: Phase;
  departmentCode: string;
  departmentName: string;
  fiscalYear?: number;
  tables: NormalizedTable[];
  /** Tables found but not read (recognition or normalization said why): the others are read all the same. */
  unreadable: UnreadableTable[];
  messages: Message[];
}

/** A code standing at the start of a label: `[2010501]行政运行`, `2013601-行政运行`, `30101 基本工资`. */
const CODE_IN_LABEL = /^[\[【(]?(\d{3}(?:\d{2}){0,2})[\]】)]?\s*[-—－:：.、]?\s*(\p{Script=Han}.*)$/u;

/** The outline level of a label's leading enumerator: 一、 → 1, （一） / 1. / 1、 → 2, (1) / ① → 3, none → 0. */
function outlineOf(label: string): number {
  const t = nfkc(label).trim().replace(/^其中[:：]?/, '');
  if (/^[一二三四五六七八九十]+、/.test(t)) return 1;
  if (/^\([一二三四五六七八九十]+\)|^\d{1,2}[.、](?!\d)/.test(t)) return 2;
  if (/^\(\d{1,2}\)|^[①-⑳]/.test(t)) return 3;
  return 0;
}

/** Rows of table 4 after this revenue label are last year's balances. */
const CARRYOVER_HEADING = '年初财政拨款结转和结余';
const CARRYOVER_END = '收入总计';

const SIDES = ['revenue', 'expenditure'] as const;

function normalizeTable(table: RecognizedTable, messages: Message[], fiscalYear: number | undefined, departmentName: string, phase: Phase): NormalizedTable | undefined {
  const { spec } = table;
  const where = `table ${spec.number} (${table.title})`;
  const error = (rule: string, text: string, ref: SourceRef) =>
    messages.push({ severity: 'error', stage: 'normalize', rule, text: `${where}: ${text}`, ref });
  const warn = (rule: string, text: string, ref: SourceRef) =>
    messages.push({ severity: 'warning', stage: 'normalize', rule, text: `${where}: ${text}`, ref });

  if (table.unit === undefined) {
    if (table.unitDeclared === undefined) error('missing-unit', 'the table declares no unit (单位：元 / 万元)', table.titleRef);
    else error('unknown-unit', `the unit "${table.unitDeclared}" is not one yusuan knows (元, 千元, 万元, 亿元)`, table.unitRef ?? table.titleRef);
    return undefined;
  }
  const unit = table.unit;
  const items: LineItem[] = [];
  const width = table.columns.length;
  let underCarryover = false;
  // the records a row holds: one per side, or more where the table prints column groups side by side
  const records: { side: Side; block: number }[] = [];
  const hasLabelColumn = table.columns.some((c) => c?.role === 'label');
  const numbered = table.columnNumbers.some((n) => n !== undefined);
  const hasUnitColumn = table.columns.some((c) => c?.role === 'unit');
  // a table of one row and no column saying which row it is (北京's 收入总表: 合计 | 本年收入 … under one header): the row is its total
  const totalsOnly = table.rows.length === 1 && !table.columns.some((c) => c !== undefined && ['label', 'code', 'unit', 'period', 'alt-label', 'labelled-measure'].includes(c.role));
  /** The unit whose rows follow its heading row, in tables that print units as rows of the code column. */
  let blockUnit = '';
  /** The last 类 code per record, for 款 codes printed as two digits. */
  const lastClass: string[] = [];
  for (const side of SIDES) {
    const blocks = [...new Set(table.columns.flatMap((c) => (c && c.side === side ? [c.block ?? 0] : [])))].sort((a, b) => a - b);
    for (const block of blocks) records.push({ side, block });
  }

  for (const row of table.rows) {
    const cells = row.cells;
    const extra = cells.length > width && cells.slice(width).some((c) => c.text.trim() !== '');
    if (cells.length < width || extra) {
      error(
        'row-shape',
        `a row has ${cells.length} cells where the 栏次 row has ${width}, so its numbers cannot be put in their columns${
          cells.length < width ? ' (is the document cut off?)' : ''
        }: ${cells.map((c) => c.text.trim()).join(' | ')}`,
        row.ref,
      );
      continue;
    }
    const rowNo = table.rowNoPosition === undefined || table.rowNoPosition < 0 ? '' : compact(cells[table.rowNoPosition]?.text ?? '');
    /**
     * A label whose record has no amount, for the next record of the side:
     * a total row's label cell merged over two column groups (中央's 决算
     * 公开06表: 公用经费合计 under the second group's code and name, its
     * amount in the third group's column).
     */
    let spanning: { side: Side; label: string } | undefined;
    for (const { side, block } of records) {
      let rawLabel = '';
      let altLabel = '';
      let unitName = '';
      /** The row's period suffix; undefined for a period yusuan cannot place. */
      let period: string | undefined = '';
      let unitCells = '';
      let rawCode = '';
      const codeParts: string[] = [];
      const amounts: { measure: string; text: string; ref: SourceRef; column?: number; label?: string }[] = [];
      // a plain loop, not forEach with a closure: this runs for every cell of every row, twice
      for (let position = 0; position < width; position++) {
        const role = table.columns[position];
        const cell = cells[position];
        if (!role) {
          // (a table read by its headers says at table level which columns it leaves out, and why)
          if (numbered && side === 'expenditure' && position !== table.rowNoPosition && cell && parseAmount(cell.text).kind === 'number') {
            warn('amount-outside-columns', `the number ${cell.text.trim()} stands in a column without a known header; it is not in the dataset`, cell.ref);
          }
          continue;
        }
        if (role.side !== side || (role.block ?? 0) !== block) continue;
        if (role.role === 'label') rawLabel = cell.text;
        // a unit's code and name (单位编码 | 单位名称), as printed
        else if (role.role === 'unit') unitName = unitCells = [unitName, cell?.text.trim() ?? ''].filter((t) => t !== '').join(' ');
        else if (role.role === 'alt-label') altLabel ||= cell?.text ?? '';
        else if (role.role === 'period') period = periodSuffix(cell?.text ?? '', fiscalYear, phase);
        else if (role.role === 'code' && role.part !== undefined) codeParts[role.part] = cell.text;
        else if (role.role === 'code') rawCode = cell.text;
        else if (role.role === 'labelled-measure') amounts.push({ measure: role.measure, text: cell.text, ref: cell.ref, label: role.label });
        else amounts.push({ measure: role.measure, text: cell.text, ref: cell.ref, column: table.columnNumbers[position] });
      }
      if (codeParts.length > 0) {
        const joined = joinCodeParts(codeParts);
        // a 合计 row writes its label across the code columns
        if (joined === undefined) rawLabel ||= codeParts.join('');
        else rawCode = joined;
      }
      // the 合计 row of a table printed per unit is the table's, and so is the row of the department itself (深圳: 预算单位 深圳市生态环境局, then its units)
      if (/^(?:合计|总计)$/.test(compact(unitName))) {
        if (rawLabel.trim() === '' && rawCode.trim() === '') rawLabel = unitName;
        unitName = '';
      } else if (unitName !== '' && departmentName !== '' && compact(unitName) === compact(departmentName)) unitName = '';
      // 合 计 in the column of the classification not kept
      if (rawLabel.trim() === '' && altLabel.trim() !== '' && !/\d/.test(altLabel)) rawLabel = altLabel;
      if (period === undefined) {
        warn('unknown-period', `a row's period is not one yusuan can place beside the fiscal year ${fiscalYear ?? '(unknown)'}; its amounts are not in the dataset`, row.ref);
        continue;
      }
      let codeSource: LineItem['codeSource'] = '';
      // a code cell holding the label (合 计 written across the code columns)
      if (rawLabel.trim() === '' && rawCode.trim() !== '' && !/\d/.test(rawCode)) {
        rawLabel = rawCode;
        rawCode = '';
      }
      // the code inside the label: [2010501]行政运行, 2013601-行政运行, 30101 基本工资
      if (rawCode.trim() === '') {
        const inLabel = CODE_IN_LABEL.exec(nfkc(rawLabel).trim());
        if (inLabel) {
          rawCode = inLabel[1];
          rawLabel = inLabel[2];
          codeSource = 'label';
        }
      } else codeSource = 'published';
      const printsAmount = amounts.some((a) => parseAmount(a.text).kind !== 'absent');
      if (rawLabel.trim() === '' && rawCode.trim() === '' && printsAmount && spanning?.side === side) rawLabel = spanning.label;
      spanning = rawLabel.trim() !== '' && rawCode.trim() === '' && !printsAmount && !/\d/.test(rawLabel) ? { side, label: rawLabel } : undefined;
      // a table printed per 预算单位 without a label column: the row is the unit
      // a unit's row with neither code nor label heads its block: the unit's 合计 (深圳's 预算单位 rows)
      if (rawLabel.trim() === '' && rawCode.trim() === '' && hasLabelColumn && unitCells !== '') rawLabel = '合计';
      if (rawLabel.trim() === '' && rawCode.trim() === '' && !hasLabelColumn) rawLabel = unitName || (totalsOnly ? '合计' : '');
      let label = normalizeLabel(rawLabel);
      if (spec.kind === 'fiscal_summary' && side === 'revenue') {
        if (label === CARRYOVER_END) underCarryover = false;
        else if (underCarryover && label !== '') label = `${CARRYOVER_HEADING}:${label}`;
        else if (label === CARRYOVER_HEADING) underCarryover = true;
      }
      let code = cleanCode(rawCode);
      // a 预算单位's row in the code column (西安: 125001 西安市安全生产监督管理局): the rows under it are that unit's
      if (/^\d{6}$|^\d{8,}$/.test(code) && label !== '' && !hasUnitColumn) {
        blockUnit = `${code} ${label}`;
        code = '';
        label = '合计';
      }
      // a 款 printed as its last two digits under its 类 (西安: 208, then 05 for 20805)
      if (/^\d{2}$/.test(code) && lastClass[block] !== undefined) code = lastClass[block] + code;
      if (code.length === 3) lastClass[block] = code;
      if (!hasUnitColumn) unitName = blockUnit;
      let scheme: CodeScheme | '' = '';
      if (code !== '') {
        if (!isClassificationCode(code)) warn('odd-code', `the code "${rawCode.trim()}" is not a 3-, 5- or 7-digit classification code`, row.ref);
        scheme = spec.codeScheme ?? (code.startsWith('3') ? 'economic' : 'function');
      } else if (spec.codesFromLabels && side === 'expenditure') {
        const classCode = functionClassCode(label);
        if (classCode) {
          code = classCode;
          scheme = 'function';
          codeSource = 'list';
        }
      }
      if (code === '') codeSource = '';
      const info = code === '' ? undefined : codeInfo(code);
      for (const amount of amounts) {
        const parsed = parseAmount(amount.text);
        if (parsed.kind === 'absent') continue;
        if (parsed.kind === 'invalid') {
          warn('non-numeric-amount', `the ${amount.measure} cell of row "${label || rowNo}" holds "${parsed.text}", which is not a number; it is not in the dataset`, amount.ref);
          continue;
        }
        let amountFen: bigint;
        try {
          amountFen = toFen(parsed.digits, unit);
        } catch (e) {
          if (!(e instanceof AmountError)) throw e;
          error('amount-unstorable', `${e.message} (row "${label || rowNo}", ${amount.measure})`, amount.ref);
          continue;
        }
        // a transposed table's column is a row of its own
        const own = amount.label !== undefined;
        if (!own && label === '' && code === '') {
          warn('unlabelled-amount', `an amount (${amount.text.trim()}) stands in a row without label or code`, amount.ref);
        }
        items.push({
          side,
          rowNo: own ? '' : rowNo,
          code: own ? '' : code,
          codeScheme: own ? '' : scheme,
          codeLevel: own ? undefined : info?.level,
          parentCode: own ? '' : (info?.parent ?? ''),
          label: amount.label ?? label,
          measure: amount.measure + period,
          amountFen,
          decimals: decimalsOf(parsed.digits),
          ref: amount.ref,
          column: amount.column,
          unitName,
          codeSource: own ? '' : codeSource,
          outline: own ? 0 : outlineOf(rawLabel),
        });
      }
    }
  }
  if (table.emptyNote && items.some((i) => i.amountFen !== 0n)) {
    warn('empty-note-with-amounts', `the note says the table is empty ("${table.emptyNote.text}") but its grid holds ${items.length} amounts; they are kept`, table.emptyNote.ref);
  }
  return {
    kind: spec.kind,
    number: spec.number,
    title: table.title,
    unit,
    // printed empty: no amount but zeros, or none at all (a header and a blank 合计 row); its 0.00 cells are kept as published
    publishedEmpty: items.every((i) => i.amountFen === 0n),
    measures: [...new Set(table.columns.flatMap((c) => (c?.role === 'measure' && (c.side === 'expenditure' || spec.kind === 'revenue') ? [c.measure] : [])))],
    emptyNote: table.emptyNote?.text,
    ref: table.titleRef,
    items,
  };
}

/** Decimal places of a parsed number (`2085.50` → 2; its digits hold one `.` at most). */
function decimalsOf(digits: string): number {
  const dot = digits.indexOf('.');
  return dot < 0 ? 0 : digits.length - dot - 1;
}

/**
 * A code split over 类 / 款 / 项 columns, joined: `201 03 01` → `2010301`,
 * a one-digit 款 or 项 zero-padded (`301 2` → `30102`). Undefined when the
 * cells hold something else than digits (the 合计 row).
 */
export function joinCodeParts(parts: string[]): string | undefined {
  const cleaned = [...parts].map((p) => cleanCode(p ?? ''));
  if (cleaned.every((p) => p === '')) return '';
  if (!cleaned.every((p) => /^\d*$/.test(p))) return undefined;
  let code = '';
  for (const [i, part] of cleaned.entries()) {
    if (part === '') break;
    code += i === 0 ? part : part.padStart(2, '0');
  }
  return code;
}

export function normalize(doc: RecognizedDocument): NormalizedDocument {
  const messages: Message[] = [];
  const tables: NormalizedTable[] = [];
  const unreadable: UnreadableTable[] = [...doc.unreadable];
  for (const table of doc.tables) {
    const before = messages.length;
    const normalized = normalizeTable(table, messages, doc.fiscalYear, doc.department?.name ?? '', doc.phase);
    const errors = messages.slice(before).filter((m) => m.severity === 'error');
    if (normalized && errors.length === 0) {
      tables.push(normalized);
      continue;
    }
    // one table that cannot be read costs that table only
    unreadable.push({
      kind: table.spec.kind,
      number: table.spec.number,
      title: table.title,
      unit: table.unit ?? '',
      // the messages name the table; the reason is said of it
      reason: errors.map((m) => m.text.replace(`table ${table.spec.number} (${table.title}): `, '')).join('; ') || 'it could not be read',
      ref: table.titleRef,
    });
  }
  const unitTitles = doc.tables.filter((t) => isUnitTitle(t.title)).length;
  return {
    budgetScope: doc.tables.length === 0 ? '' : unitTitles > doc.tables.length / 2 ? 'unit' : 'department',
    phase: doc.phase,
    departmentCode: doc.department?.code ?? '',
    departmentName: doc.department?.name ?? '',
    fiscalYear: doc.fiscalYear,
    tables,
    unreadable,
    messages,
  };
}
