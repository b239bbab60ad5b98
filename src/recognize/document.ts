import type { Cell, ExtractedDocument, Message, SourceRef } from '../ir.js';
import { Decimal } from 'decimal.js';
import { isAmountText, knownUnit, parseAmount } from '../normalize/amount.js';
import { compact, nfkc } from '../normalize/label.js';
import type { UnreadableTable } from '../normalize/line-items.js';
import { soleNonEmpty, toLines, type Line } from './lines.js';
import { headerPaths, headerText, KIND_COLUMNS, measureOfPath, readColumn, threePublicItem, withoutThreePublicItem, type ColumnLayout, type Phase } from './columns.js';
import { TABLE_SPECS, type ColumnRole, type Side, type TableKind, type TableSpec } from './kinds.js';
import { isAnyTableTitle, readTitle, titleParts, type TitleReading } from './titles.js';

/**
 * Recognition: finds the nine standard tables in the block stream of any
 * extractor, with the document's department and fiscal year, each table's
 * unit and the role of each of its columns. Tables continued over pages are
 * stitched; repeated page headers and header rows are dropped.
 */

export interface Department {
  code: string;
  name: string;
  ref: SourceRef;
}

export interface RecognizedTable {
  spec: TableSpec;
  title: string;
  titleRef: SourceRef;
  /** The unit declared (`万元`), if known. */
  unit?: string;
  /** The declared text when the unit is not known. */
  unitDeclared?: string;
  unitRef?: SourceRef;
  /** Published as empty (`空表列示`). */
  emptyNote?: { text: string; ref: SourceRef };
  /** Role of each cell position of a data row; undefined where a column has none (序号). */
  columns: (ColumnRole | undefined)[];
  /** Position of the 序号 column, when the table has one. */
  rowNoPosition?: number;
  /** 栏次 number of each position, where the table numbers its columns. */
  columnNumbers: (number | undefined)[];
  /** Data rows: cells by position. */
  rows: { cells: Cell[]; ref: SourceRef }[];
  /** How well its title names its kind (titles.ts). */
  rank: number;
  /** Its title says 决算 (final accounts). */
  final: boolean;
}

export interface RecognizedDocument {
  department?: Department;
  /**
   * budget (预算) or final (决算), by what most of its tables' titles say:
   * in a final account the amounts are the year's actual (决算数), the
   * budget columns beside them comparisons (`_budgeted`).
   */
  phase: Phase;
  fiscalYear?: number;
  fiscalYearRef?: SourceRef;
  tables: RecognizedTable[];
  /** Tables found whose layout could not be read, with the reason. */
  unreadable: UnreadableTable[];
  /** Paragraphs outside the nine tables, in order: the narrative. */
  paragraphs: { text: string; ref: SourceRef }[];
  messages: Message[];
}

const nonEmpty = (line: Line) => line.texts.filter((t) => t !== '');

// ---------------------------------------------------------------- titles

/** The year a title names (2025年部门财务收支预算总表, 表1：2026年市级部门收支预算总表). */
const yearOfTitle = (title: string) => {
  const m = /(\d{4})\s*年/.exec(nfkc(title));
  return m ? Number(m[1]) : undefined;
};

/** The kind of table a line announces, when it is a title and nothing else. */
function titleOf(line: Line): TitleReading | undefined {
  const text = soleNonEmpty(line.texts);
  if (text === undefined) return undefined;
  return readTitle(text);
}

// ---------------------------------------------------------------- page furniture and meta

/** Page numbers and running footers: `80`, `- 3 -`, `第 3 页`, `第3页 共40页`. */
function isPageFurniture(line: Line): boolean {
  const text = soleNonEmpty(line.texts);
  if (text === undefined) return false;
  const t = compact(text);
  // `—9—`, `- 3 -`, `－12－`
  return /^[-—－–]*\d{1,4}[-—－–]*$/.test(t) || /^第\d+页(共\d+页)?$/.test(t) || /^\d+\/\d+$/.test(t);
}

interface Meta {
  department?: { code: string; name: string };
  year?: number;
  unit?: string;
}

