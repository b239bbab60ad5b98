import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { extract } from './extract/index.js';
import { fsPath, shownPath } from './file-names.js';
import { DocumentError, type ExtractedDocument, type Message, type SourceFormat, type SourceRef } from './ir.js';
import type { TableKind } from './recognize/kinds.js';
import { missingTables } from './normalize/completeness.js';
import { headlines } from './normalize/headlines.js';
import { normalize, type NormalizedDocument } from './normalize/line-items.js';
import { recognize, type RecognizedDocument } from './recognize/document.js';
import { extractDisclosureTables, type DisclosureTables } from './recognize/disclosure.js';
import { extractFacts, type NarrativeFact } from './recognize/facts.js';
import { toLines } from './recognize/lines.js';
import { readDocumentFile } from './read-file.js';
import { documentRows, type DocumentRows } from './store/rows.js';
import { validate, type Check } from './validate/checks.js';

/** Bumped when the pipeline's output for the same bytes may change: stored documents of an older version are read again. */
export const PIPELINE_VERSION = '0.2.0';

/** What became of one standard table the document publishes (issue 13: table-level isolation). */
export type TableStatus = 'read' | 'published_empty' | 'unreadable';

export interface TableReport {
  kind: TableKind;
  /** Its number in the standard set, 1–9. */
  number: number;
  /** The title as printed. */
  title: string;
  status: TableStatus;
  /** Why it could not be read, for a person; '' when read. */
  reason: string;
  /** The unit declared (元, 万元), '' when unknown. */
  unit: string;
  lineItems: number;
  /** Where the title stands. */
  ref: SourceRef;
}

/**
 * The headline totals of a document, read from its own tables (see
 * docs/SCHEMA.md, documents dataset); undefined where the document has no
 * such table or cell.
 */
export interface Headlines {
  revenueTotalFen?: bigint;
  expenditureTotalFen?: bigint;
  basicFen?: bigint;
  projectFen?: bigint;
  generalBudgetFen?: bigint;
  personnelFen?: bigint;
  publicFen?: bigint;
  threePublicFen?: bigint;
}

export interface DocumentResult {
  docId: string;
  sourceFile: string;
  sourcePath: string;
  sizeBytes: number;
  format?: SourceFormat;
  pages?: number;
  /**
   * ok: every standard table it publishes was read (or is published empty);
   * partial: some were read, the others are in `tables` with their reason;
   * failed: none could be read (`error` says why).
   */
  status: 'ok' | 'partial' | 'failed';
  /** Why the document failed or is partial, for a person: '' when ok. */
  error: string;
  /** Every standard table found, read or not. */
  tables: TableReport[];
  headlines: Headlines;
  messages: Message[];
  recognized?: RecognizedDocument;
  normalized?: NormalizedDocument;
  /** Figures stated in the narrative. */
  facts: NarrativeFact[];
  /** Every identity checked, passing ones included. */
  checks: Check[];
  /** The disclosure's other tables: projects, indicators, procurement, assets, institutions. */
  disclosure?: DisclosureTables;
  /** What a manifest says of the file: region, where it was published and when. */
  source?: SourceInfo;
  pipelineVersion: string;
}

export interface SourceInfo {
  region?: string;
  sourceUrl?: string;
  publishedDate?: string;
}

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * extract → recognize → normalize → validate for the bytes of one file. Never throws
 * for bad input: a document that cannot be read comes back `failed` with
 * the reason. `docId` is the bytes' sha256, when the caller has it already.
 */
export async function processBytes(bytes: Uint8Array, sourcePath: string, docId = sha256(bytes)): Promise<DocumentResult> {
  // extractors get a plain Uint8Array (a Buffer's slice() shares memory; pdfjs refuses Buffers)
  const plain = Buffer.isBuffer(bytes) ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : bytes;
  return processDocument(() => extract(plain, basename(sourcePath)), sourcePath, bytes.length, docId);
}

/**
 * recognize → normalize → validate for an extracted document, as
 * processBytes does after extraction: for a caller holding the IR already
 * (a test that changes one cell of a real document).
 */
export function processExtracted(extracted: ExtractedDocument, sourcePath: string, sizeBytes: number, docId: string): Promise<DocumentResult> {
  return processDocument(async () => extracted, sourcePath, sizeBytes, docId);
}

async function processDocument(extractDocument: () => Promise<ExtractedDocument>, sourcePath: string, sizeBytes: number, docId: string): Promise<DocumentResult> {
  const result: DocumentResult = {
    docId,
    sourceFile: basename(sourcePath),
    sourcePath,
    sizeBytes,
    status: 'ok',
    error: '',
    messages: [],
    tables: [],
    headlines: {},
    facts: [],
    checks: [],
    pipelineVersion: PIPELINE_VERSION,
  };
  const fail = (reason: string) => {
    result.status = 'failed';
    result.error = reason;
    return result;
  };
  try {
    const extracted = await extractDocument();
    result.format = extracted.format;
    result.pages = extracted.pages;
    result.messages.push(...extracted.messages);
    // both recognizers read the same lines
    const lines = toLines(extracted.blocks);
    const recognized = recognize(extracted, lines);
    result.recognized = recognized;
    result.messages.push(...recognized.messages);
    const normalized = normalize(recognized);
    result.normalized = normalized;
    result.messages.push(...normalized.messages);
    result.facts = extractFacts(recognized.paragraphs, recognized.phase);
    const disclosure = extractDisclosureTables(extracted.blocks, lines);
    result.disclosure = disclosure;
    // a problem in these tables leaves their amounts out, never the nine tables: a warning for the document
    result.messages.push(...disclosure.messages.map((m) => ({ ...m, severity: m.severity === 'error' ? ('warning' as const) : m.severity })));
    result.checks = validate(normalized, result.facts, disclosure.projects);
  } catch (e) {
    if (e instanceof DocumentError) {
      result.messages.push({ severity: 'error', stage: 'extract', rule: e.rule, text: e.message, ref: e.ref });
      return fail(e.message);
    }
    const detail = e instanceof Error ? e.message : String(e);
    result.messages.push({ severity: 'error', stage: 'internal', rule: 'internal-error', text: detail });
    return fail(`yusuan could not read this file (internal error: ${detail}); please report it with the file`);
  }
  return settle(result);
}

