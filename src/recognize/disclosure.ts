import type { Block, Cell, Message, SourceRef } from '../ir.js';
import { AmountError, knownUnit, parseAmount, toFen } from '../normalize/amount.js';
import { compact, normalizeLabel, nfkc } from '../normalize/label.js';
import { AliasTable } from './disclosure/aliases.js';
import { parseTarget, type Comparator } from './disclosure/target.js';
import { soleNonEmpty, stripBookmarks, toLines, type Line } from './lines.js';

export { parseTarget, type Comparator, type ParsedTarget } from './disclosure/target.js';

/**
 * The disclosure's tables beyond the nine standard ones: the project
 * performance-target tables (项目绩效目标表) with their indicators, 部门政府采购预算,
 * 部门固定资产占用情况表 and 部门机构设置情况. Pure and format-agnostic: it reads
 * the block stream of any extractor and recognizes each table by its title
 * and header texts, never by its position in the document.
 */

// ---------------------------------------------------------------- header aliases (data)

/** Keys are compared after `compact` (NFKC, no whitespace). */

/** Titles of a project's performance-target table: `1、办事大厅购买服务费（RY)绩效目标表`. */
const PROJECT_TITLE = /绩效目标表(\(续\)|\(续表\)|续表)?$/;
/** Titles ending like a project table that are not one project. */
const NOT_PROJECT_TITLES = [/部门整体/, /整体绩效/, /专项资金绩效目标表?$/];

const PROCUREMENT_TITLE = /政府采购预算(表|情况表)?$/;
const ASSETS_TITLE = /固定资产占用情况表?$/;
const INSTITUTIONS_TITLE = /机构设置情况表?$/;
/** Titles of the tables recognized by their header row. */
const TABLE_TITLES = [PROCUREMENT_TITLE, ASSETS_TITLE, INSTITUTIONS_TITLE];

/** Label cells of a project table's information rows. */
const PROJECT_LABELS = {
  code: ['项目编码', '项目代码', '项目编号'],
  name: ['项目名称'],
  budget: ['预算数', '预算金额', '项目预算', '年度预算数', '资金总额'],
  fiscal: ['财政资金', '财政拨款', '财政拨款资金'],
  other: ['其他资金', '其他来源资金'],
  budgetBlock: ['预算规模及资金用途', '预算规模', '资金用途'],
  plan: [/^资金支出计划/, /^支出计划/],
  goals: ['绩效目标', '年度绩效目标', '项目绩效目标', '总体目标', '年度目标'],
} as const;

type IndicatorColumn = 'level1' | 'level2' | 'level3' | 'description' | 'target' | 'basis';

const INDICATOR_COLUMNS = new AliasTable<IndicatorColumn>([
  ['一级指标', 'level1'],
  ['二级指标', 'level2'],
  ['三级指标', 'level3'],
  ['绩效指标描述', 'description'],
  ['指标描述', 'description'],
  ['指标内容', 'description'],
  ['指标值', 'target'],
  ['目标值', 'target'],
  ['绩效指标值', 'target'],
  ['指标值确定依据', 'basis'],
  ['确定依据', 'basis'],
  ['指标值设定依据', 'basis'],
]);

type ProcurementColumn =
  | 'group'
  | 'projectName'
  | 'projectBudget'
  | 'itemName'
  | 'catalogCode'
  | 'unit'
  | 'quantity'
  | 'unitPrice'
  | 'amount'
  | 'source'
  | 'smeReserved';

/**
 * Header cells of 部门政府采购预算. `group` cells head several columns
 * (`政府采购项目来源` over 项目名称 and 预算资金); `source` columns are the fund
 * sources, keyed in the output by their compact header text.
 */
const PROCUREMENT_COLUMNS = new AliasTable<ProcurementColumn>([
  ['政府采购项目来源', 'group'],
  [/^政府采购金额/, 'group'],
  ['资金来源', 'group'],
  ['项目名称', 'projectName'],
  ['预算资金', 'projectBudget'],
  ['项目预算', 'projectBudget'],
  ['采购物品名称', 'itemName'],
  ['采购品目名称', 'itemName'],
  ['政府采购目录序号', 'catalogCode'],
  ['采购目录序号', 'catalogCode'],
  ['政府采购品目编码', 'catalogCode'],
  ['计量单位', 'unit'],
  ['数量', 'quantity'],
  ['单价', 'unitPrice'],
  ['合计', 'amount'],
  ['一般公共预算拨款', 'source'],
  ['基金预算拨款', 'source'],
  ['政府性基金预算拨款', 'source'],
  ['国有资本经营预算拨款', 'source'],
  ['财政专户核拨', 'source'],
  ['财政专户管理资金', 'source'],
  ['单位资金', 'source'],
  ['上年结转结余', 'source'],
  ['上年结转', 'source'],
  ['财政拨款结转', 'source'],
  ['非财政拨款结转结余', 'source'],
  [/预留中小微企业份额$/, 'smeReserved'],
]);

