/**
 * HTML → IR blocks, shared by the HTML extractor and the DOCX extractor
 * (which goes DOCX → HTML through mammoth first).
 *
 * The document is walked in order. Text outside tables becomes paragraphs:
 * every block-level element (p, div, h1–h6, li, …) and every `<br>` ends
 * one. A `<table>` becomes a Table whose rows have one cell per grid column:
 * colspan/rowspan are expanded, the text stands in the top-left position of
 * a merge and every covered position is ''.
 *
 * Two kinds of table are not data tables and are unwrapped instead (their
 * content is walked like a `<div>`): a table whose cells hold real tables
 * (≥ 2 rows and ≥ 2 columns) with, together, at least as many rows as it has
 * itself — the page-layout tables of older government sites, which wrap the
 * whole page — and a table of a single cell (a box around a title or a
 * note). Any other nested table is flattened into its cell's text.
 */
import type * as Cheerio from 'cheerio';
import { DocumentError, type Block, type Cell, type Message, type Paragraph, type Row, type SourceRef, type Table } from '../ir.js';

/**
 * cheerio is loaded the first time a page or a Word file is read: loading it
 * (and its parsers) took 230 ms, which every worker thread and every command
 * paid at start even on a corpus of text files.
 */
let cheerioLoaded: Promise<typeof Cheerio> | undefined;

/* ------------------------------------------------------------------ DOM */

/** The parts of domhandler's node types this module uses. */
interface DomNode {
  type: string;
  parent: DomNode | null;
}
interface DomText extends DomNode {
  data: string;
}
interface DomElement extends DomNode {
  name: string;
  attribs: Record<string, string>;
  children: DomNode[];
}

function isElement(n: DomNode): n is DomElement {
  // domhandler gives <script> and <style> their own types; 'tag' is the rest.
  return n.type === 'tag' || n.type === 'script' || n.type === 'style';
}
function isText(n: DomNode): n is DomText {
  return n.type === 'text';
}
function hasChildren(n: DomNode): n is DomElement {
  return Array.isArray((n as DomElement).children);
}

/** Elements whose content is never document text. */
const SKIP = new Set([
  'head', 'script', 'style', 'noscript', 'template', 'title', 'meta', 'link',
  'iframe', 'object', 'embed', 'svg', 'math', 'select', 'option', 'textarea',
  'button', 'input', 'img', 'map', 'area', 'audio', 'video', 'canvas', 'xml',
]);

/** Elements that start and end a line of text. */
const BLOCK = new Set([
  'address', 'article', 'aside', 'blockquote', 'body', 'center', 'dd', 'details',
  'dialog', 'dir', 'div', 'dl', 'dt', 'fieldset', 'figcaption', 'figure', 'footer',
  'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hgroup', 'hr', 'html',
  'legend', 'li', 'main', 'menu', 'nav', 'ol', 'p', 'pre', 'section', 'summary',
  'ul', 'table', 'thead', 'tbody', 'tfoot', 'tr', 'td', 'th', 'caption', 'listing',
  'xmp', 'plaintext',
]);

function isHidden(el: DomElement): boolean {
  const style = el.attribs.style;
  if (style && /display\s*:\s*none/i.test(style)) return true;
  return el.attribs.hidden !== undefined;
}

/* ------------------------------------------------------------ text runs */

/** A hard line break (`<br>`, a newline in `<pre>`). */
const HARD = '\u0000';
/** The edge of a block-level element. */
const EDGE = '\u0001';
/** Between the cells of a nested table, read as one space. */
const SEP = '\u0002';

const CJK = /[\u2E80-\u9FFF\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFFEF\u{20000}-\u{3FFFF}]/u;

/**
 * Turns collected raw text (with HARD/EDGE markers) into lines.
 *
 * A run of ASCII whitespace that contains a line break is HTML source
 * formatting: it reads as one space, or as nothing between two CJK
 * characters (Word's HTML export wraps long lines in the middle of Chinese
 * words). Other whitespace is kept as published; `&nbsp;` becomes a space.
 * Lines are trimmed and empty lines dropped.
 */
