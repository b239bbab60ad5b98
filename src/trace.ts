import { readFile } from 'node:fs/promises';
import { extract } from './extract/index.js';
import { formatRef, parseRef, type Row, type SourceRef } from './ir.js';
import { parseAmount, toFen } from './normalize/amount.js';
import { sha256 } from './pipeline.js';
import type { Store } from './store/store.js';
import { yuanSql } from './store/schema.js';

/**
 * `trace`: a stored number shown in its original surroundings. The source
 * file is read again (its sha256 must still match) and the number is found
 * at its recorded position.
 */

export interface TracedItem {
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

export interface TraceResult {
  document: { docId: string; sourceFile: string; sourcePath: string; sourceFormat: string };
  items: TracedItem[];
  /** Text showing each item in the original, or why it cannot be shown. */
  excerpts: string[];
}

export class TraceError extends Error {}

function findDocument(store: Store, which: string) {
  const rows = store.db
    .prepare(
      `SELECT doc_id AS docId, source_file AS sourceFile, source_path AS sourcePath, source_format AS sourceFormat
       FROM documents WHERE status IN ('ok', 'partial') AND (doc_id LIKE ? || '%' OR source_file = ? OR source_path = ?)`,
    )
    .all(which, which, which) as TraceResult['document'][];
  if (rows.length === 0) throw new TraceError(`no stored document matches "${which}" (give a doc_id prefix or a source file name)`);
  if (rows.length > 1) {
    throw new TraceError(`"${which}" matches ${rows.length} documents: ${rows.map((r) => `${r.docId.slice(0, 12)} ${r.sourceFile}`).join('; ')}`);
  }
  return rows[0];
}

const sameRef = (a: SourceRef, b: SourceRef) =>
  a.line === b.line && (a.line !== undefined || (a.page === b.page && a.table === b.table && a.row === b.row));

const rowText = (row: Row) => row.cells.map((c) => c.text.trim()).join(' | ');

export async function trace(store: Store, which: string, tableKind: string, codeOrLabel: string, measure?: string): Promise<TraceResult> {
  const document = findDocument(store, which);
  const items = store.db
    .prepare(
      `SELECT table_kind AS tableKind, side, row_no AS rowNo, code, label, measure, ${yuanSql('amount_fen')} AS amountYuan, amount_fen AS amountFen,
              source_unit AS sourceUnit, source_ref AS sourceRef
       FROM line_items WHERE doc_id = ? AND table_kind = ? AND (code = ? OR label = ?) AND (? IS NULL OR measure = ?)
       ORDER BY seq`,
    )
    .safeIntegers(true)
    .all(document.docId, tableKind, codeOrLabel, codeOrLabel, measure ?? null, measure ?? null) as TracedItem[];
  if (items.length === 0) {
    throw new TraceError(`no line item of ${tableKind} with code or label "${codeOrLabel}"${measure ? ` and measure ${measure}` : ''} in ${document.sourceFile}`);
  }
  const excerpts: string[] = [];
  let bytes: Uint8Array | undefined;
  try {
    bytes = await readFile(document.sourcePath);
  } catch {
    excerpts.push(`the source file ${document.sourcePath} is no longer there; the stored positions are ${items.map((i) => i.sourceRef).join(', ')}`);
  }
  if (bytes && sha256(bytes) !== document.docId) {
    excerpts.push(`the file at ${document.sourcePath} has changed since it was ingested; positions may no longer match`);
  }
  if (bytes) {
    const extracted = await extract(bytes, document.sourceFile);
    const rows = extracted.blocks.flatMap((b) => (b.kind === 'table' ? b.rows : []));
    for (const item of items) {
      const ref = parseRef(item.sourceRef);
      const head = `${item.measure} = ${item.amountYuan} 元 at ${item.sourceRef}:`;
      if (!ref) {
        excerpts.push(`${head} (no position recorded)`);
        continue;
      }
      if (ref.line !== undefined && extracted.sourceLines) {
        const from = Math.max(1, ref.line - 3);
        const to = Math.min(extracted.sourceLines.length, ref.line + 3);
        const lines = [];
        for (let n = from; n <= to; n++) lines.push(`${n === ref.line ? '>' : ' '} ${String(n).padStart(6)}  ${extracted.sourceLines[n - 1].replace(/\t/g, '→')}`);
        excerpts.push(`${head}\n${lines.join('\n')}`);
        continue;
      }
      // PDF, DOCX, HTML: the row holding a cell at that position with that amount
      const holding = rows.filter((row) =>
        row.cells.some((cell) => {
          if (!sameRef(cell.ref, ref)) return false;
          const parsed = parseAmount(cell.text);
          return parsed.kind === 'number' && toFen(parsed.digits, item.sourceUnit) === BigInt(item.amountFen);
        }),
      );
      excerpts.push(
        holding.length > 0
          ? `${head}\n${holding.map((row) => `> ${formatRef(row.ref).padEnd(8)} ${rowText(row)}`).join('\n')}`
          : `${head} the number was not found there in the file as it reads now`,
      );
    }
  }
  return { document, items, excerpts };
}