type AssetColumn = 'item' | 'quantity' | 'value';
const ASSET_COLUMNS = new AliasTable<AssetColumn>([
  ['项目', 'item'],
  ['资产项目', 'item'],
  ['数量', 'quantity'],
  [/^价值/, 'value'],
  [/^金额/, 'value'],
]);

type InstitutionColumn = 'unitName' | 'unitType' | 'unitRank' | 'funding';
const INSTITUTION_COLUMNS = new AliasTable<InstitutionColumn>([
  ['单位名称', 'unitName'],
  ['机构名称', 'unitName'],
  ['单位性质', 'unitType'],
  ['机构性质', 'unitType'],
  ['单位规格', 'unitRank'],
  ['机构规格', 'unitRank'],
  ['经费保障形式', 'funding'],
  ['经费形式', 'funding'],
]);

const TOTAL_LABELS = ['合计', '总计'];

// ---------------------------------------------------------------- output

export interface SpendingPlanEntry {
  /** The period as published: `3月底`. */
  period: string;
  /** The value as published: `61.50`, `20%`, '' when blank. */
  value: string;
  /** True when the value itself carries `%` (the header's `（%）` is not trusted). */
  percent: boolean;
}

export interface Project {
  /** '' when the layout has no 项目编码. */
  projectCode: string;
  /** As published: the table's 项目名称, else the title without enumerator and `绩效目标表`. */
  projectName: string;
  budgetFen?: bigint;
  fiscalFundsFen?: bigint;
  otherFundsFen?: bigint;
  /** The declared unit (`万元`, `元`); undefined when none was declared or it is unknown. */
  unit?: string;
  /** 资金用途. */
  purpose: string;
  spendingPlan: SpendingPlanEntry[];
  /** 绩效目标, lines joined with `\n`. */
  goals: string;
  /** The row of the budget figures (else of the project code). */
  ref: SourceRef;
}

export interface Indicator {
  projectCode: string;
  projectName: string;
  level1: string;
  level2: string;
  level3: string;
  description: string;
  /** 指标值 as published. */
  target: string;
  /** 指标值确定依据. */
  basis: string;
  comparator?: Comparator;
  number?: string;
  unit?: string;
  ref: SourceRef;
}

export interface ProcurementRow {
  kind: 'item' | 'total' | 'subtotal';
  /** 项目名称 (for totals and subtotals: their label, `合计`, `…本级小计`). */
  projectName: string;
  projectBudgetFen?: bigint;
  itemName: string;
  catalogCode: string;
  /** 计量单位. */
  unit: string;
  /** As published. */
  quantity: string;
  unitPriceFen?: bigint;
  /** 政府采购金额 合计. */
  amountFen?: bigint;
  /** By the fund-source header (`一般公共预算拨款`, `上年结转结余` …); blank cells are absent. */
  sourcesFen: Record<string, bigint>;
  smeReservedFen?: bigint;
  /** The table's money unit (`万元`). */
  sourceUnit?: string;
  ref: SourceRef;
}

export interface AssetRow {
  /** `截止时间：2024-12-31` → `2024-12-31`; '' when not stated. */
  asOf: string;
  /** Normalized label: `1、房屋（平方米）` → `房屋(平方米)`. */
  item: string;
  /** As published; '' when blank. */
  quantity: string;
  valueFen?: bigint;
  /** The money unit of the 价值 column (`万元`). */
  sourceUnit?: string;
  ref: SourceRef;
}

export interface InstitutionRow {
  unitName: string;
  /** 单位性质. */
  unitType: string;
  /** 单位规格. */
  unitRank: string;
  /** 经费保障形式. */
  funding: string;
  ref: SourceRef;
}

export interface DisclosureTables {
  projects: Project[];
  indicators: Indicator[];
  procurement: ProcurementRow[];
  assets: AssetRow[];
  institutions: InstitutionRow[];
  messages: Message[];
}

// ---------------------------------------------------------------- lines

const nonEmpty = (line: Line) => line.texts.filter((t) => t !== '');
const isBlank = (line: Line) => line.texts.every((t) => t === '');

/** Page numbers and running footers: `80`, `- 3 -`, `第 3 页`. */
function isPageFurniture(line: Line): boolean {
  const t = soleNonEmpty(line.keys);
  if (t === undefined) return false;
  return /^-?\d{1,4}-?$/.test(t) || /^第\d+页(共\d+页)?$/.test(t) || /^\d+\/\d+$/.test(t);
}

/** The one text of a line that holds exactly one, else undefined. */
const soleText = (line: Line): string | undefined => soleNonEmpty(line.texts);