function toLines(raw: string): string[] {
  const collapsed = !/[\r\n]/.test(raw) ? raw : raw.replace(/[ \t\f\r\n]*[\r\n][ \t\f\r\n]*/g, (ws, offset: number, all: string) => {
    const before = all.slice(Math.max(0, offset - 2), offset);
    const after = all.slice(offset + ws.length, offset + ws.length + 2);
    const b = Array.from(before).pop() ?? '';
    const a = Array.from(after)[0] ?? '';
    return CJK.test(b) && CJK.test(a) ? '' : ' ';
  });
  const lines: string[] = [];
  for (const piece of collapsed.replace(/ *\u0002[\u0002 ]*/g, ' ').split(/[\u0000\u0001]/)) {
    const line = piece.replace(/\u00A0/g, ' ').trim();
    if (line) lines.push(line);
  }
  return lines;
}

/* ---------------------------------------------------------------- grid */

/** A `<tr>` as written: its cells, before spans are expanded. */
interface SourceCell {
  text: string;
  colspan: number;
  rowspan: number;
}

const MAX_COLSPAN = 1000; // HTML's own limit
const MAX_ROWSPAN = 65534;

function spanAttr(value: string | undefined, max: number, zeroMeansRest: boolean): number {
  if (value === undefined) return 1;
  const m = /^\s*(\d+)/.exec(value);
  if (!m) return 1;
  const n = Number(m[1]);
  if (n === 0) return zeroMeansRest ? Infinity : 1;
  return Math.min(n, max);
}

/**
 * Expands spans: one string per grid position, '' for positions covered by
 * a merge or not filled at all (rows shorter than the grid). A rowspan that
 * reaches past the last row is cut at the last row.
 */
export function expandGrid(rows: SourceCell[][]): string[][] {
  const grid: (string | undefined)[][] = rows.map(() => []);
  for (let r = 0; r < rows.length; r++) {
    let c = 0;
    for (const cell of rows[r]) {
      while (grid[r][c] !== undefined) c++;
      const lastRow = Math.min(rows.length, cell.rowspan === Infinity ? rows.length : r + cell.rowspan);
      for (let rr = r; rr < lastRow; rr++) {
        for (let cc = c; cc < c + cell.colspan; cc++) {
          // An earlier merge already claimed this position (overlapping spans):
          // first come, first served, as browsers do.
          if (grid[rr][cc] === undefined) grid[rr][cc] = rr === r && cc === c ? cell.text : '';
        }
      }
      c += cell.colspan;
    }
  }
  const width = grid.reduce((w, row) => Math.max(w, row.length), 0);
  return grid.map((row) => Array.from({ length: width }, (_, i) => row[i] ?? ''));
}

/* -------------------------------------------------------------- walker */

export interface HtmlBlocks {
  blocks: Block[];
  /** One string per paragraph and per table row (cells joined by ` | `), in order. */
  sourceLines: string[];
  messages: Message[];
}

export interface HtmlBlocksOptions {
  /** Remove these elements before reading (cheerio selectors). */
  drop?: string[];
}

/**
 * Reads an HTML document (already decoded to a string) into blocks.
 *
 * Refs: a table's rows and cells get `{ table, row }`, 1-based, tables
 * counted in the order they are emitted and rows in the order of the
 * table's `<tr>`s. A paragraph gets `{ line }`: its 1-based position in
 * `sourceLines`, so that `L<n>` shows that paragraph in context.
 */
/**
 * Elements nested deeper than this are refused: a budget page (or Word
 * file) nests a few dozen deep, and the walk below (like the selectors of
 * `drop`) descends by recursion, which a page nested 100,000 deep would
 * take past the stack.
 */
export const MAX_NESTING = 512;

