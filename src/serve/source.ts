import { dirname } from 'node:path';
import { extract } from '../extract/index.js';
import type { Cell, ExtractedDocument, SourceRef } from '../ir.js';
import { processExtracted } from '../pipeline.js';
import { findSource, type StoredSource } from '../trace/source.js';

/**
 * Where each stored number stands in its source file, for the review page.
 *
 * The store keeps a cell's position in the contract's short form (`p4`,
 * `L123`, `t5r7`) and a PDF cell's box, but a check's cells and the
 * published text around a number are not stored. So the
 * source file is read again — found by the path recorded for the document,
 * never by anything in a URL, and only when its sha256 is still the
 * document's — and run through the pipeline: the line items come out in
 * the order they were stored (their `seq`), each holding the very cell
 * object it was read from, whose position is then known exactly.
 */

export type FileState = 'ok' | 'missing' | 'changed';

export interface ResolvedSource {
  state: FileState;
  /** For a person: where the file was looked for, or what is wrong with it. */
  message: string;
  path?: string;
  bytes?: Uint8Array;
}

/**
 * The document's file, found as `trace` finds it (src/trace/source.ts): the
 * recorded path from the server's working folder, the store's folder and the
 * folders above them, then by its name; only a file whose sha256 is still
 * the document's is taken.
 */
export function resolveSource(doc: StoredSource, storePath: string): ResolvedSource {
  const lookup = findSource(doc, { cwd: process.cwd(), storeDir: dirname(storePath) });
  if (lookup.found) return { state: 'ok', message: '', path: lookup.path, bytes: lookup.bytes };
  return { state: lookup.state, message: lookup.cause };
}

export type Position =
  | { page: number; box: [number, number, number, number] }
  | { line: number; text: string }
  | { table: number; /** 0-based, in the table's rows as extracted (merged cells expanded) */ row: number; col: number };

export interface SourceMap {
  state: FileState;
  message: string;
  format: string;
  /** Positions by item seq; an item missing here could not be placed (see message). */
  positions: Record<number, Position>;
  /** For each check that did not hold (by its stored seq): the seqs of the items it involves. */
  checkItems: Record<number, number[]>;
  /** Text files: the lines, as decoded. */
  lines?: string[];
  /** DOCX and HTML: the tables as published (cell texts), by their number in the document. */
  tables?: { table: number; rows: string[][] }[];
  pages?: number;
}

export interface StoredItem {
  seq: number;
  tableKind: string;
  measure: string;
  amountFen: string;
}

const positionOf = (cell: Cell, format: string, address: { row: number; col: number } | undefined, lines: string[] | undefined): Position | undefined => {
  const ref: SourceRef = cell.ref;
  if (format === 'pdf' && ref.page !== undefined && ref.box) return { page: ref.page, box: ref.box };
  if (ref.line !== undefined) return { line: ref.line, text: lines ? cell.text.trim() : '' };
  if (ref.table !== undefined && address) return { table: ref.table, row: address.row, col: address.col };
  return undefined;
};

export async function sourceMap(source: ResolvedSource, fileName: string, stored: StoredItem[], problemSeqs: number[]): Promise<SourceMap> {
  if (source.state !== 'ok' || !source.bytes) return { state: source.state, message: source.message, format: '', positions: {}, checkItems: {} };
  const extracted: ExtractedDocument = await extract(source.bytes, fileName);
  // every cell of every table, by identity: the pipeline passes these very objects along
  const cells = new Map<SourceRef, { cell: Cell; row: number; col: number }>();
  for (const block of extracted.blocks) {
    if (block.kind !== 'table') continue;
    block.rows.forEach((row, r) => row.cells.forEach((cell, c) => cells.set(cell.ref, { cell, row: r, col: c })));
  }
  const result = await processExtracted(extracted, source.path ?? fileName, source.bytes.length, 'review');
  const items = (result.normalized?.tables ?? []).flatMap((t) => t.items.map((i) => ({ kind: t.kind, item: i })));
  const positions: Record<number, Position> = {};
  const seqOfRef = new Map<SourceRef, number>();
  let mismatches = 0;
  for (const s of stored) {
    const again = items[s.seq];
    if (!again || again.kind !== s.tableKind || again.item.measure !== s.measure || String(again.item.amountFen) !== s.amountFen) {
      mismatches++;
      continue;
    }
    const found = cells.get(again.item.ref);
    const position = found ? positionOf(found.cell, extracted.format, found, extracted.sourceLines) : undefined;
    if (position) positions[s.seq] = position;
    seqOfRef.set(again.item.ref, s.seq);
  }
  const checkItems: Record<number, number[]> = {};
  for (const seq of problemSeqs) {
    const check = result.checks[seq];
    if (!check) continue;
    checkItems[seq] = check.involves.map((c) => seqOfRef.get(c.ref)).filter((n): n is number => n !== undefined);
  }
  const map: SourceMap = {
    state: 'ok',
    message: mismatches > 0 ? `${mismatches} of ${stored.length} numbers read again differ from the stored ones (the store was made by another pipeline version?); they are not placed` : '',
    format: extracted.format,
    positions,
    checkItems,
    pages: extracted.pages,
  };
  if (extracted.format === 'txt-cells' || extracted.format === 'txt-tabs') map.lines = extracted.sourceLines ?? [];
  if (extracted.format === 'docx' || extracted.format === 'html') {
    map.tables = [];
    for (const block of extracted.blocks) {
      if (block.kind !== 'table') continue;
      const table = block.ref.table ?? block.rows[0]?.cells[0]?.ref.table;
      if (table !== undefined) map.tables.push({ table, rows: block.rows.map((r) => r.cells.map((c) => c.text)) });
    }
  }
  return map;
}

/** A few documents' maps kept (reading a PDF again takes a second or two), and one reading per document at a time. */
export class SourceMapCache {
  private readonly maps = new Map<string, Promise<SourceMap>>();
  constructor(private readonly size = 8) {}

  get(docId: string, make: () => Promise<SourceMap>): Promise<SourceMap> {
    let map = this.maps.get(docId);
    if (map) {
      this.maps.delete(docId);
      this.maps.set(docId, map);
      return map;
    }
    map = make();
    this.maps.set(docId, map);
    map.catch(() => this.maps.delete(docId));
    while (this.maps.size > this.size) this.maps.delete(this.maps.keys().next().value!);
    return map;
  }
}