/** Published text tidied the same way for every format: lines trimmed, blank lines dropped. */
function clean(text: string | undefined): string {
  if (!text) return '';
  const published = stripBookmarks(text);
  // most cells hold one line: trimming is all there is to do
  if (!published.includes('\n') && !published.includes('\r')) return published.trim();
  return published
    .split(/\r\n|\r|\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .join('\n');
}

const matches = (key: string, alias: string | RegExp) => (typeof alias === 'string' ? key === alias : alias.test(key));

function isOneOf(key: string, aliases: ReadonlyArray<string | RegExp>): boolean {
  for (const alias of aliases) if (matches(key, alias)) return true;
  return false;
}

// ---------------------------------------------------------------- meta: units and dates

const UNIT_DECLARATION = /(?<!编制|预算|填报)(?:金额)?单位[:：]\s*([^\s，,;；)）]+)/;
const AS_OF = /截[止至](?:时间|日期)?[:：]\s*(\S+)/;

function declaredUnit(text: string): string | undefined {
  const m = UNIT_DECLARATION.exec(nfkc(text));
  return m ? m[1] : undefined;
}

/** A line that only declares a unit: `单位：万元`. */
function unitOnly(line: Line): string | undefined {
  const text = soleText(line);
  if (text === undefined) return undefined;
  const m = /^(?:金额)?单位[:：]\s*(\S+)$/.exec(nfkc(text));
  return m ? m[1] : undefined;
}

/** `2024-12-31`, `2024年12月31日`, `2024.12.31`, `2024/12/31` → `2024-12-31`; other text as published. */
function isoDate(text: string): string {
  const m = /^(\d{4})\s*[-年./]\s*(\d{1,2})\s*[-月./]\s*(\d{1,2})\s*日?$/.exec(nfkc(text).trim());
  if (!m) return text.trim();
  return `${m[1]}-${m[2].padStart(2, '0')}-${m[3].padStart(2, '0')}`;
}

interface TableMeta {
  unit?: string;
  unitRef?: SourceRef;
  asOf?: string;
}

