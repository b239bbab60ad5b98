import { writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { extract } from './extract/index.js';
import { formatBox, formatRef, parseRef, type ExtractedDocument, type Row, type SourceRef, type Table } from './ir.js';
import { parseAmount, toFen } from './normalize/amount.js';
import { compact } from './normalize/label.js';
import { PIPELINE_VERSION, processExtracted, sha256 } from './pipeline.js';
import type { Store } from './store/store.js';
import { yuanSql } from './store/schema.js';
import { padBox, renderRegion, unionBox, type Box, type PageImage } from './trace/png.js';
import { findSource, namedFileCandidates, readPlain, type Places } from './trace/source.js';

/**
 * `trace`: a stored number shown in its original surroundings. The source
 * file is found again (from any working folder) and read only when its
 * sha256 is still the document's id; the document is then read again by
 * the same pipeline, so that each stored item is matched to the very cell
 * it came from: for a PDF its page, its box on the page and its row.
 */

export interface TracedItem {
  seq: number;
  tableKind: string;
  side: string;
  rowNo: string;
  code: string;
  label: string;
  measure: string;
  amountYuan: string;
  amountFen: bigint;
  sourceUnit: string;
  sourceRef: string;
}

export interface TracedDocument {
  docId: string;
  sourceFile: string;
  sourcePath: string;
  sourceFormat: string;
  pipelineVersion: string;
}

/** Where a stored item was found in the file as read again. */
export interface Position {
  item: TracedItem;
  /**
   * exact: the same item read again from the same cell; searched: a cell
   * at the stored position holding the same amount (the file was read by
   * another pipeline version); missing: none.
   */
  how: 'exact' | 'searched' | 'missing';
  /** The cell's full position: for a PDF its page and box. */
  ref?: SourceRef;
  /** The rows holding it (PDF, DOCX, HTML): one, or for a search every candidate. */
  rows: Row[];
  /** The page region of the row and the rows around it (PDF), what --png shows. */
  around?: Box;
}

export interface TraceResult {
  document: TracedDocument;
  items: TracedItem[];
  /** The file read again, its sha256 checked; undefined when refused. */
  sourcePath?: string;
  /** Why the source is not shown (not found, or not the file ingested); nothing of the file is then in the result. */
  refused?: string;
  positions: Position[];
  /** Text showing each item in the original. */
  excerpts: string[];
  /** The verified bytes, for --png. */
  bytes?: Uint8Array;
}

export interface TraceOptions {
  /** The working folder relative paths are taken from (default: the process's). */
  cwd?: string;
  /** The source file, or a folder holding it, when it is not where it was ingested from. */
  source?: string;
}

export class TraceError extends Error {}

const DOCUMENT_COLUMNS = `doc_id AS docId, source_file AS sourceFile, source_path AS sourcePath, source_format AS sourceFormat,
  pipeline_version AS pipelineVersion`;

/**
 * The stored document `which` names: a doc_id prefix, a source file name
 * or path as stored, or a file whose content is stored (a duplicate stored
 * under another name, or the file moved), found from here, from the
 * store's folder or beside the stored files.
 */
function findDocument(store: Store, which: string, places: Places): { document: TracedDocument; given?: string } {
  const byContent = store.db.prepare(`SELECT ${DOCUMENT_COLUMNS} FROM documents WHERE status IN ('ok', 'partial') AND doc_id = ?`);
  const storedFile = (path: string) => {
    const bytes = readPlain(path);
    const document = bytes && (byContent.get(sha256(bytes)) as TracedDocument | undefined);
    return { exists: bytes !== undefined, document };
  };
  const here = resolve(places.cwd, which);
  const atHere = storedFile(here);
  if (atHere.document) return { document: atHere.document, given: here };
  const rows = store.db
    .prepare(
      `SELECT ${DOCUMENT_COLUMNS} FROM documents
       WHERE status IN ('ok', 'partial') AND (doc_id LIKE ? || '%' OR source_file = ? OR source_path = ?)`,
    )
    .all(which, which, which) as TracedDocument[];
  if (rows.length === 1) return { document: rows[0], given: atHere.exists ? here : undefined };
  if (rows.length > 1) {
    throw new TraceError(
      `"${which}" matches ${rows.length} documents: ${rows.map((r) => `${r.docId.slice(0, 12)} ${r.sourcePath}`).join('; ')}; give a doc_id prefix or the file's path`,
    );
  }
  if (atHere.exists) {
    throw new TraceError(`the content of ${here} is not in the store (it was never ingested, or it changed since): give a doc_id prefix or a stored file's name`);
  }
  const folders = (store.db.prepare(`SELECT DISTINCT source_path AS p FROM documents`).pluck().all() as string[]).map((p) => dirname(p));
  for (const path of namedFileCandidates(which, places, [...new Set(folders)])) {
    const found = storedFile(path);
    if (found.document) return { document: found.document, given: path };
  }
  throw new TraceError(`no stored document matches "${which}" (give a doc_id prefix, a source file name, or the path of the file)`);
}

const rowText = (row: Row) => row.cells.map((c) => c.text.trim()).join(' | ');

const sameRef = (a: SourceRef, b: SourceRef) =>
  a.line === b.line &&
  a.page === b.page &&
  a.table === b.table &&
  a.row === b.row &&
  (a.box === b.box || (a.box !== undefined && b.box !== undefined && a.box.every((v, k) => v === b.box![k])));

/** The stored position (`p4`, `t5r7`) agrees with a cell's: the page, or the table and row. */
const atStoredPosition = (cell: SourceRef, stored: SourceRef) =>
  cell.line === stored.line && (stored.line !== undefined || (cell.page === stored.page && cell.table === stored.table && cell.row === stored.row));

interface TableRow {
  table: Table;
  index: number;
}

function tableRows(extracted: ExtractedDocument): TableRow[] {
  return extracted.blocks.flatMap((b) => (b.kind === 'table' ? b.rows.map((_, index) => ({ table: b, index })) : []));
}

/** The boxes of a row and the rows around it on its page: enough of the table to read the row by. */
function aroundBox({ table, index }: TableRow, reach = 3): Box | undefined {
  const boxes = table.rows
    .slice(Math.max(0, index - reach), index + reach + 1)
    .flatMap((r) => r.cells.map((c) => c.ref.box))
    .filter((b): b is Box => b !== undefined);
  return boxes.length ? unionBox(boxes) : undefined;
}

/** Each stored item matched to the cell it was read from, by reading the document again. */
async function locate(document: TracedDocument, bytes: Uint8Array, items: TracedItem[]): Promise<{ positions: Position[]; extracted: ExtractedDocument }> {
  const extracted = await extract(bytes, document.sourceFile);
  const rows = tableRows(extracted);
  // the same pipeline reads the same bytes the same way: the items in store order, seq for seq
  const again =
    document.pipelineVersion === PIPELINE_VERSION
      ? ((await processExtracted(extracted, document.sourcePath, bytes.length, document.docId)).normalized?.tables ?? []).flatMap((t) =>
          t.items.map((i) => ({ ...i, tableKind: t.kind as string })),
        )
      : [];
  const positions = items.map((item): Position => {
    const read = again[item.seq];
    const stored = parseRef(item.sourceRef);
    if (
      read &&
      read.tableKind === item.tableKind &&
      read.code === item.code &&
      read.label === item.label &&
      read.measure === item.measure &&
      read.amountFen === BigInt(item.amountFen) &&
      formatRef(read.ref) === item.sourceRef
    ) {
      const holding = rows.find((r) => r.table.rows[r.index].cells.some((c) => sameRef(c.ref, read.ref)));
      return {
        item,
        how: 'exact',
        ref: read.ref,
        rows: holding ? [holding.table.rows[holding.index]] : [],
        around: holding && aroundBox(holding),
      };
    }
    if (!stored) return { item, how: 'missing', rows: [] };
    if (stored.line !== undefined) return { item, how: 'searched', ref: stored, rows: [] };
    // another pipeline version: the rows at the stored position holding a cell with the same amount
    const matches = rows.flatMap((r) => {
      const row = r.table.rows[r.index];
      const cells = row.cells.filter((c) => {
        if (!atStoredPosition(c.ref, stored)) return false;
        const parsed = parseAmount(c.text);
        return parsed.kind === 'number' && toFen(parsed.digits, item.sourceUnit) === BigInt(item.amountFen);
      });
      return cells.length > 0 ? [{ r, row, cells }] : [];
    });
    // of several, those naming the item's code or label
    const named = matches.filter((m) => [item.code, item.label].some((name) => name && compact(rowText(m.row)).includes(compact(name))));
    const best = named.length > 0 ? named : matches;
    if (best.length === 0) return { item, how: 'missing', ref: stored, rows: [] };
    // a box only for a single cell: of two equal amounts in a row, which one is the item is not known
    const single = best.length === 1 && best[0].cells.length === 1;
    return {
      item,
      how: 'searched',
      ref: single ? best[0].cells[0].ref : stored,
      rows: best.map((m) => m.row),
      around: best.length === 1 ? aroundBox(best[0].r) : undefined,
    };
  });
  return { positions, extracted };
}


function excerpt(position: Position, extracted: ExtractedDocument, storedBy: string): string {
  const { item, ref } = position;
  const head = `${item.measure} = ${item.amountYuan} 元 at ${item.sourceRef}:`;
  if (position.how === 'missing' && !ref) return `${head} (no position recorded)`;
  if (ref?.line !== undefined && extracted.sourceLines) {
    const from = Math.max(1, ref.line - 3);
    const to = Math.min(extracted.sourceLines.length, ref.line + 3);
    const lines = [];
    for (let n = from; n <= to; n++) lines.push(`${n === ref.line ? '>' : ' '} ${String(n).padStart(6)}  ${extracted.sourceLines[n - 1].replace(/\t/g, '→')}`);
    return `${head}\n${lines.join('\n')}`;
  }
  if (position.rows.length === 0) return `${head} the number was not found there in the file as it reads now`;
  const parts = [head];
  if (ref?.page !== undefined && ref.box) parts.push(`  page ${ref.page}, cell box ${formatBox(ref.box)} (x0 y0 x1 y1, points from the top left of the page)`);
  else if (ref?.page !== undefined) parts.push(`  page ${ref.page}; the amount stands there more than once, so no single cell is named`);
  if (position.how === 'searched') {
    const found = position.rows.length === 1 ? 'the row' : `the ${position.rows.length} rows`;
    parts.push(`  (stored by pipeline ${storedBy}, read now by ${PIPELINE_VERSION}: ${found} at that position holding the amount)`);
  }
  for (const row of position.rows) parts.push(`> ${formatRef(row.ref).padEnd(8)} ${rowText(row)}`);
  return parts.join('\n');
}

export async function trace(store: Store, which: string, tableKind: string, codeOrLabel: string, measure?: string, options: TraceOptions = {}): Promise<TraceResult> {
  const cwd = options.cwd ?? process.cwd();
  // the store was opened relative to the process's folder, whatever folder the paths are taken from
  const storeDir = store.db.memory ? undefined : dirname(resolve(store.db.name));
  const { document, given } = findDocument(store, which, { cwd, storeDir });
  const items = store.db
    .prepare(
      `SELECT seq, table_kind AS tableKind, side, row_no AS rowNo, code, label, measure, ${yuanSql('amount_fen')} AS amountYuan, amount_fen AS amountFen,
              source_unit AS sourceUnit, source_ref AS sourceRef
       FROM line_items WHERE doc_id = ? AND table_kind = ? AND (code = ? OR label = ?) AND (? IS NULL OR measure = ?)
       ORDER BY seq`,
    )
    .safeIntegers(true)
    .all(document.docId, tableKind, codeOrLabel, codeOrLabel, measure ?? null, measure ?? null)
    .map((row) => {
      const r = row as TracedItem & { seq: bigint };
      return { ...r, seq: Number(r.seq) };
    });
  if (items.length === 0) {
    throw new TraceError(`no line item of ${tableKind} with code or label "${codeOrLabel}"${measure ? ` and measure ${measure}` : ''} in ${document.sourceFile}`);
  }
  const source = findSource(document, { cwd, storeDir, source: options.source, given });
  if (!source.found) return { document, items, refused: source.reason, positions: [], excerpts: [] };
  const { positions, extracted } = await locate(document, source.bytes, items);
  return { document, items, sourcePath: source.path, positions, excerpts: positions.map((p) => excerpt(p, extracted, document.pipelineVersion)), bytes: source.bytes };
}

/** Margin around the rows shown in a PNG, in points. */
const PNG_MARGIN = 12;

/**
 * The page region of the traced cells (PDF) as a PNG, the cells outlined:
 * the rows around them, across the table. One page per image.
 */
export async function tracePng(result: TraceResult, file: string): Promise<PageImage & { page: number }> {
  if (!result.bytes) throw new TraceError(`no PNG: ${result.refused ?? 'the source file was not read'}`);
  if (result.document.sourceFormat !== 'pdf') throw new TraceError(`--png draws PDF pages; ${result.document.sourceFile} is ${result.document.sourceFormat}`);
  const placed = result.positions.filter((p) => p.ref?.page !== undefined && p.ref.box);
  if (placed.length === 0) throw new TraceError('no PNG: none of the numbers was found with its box on the page as the file reads now');
  const pages = [...new Set(placed.map((p) => p.ref!.page!))];
  if (pages.length > 1) {
    throw new TraceError(`--png draws one page, and these numbers stand on pages ${pages.join(', ')}: give the measure to trace one of them`);
  }
  const boxes = placed.map((p) => p.ref!.box!);
  const shown = unionBox([...boxes, ...placed.flatMap((p) => (p.around ? [p.around] : []))]);
  const image = await renderRegion(result.bytes, pages[0], boxes, (w, h) => padBox(shown, PNG_MARGIN, w, h));
  try {
    writeFileSync(file, image.png);
  } catch (e) {
    throw new TraceError(`the PNG could not be written to ${file} (${(e as Error).message}); give a file in a folder that exists`);
  }
  return { ...image, page: pages[0] };
}
