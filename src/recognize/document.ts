import type { Cell, ExtractedDocument, Message, SourceRef } from '../ir.js';
import { isAmountText, knownUnit } from '../normalize/amount.js';
import { compact, nfkc } from '../normalize/label.js';
import type { UnreadableTable } from '../normalize/line-items.js';
import { soleNonEmpty, toLines, type Line } from './lines.js';
import { CODE_HEADERS, CODE_PART_HEADERS, TABLE_SPECS, TITLES, type ColumnRole, type TableKind, type TableSpec } from './kinds.js';

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
}

export interface RecognizedDocument {
  department?: Department;
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

const TITLE_BY_TEXT = new Map<string, TableKind>(TITLES.map(([title, kind]) => [title, kind]));

export function normalizeTitle(text: string): string {
  return compact(text.replace(/\[bookmark:[^\]]*\]/g, ''))
    .replace(/["'“”‘’〝〞「」『』]/g, '')
    .replace(/^(?:(?:附表|表)[0-9一二三四五六七八九十]+[、.:]?|[0-9一二三四五六七八九十]+[、.:])/, '')
    .replace(/^\d{4}年(度)?/, '')
    .replace(/(\(续\)|\(续表\)|续表)$/, '');
}

const yearOfTitle = (title: string) => {
  const m = /^(?:\d+[.、．]\s*)?(\d{4})\s*年/.exec(nfkc(title).trim());
  return m ? Number(m[1]) : undefined;
};

/** The kind of table a line announces, when it is a title and nothing else. */
function titleOf(line: Line): TableKind | undefined {
  const text = soleNonEmpty(line.texts);
  // every title of the nine tables names a 表; most lines are rejected here
  if (text === undefined || text.length > 60 || !text.includes('表')) return undefined;
  return TITLE_BY_TEXT.get(normalizeTitle(text));
}

// ---------------------------------------------------------------- page furniture and meta

/** Page numbers and running footers: `80`, `- 3 -`, `第 3 页`, `第3页 共40页`. */
function isPageFurniture(line: Line): boolean {
  const text = soleNonEmpty(line.texts);
  if (text === undefined) return false;
  const t = compact(text);
  return /^-?\d{1,4}-?$/.test(t) || /^第\d+页(共\d+页)?$/.test(t) || /^\d+\/\d+$/.test(t);
}

interface Meta {
  department?: { code: string; name: string };
  year?: number;
  unit?: string;
}

// `435秦皇岛市…局`, `630 行政审批部门`; not `2024年…` (a year)
const DEPARTMENT_WITH_CODE = /^(\d{1,12})(?!\s*年)\s*([\p{Script=Han}（(][^：:]*)$/u;
const DEPARTMENT_NAMED = /^(?:编制部门|编制单位|部门名称|单位名称)[:：]\s*(\S.*)$/;
const YEAR = /预算年度[:：]\s*(\d{4})/;
const UNIT = /(?<!编制|预算|填报)(?:金额)?单位[:：]\s*([^\s，,;；]+)/;

const MAYBE_META = /[:：]|^\d+\s*[\p{Script=Han}（(]/u;

/** Meta facts one part of a cell states, or undefined. */
function metaOfPart(part: string): Meta | undefined {
  const meta: Meta = {};
  let m = YEAR.exec(part);
  if (m) meta.year = Number(m[1]);
  m = UNIT.exec(part);
  if (m) meta.unit = m[1];
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

const isEmptyNote = (text: string) => /空表/.test(text);

// ---------------------------------------------------------------- columns

interface ColumnLayout {
  columns: (ColumnRole | undefined)[];
  columnNumbers: (number | undefined)[];
  rowNoPosition?: number;
}

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

/** Header text as matched against the aliases: compact, without a leading year (2024年“三公”经费预算数). */
const headerText = (text: string) => compact(text).replace(/^\d{4}年度?/, '');

/**
 * Each column's header path: the texts of the header cells above it, the
 * column's own last. A merged header cell stands in the first column it
 * covers, so a parent is the nearest text at or left of the column.
 */
function headerPaths(headers: Line[], width: number): string[][] {
  const rows = headers.map((h) => h.texts.map(headerText));
  const paths: string[][] = [];
  for (let p = 0; p < width; p++) {
    let leafRow = -1;
    rows.forEach((row, r) => {
      if ((row[p] ?? '') !== '') leafRow = r;
    });
    if (leafRow < 0) {
      paths.push([]);
      continue;
    }
    const path: string[] = [];
    for (let r = 0; r < leafRow; r++) {
      for (let q = p; q >= 0; q--) {
        if ((rows[r][q] ?? '') !== '') {
          path.push(rows[r][q]);
          break;
        }
      }
    }
    path.push(rows[leafRow][p]);
    paths.push(path);
  }
  return paths;
}

/**
 * Columns from header texts, for tables without a 栏次 row (Shanghai and
 * others): each column's header is looked up in the table's aliases
 * (kinds.ts). A header yusuan does not know is an error, never a guess.
 */
function layoutFromHeaders(headers: Line[], width: number, spec: TableSpec): ColumnLayout | string {
  const paths = headerPaths(headers, width);
  const { sides, transposed } = spec.headers;
  const sideNames = (['revenue', 'expenditure'] as const).filter((side) => sides[side]);
  const leaves = paths.map((path) => path.at(-1) ?? '');
  const hasLabel = leaves.some((leaf) => sideNames.some((side) => sides[side]!.labels.includes(leaf)));
  const columns: (ColumnRole | undefined)[] = [];
  let rowNoPosition: number | undefined;
  let sideIndex = 0;
  let sideHasLabel = false;
  const seen = new Set<string>();
  for (let p = 0; p < width; p++) {
    const path = paths[p];
    const leaf = leaves[p];
    const named = path.join('/');
    let role: ColumnRole | undefined;
    if (leaf === '') role = undefined;
    else if (leaf === '序号') rowNoPosition = p;
    else if (leaf in CODE_PART_HEADERS) role = { side: sideNames[sideIndex], role: 'code', part: CODE_PART_HEADERS[leaf] };
    else if (CODE_HEADERS.includes(leaf)) role = { side: sideNames[sideIndex], role: 'code' };
    else if (!hasLabel && transposed) {
      const label = transposed[named] ?? transposed[path.slice(-2).join('/')] ?? transposed[leaf];
      if (label !== undefined) role = { side: sideNames[sideIndex], role: 'labelled-measure', label, measure: 'total' };
    } else {
      if (sides[sideNames[sideIndex]]!.labels.includes(leaf)) {
        if (sideHasLabel && sideIndex + 1 < sideNames.length) sideIndex++;
        sideHasLabel = true;
        role = { side: sideNames[sideIndex], role: 'label' };
      } else {
        const measure = sides[sideNames[sideIndex]]!.measures[leaf];
        if (measure !== undefined) role = { side: sideNames[sideIndex], role: 'measure', measure };
      }
    }
    if (leaf !== '' && leaf !== '序号' && role === undefined) {
      return `its column ${p + 1}, headed "${named}", is not a column yusuan knows for this table`;
    }
    if (role) {
      const key = role.role === 'measure' ? `${role.side}:${role.measure}` : role.role === 'labelled-measure' ? `label:${role.label}` : `${role.side}:${role.role}:${'part' in role ? role.part : ''}`;
      if (seen.has(key)) return `two of its columns are headed alike ("${named}"), so they cannot be told apart`;
      seen.add(key);
    }
    columns.push(role);
  }
  if (!columns.some((c) => c?.role === 'measure' || c?.role === 'labelled-measure')) {
    return 'no column of its header is an amount column yusuan knows';
  }
  return { columns, columnNumbers: columns.map(() => undefined), rowNoPosition };
}

/** A row of numbers (or the 合计 row) ends the header of a table without 栏次 row. */
function isDataLike(line: Line): boolean {
  const texts = nonEmpty(line);
  if (texts.some((t) => isAmountText(t))) return true;
  // a 合计 row with nothing else in it (a table published empty)
  return texts.length === 1 && (compact(texts[0]) === '合计' || compact(texts[0]) === '总计');
}

// ---------------------------------------------------------------- sections

interface Section {
  table?: RecognizedTable;
  meta: Meta;
  metaRef?: SourceRef;
  /** Index of the first line after the section. */
  end: number;
  messages: Message[];
}

const HEADER_LIMIT = 12;

/**
 * Reads one table section, from the line after its title up to the next
 * title or the first line that is neither page furniture, meta, header nor
 * data.
 */
function readSection(lines: Line[], start: number, kind: TableKind, titleLine: Line): Section {
  const spec = TABLE_SPECS[kind];
  const messages: Message[] = [];
  const meta: Meta = {};
  let metaRef: SourceRef | undefined;
  let unitRef: SourceRef | undefined;
  const headerLines: Line[] = [];
  const headerSignatures = new Set<string>();
  const headerWords = new Set<string>();
  let layout: ColumnLayout | undefined;
  let emptyNote: RecognizedTable['emptyNote'];
  const rows: RecognizedTable['rows'] = [];
  let i = start;
  const fail = (text: string, ref: SourceRef) => {
    messages.push({ severity: 'error', stage: 'recognize', rule: 'table-layout', text: `table ${spec.number} (${titleLine.texts.join('')}): ${text}`, ref });
  };

  for (; i < lines.length; i++) {
    const line = lines[i];
    if (titleOf(line)) break;
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
    if (texts.length === 1 && isEmptyNote(texts[0])) {
      emptyNote ??= { text: texts[0], ref: line.ref };
      continue;
    }
    if (line.paragraph && texts[0].startsWith('注')) continue;
    // compact(texts joined by |), without normalizing the line twice: `|` joins NFKC forms unchanged
    const signature = line.keys.join('|');
    if (!layout) {
      if (line.keys.includes('栏次')) {
        const found = layoutFromNumbering(line, spec);
        if (typeof found === 'string') {
          fail(found, line.ref);
          return { meta, metaRef, end: i + 1, messages };
        }
        layout = found;
        continue;
      }
      if (line.paragraph || headerSignatures.size >= HEADER_LIMIT) break;
      if (headerLines.length > 0 && isDataLike(line)) {
        const width = Math.max(line.cells.length, ...headerLines.map((h) => h.cells.length));
        const found = layoutFromHeaders(headerLines, width, spec);
        if (typeof found === 'string') {
          fail(found, headerLines[0].ref);
          return { meta, metaRef, end: i + 1, messages };
        }
        layout = found;
        rows.push({ cells: line.cells, ref: line.ref });
        continue;
      }
      headerLines.push(line);
      headerSignatures.add(signature);
      for (const t of texts) headerWords.add(compact(t));
      continue;
    }
    if (line.paragraph) break;
    const first = line.keys[0] ?? '';
    if (first === '序号' || first === '栏次' || headerSignatures.has(signature)) continue;
    if (line.texts.every((t, p) => t === '' || (headerWords.has(line.keys[p]) && !isAmountText(t)))) continue;
    rows.push({ cells: line.cells, ref: line.ref });
  }

  if (!layout) {
    if (headerLines.length > 0 && !emptyNote) {
      fail('neither a 栏次 row numbering its columns nor a row of amounts under its header was found', titleLine.ref);
    }
    if (!emptyNote) {
      // a title without a grid (a table of contents entry): not a table
      return { meta, metaRef, end: i, messages };
    }
    // published empty with no grid to speak of: still a table of its kind
    layout = { columns: [], columnNumbers: [] };
  }
  const unit = meta.unit === undefined ? undefined : knownUnit(meta.unit);
  const table: RecognizedTable = {
    spec,
    title: nonEmpty(titleLine)[0].replace(/\[bookmark:[^\]]*\]/g, '').trim(),
    titleRef: titleLine.ref,
    unit,
    unitDeclared: meta.unit,
    unitRef,
    emptyNote,
    ...layout,
    rows,
  };
  return { table, meta, metaRef, end: i, messages };
}

/** Rows of a continuation: only those not already in the table. */
function appendContinuation(table: RecognizedTable, more: RecognizedTable): void {
  const seen = new Set(table.rows.map((r) => r.cells.map((c) => c.text.trim()).join('\u0001')));
  for (const row of more.rows) {
    const key = row.cells.map((c) => c.text.trim()).join('\u0001');
    if (!seen.has(key)) table.rows.push(row);
  }
  table.emptyNote ??= more.emptyNote;
}

/** The nine tables and the narrative, from a document's blocks (or their lines, when the caller has made them). */
export function recognize(doc: ExtractedDocument, lines = toLines(doc.blocks)): RecognizedDocument {
  const messages: Message[] = [];
  const tables = new Map<TableKind, RecognizedTable>();
  const paragraphs: RecognizedDocument['paragraphs'] = [];
  let department: Department | undefined;
  let fiscalYear: number | undefined;
  let fiscalYearRef: SourceRef | undefined;

  for (let i = 0; i < lines.length; ) {
    const line = lines[i];
    const kind = titleOf(line);
    if (!kind) {
      if (line.paragraph) paragraphs.push({ text: line.texts[0], ref: line.ref });
      i++;
      continue;
    }
    const section = readSection(lines, i + 1, kind, line);
    messages.push(...section.messages);
    i = Math.max(section.end, i + 1);
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
    // 预算年度：2025, or the year the title begins with (2025年部门财务收支预算总表)
    const year = meta.year ?? yearOfTitle(section.table.title);
    if (year !== undefined && fiscalYear === undefined) {
      fiscalYear = year;
      fiscalYearRef = meta.year !== undefined ? section.metaRef : section.table.titleRef;
    }
    const existing = tables.get(kind);
    if (existing) appendContinuation(existing, section.table);
    else tables.set(kind, section.table);
  }

  return { department, fiscalYear, fiscalYearRef, tables: [...tables.values()], unreadable: [], paragraphs, messages };
}
