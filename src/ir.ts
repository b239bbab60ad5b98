/**
 * The intermediate representation shared by every extractor.
 *
 * An extractor turns the bytes of one file into a flat, reading-order list of
 * blocks: paragraphs and tables of cells, every piece of text carrying the
 * position it came from. Nothing after extraction knows which format a
 * document came in; recognition works on this and only this.
 */

export type SourceFormat = 'txt-cells' | 'txt-tabs' | 'pdf' | 'docx' | 'html';

/** Where a piece of text sits in its source file. */
export interface SourceRef {
  /** 1-based text line (txt-cells, txt-tabs). */
  line?: number;
  /** 1-based PDF page. */
  page?: number;
  /** 1-based table index within the document (DOCX, HTML). */
  table?: number;
  /** 1-based row within that table (DOCX, HTML). */
  row?: number;
  /**
   * The cell's box on its page (PDF): [x0, y0, x1, y1] in points, origin at
   * the top left of the page as rendered at scale 1 (y grows downwards).
   */
  box?: [number, number, number, number];
}

/** A PDF cell's box as stored and printed: `x0 y0 x1 y1` in points, to the hundredth; '' without one. */
export function formatBox(box: SourceRef['box']): string {
  return box ? box.map((v) => String(Math.round(v * 100) / 100)).join(' ') : '';
}

/** The contract's compact form of a position: `L123`, `p4`, `t5r7`. */
export function formatRef(ref: SourceRef | undefined): string {
  if (!ref) return '';
  if (ref.line !== undefined) return `L${ref.line}`;
  if (ref.table !== undefined) return `t${ref.table}r${ref.row ?? 0}`;
  if (ref.page !== undefined) return `p${ref.page}`;
  return '';
}

/** The inverse of formatRef, for `trace`. */
export function parseRef(text: string): SourceRef | undefined {
  let m = /^L(\d+)$/.exec(text);
  if (m) return { line: Number(m[1]) };
  m = /^p(\d+)$/.exec(text);
  if (m) return { page: Number(m[1]) };
  m = /^t(\d+)r(\d+)$/.exec(text);
  if (m) return { table: Number(m[1]), row: Number(m[2]) };
  return undefined;
}

export interface Cell {
  /** The cell's text as published (not normalized); '' for an empty cell. */
  text: string;
  ref: SourceRef;
}

export interface Row {
  /**
   * Cells in column order. Extractors of gridded formats (DOCX, HTML, PDF)
   * expand merged cells so that every row of a table has one cell per grid
   * column: the text stands in the first (top-left) cell of a merge, the
   * cells it covers are empty.
   */
  cells: Cell[];
  ref: SourceRef;
}

export interface Paragraph {
  kind: 'paragraph';
  text: string;
  ref: SourceRef;
}

export interface Table {
  kind: 'table';
  rows: Row[];
  ref: SourceRef;
}

export type Block = Paragraph | Table;

export type Severity = 'error' | 'warning' | 'info';

/** A message about a document, positioned where possible (after vfile). */
export interface Message {
  severity: Severity;
  /** Which stage said it: extract, recognize, normalize, validate, store. */
  stage: string;
  /** A stable machine key, e.g. `unknown-unit`, `non-numeric-amount`. */
  rule: string;
  /** A sentence a non-programmer can act on. */
  text: string;
  ref?: SourceRef;
}

export interface ExtractedDocument {
  format: SourceFormat;
  blocks: Block[];
  messages: Message[];
  /** Pages of a paginated source (PDF), for throughput figures. */
  pages?: number;
  /**
   * The source's text lines (text formats) or page texts (PDF), kept so that
   * `trace` can show a number in its original surroundings.
   */
  sourceLines?: string[];
}

/** Raised by an extractor or a stage for a document that cannot be read at all. */
export class DocumentError extends Error {
  constructor(
    message: string,
    readonly rule: string,
    readonly ref?: SourceRef,
  ) {
    super(message);
    this.name = 'DocumentError';
  }
}