const DEPARTMENT_LINE = /^\d{1,12}\s*[\p{Script=Han}（(]\S{0,60}$/u;

/**
 * Meta stated in the lines just above a table's header (`435某局  单位：万元`,
 * `截止时间：2024-12-31`), back to the table's title at most.
 */
function metaBefore(lines: Line[], header: number, title: RegExp): TableMeta {
  const meta: TableMeta = {};
  for (let j = header - 1; j >= 0 && j >= header - 8; j--) {
    const line = lines[j];
    if (isBlank(line) || isPageFurniture(line)) continue;
    const texts = nonEmpty(line);
    if (texts.length === 1 && title.test(compact(texts[0]))) break;
    let known = false;
    for (const text of texts) {
      const unit = declaredUnit(text);
      if (unit !== undefined) {
        known = true;
        if (meta.unit === undefined) {
          meta.unit = unit;
          meta.unitRef = line.ref;
        }
      }
      const asOf = AS_OF.exec(nfkc(text));
      if (asOf) {
        known = true;
        meta.asOf ??= isoDate(asOf[1]);
      }
      if (!known) {
        const parts = nfkc(text).split(/\t+|\s{2,}/).filter((p) => p.trim() !== '');
        if (parts.every((p) => DEPARTMENT_LINE.test(p.trim()))) known = true;
      }
    }
    if (!known) break;
  }
  return meta;
}

// ---------------------------------------------------------------- amounts

/**
 * The money cells of one table: exact 分 in the table's declared unit. A cell
 * that is not a number is a warning; amounts under a missing or unknown unit
 * are one error for the table, never a guess.
 */
class Money {
  private unitReported = false;
  readonly unit?: string;
  constructor(
    private readonly messages: Message[],
    private readonly table: string,
    readonly declared: string | undefined,
    private readonly declaredRef?: SourceRef,
  ) {
    this.unit = declared === undefined ? undefined : knownUnit(declared);
  }

  /** A money cell in 分; undefined when blank or unreadable. */
  fen(cell: Cell | undefined, what: string, rowRef: SourceRef): bigint | undefined {
    if (!cell) return undefined;
    const parsed = parseAmount(stripBookmarks(cell.text));
    if (parsed.kind === 'absent') return undefined;
    const ref = cell.ref ?? rowRef;
    if (parsed.kind === 'invalid') {
      this.warn(`${this.table}, ${what}: "${parsed.text}" should be a number`, ref);
      return undefined;
    }
    if (this.unit === undefined) {
      if (!this.unitReported) {
        this.unitReported = true;
        this.messages.push({
          severity: 'error',
          stage: 'recognize',
          rule: 'unknown-unit',
          text:
            this.declared === undefined
              ? `${this.table}: no unit (单位：…) is declared, so its amounts (${parsed.digits} …) are not read`
              : `${this.table}: the declared unit "${this.declared}" is not one yusuan knows, so its amounts are not read`,
          ref: this.declaredRef ?? ref,
        });
      }
      return undefined;
    }
    try {
      return toFen(parsed.digits, this.unit);
    } catch (err) {
      if (!(err instanceof AmountError)) throw err;
      this.warn(`${this.table}, ${what}: ${err.message}`, ref);
      return undefined;
    }
  }

  private warn(text: string, ref: SourceRef): void {
    this.messages.push({ severity: 'warning', stage: 'recognize', rule: 'non-numeric-amount', text, ref });
  }
}

// ---------------------------------------------------------------- recognizers

function projectTitle(line: Line): string | undefined {
  const text = soleText(line);
  if (text === undefined || text.length > 120) return undefined;
  const key = compact(text);
  if (!PROJECT_TITLE.test(key) || NOT_PROJECT_TITLES.some((p) => p.test(key))) return undefined;
  return text
    .replace(/^\s*(?:\d+|[一二三四五六七八九十]+)\s*[、.．]\s*/, '')
    .replace(/^\s*[(（]\s*(?:\d+|[一二三四五六七八九十]+)\s*[)）]\s*/, '')
    .replace(/\s*绩效目标表\s*(?:[(（]续(?:表)?[)）]|续表)?\s*$/, '')
    .trim();
}

/** A label cell's key without `其中:` before it and a colon after it (string tests, not regexes: a hot path). */
function labelKey(key: string): string {
  const label = key.startsWith('其中:') ? key.slice('其中:'.length) : key;
  return label.endsWith(':') || label.endsWith('：') ? label.slice(0, -1) : label;
}

function hasLabel(line: Line, aliases: ReadonlyArray<string | RegExp>): boolean {
  for (const key of line.keys) if (key !== '' && isOneOf(labelKey(key), aliases)) return true;
  return false;
}

function isIndicatorHeader(line: Line): boolean {
  if (line.paragraph) return false;
  const columns = headerColumns(line, INDICATOR_COLUMNS);
  // the set of distinct columns only for the few rows that name the first and third level
  if (!columns.includes('level1') || !columns.includes('level3')) return false;
  return new Set(columns.filter((c) => c !== undefined)).size >= 4;
}

/** Columns of a header row by position, for the tables recognized by their headers. */
function headerColumns<T extends string>(line: Line, table: AliasTable<T>): (T | undefined)[] {
  return line.keys.map((k) => table.lookup(k));
}

function isProcurementHeader(line: Line): boolean {
  if (line.paragraph) return false;
  const cols = headerColumns(line, PROCUREMENT_COLUMNS);
  return cols.includes('itemName') && (cols.includes('catalogCode') || cols.includes('unitPrice'));
}

function isAssetHeader(line: Line): boolean {
  if (line.paragraph) return false;
  const cols = headerColumns(line, ASSET_COLUMNS);
  return cols[0] === 'item' && cols.includes('value') && cols.includes('quantity');
}

function isInstitutionHeader(line: Line): boolean {
  if (line.paragraph) return false;
  const cols = new Set(headerColumns(line, INSTITUTION_COLUMNS));
  return cols.has('unitName') && cols.size >= 3;
}

/** A line that starts another table: every reader stops there. */
function startsTable(line: Line): boolean {
  if (line.startsTable === undefined) {
    const text = soleText(line);
    line.startsTable =
      projectTitle(line) !== undefined ||
      (line.keys.some((k) => HEADER_HINT.test(k)) && (isProcurementHeader(line) || isAssetHeader(line) || isInstitutionHeader(line))) ||
      (text !== undefined && TABLE_TITLES.some((t) => t.test(compact(text))));
  }
  return line.startsTable;
}

/**
 * Rows of a gridded table whose text layout split one row into fragments
 * (3 cells + 1 + 2 for a 6-column row): consecutive short rows are joined
 * until they fill the width. A fragment set that cannot fill it exactly is
 * kept padded, with a warning.
 */
class Reassembler {
  private pending: Cell[] = [];
  private pendingRef?: SourceRef;
  constructor(
    private readonly width: number,
    private readonly emit: (cells: Cell[], ref: SourceRef) => void,
    private readonly messages: Message[],
    private readonly what: string,
  ) {}

  push(cells: Cell[], ref: SourceRef): void {
    if (this.pending.length === 0 && cells.length >= this.width) {
      this.emit(cells, ref);
      return;
    }
    if (this.pending.length + cells.length > this.width) this.flush();
    if (this.pending.length === 0 && cells.length >= this.width) {
      this.emit(cells, ref);
      return;
    }
    if (this.pending.length === 0) this.pendingRef = ref;
    this.pending.push(...cells);
    if (this.pending.length === this.width) {
      const done = this.pending;
      this.pending = [];
      this.emit(done, this.pendingRef!);
    }
  }

  flush(): void {
    if (this.pending.length === 0) return;
    const cells = this.pending;
    const ref = this.pendingRef!;
    this.pending = [];
    if (cells.every((c) => c.text.trim() === '')) return;
    this.messages.push({
      severity: 'warning',
      stage: 'recognize',
      rule: 'row-fragments',
      text: `${this.what}: a row of ${cells.length} cells where the header has ${this.width}; the missing cells are taken as blank`,
      ref,
    });
    this.emit(cells, ref);
  }
}

// ---------------------------------------------------------------- project tables

interface ProjectState {
  code: string;
  tableName: string;
  titleName: string;
  unitDeclared?: string;
  unitRef?: SourceRef;
  budgetRow?: Line;
  codeRef?: SourceRef;
  purpose: string[];
  plan: SpendingPlanEntry[];
  goals: string[];
}

type LastRow = 'none' | 'code' | 'budget' | 'purpose' | 'plan' | 'planValues' | 'goals' | 'indicators';

/** Reads one project section from its title (or first row) on; returns the index after it. */
function readProject(lines: Line[], start: number, out: DisclosureTables): number {
  const titleName = projectTitle(lines[start]);
  const state: ProjectState = { code: '', tableName: '', titleName: titleName ?? '', purpose: [], plan: [], goals: [] };
  const indicatorRows: { cells: Cell[]; ref: SourceRef }[] = [];
  let columns: (IndicatorColumn | undefined)[] | undefined;
  let reassembler: Reassembler | undefined;
  let planPositions: { position: number; period: string }[] = [];
  let last: LastRow = 'none';
  let i = titleName === undefined ? start : start + 1;

  for (; i < lines.length; i++) {
    const line = lines[i];
    if (isBlank(line) || isPageFurniture(line)) continue;
    if (i > start && startsTable(line)) break;
    const unit = unitOnly(line);
    if (unit !== undefined) {
      if (state.unitDeclared === undefined) {
        state.unitDeclared = unit;
        state.unitRef = line.ref;
      }
      continue;
    }
    if (line.paragraph) {
      // a page header between the rows of an indicator table
      if (columns && isMetaLine(line)) continue;
      // goals continued below their cell (text layouts break long cells):
      // paragraphs between the goals row and the indicator header
      if (last === 'goals' && !columns && indicatorHeaderFollows(lines, i)) {
        state.goals.push(clean(line.texts[0]));
        continue;
      }
      break;
    }
    if (columns) {
      if (isIndicatorHeader(line)) continue; // repeated on a new page
      if (hasLabel(line, PROJECT_LABELS.code)) break; // the next project
      reassembler!.push(line.cells, line.ref);
      continue;
    }
    if (isIndicatorHeader(line)) {
      columns = headerColumns(line, INDICATOR_COLUMNS);
      reassembler = new Reassembler(line.cells.length, (cells, ref) => indicatorRows.push({ cells, ref }), out.messages, 'indicator table');
      last = 'indicators';
      continue;
    }
    const first = line.keys.find((k) => k !== '') ?? '';
    const firstBlank = line.keys[0] === '';
    if (hasLabel(line, PROJECT_LABELS.code) || hasLabel(line, PROJECT_LABELS.name)) {
      if (state.code !== '' || state.budgetRow) break; // a second project in one table
      readCodeRow(line, state);
      last = 'code';
    } else if (hasLabel(line, PROJECT_LABELS.budget)) {
      state.budgetRow = line;
      last = 'budget';
    } else if (isOneOf(labelKey(first), PROJECT_LABELS.plan)) {
      planPositions = [];
      line.texts.forEach((t, position) => {
        if (t !== '' && !isOneOf(labelKey(line.keys[position]), PROJECT_LABELS.plan)) planPositions.push({ position, period: clean(t) });
      });
      last = 'plan';
    } else if (isOneOf(labelKey(first), PROJECT_LABELS.goals)) {
      const firstAt = line.keys.findIndex((k) => k !== '');
      state.goals.push(...line.texts.slice(firstAt + 1).filter((t) => t !== '').map(clean));
      last = 'goals';
    } else if (firstBlank && last === 'plan') {
      state.plan = planPositions.map(({ position, period }) => {
        const value = clean(line.texts[position]);
        return { period, value, percent: /[%％]$/.test(value) };
      });
      last = 'planValues';
    } else if (firstBlank && (last === 'budget' || last === 'purpose')) {
      state.purpose.push(
        ...line.texts.filter((t, p) => t !== '' && !isOneOf(labelKey(line.keys[p]), PROJECT_LABELS.budgetBlock)).map(clean),
      );
      last = 'purpose';
    } else if (firstBlank && last === 'goals') {
      state.goals.push(...nonEmpty(line).map(clean));
    } else {
      out.messages.push({
        severity: 'info',
        stage: 'recognize',
        rule: 'unknown-row',
        text: `project table ${state.tableName || state.titleName}: a row not understood (${nonEmpty(line).join(' | ').slice(0, 80)})`,
        ref: line.ref,
      });
    }
  }
  reassembler?.flush();

  const projectCode = state.code;
  const projectName = state.tableName || state.titleName;
  const money = new Money(out.messages, `project table ${projectCode || projectName}`, state.unitDeclared, state.unitRef);
  const unit = money.unit;

  if (state.budgetRow || projectCode !== '') {
    const project: Project = {
      projectCode,
      projectName,
      unit,
      purpose: state.purpose.filter((p) => p !== '').join('\n'),
      spendingPlan: state.plan,
      goals: state.goals.filter((g) => g !== '').join('\n'),
      ref: state.budgetRow?.ref ?? state.codeRef ?? lines[start].ref,
    };
    if (state.budgetRow) readBudgetRow(state.budgetRow, project, money);
    out.projects.push(project);
  }

  if (columns) {
    let level1 = '';
    let level2 = '';
    for (const row of indicatorRows) {
      const get = (column: IndicatorColumn) => {
        const position = columns!.indexOf(column);
        return position < 0 ? '' : clean(row.cells[position]?.text);
      };
      const l1 = get('level1');
      const l2 = get('level2');
      if (l1 !== '') level1 = l1;
      if (l2 !== '') level2 = l2;
      const level3 = get('level3');
      const description = get('description');
      const target = get('target');
      const basis = get('basis');
      if (level3 === '' && description === '' && target === '' && basis === '') continue;
      out.indicators.push({
        projectCode,
        projectName,
        level1,
        level2,
        level3,
        description,
        target,
        basis,
        ...parseTarget(target),
        ref: row.ref,
      });
    }
  }
  return i;
}

/** True when the first row after the paragraphs from `i` on is an indicator header. */
function indicatorHeaderFollows(lines: Line[], i: number): boolean {
  for (let j = i; j < lines.length && j < i + 20; j++) {
    const line = lines[j];
    if (isBlank(line) || isPageFurniture(line)) continue;
    if (line.paragraph) {
      if (startsTable(line)) return false;
      continue;
    }
    return isIndicatorHeader(line);
  }
  return false;
}

function readCodeRow(line: Line, state: ProjectState): void {
  const isLabel = (k: string) =>
    isOneOf(labelKey(k), PROJECT_LABELS.code) || isOneOf(labelKey(k), PROJECT_LABELS.name);
  line.keys.forEach((key, position) => {
    if (key === '') return;
    const valueAt = line.keys.findIndex((k, p) => p > position && k !== '');
    if (valueAt < 0 || isLabel(line.keys[valueAt])) return;
    const label = labelKey(key);
    if (isOneOf(label, PROJECT_LABELS.code)) {
      state.code = compact(line.texts[valueAt]);
      state.codeRef = line.ref;
    } else if (isOneOf(label, PROJECT_LABELS.name)) state.tableName = clean(line.texts[valueAt]);
  });
}

function readBudgetRow(line: Line, project: Project, money: Money): void {
  line.keys.forEach((key, position) => {
    const label = labelKey(key);
    const cell = line.cells[position + 1];
    if (isOneOf(label, PROJECT_LABELS.budget)) project.budgetFen = money.fen(cell, '预算数', line.ref);
    else if (isOneOf(label, PROJECT_LABELS.fiscal)) project.fiscalFundsFen = money.fen(cell, '财政资金', line.ref);
    else if (isOneOf(label, PROJECT_LABELS.other)) project.otherFundsFen = money.fen(cell, '其他资金', line.ref);
  });
}

/** A line that only states meta (`431某局`, `单位：元`, `截止时间：…`), as page headers repeat it. */
function isMetaLine(line: Line): boolean {
  const texts = nonEmpty(line);
  return (
    texts.length > 0 &&
    texts.every((text) => {
      const t = nfkc(text);
      if (declaredUnit(t) !== undefined || AS_OF.test(t)) return true;
      return t.split(/\t+|\s{2,}/).every((p) => p.trim() === '' || DEPARTMENT_LINE.test(p.trim()));
    })
  );
}

/**
 * Where a table continues after a page break: the index of its repeated
 * header when only page furniture, meta lines or its repeated title stand
 * between; -1 otherwise.
 */
function continuation(lines: Line[], i: number, isHeader: (line: Line) => boolean, title: RegExp): number {
  for (let j = i; j < lines.length && j < i + 8; j++) {
    const line = lines[j];
    if (isHeader(line)) return j;
    if (isBlank(line) || isPageFurniture(line) || isMetaLine(line)) continue;
    const text = soleText(line);
    if (text !== undefined && title.test(compact(text).replace(/(\(续\)|\(续表\)|续表)$/, ''))) continue;
    return -1;
  }
  return -1;
}

// ---------------------------------------------------------------- procurement

/**
 * The columns of a (two-row) procurement header. Full-width rows name
 * columns by position, the lower row first (it names the columns under a
 * group); a shorter row (text layouts do not repeat merged cells) fills the
 * still unnamed positions in order with its non-group cells.
 */
function procurementColumns(headerRows: Line[]): { columns: (ProcurementColumn | undefined)[]; names: string[] } {
  const width = Math.max(...headerRows.map((r) => r.cells.length));
  const columns: (ProcurementColumn | undefined)[] = new Array(width).fill(undefined);
  const names: string[] = new Array(width).fill('');
  const full = headerRows.filter((r) => r.cells.length === width).reverse();
  const short = headerRows.filter((r) => r.cells.length !== width);
  for (const row of full) {
    row.keys.forEach((key, p) => {
      const column = PROCUREMENT_COLUMNS.lookup(key);
      if (column && column !== 'group' && columns[p] === undefined) {
        columns[p] = column;
        names[p] = key;
      }
    });
  }
  for (const row of short) {
    const free = columns.map((c, p) => (c === undefined ? p : -1)).filter((p) => p >= 0);
    const named = row.keys.map((key) => [key, PROCUREMENT_COLUMNS.lookup(key)] as const).filter(([, c]) => c && c !== 'group');
    named.forEach(([key, column], n) => {
      if (n < free.length) {
        columns[free[n]] = column;
        names[free[n]] = key;
      }
    });
  }
  return { columns, names };
}

function isHeaderLike(line: Line, table: AliasTable<unknown>): boolean {
  const keys = line.keys.filter((k) => k !== '');
  return keys.length > 0 && keys.every((k) => table.lookup(k) !== undefined);
}

function readProcurement(lines: Line[], start: number, out: DisclosureTables): number {
  const meta = metaBefore(lines, start, PROCUREMENT_TITLE);
  const headerRows = [lines[start]];
  let i = start + 1;
  while (i < lines.length && !lines[i].paragraph && isHeaderLike(lines[i], PROCUREMENT_COLUMNS)) headerRows.push(lines[i++]);
  const { columns, names } = procurementColumns(headerRows);
  const moneyOf = new Money(out.messages, 'procurement table', meta.unit, meta.unitRef);
  const unit = moneyOf.unit;
  const at = (column: ProcurementColumn) => columns.indexOf(column);
  let lastProject = '';
  let lastBudget: bigint | undefined;

  const emit = (cells: Cell[], ref: SourceRef) => {
    const text = (p: number) => (p < 0 ? '' : clean(cells[p]?.text));
    if (cells.every((c) => c.text.trim() === '')) return;
    const money = (p: number, what: string) => (p < 0 ? undefined : moneyOf.fen(cells[p], what, ref));
    let projectName = text(at('projectName'));
    const itemName = text(at('itemName'));
    const label = compact(projectName || itemName);
    const kind: ProcurementRow['kind'] = TOTAL_LABELS.includes(label) ? 'total' : /小计$/.test(label) ? 'subtotal' : 'item';
    let projectBudgetFen = money(at('projectBudget'), '预算资金');
    if (kind !== 'item') projectName = label;
    else if (projectName === '') {
      // a merged 项目名称 cell covers this row
      projectName = lastProject;
      projectBudgetFen ??= lastBudget;
    } else {
      lastProject = projectName;
      lastBudget = projectBudgetFen;
    }
    const sourcesFen: Record<string, bigint> = {};
    columns.forEach((c, p) => {
      if (c !== 'source') return;
      const fen = money(p, names[p]);
      if (fen !== undefined) sourcesFen[names[p]] = fen;
    });
    const row: ProcurementRow = {
      kind,
      projectName,
      projectBudgetFen,
      itemName: kind === 'item' ? itemName : '',
      catalogCode: compact(text(at('catalogCode'))),
      unit: text(at('unit')),
      quantity: text(at('quantity')),
      unitPriceFen: money(at('unitPrice'), '单价'),
      amountFen: money(at('amount'), '政府采购金额合计'),
      sourcesFen,
      sourceUnit: unit,
      ref,
    };
    const sme = money(at('smeReserved'), '预留中小微企业份额');
    if (sme !== undefined) row.smeReservedFen = sme;
    out.procurement.push(row);
  };
  const reassembler = new Reassembler(columns.length, emit, out.messages, 'procurement table');
  const isHeader = (l: Line) => !l.paragraph && isHeaderLike(l, PROCUREMENT_COLUMNS);
  return readTableRows(lines, i, isHeader, PROCUREMENT_TITLE, reassembler);
}

/**
 * The rows of a table from `i` on, into its reassembler, until a paragraph or
 * the next table; a header repeated on a new page (with the further rows of
 * a multi-row header) is passed over. Returns the index after the table.
 */
function readTableRows(lines: Line[], i: number, isHeader: (line: Line) => boolean, title: RegExp, reassembler: Reassembler): number {
  for (; i < lines.length; i++) {
    const line = lines[i];
    if (isBlank(line) || isPageFurniture(line)) continue;
    const repeated = continuation(lines, i, isHeader, title);
    if (repeated >= 0) {
      i = repeated;
      while (i + 1 < lines.length && isHeader(lines[i + 1])) i++;
      continue;
    }
    if (line.paragraph || startsTable(line)) break;
    reassembler.push(line.cells, line.ref);
  }
  reassembler.flush();
  return i;
}

// ---------------------------------------------------------------- assets

function readAssets(lines: Line[], start: number, out: DisclosureTables): number {
  const header = lines[start];
  const meta = metaBefore(lines, start, ASSETS_TITLE);
  const columns = headerColumns(header, ASSET_COLUMNS);
  const valueAt = columns.indexOf('value');
  const quantityAt = columns.indexOf('quantity');
  const itemAt = columns.indexOf('item');
  const inHeader = declaredUnit(header.texts[valueAt]);
  const money = new Money(out.messages, 'fixed-asset table', inHeader ?? meta.unit, inHeader !== undefined ? header.ref : meta.unitRef);
  const unit = money.unit;
  const emit = (cells: Cell[], ref: SourceRef) => {
    const item = normalizeLabel(stripBookmarks(cells[itemAt]?.text ?? ''));
    if (item === '') {
      if (cells.some((c) => c.text.trim() !== '')) {
        out.messages.push({ severity: 'warning', stage: 'recognize', rule: 'unlabelled-row', text: 'fixed-asset table: a row without an item label', ref });
      }
      return;
    }
    out.assets.push({
      asOf: meta.asOf ?? '',
      item,
      quantity: clean(cells[quantityAt]?.text),
      valueFen: money.fen(cells[valueAt], item, ref),
      sourceUnit: unit,
      ref,
    });
  };
  const reassembler = new Reassembler(header.cells.length, emit, out.messages, 'fixed-asset table');
  return readTableRows(lines, start + 1, isAssetHeader, ASSETS_TITLE, reassembler);
}

// ---------------------------------------------------------------- institutions

function readInstitutions(lines: Line[], start: number, out: DisclosureTables): number {
  const header = lines[start];
  const columns = headerColumns(header, INSTITUTION_COLUMNS);
  const emit = (cells: Cell[], ref: SourceRef) => {
    const get = (column: InstitutionColumn) => {
      const p = columns.indexOf(column);
      return p < 0 ? '' : clean(cells[p]?.text);
    };
    const unitName = get('unitName');
    if (unitName === '' && cells.every((c) => c.text.trim() === '')) return;
    out.institutions.push({ unitName, unitType: get('unitType'), unitRank: get('unitRank'), funding: get('funding'), ref });
  };
  const reassembler = new Reassembler(header.cells.length, emit, out.messages, 'institution table');
  return readTableRows(lines, start + 1, isInstitutionHeader, INSTITUTIONS_TITLE, reassembler);
}

// ---------------------------------------------------------------- entry point

/**
 * Words one of the header cells of every table read here holds: most rows
 * (those of the nine tables) are passed over on this test alone.
 */
const HEADER_HINT = /采购|指标|价值|金额|名称|项目编|项目代/;

/** The disclosure's other tables, from its blocks (or their lines, when the caller has made them). */
export function extractDisclosureTables(blocks: Block[], lines = toLines(blocks)): DisclosureTables {
  const out: DisclosureTables = { projects: [], indicators: [], procurement: [], assets: [], institutions: [], messages: [] };
  for (let i = 0; i < lines.length; ) {
    const line = lines[i];
    let next = i + 1;
    if (projectTitle(line) !== undefined) next = readProject(lines, i, out);
    else if (!line.paragraph && line.keys.some((k) => HEADER_HINT.test(k))) {
      if (isProcurementHeader(line)) next = readProcurement(lines, i, out);
      else if (isAssetHeader(line)) next = readAssets(lines, i, out);
      else if (isInstitutionHeader(line)) next = readInstitutions(lines, i, out);
      else if (hasLabel(line, PROJECT_LABELS.code) || isIndicatorHeader(line)) next = readProject(lines, i, out);
    }
    i = Math.max(next, i + 1);
  }
  return out;
}