// `435秦皇岛市…局`, `630 行政审批部门`; not `2024年…` (a year)
const DEPARTMENT_WITH_CODE = /^(\d{1,12})(?!\s*年)\s*([\p{Script=Han}（(][^：:]*)$/u;
const DEPARTMENT_NAMED = /^(?:编制部门|编制单位|部门名称|单位名称|预算单位|填报单位|部门)[:：]\s*(\S.*)$/;
const YEAR = /预算年度[:：]\s*(\d{4})/;
const UNIT = /(?<!编制|预算|填报)(?:金额)?单位[:：]\s*([^\s，,;；]+)/;

const MAYBE_META = /[:：]|^\d+\s*[\p{Script=Han}（(]/u;

/** Meta facts one part of a cell states, or undefined. */
function metaOfPart(part: string): Meta | undefined {
  const meta: Meta = {};
  let m = YEAR.exec(part);
  if (m) meta.year = Number(m[1]);
  m = UNIT.exec(part);
  // 单位：苏州市自然资源和规划局 names the unit (单位) whose budget it is, not a unit of account
  if (m && !/元/.test(m[1]) && /\p{Script=Han}{4}/u.test(m[1])) meta.department = { code: '', name: m[1] };
  else if (m) meta.unit = m[1];
  m = DEPARTMENT_NAMED.exec(part);
  if (m) meta.department = { code: '', name: m[1].trim() };
  if (Object.keys(meta).length > 0) return meta;
  m = DEPARTMENT_WITH_CODE.exec(part);
  if (m) return { department: { code: m[1], name: m[2].trim() } };
  return undefined;
}

/**
 * Meta facts a cell states; undefined when the cell is not a meta cell. One
 * cell may hold several (`435某局  预算年度：2025  单位：万元` on one line).
 */
function metaOfCell(text: string): Meta | undefined {
  if (!MAYBE_META.test(text)) return undefined;
  const parts = nfkc(text)
    .trim()
    .split(/\t+|\s{2,}|\s+(?=(?:预算年度|金额单位|单位)[:：])/)
    .filter((p) => p !== '');
  const merged: Meta = {};
  for (const part of parts) {
    const meta = metaOfPart(part);
    if (!meta) return undefined;
    merged.department ??= meta.department;
    merged.year ??= meta.year;
    merged.unit ??= meta.unit;
  }
  return merged;
}

/** Meta of a line whose every non-empty cell is meta (a page header). */
function metaOfLine(line: Line): Meta | undefined {
  // nothing allocated before the first cell is known to be meta: most lines are not
  let merged: Meta | undefined;
  for (const text of line.texts) {
    if (text === '') continue;
    const meta = metaOfCell(text);
    if (!meta) return undefined;
    merged ??= {};
    merged.department ??= meta.department;
    merged.year ??= meta.year;
    merged.unit ??= meta.unit;
  }
  return merged;
}

/** A note saying the table is printed empty: 空表, 故本表无数据, 本表本年无发生额, 没有使用…安排的支出, 不涉及. */
const isEmptyNote = (text: string) => /空表|无数据|无发生额|本表无|没有使用|没有.{0,24}安排的支出|不涉及|无.{0,16}(?:收支|支出)(?:预算)?(?:安排)?[，,。]/.test(text);

// ---------------------------------------------------------------- columns

/**
 * Columns from the 栏次 row: `栏次 | 1 | 2 | …` numbers the columns, and the
 * numbers stand exactly above their cells in every format. The 栏次 cell
 * itself stands in the 序号 column.
 */
function layoutFromNumbering(line: Line, spec: TableSpec): ColumnLayout | string {
  const rowNoPosition = line.texts.findIndex((t) => compact(t) === '栏次');
  const columns: (ColumnRole | undefined)[] = [];
  const columnNumbers: (number | undefined)[] = [];
  let expected = 1;
  line.texts.forEach((text, position) => {
    const t = compact(text);
    if (position === rowNoPosition || t === '') {
      columns.push(undefined);
      columnNumbers.push(undefined);
      return;
    }
    const n = /^\d+$/.test(t) ? Number(t) : NaN;
    if (n !== expected) {
      expected = -1;
      return;
    }
    expected++;
    columns.push(spec.numberedColumns[n - 1]);
    columnNumbers.push(n);
  });
  const count = expected - 1;
  if (expected < 0) return `its 栏次 row (${line.texts.join(' ')}) does not number the columns 1, 2, 3 … in order`;
  if (count !== spec.numberedColumns.length) {
    return `its 栏次 row numbers ${count} columns, the table should have ${spec.numberedColumns.length}`;
  }
  return { columns, columnNumbers, rowNoPosition };
}

/** A two-sided table's column under a 收入 or 支出 parent says its side. */
function sideOfPath(path: string[]): Side | undefined {
  for (const text of path) {
    const t = headerText(text);
    if (/^(?:本年|财政拨款)?收入(?:项目)?$/.test(t)) return 'revenue';
    if (/^(?:本年|财政拨款)?支出(?:项目)?$/.test(t)) return 'expenditure';
  }
  return undefined;
}

/**
 * Of two label columns classifying the same row, whether `candidate` is the
 * table's own scheme rather than `kept`: 部门(支出)经济分类 for table 6, the
 * function classification for the others.
 */
function prefersClassification(candidate: string, kept: string, spec: TableSpec): boolean {
  const score = (header: string) =>
    spec.codeScheme === 'economic' ? (/部门.*经济/.test(header) ? 2 : /经济/.test(header) && !/政府/.test(header) ? 1 : 0) : /经济/.test(header) ? 0 : 1;
  return score(candidate) > score(kept);
}

interface HeaderLayout extends ColumnLayout {
  /** Columns the vocabulary could not place, by position, with their header: fatal only where they hold numbers. */
  unknown: { position: number; header: string }[];
  /** Columns read and deliberately left out (a second classification, 备注), with why. */
  ignored: { position: number; header: string; why: string }[];
  /** Amount columns that read as another's measure: the same figure printed twice, or two readings the rows must tell apart. */
  alike: { position: number; first: number; header: string }[];
}

/**
 * Columns from header texts, for tables without a usable 栏次 row: each
 * column's header path is read for its concept (columns.ts). Codes, labels,
 * the 预算单位 and amounts get their roles; a row may hold more than one
 * record (a new record starts where a code or label column follows an
 * amount column); a two-sided table's sides come from its 收入 / 支出
 * parents or, without them, from the second record.
 */
function layoutFromHeaders(headers: Line[], width: number, spec: TableSpec, fiscalYear: number | undefined, phase: Phase): HeaderLayout | string {
  const paths = headerPaths(
    headers.map((h) => h.texts.map(compact)),
    width,
  );
  const { sides, transposed } = KIND_COLUMNS[spec.kind];
  const twoSided = sides.length > 1;
  const readings = paths.map((path) => readColumn(path));
  const hasLabel = readings.some((r) => r?.role === 'label');
  const columns: (ColumnRole | undefined)[] = [];
  const unknown: HeaderLayout['unknown'] = [];
  const ignored: HeaderLayout['ignored'] = [];
  let rowNoPosition: number | undefined;
  let side: Side = sides[0];
  let block = 0;
  let blockHasLabel = false;
  let blockHasAmount = false;
  let blockIgnored = false;
  const seen = new Map<string, number>();
  const alike: HeaderLayout['alike'] = [];
  const newBlock = (explicit?: Side) => {
    block++;
    if (explicit) side = explicit;
    else if (twoSided && side === 'revenue') side = 'expenditure';
    blockHasLabel = false;
    blockHasAmount = false;
    blockIgnored = false;
  };
  for (let p = 0; p < width; p++) {
    const reading = readings[p];
    const named = paths[p].join('/');
    const explicit = twoSided ? sideOfPath(paths[p]) : undefined;
    if (explicit && explicit !== side && (blockHasAmount || blockHasLabel)) newBlock(explicit);
    else if (explicit) side = explicit;
    let role: ColumnRole | undefined;
    if (!reading || reading.role === 'ignored') {
      if (reading) ignored.push({ position: p, header: named, why: 'a notes column' });
    } else if (reading.role === 'row-number') {
      rowNoPosition ??= p;
    } else if (reading.role === 'unit') {
      role = { side, role: 'unit', block };
    } else if (reading.role === 'period') {
      role = { side, role: 'period', block };
    } else if (reading.role === 'code' || reading.role === 'label') {
      if (blockHasAmount) newBlock(explicit);
      const sameCode = reading.role === 'code' && columns.some((c) => c?.role === 'code' && (c.block ?? 0) === block && c.side === side && c.part === reading.part);
      if (reading.role === 'label' && reading.economic && twoSided && side === 'expenditure' && block > 1) {
        // a summary table's expenditure by economic class, beside the same by function
        blockIgnored = true;
        ignored.push({ position: p, header: named, why: 'the expenditure by economic class beside the same by function; the function classes are kept' });
      } else if (blockIgnored) {
        ignored.push({ position: p, header: named, why: 'a column of the block left out' });
      } else if (sameCode) {
        ignored.push({ position: p, header: named, why: 'the code of a second classification of the same row; the first is kept' });
      } else if (reading.role === 'label' && blockHasLabel) {
        // a second classification of the same row (北京's 政府支出经济分类科目 beside 部门支出经济分类科目):
        // the one of the table's own scheme is kept, the other's text serves where the kept one is empty (合 计)
        const kept = columns.findIndex((c) => c?.role === 'label' && (c.block ?? 0) === block && c.side === side);
        const keptHeader = paths[kept].join('/');
        if (prefersClassification(reading.header, keptHeader, spec)) {
          columns[kept] = { side, role: 'alt-label', block };
          columns.push({ side, role: 'label', block });
          ignored.push({ position: kept, header: keptHeader, why: 'a second classification of the same row; the table keeps one' });
          continue;
        }
        role = { side, role: 'alt-label', block };
        ignored.push({ position: p, header: named, why: 'a second classification of the same row; the table keeps one' });
      } else {
        role = reading.role === 'code' ? { side, role: 'code', part: reading.part, block } : { side, role: 'label', block };
        if (reading.role === 'label') blockHasLabel = true;
      }
    } else if (blockIgnored) {
      ignored.push({ position: p, header: named, why: 'an amount of the block left out' });
    } else {
      // a 小计 with no item above it (长春: 当年预算 / 小计) is the "三公" subtotal of its group
      const item = transposed && !hasLabel ? (threePublicItem(reading.path) ?? (/^(?:小计|合计)$/.test(headerText(reading.path.at(-1) ?? '')) ? '“三公”经费小计' : undefined)) : undefined;
      const measure = measureOfPath(item ? withoutThreePublicItem(reading.path) : reading.path, spec.kind, side, fiscalYear, phase);
      if (transposed && !hasLabel && item !== undefined && measure !== undefined) role = { side, role: 'labelled-measure', label: item, measure, block };
      else if (measure !== undefined && !(transposed && !hasLabel)) role = { side, role: 'measure', measure, block };
      else unknown.push({ position: p, header: named });
      if (role) blockHasAmount = true;
    }
    if (role && role.role !== 'unit' && role.role !== 'period' && role.role !== 'alt-label') {
      const key =
        role.role === 'measure'
          ? `${role.block}:${role.side}:${role.measure}`
          : role.role === 'labelled-measure'
            ? `label:${role.label}:${role.measure}`
            : `${role.block}:${role.side}:${role.role}:${'part' in role ? role.part : ''}`;
      const first = seen.get(key);
      if (first !== undefined && role.role !== 'measure' && role.role !== 'labelled-measure') {
        return `two of its columns are headed alike ("${named}"), so they cannot be told apart`;
      }
      // two amount columns read alike: the rows decide (readSection) whether the second repeats the first
      if (first !== undefined) alike.push({ position: p, first, header: named });
      else seen.set(key, p);
    }
    columns.push(role);
  }
  if (!columns.some((c) => c?.role === 'measure' || c?.role === 'labelled-measure')) {
    return unknown.length > 0
      ? `no column of its header is an amount column yusuan knows (${unknown.map((u) => `"${u.header}"`).join(', ')})`
      : 'no column of its header is an amount column';
  }
  return { columns, columnNumbers: columns.map(() => undefined), rowNoPosition, unknown, ignored, alike };
}

/** A row of numbers (or the 合计 row) ends the header of a table without 栏次 row. */
function isDataLike(line: Line): boolean {
  const texts = nonEmpty(line);
  if (texts.some((t) => isAmountText(t))) return true;
  // a heading row of the data (一、部门预算, (一)一般公共预算资金): headers are never enumerated
  if (ENUMERATED.test(line.keys.find((k) => k !== '') ?? '')) return true;
  // a 合计 row with nothing else in it (a table published empty)
  return texts.length === 1 && (compact(texts[0]) === '合计' || compact(texts[0]) === '总计');
}

const ENUMERATED = /^(?:[一二三四五六七八九十]+、|\([一二三四五六七八九十]+\)|\d{1,2}、)/;

/** A row numbering the columns without the word 栏次: `** | 1 | 2 | 3`, `1 | 2 | 3 | 4`. */
function isColumnNumbering(line: Line): boolean {
  let expected = 1;
  let marked = false;
  for (const key of line.keys) {
    if (key === '') continue;
    if (/^\*+$/.test(key)) marked = true;
    else if (key === String(expected)) expected++;
    else return false;
  }
  // `** | 1` numbers a one-column table; three numbers in a row alone are numbering enough
  return expected > 1 && (marked || expected > 3);
}

// ---------------------------------------------------------------- sections

interface Section {
  table?: RecognizedTable;
  /** The table was found but its layout cannot be read: why. */
  unreadable?: string;
  meta: Meta;
  metaRef?: SourceRef;
  /** Index of the first line after the section. */
  end: number;
  messages: Message[];
}

const HEADER_LIMIT = 12;

/** A cell's amount for comparing two columns: blank, -, 0 and 0.00 alike. */
function amountKey(cell: Cell | undefined): string {
  const parsed = parseAmount(cell?.text ?? '');
  if (parsed.kind !== 'number') return parsed.kind === 'absent' ? '0' : parsed.text;
  return new Decimal(parsed.digits).toString();
}

/** A number in a cell: what makes a column matter when its header is unknown. */
const holdsNumber = (cell: Cell | undefined) => cell !== undefined && isAmountText(cell.text) && /\d/.test(cell.text);

/**
 * Reads one table section, from the line after its title up to the next
 * title or the first line that is neither page furniture, meta, header nor
 * data. A layout that cannot be read makes this table unreadable, with the
 * reason, never the document.
 */
function readSection(lines: Line[], start: number, title: TitleReading, titleLine: Line, documentYear: number | undefined, phase: Phase): Section {
  const kind = title.kind;
  const spec = TABLE_SPECS[kind];
  const messages: Message[] = [];
  const meta: Meta = {};
  let metaRef: SourceRef | undefined;
  let unitRef: SourceRef | undefined;
  const headerLines: Line[] = [];
  const headerSignatures = new Set<string>();
  const headerWords = new Set<string>();
  let layout: ColumnLayout | undefined;
  let headerLayout: HeaderLayout | undefined;
  let emptyNote: RecognizedTable['emptyNote'];
  const rows: RecognizedTable['rows'] = [];
  const titleText = nonEmpty(titleLine)[0].replace(/\[bookmark:[^\]]*\]/g, '').trim();
  const year = documentYear ?? yearOfTitle(titleText);
  let i = start;
  // inside the loop the section ends after the line that failed; after it, at the line that ended the loop (the next title)
  let ended = false;
  const unreadable = (reason: string, ref: SourceRef): Section => {
    messages.push({ severity: 'warning', stage: 'recognize', rule: 'table-layout', text: `table ${spec.number} (${titleText}): ${reason}`, ref });
    return { unreadable: reason, meta, metaRef, end: ended ? i : i + 1, messages };
  };
  const fromHeaders = (width: number): HeaderLayout | string => layoutFromHeaders(headerLines, width, spec, meta.year ?? year, phase);

  for (; i < lines.length; i++) {
    const line = lines[i];
    if (titleOf(line)) break;
    // another table's title (项目支出表, 政府采购预算明细表) ends this one
    if ((layout || headerLines.length > 0) && soleNonEmpty(line.texts) !== undefined && isAnyTableTitle(soleNonEmpty(line.texts)!)) break;
    const texts = nonEmpty(line);
    if (texts.length === 0 || isPageFurniture(line)) continue;
    const lineMeta = metaOfLine(line);
    // inside the grid a row counts as a repeated page header only when it
    // declares a year or unit, so that a data row is never taken for one
    if (lineMeta && (!layout || line.paragraph || lineMeta.year !== undefined || lineMeta.unit !== undefined)) {
      if (lineMeta.unit && meta.unit === undefined) unitRef = line.ref;
      if ((lineMeta.department || lineMeta.year) && !metaRef) metaRef = line.ref;
      meta.department ??= lineMeta.department;
      meta.year ??= lineMeta.year;
      meta.unit ??= lineMeta.unit;
      continue;
    }
    if (isEmptyNote(texts.join(''))) {
      emptyNote ??= { text: texts.join(' '), ref: line.ref };
      if (texts.length === 1 || line.paragraph) continue;
    }
    if (line.paragraph && /^(?:注|备注|说明)/.test(texts[0])) continue;
    // the table's number on a line of its own, above or below its title (公开01表, 表1, 部门公开表5)
    if (!layout && texts.length === 1 && /表|^\d+$/.test(texts[0]) && texts[0].length <= 12 && titleParts(texts[0]).core === '') continue;
    // compact(texts joined by |), without normalizing the line twice: `|` joins NFKC forms unchanged
    const signature = line.keys.join('|');
    if (isColumnNumbering(line)) continue;
    if (!layout) {
      if (line.keys.includes('栏次')) {
        const found = layoutFromNumbering(line, spec);
        if (typeof found !== 'string') {
          layout = found;
          continue;
        }
        // numbered otherwise than the national template: the header texts say what the columns are
        const byHeaders = headerLines.length > 0 ? fromHeaders(Math.max(line.cells.length, ...headerLines.map((h) => h.cells.length))) : found;
        if (typeof byHeaders === 'string') return unreadable(headerLines.length > 0 ? byHeaders : found, line.ref);
        layout = headerLayout = byHeaders;
        continue;
      }
      if (line.paragraph || headerSignatures.size >= HEADER_LIMIT) break;
      if (headerLines.length > 0 && isDataLike(line)) {
        const found = fromHeaders(Math.max(line.cells.length, ...headerLines.map((h) => h.cells.length)));
        if (typeof found === 'string') return unreadable(found, headerLines[0].ref);
        layout = headerLayout = found;
        rows.push({ cells: line.cells, ref: line.ref });
        continue;
      }
      headerLines.push(line);
      headerSignatures.add(signature);
      for (const t of texts) headerWords.add(compact(t));
      continue;
    }
    if (line.paragraph) {
      // a fragment of a wrapped cell left between the grid's rows (北京's 护 of 水利工程运行与维护, at a page's foot)
      // does not end the table when the grid goes on right after it
      const next = lines[i + 1];
      const width = rows.at(-1)?.cells.length;
      if (next && !next.paragraph && width !== undefined && next.cells.length === width && texts.join('').length <= 12 && !titleOf(next)) {
        messages.push({
          severity: 'warning',
          stage: 'recognize',
          rule: 'text-between-rows',
          text: `table ${spec.number} (${titleText}): the text "${texts.join(' ')}" stands between two rows of the grid, in no cell; it is not read`,
          ref: line.ref,
        });
        continue;
      }
      break;
    }
    const first = line.keys[0] ?? '';
    if (first === '序号' || first === '栏次' || headerSignatures.has(signature)) continue;
    if (line.texts.every((t, p) => t === '' || (headerWords.has(line.keys[p]) && !isAmountText(t)))) continue;
    rows.push({ cells: line.cells, ref: line.ref });
  }
  ended = true;

  if (!layout && headerLines.length > 0 && !emptyNote && !headerLines.some((h) => h.texts.some((t) => isAmountText(t) && /\d/.test(t)))) {
    // a header the vocabulary reads and not one row under it: the table is printed empty (北京's 07表 and 08表)
    const found = fromHeaders(Math.max(...headerLines.map((h) => h.cells.length)));
    // (its columns the vocabulary does not know hold no numbers: there are no rows)
    if (typeof found !== 'string') layout = headerLayout = found;
  }
  if (!layout) {
    if (headerLines.length > 0 && !emptyNote) {
      return unreadable('neither a 栏次 row numbering its columns nor a row of amounts under its header was found', titleLine.ref);
    }
    if (!emptyNote) {
      // a title without a grid (a table of contents entry): not a table
      return { meta, metaRef, end: i, messages };
    }
    // published empty with no grid to speak of: still a table of its kind
    layout = { columns: [], columnNumbers: [] };
  }
  if (headerLayout) {
    // a column yusuan cannot place matters only where it holds numbers
    const placed = headerLayout.unknown.filter((u) => rows.some((r) => holdsNumber(r.cells[u.position])));
    if (placed.length > 0) {
      return unreadable(`its column ${placed.map((u) => `${u.position + 1}, headed "${u.header}"`).join('; column ')} is not a column yusuan knows for this table`, headerLines[0]?.ref ?? titleLine.ref);
    }
    // identities decide: a column that reads as an earlier one's measure is that column printed again
    // (西安's 总计 beside 部门预算/合计) when every row holds the same number in both; else no reading fits
    for (const { position, first, header } of headerLayout.alike) {
      const same = rows.every((r) => amountKey(r.cells[position]) === amountKey(r.cells[first]));
      if (!same) return unreadable(`two of its columns are headed alike ("${header}") and hold different numbers, so they cannot be told apart`, headerLines[0]?.ref ?? titleLine.ref);
      headerLayout.columns[position] = undefined;
      headerLayout.ignored.push({ position, header, why: `it repeats column ${first + 1} in every row` });
    }
    for (const ignored of headerLayout.ignored) {
      if (!rows.some((r) => holdsNumber(r.cells[ignored.position]) || (r.cells[ignored.position]?.text ?? '').trim() !== '')) continue;
      messages.push({
        severity: 'info',
        stage: 'recognize',
        rule: 'column-left-out',
        text: `table ${spec.number} (${titleText}): its column ${ignored.position + 1} ("${ignored.header}") is left out: ${ignored.why}`,
        ref: headerLines[0]?.ref ?? titleLine.ref,
      });
    }
  }
  const unit = meta.unit === undefined ? undefined : knownUnit(meta.unit);
  const table: RecognizedTable = {
    spec,
    title: titleText,
    titleRef: titleLine.ref,
    rank: title.rank,
    final: title.final,
    unit,
    unitDeclared: meta.unit,
    unitRef,
    emptyNote,
    columns: layout.columns,
    columnNumbers: layout.columnNumbers,
    rowNoPosition: layout.rowNoPosition,
    rows,
  };
  return { table, meta, metaRef, end: i, messages };
}

/**
 * Rows of a continuation, after the rows a page repeats from the one before
 * (a print that starts a page with the last rows of the previous). Only that
 * overlap is dropped: a table printed per 预算单位 repeats whole rows
 * (31013 公务用车购置 18.00 in two units' blocks) that are each the unit's own.
 */
function appendContinuation(table: RecognizedTable, more: RecognizedTable): void {
  const key = (row: { cells: Cell[] }) => row.cells.map((c) => c.text.trim()).join('\u0001');
  const tail = table.rows.map(key);
  let overlap = 0;
  for (let n = Math.min(tail.length, more.rows.length); n > 0; n--) {
    if (more.rows.slice(0, n).every((row, i) => key(row) === tail[tail.length - n + i])) {
      overlap = n;
      break;
    }
  }
  table.rows.push(...more.rows.slice(overlap));
  table.emptyNote ??= more.emptyNote;
  if (table.unit === undefined && table.unitDeclared === undefined) {
    table.unit = more.unit;
    table.unitDeclared = more.unitDeclared;
    table.unitRef = more.unitRef;
  }
}

/** What a table's amount columns measure, by side: a continuation repeats them, a table's other half has others. */
function measuresOf(table: RecognizedTable): Set<string> {
  const keys = new Set<string>();
  for (const c of table.columns) {
    if (c?.role === 'measure') keys.add(`${c.side}:${c.measure}`);
    else if (c?.role === 'labelled-measure') keys.add(`${c.side}:${c.label}:${c.measure}`);
  }
  return keys;
}

const sharesMeasures = (a: RecognizedTable, b: RecognizedTable) => [...measuresOf(b)].some((k) => measuresOf(a).has(k));

/** A table whose columns are one record a row (one side, one group): what a table printed in halves is. */
const oneRecord = (t: RecognizedTable) => new Set(t.columns.flatMap((c) => (c ? [`${c.side}:${c.block ?? 0}`] : []))).size === 1;

/**
 * Whether `more`, under the same title, is the right half of `table`
 * rather than its continuation (北京's 预算02表 收入总表: 合计 | 本年收入 … on
 * page 3, 其他收入 | 上年结转结余 … on page 4): a continuation repeats the
 * header, so its amount columns measure what the first part's do; the
 * other half's measure none of them.
 */
function isOtherHalf(table: RecognizedTable, more: RecognizedTable): boolean {
  const mine = measuresOf(table);
  const theirs = measuresOf(more);
  return mine.size > 0 && theirs.size > 0 && more.rows.length > 0 && oneRecord(table) && oneRecord(more) && ![...theirs].some((k) => mine.has(k));
}

/** The roles that say which row a row is (its code, label, unit, period): a right half repeats them. */
const ROW_ROLES = new Set(['code', 'label', 'alt-label', 'unit', 'period']);

/** A row's identity by the cells of its code and label columns, for lining up the halves of a table. */
function rowKey(table: RecognizedTable, cells: Cell[]): string {
  return table.columns
    .flatMap((c, p) => (c?.role === 'code' || c?.role === 'label' ? [compact(cells[p]?.text ?? '')] : []))
    .filter((t) => t !== '')
    .join('|');
}

/**
 * The two halves of a table printed side by side, as one table: row by
 * row, the left half's cells, then the right half's, less the columns that
 * repeat which row it is. The halves must line up: as many rows, and where
 * both print codes or labels, the same ones; else no row can be trusted to
 * hold its own amounts.
 */
function joinHalves(left: RecognizedTable, right: RecognizedTable): RecognizedTable | string {
  const printed = `it is printed in two halves side by side (its columns go on where its title is repeated)`;
  if (left.rows.length !== right.rows.length) return `${printed}, and the halves have ${left.rows.length} and ${right.rows.length} rows, which do not line up`;
  const width = left.columns.length;
  const keyed = (t: RecognizedTable) => t.columns.some((c) => c?.role === 'code' || c?.role === 'label');
  const bothKeyed = keyed(left) && keyed(right);
  const rows: RecognizedTable['rows'] = [];
  for (const [i, row] of left.rows.entries()) {
    const other = right.rows[i];
    if (bothKeyed && rowKey(left, row.cells) !== rowKey(right, other.cells)) {
      return `${printed}, and row ${i + 1} of the left half (${rowKey(left, row.cells) || 'no label'}) is not row ${i + 1} of the right (${rowKey(right, other.cells) || 'no label'})`;
    }
    if (row.cells.slice(width).some((c) => c.text.trim() !== '')) return `${printed}, and a row of its left half holds more cells than its header has columns`;
    const cells = row.cells.slice(0, width);
    while (cells.length < width) cells.push({ text: '', ref: row.ref });
    rows.push({ cells: [...cells, ...other.cells], ref: row.ref });
  }
  const leftRoles = new Set(left.columns.flatMap((c) => (c ? [c.role] : [])));
  const record = left.columns.find((c) => c !== undefined)!;
  const columns = [
    ...left.columns,
    ...right.columns.map((c): ColumnRole | undefined => (c === undefined || (ROW_ROLES.has(c.role) && leftRoles.has(c.role)) ? undefined : { ...c, side: record.side, block: record.block ?? 0 })),
  ];
  return {
    ...left,
    columns,
    columnNumbers: [...left.columnNumbers, ...right.columnNumbers],
    rowNoPosition: left.rowNoPosition ?? (right.rowNoPosition === undefined ? undefined : width + right.rowNoPosition),
    rows,
    unit: left.unit ?? (left.unitDeclared === undefined ? right.unit : undefined),
    unitDeclared: left.unitDeclared ?? right.unitDeclared,
    unitRef: left.unitRef ?? right.unitRef,
    emptyNote: left.emptyNote ?? right.emptyNote,
  };
}

/** The nine tables and the narrative, from a document's blocks (or their lines, when the caller has made them). */
export function recognize(doc: ExtractedDocument, lines = toLines(doc.blocks)): RecognizedDocument {
  const messages: Message[] = [];
  const tables = new Map<TableKind, RecognizedTable>();
  /** The right half of a table printed in two halves side by side, its columns continued on another page. */
  const halves = new Map<TableKind, RecognizedTable>();
  const unreadable = new Map<TableKind, UnreadableTable & { rank: number }>();
  const paragraphs: RecognizedDocument['paragraphs'] = [];
  let department: Department | undefined;
  let fiscalYear: number | undefined;
  let fiscalYearRef: SourceRef | undefined;
  const cover = yearOfCover(lines);
  const phase = phaseOf(lines, cover?.phase);

  for (let i = 0; i < lines.length; ) {
    const line = lines[i];
    const title = titleOf(line);
    if (!title) {
      if (line.paragraph) paragraphs.push({ text: line.texts[0], ref: line.ref });
      i++;
      continue;
    }
    const section = readSection(lines, i + 1, title, line, fiscalYear ?? cover?.year, phase);
    messages.push(...section.messages);
    i = Math.max(section.end, i + 1);
    const existing = tables.get(title.kind);
    if (section.unreadable !== undefined) {
      // a better reading of the same kind wins over an unreadable one
      if (!existing && (unreadable.get(title.kind)?.rank ?? 0) < title.rank) {
        const spec = TABLE_SPECS[title.kind];
        const unit = section.meta.unit === undefined ? '' : (knownUnit(section.meta.unit) ?? '');
        unreadable.set(title.kind, { kind: title.kind, number: spec.number, title: nonEmpty(line)[0].trim(), unit, reason: section.unreadable, ref: line.ref, rank: title.rank });
      }
      continue;
    }
    if (!section.table) continue;
    const { meta } = section;
    if (meta.department) {
      if (!department) department = { ...meta.department, ref: section.metaRef ?? line.ref };
      else if (meta.department.code !== department.code || meta.department.name !== department.name) {
        messages.push({
          severity: 'warning',
          stage: 'recognize',
          rule: 'department-mismatch',
          text: `table ${section.table.spec.number} names the department ${meta.department.code}${meta.department.name}, the document's first table ${department.code}${department.name}`,
          ref: section.metaRef,
        });
      }
    }
    // 预算年度：2025, or the year the title names (2025年部门财务收支预算总表)
    // 预算年度：2025, else the cover's year, else the year the title names
    const year = meta.year ?? cover?.year ?? yearOfTitle(section.table.title);
    if (year !== undefined && fiscalYear === undefined) {
      fiscalYear = year;
      fiscalYearRef = meta.year !== undefined ? section.metaRef : cover ? cover.ref : section.table.titleRef;
    }
    if (!existing) {
      tables.set(title.kind, section.table);
      unreadable.delete(title.kind);
    } else if (existing.title === section.table.title || titleParts(existing.title).core === titleParts(section.table.title).core) {
      // the same title again: the table continued over a page, or its right half (other columns, the same rows)
      const half = halves.get(title.kind);
      if (half && sharesMeasures(half, section.table)) appendContinuation(half, section.table);
      else if (!half && isOtherHalf(existing, section.table)) halves.set(title.kind, section.table);
      else appendContinuation(existing, section.table);
    } else if (section.table.rank > existing.rank || (section.table.rank === existing.rank && fitsScheme(section.table) && !fitsScheme(existing))) {
      tables.set(title.kind, section.table);
      messages.push(leftOut(existing, section.table));
    } else {
      messages.push(leftOut(section.table, existing));
    }
  }
  for (const [kind, half] of halves) {
    const left = tables.get(kind)!;
    const joined = joinHalves(left, half);
    const where = `table ${left.spec.number} (${left.title})`;
    if (typeof joined === 'string') {
      tables.delete(kind);
      unreadable.set(kind, { kind, number: left.spec.number, title: left.title, unit: left.unit ?? '', reason: joined, ref: left.titleRef, rank: left.rank });
      messages.push({ severity: 'warning', stage: 'recognize', rule: 'table-layout', text: `${where}: ${joined}`, ref: half.titleRef });
      continue;
    }
    tables.set(kind, joined);
    messages.push({
      severity: 'info',
      stage: 'recognize',
      rule: 'table-halves',
      text: `${where} is printed in two halves side by side (its columns go on where its title is repeated); the halves are read as one table, row by row`,
      ref: half.titleRef,
    });
  }
  // a document whose tables name no year: the year its cover or first pages name (国家信访局2026年部门预算)
  if (fiscalYear === undefined && cover && tables.size > 0) {
    fiscalYear = cover.year;
    fiscalYearRef = cover.ref;
  }

  return {
    department,
    phase,
    fiscalYear,
    fiscalYearRef,
    tables: [...tables.values()],
    unreadable: [...unreadable.values()].map(({ rank: _rank, ...t }) => t),
    paragraphs,
    messages,
  };
}

/**
 * budget or final, by the titles of the nine tables: final where most of
 * them say 决算 (收入支出决算总表 …). Read before the tables are, since a
 * final account's columns are read for what they compare (预算数 beside
 * 决算数).
 */
function phaseOf(lines: Line[], cover: Phase | undefined): Phase {
  let finals = 0;
  let titles = 0;
  for (const line of lines) {
    const title = titleOf(line);
    if (!title) continue;
    titles++;
    if (title.final) finals++;
  }
  // titles that name no phase at all (收入支出总表 …): the cover's (某局2023年度部门决算)
  if (finals === 0 && cover === 'final') return 'final';
  return finals > titles / 2 ? 'final' : 'budget';
}

/** The year the first pages name for the budget or the final account: `2026年部门预算`, `国家信访局2024年度部门决算`. */
function yearOfCover(lines: Line[]): { year: number; ref: SourceRef; phase: Phase } | undefined {
  // the cover's lines joined: 2026年深圳市住房和建设局（本级） / 部门预算
  let text = '';
  const starts: number[] = [];
  const first = lines.slice(0, 40);
  for (const line of first) {
    starts.push(text.length);
    text += line.texts.join('');
  }
  // a final account's cover may name no scope (某医院2023年度决算)
  const m = /(20\d{2})\s*年度?[^，。,年]{0,30}?(?:(?:部门|单位|综合)(?:预算|决算)|决算)/.exec(text);
  if (!m) return undefined;
  let at = 0;
  while (at + 1 < starts.length && starts[at + 1] <= m.index) at++;
  return { year: Number(m[1]), ref: first[at].ref, phase: m[0].endsWith('决算') ? 'final' : 'budget' };
}

/**
 * Whether a table's rows are coded in its kind's classification, as far as
 * its codes say: 2xx… for the function classes, 3xx… or 5xx… for the
 * economic ones. Of two tables whose titles read alike as one kind (四川's
 * 一般公共预算财政拨款支出决算表 by function beside its …支出决算明细表 by
 * economic class), the one coded in the kind's classification is it.
 */
function fitsScheme(table: RecognizedTable): boolean {
  const scheme = table.spec.codeScheme;
  if (!scheme) return true;
  let fit = 0;
  let misfit = 0;
  const positions = table.columns.flatMap((c, p) => (c && ((c.role === 'code' && (c.part ?? 0) === 0) || c.role === 'label') ? [p] : []));
  for (const row of table.rows) {
    for (const p of positions) {
      const code = /^\[?(\d{3,7})(?!\d)/.exec(nfkc(row.cells[p]?.text ?? '').trim())?.[1];
      if (!code) continue;
      if ((code[0] === '2') === (scheme === 'function')) fit++;
      else if (/^[235]/.test(code)) misfit++;
      break;
    }
  }
  return misfit <= fit || misfit < 3;
}

/** Two tables read as one kind: the one that names it better is kept. */
function leftOut(dropped: RecognizedTable, kept: RecognizedTable): Message {
  return {
    severity: 'info',
    stage: 'recognize',
    rule: 'table-left-out',
    text: `"${dropped.title}" reads as table ${kept.spec.number} too; "${kept.title}" names it better and is the one read`,
    ref: dropped.titleRef,
  };
}