/**
 * The document's status from its tables: ok when every standard table it
 * publishes was read (or is published empty), partial when some were,
 * failed when none was; the reason names the tables not read.
 */
function settle(result: DocumentResult): DocumentResult {
  const normalized = result.normalized!;
  result.tables = [
    ...normalized.tables.map((t): TableReport => ({
      kind: t.kind,
      number: t.number,
      title: t.title,
      status: t.publishedEmpty ? 'published_empty' : 'read',
      reason: '',
      unit: t.unit,
      lineItems: t.items.length,
      ref: t.ref,
    })),
    ...normalized.unreadable.map((t): TableReport => ({ ...t, status: 'unreadable', lineItems: 0 })),
  ].sort((a, b) => a.number - b.number);
  result.headlines = headlines(normalized);
  const notRead = normalized.unreadable.map((t) => `table ${t.number} (${t.title}) could not be read: ${t.reason}`);
  // a page the extractor could not read may have held a table
  for (const m of result.messages) if (m.severity === 'error' && m.stage === 'extract') notRead.push(m.text);
  if (normalized.tables.length === 0) {
    result.status = 'failed';
    result.error =
      notRead.length > 0
        ? notRead.slice(0, 3).join('; ') + (notRead.length > 3 ? `; and ${notRead.length - 3} more` : '')
        : narrativeOnly(result)
          ? 'this file holds only the narrative (情况说明) of a budget disclosure: it names budget figures, but no standard budget table (收支总表 … "三公"经费支出表) is in it'
          : 'no standard budget table (部门预算收支总表 … "三公"经费支出表) was found in this file';
    return result;
  }
  const missing = missingTables(normalized);
  if (missing.length > 0) {
    const last = lastPosition(normalized);
    notRead.push(
      `${missing.length === 1 ? 'table' : 'tables'} ${missing.map((m) => m.number).join(', ')} ${missing.length === 1 ? 'was' : 'were'} not found (${[...new Set(missing.map((m) => m.why))].join('; ')})` +
        (last ? `; the last table read ends at ${last}: is the file cut?` : ''),
    );
  }
  if (notRead.length > 0) {
    result.status = 'partial';
    result.error = notRead.join('; ');
  }
  return result;
}

/** Where the last amount read stands (`line 302`, `page 3`), for a person looking for where a file was cut. */
function lastPosition(doc: NormalizedDocument): string | undefined {
  let last: SourceRef | undefined;
  for (const table of doc.tables) for (const item of table.items) last = item.ref;
  if (!last) return undefined;
  return last.line !== undefined ? `line ${last.line}` : last.page !== undefined ? `page ${last.page}` : last.table !== undefined ? `table ${last.table}, row ${last.row}` : undefined;
}

/** A text about a budget without its tables: paragraphs that speak of 预算 and state amounts in 元. */
function narrativeOnly(result: DocumentResult): boolean {
  const paragraphs = result.recognized?.paragraphs ?? [];
  const about = paragraphs.filter((p) => /预算|决算/.test(p.text)).length;
  const figures = paragraphs.filter((p) => /\d[\d,.]*\s*万?元/.test(p.text)).length;
  return about >= 2 && figures >= 1;
}

/**
 * processBytes, then the rows the store writes for the document: what a
 * worker thread hands to the single writer. `source` is what a manifest
 * says of the file.
 */
export async function processToRows(bytes: Uint8Array, sourcePath: string, docId?: string, source?: SourceInfo): Promise<DocumentRows> {
  const result = await processBytes(bytes, sourcePath, docId);
  result.source = source;
  return documentRows(result);
}

/** A document that could not be read, with the reason (for a person) and a stable rule. */
export function failedDocument(
  path: string,
  bytes: Uint8Array | undefined,
  reason: string,
  rule: string,
  stage = 'extract',
  docId = bytes ? sha256(bytes) : '',
): DocumentResult {
  return {
    // no bytes, no content hash: such a file is reported, not stored
    docId,
    sourceFile: basename(path),
    sourcePath: path,
    sizeBytes: bytes?.length ?? 0,
    status: 'failed',
    error: reason,
    messages: [{ severity: 'error', stage, rule, text: reason }],
    tables: [],
    headlines: {},
    facts: [],
    checks: [],
    pipelineVersion: PIPELINE_VERSION,
  };
}

/**
 * Reads a file; a file that cannot be read, or is refused before reading
 * (not a regular file, larger than `maxBytes`: see read-file.ts), comes back
 * failed with an empty docId. Synchronous on purpose: a disclosure is read
 * from the page cache in microseconds, while an asynchronous read waits for
 * several turns of an event loop that the store's writes keep busy. `path`
 * may hold bytes that are not UTF-8 (see file-names.ts).
 */
export function readSource(path: string, maxBytes?: number): Uint8Array | DocumentResult {
  const read = readDocumentFile(fsPath(path), maxBytes);
  return 'bytes' in read ? read.bytes : failedDocument(shownPath(path), undefined, read.reason, read.rule);
}

export async function processFile(path: string): Promise<DocumentResult> {
  const bytes = readSource(path);
  return bytes instanceof Uint8Array ? processBytes(bytes, shownPath(path)) : bytes;
}