/** How deep the elements under `root` nest, counted without recursion, up to just past `limit`. */
export function nestingDepth(root: DomNode, limit = MAX_NESTING): number {
  let deepest = 0;
  const stack: [DomNode, number][] = [[root, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (depth > deepest) deepest = depth;
    if (deepest > limit) return deepest;
    if (hasChildren(node)) for (const child of node.children) if (hasChildren(child)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/**
 * Elements a page opens and does not close, counted on its text before it
 * is parsed: the parser's time grows with the square of the nesting (a page
 * nested 100,000 deep took it 90 s). Elements HTML closes by itself (void
 * ones, p, li, td, …) are not counted; what is counted can also be an
 * element left open, so the bar is far above MAX_NESTING.
 */
export const MAX_OPEN_ELEMENTS = 10_000;

const SELF_CLOSING = new Set([
  'area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr',
  'p', 'li', 'dt', 'dd', 'tr', 'td', 'th', 'tbody', 'thead', 'tfoot', 'option', 'optgroup', 'colgroup', 'caption',
  'rb', 'rt', 'rtc', 'rp', 'html', 'head', 'body',
]);

/** How many elements stand open at most in the text of a page, counted by its tags alone (see MAX_OPEN_ELEMENTS). */
export function openElements(html: string, limit = MAX_OPEN_ELEMENTS): number {
  let open = 0;
  let most = 0;
  const tag = /<!--[\s\S]*?(?:-->|$)|<(script|style)\b[^>]*>[\s\S]*?(?:<\/\1\s*>|$)|<(\/?)([a-zA-Z][^\s/>]*)[^>]*?(\/?)>/gi;
  for (let m = tag.exec(html); m; m = tag.exec(html)) {
    const name = m[3]?.toLowerCase();
    if (name === undefined || SELF_CLOSING.has(name) || m[4]) continue;
    if (m[2]) open = Math.max(0, open - 1);
    else if (++open > most) {
      most = open;
      if (most > limit) return most;
    }
  }
  return most;
}

function tooDeep(): DocumentError {
  return new DocumentError(
    `the document nests its elements more than ${MAX_NESTING} deep (a budget disclosure nests a few dozen deep), ` +
      'so it was not read: it is damaged, or generated by something that is not an editor',
    'too-deep',
  );
}

export async function htmlToBlocks(html: string, options: HtmlBlocksOptions = {}): Promise<HtmlBlocks> {
  if (openElements(html) > MAX_OPEN_ELEMENTS) throw tooDeep();
  const cheerio = await (cheerioLoaded ??= import('cheerio'));
  const $ = cheerio.load(html);
  const root = $.root()[0] as unknown as DomElement;
  if (nestingDepth(root) > MAX_NESTING) throw tooDeep();
  for (const sel of options.drop ?? []) $(sel).remove();
  const walker = new Walker();
  walker.walkChildren(root);
  walker.flush();
  return walker.result();
}

class Walker {
  private blocks: Block[] = [];
  private lines: string[] = [];
  private messages: Message[] = [];
  private raw = '';
  private tableCount = 0;
  private layoutTables = 0;

  result(): HtmlBlocks {
    if (this.layoutTables > 0) {
      this.messages.push({
        severity: 'info',
        stage: 'extract',
        rule: 'layout-table',
        text:
          `${this.layoutTables} table(s) used for page layout (holding other tables or a single cell) ` +
          'were read as ordinary text, not as data tables.',
      });
    }
    return { blocks: this.blocks, sourceLines: this.lines, messages: this.messages };
  }

  /** Ends the current paragraph(s). */
  flush(): void {
    if (!this.raw) return;
    const raw = this.raw;
    this.raw = '';
    for (const text of toLines(raw)) {
      this.lines.push(text);
      const p: Paragraph = { kind: 'paragraph', text, ref: { line: this.lines.length } };
      this.blocks.push(p);
    }
  }

  walkChildren(el: DomElement): void {
    for (const child of el.children) this.walk(child);
  }

  private walk(node: DomNode): void {
    if (isText(node)) {
      this.raw += insidePre(node) ? node.data.replace(/\r\n?|\n/g, HARD) : node.data;
      return;
    }
    if (!isElement(node)) {
      // Comments, directives; CDATA and other containers: read their children.
      if (node.type !== 'comment' && node.type !== 'directive' && hasChildren(node)) {
        this.walkChildren(node);
      }
      return;
    }
    const name = node.name.toLowerCase();
    if (SKIP.has(name) || node.type !== 'tag' || isHidden(node)) return;
    if (name === 'br') {
      this.raw += HARD;
      return;
    }
    if (name === 'table') {
      this.table(node);
      return;
    }
    if (BLOCK.has(name)) {
      this.raw += EDGE;
      this.walkChildren(node);
      this.raw += EDGE;
      return;
    }
    this.walkChildren(node);
  }

  private table(el: DomElement): void {
    const trs = ownRows(el);
    const sourceRows: SourceCell[][] = [];
    let nestedRows = 0;
    let cellCount = 0;
    for (const tr of trs) {
      const cells = ownCells(tr);
      cellCount += cells.length;
      for (const cell of cells) nestedRows += realTableRows(cell);
    }
    // A table around tables that together have at least as many rows as it
    // has is there for layout; a data table with a small table in one cell is not.
    const layout = nestedRows > 0 && nestedRows >= trs.length;
    if (layout || cellCount <= 1) {
      if (cellCount > 0) this.layoutTables++;
      // Read it like a <div>: caption and cells in order, each its own block.
      this.raw += EDGE;
      for (const child of el.children) {
        if (isElement(child) && child.name === 'caption') this.walkAsBlock(child);
      }
      for (const tr of trs) for (const cell of ownCells(tr)) this.walkAsBlock(cell);
      this.raw += EDGE;
      return;
    }

    this.flush();
    // A caption reads as a paragraph before the table.
    for (const child of el.children) {
      if (isElement(child) && child.name === 'caption' && !isHidden(child)) {
        this.raw += EDGE;
        this.walkChildren(child);
        this.raw += EDGE;
        this.flush();
      }
    }

    for (const tr of trs) {
      sourceRows.push(
        ownCells(tr).map((cell) => ({
          text: cellText(cell),
          colspan: spanAttr(cell.attribs.colspan, MAX_COLSPAN, false),
          rowspan: spanAttr(cell.attribs.rowspan, MAX_ROWSPAN, true),
        })),
      );
    }
    const grid = expandGrid(sourceRows);
    const n = ++this.tableCount;
    const rows: Row[] = grid.map((texts, i) => {
      const ref: SourceRef = { table: n, row: i + 1 };
      const cells: Cell[] = texts.map((text) => ({ text, ref: { ...ref } }));
      this.lines.push(texts.map((t) => t.replace(/\n/g, ' ')).join(' | '));
      return { cells, ref };
    });
    const table: Table = { kind: 'table', rows, ref: { table: n } };
    this.blocks.push(table);
  }

  private walkAsBlock(el: DomElement): void {
    if (isHidden(el)) return;
    this.raw += EDGE;
    this.walkChildren(el);
    this.raw += EDGE;
  }
}

function insidePre(node: DomNode): boolean {
  for (let p = node.parent; p; p = p.parent) {
    if (isElement(p)) {
      const n = p.name.toLowerCase();
      if (n === 'pre' || n === 'listing' || n === 'xmp' || n === 'plaintext') return true;
      if (n === 'td' || n === 'th' || n === 'body') return false;
    }
  }
  return false;
}

/** The table's own `<tr>`s (directly or in thead/tbody/tfoot), visible ones, in document order. */
function ownRows(table: DomElement): DomElement[] {
  const rows: DomElement[] = [];
  for (const child of table.children) {
    if (!isElement(child) || isHidden(child)) continue;
    const name = child.name.toLowerCase();
    if (name === 'tr') rows.push(child);
    else if (name === 'thead' || name === 'tbody' || name === 'tfoot') {
      for (const tr of child.children) {
        if (isElement(tr) && tr.name.toLowerCase() === 'tr' && !isHidden(tr)) rows.push(tr);
      }
    }
  }
  return rows;
}

function ownCells(tr: DomElement): DomElement[] {
  return tr.children.filter(
    (c): c is DomElement => isElement(c) && (c.name.toLowerCase() === 'td' || c.name.toLowerCase() === 'th'),
  );
}

/**
 * The rows of the data tables (≥ 2 rows, ≥ 2 columns) nested in a cell,
 * counting the outermost ones only.
 */
function realTableRows(cell: DomElement): number {
  let total = 0;
  const visit = (el: DomElement): void => {
    for (const child of el.children) {
      if (!isElement(child) || isHidden(child)) continue;
      if (child.name.toLowerCase() === 'table') {
        const rows = ownRows(child);
        if (rows.length >= 2 && rows.some((tr) => ownCells(tr).length >= 2)) {
          total += rows.length;
          continue;
        }
      }
      visit(child);
    }
  };
  visit(cell);
  return total;
}

/**
 * A cell's text: its paragraphs (and `<br>` lines) joined with '\n', trimmed.
 * A (small) nested table reads row by row, cells separated by a space.
 */
export function cellText(cell: DomElement): string {
  let raw = '';
  const visit = (el: DomElement): void => {
    for (const node of el.children) {
      if (isText(node)) {
        raw += insidePre(node) ? node.data.replace(/\r\n?|\n/g, HARD) : node.data;
        continue;
      }
      if (!isElement(node)) continue;
      const name = node.name.toLowerCase();
      if (SKIP.has(name) || node.type !== 'tag' || isHidden(node)) continue;
      if (name === 'br') {
        raw += HARD;
      } else if (name === 'td' || name === 'th') {
        raw += SEP;
        visit(node);
        raw += SEP;
      } else if (BLOCK.has(name)) {
        raw += EDGE;
        visit(node);
        raw += EDGE;
      } else {
        visit(node);
      }
    }
  };
  visit(cell);
  return toLines(raw).join('\n');
}
