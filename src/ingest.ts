import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import PQueue from 'p-queue';
import { fsPath, nameFromBytes, shownPath } from './file-names.js';
import { failedDocument, PIPELINE_VERSION, processToRows, readSource, sha256, type SourceInfo } from './pipeline.js';
import { MAX_FILE_BYTES } from './read-file.js';
import { parseCsv } from './store/csv.js';
import { inShard, type Shard } from './store/merge.js';
import { documentRows, failedRows, isRead, type DocumentOutcome, type DocumentRows } from './store/rows.js';
import { Store } from './store/store.js';
import { WorkerPool } from './workers.js';

export { MAX_FILE_BYTES } from './read-file.js';

/**
 * The bytes of files read and not yet stored that the run holds at most
 * (beyond the one file that goes past it): with large files, fewer are in
 * flight at once.
 */
export const IN_FLIGHT_BYTES = 256 * 1024 * 1024;

/** Extensions taken when walking a folder; files named explicitly are always tried. */
export const DOCUMENT_EXTENSIONS = new Set(['.txt', '.text', '.pdf', '.docx', '.doc', '.html', '.htm', '.xhtml', '.shtml']);

/** Files under the given paths, folders walked recursively, in a stable order. */
export async function listFiles(paths: string[]): Promise<string[]> {
  const files: string[] = [];
  const walk = async (dir: string) => {
    // names as bytes: one that is not UTF-8 keeps them (see file-names.ts)
    const entries = (await readdir(fsPath(dir), { withFileTypes: true, encoding: 'buffer' }))
      .map((entry) => ({ entry, name: nameFromBytes(entry.name) }))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const { entry, name } of entries) {
      if (name.startsWith('.')) continue;
      const path = join(dir, name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile() && DOCUMENT_EXTENSIONS.has(extname(name).toLowerCase())) files.push(path);
    }
  };
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (info?.isDirectory()) await walk(path);
    else files.push(path); // a missing file is reported by the ingest, not here
  }
  return files;
}

/**
 * The manifest: a CSV naming files (by path or base name) with what is known
 * of them beyond their content — region, source URL, publication date.
 */
export async function readManifest(path: string): Promise<Map<string, SourceInfo>> {
  const rows = parseCsv(await readFile(path, 'utf8'));
  if (rows.length > 0 && !('file' in rows[0])) {
    throw new Error(`the manifest ${path} needs a "file" column (with region, source_url, published_date beside it)`);
  }
  const manifest = new Map<string, SourceInfo>();
  const base = dirname(resolve(path));
  for (const row of rows) {
    const info: SourceInfo = { region: row.region || undefined, sourceUrl: row.source_url || undefined, publishedDate: row.published_date || undefined };
    manifest.set(row.file.includes('/') ? resolve(base, row.file) : row.file, info);
  }
  return manifest;
}

export interface IngestProgress {
  done: number;
  total: number;
  elapsedMs: number;
}

/** What became of a file: a document's outcome, or why it was left. */
export interface FileOutcome extends Omit<DocumentOutcome, 'status'> {
  path: string;
  docId: string;
  /** `elsewhere`: the document belongs to another shard. */
  status: DocumentOutcome['status'] | 'unchanged' | 'elsewhere';
  /** Another file of this run with the same bytes. */
  duplicateOf?: string;
}

export interface IngestSummary {
  /**
   * The files' outcomes, in the order listed: all of them, or with
   * `outcomes: 'notable'` those a person should hear of (see IngestOptions).
   */
  outcomes: FileOutcome[];
  /** Files listed. */
  files: number;
  ok: number;
  /** Documents of which some standard tables were read and others not: what was read is stored. */
  partial: number;
  failed: number;
  /** Already stored (duplicates included). */
  unchanged: number;
  /** Files with the same content as another file of this run, stored once. */
  duplicates: number;
  /** Files of other shards, left to them. */
  elsewhere: number;
  /** Standard tables read, of the documents read (ok and partial). */
  tables: number;
  /** Standard tables found but not read, of the partial documents. */
  unreadableTables: number;
  /** Line items stored, of the documents read (ok and partial). */
  lineItems: number;
  /** Of those, the partial documents' share. */
  partialTables: { read: number; lineItems: number };
  pages: number;
  /** Checks of the documents read, by severity. */
  checks: { ok: number; rounding: number; error: number };
  /** Documents read with warnings. */
  warned: number;
  elapsedMs: number;
}

/**
 * With `outcomes: 'notable'`, how many outcomes of files that did not fail
 * (duplicates, documents with failed checks or warnings) a summary keeps at
 * most; failed files are always all there.
 */
export const NOTABLE_OUTCOMES = 1000;

export interface IngestOptions {
  db: string;
  /** Documents in flight at once (I/O overlaps with parsing). */
  concurrency?: number;
  /**
   * Worker threads running the pipeline, each document under the time and
   * memory limits; 0 reads one document at a time, in one worker thread
   * (the limits hold the same: a stuck document is stopped, not the run).
   * Left out (library use, tests), the pipeline runs in this thread, where
   * nothing can stop a document: no time or heap limit (the limits of
   * extraction — decoded sizes, pages, nesting — hold in every mode). The
   * command line defaults to the number of cores.
   */
  workers?: number;
  /** A document taking longer is abandoned and recorded as failed (with workers, 0 included). */
  timeLimitMs?: number;
  /** A CSV with columns file, region, source_url, published_date: what is known of each file. */
  manifest?: string;
  /** Files larger than this are refused (default MAX_FILE_BYTES). */
  maxBytes?: number;
  /** Only the documents of this shard (by sha256), so that n machines ingest disjoint parts. */
  shard?: Shard;
  /** Read documents again even when stored by this pipeline version. */
  force?: boolean;
  /**
   * Which outcomes the summary keeps: 'all' (the default), or 'notable':
   * failed files, duplicates, documents with failed checks or warnings,
   * so that a run of 170,000 files does not hold 170,000 outcomes (about
   * 500 bytes each) until it ends. The counts are the same either way.
   */
  outcomes?: 'all' | 'notable';
  onProgress?: (progress: IngestProgress) => void;
}

const outcomeOf = (path: string, docId: string, outcome: DocumentOutcome): FileOutcome => ({ path, docId, ...outcome });

/**
 * Writes a document; when that fails (disk full, a bug), the transaction has
 * rolled back and the document is recorded as failed instead, so the run
 * goes on and the reason is kept.
 */
function storeRows(store: Store, rows: DocumentRows): DocumentOutcome {
  try {
    store.write(rows);
    return rows.outcome;
  } catch (e) {
    const reason = `the document was read but could not be stored: ${(e as Error).message}`;
    const failed = failedRows(rows, reason, 'store-failed', 'store');
    try {
      store.write(failed);
    } catch {
      // the database itself is unusable; the summary still reports the file
    }
    return failed.outcome;
  }
}

/**
 * Ingests files into the store. One bad document never stops the others:
 * each is processed and written on its own, in its own transaction. A file
 * whose content is already stored by this pipeline version is left as is.
 */
export async function ingest(paths: string[], options: IngestOptions): Promise<IngestSummary> {
  const started = performance.now();
  const files = await listFiles(paths);
  const manifest = options.manifest ? await readManifest(options.manifest) : undefined;
  const store = Store.open(options.db, { backgroundCheckpoints: true });
  const workers = options.workers ?? 0;
  const pool = options.workers !== undefined ? new WorkerPool(Math.max(1, workers), { timeLimitMs: options.timeLimitMs ?? 120_000 }) : undefined;
  const run = pool ? pool.run.bind(pool) : processToRows;
  // enough documents in flight that every worker has the next one in hand (see WorkerPool)
  const queue = new PQueue({ concurrency: Math.max(options.concurrency ?? 4, workers * 3 + 1) });
  const summary: IngestSummary = {
    outcomes: [], files: files.length, ok: 0, partial: 0, failed: 0, unchanged: 0, duplicates: 0, elsewhere: 0, tables: 0, unreadableTables: 0, lineItems: 0,
    partialTables: { read: 0, lineItems: 0 }, pages: 0, checks: { ok: 0, rounding: 0, error: 0 }, warned: 0, elapsedMs: 0,
  };
  // by the file's index: documents finish out of order, the summary lists them in order
  const kept: FileOutcome[] = [];
  let notableKept = 0;
  const tally = (index: number, outcome: FileOutcome) => {
    summary[outcome.status]++;
    if (outcome.duplicateOf !== undefined) summary.duplicates++;
    summary.tables += outcome.tables;
    summary.unreadableTables += outcome.unreadableTables ?? 0;
    summary.lineItems += outcome.lineItems;
    if (outcome.status === 'partial') {
      summary.partialTables.read += outcome.tables;
      summary.partialTables.lineItems += outcome.lineItems;
    }
    summary.pages += outcome.pages ?? 0;
    for (const severity of ['ok', 'rounding', 'error'] as const) summary.checks[severity] += outcome.checks?.[severity] ?? 0;
    const warned = outcome.status === 'ok' && outcome.warnings > 0;
    if (warned) summary.warned++;
    const notable = warned || outcome.duplicateOf !== undefined || (outcome.checks?.rounding ?? 0) + (outcome.checks?.error ?? 0) > 0;
    // failed and partial documents are always kept: they are the ones to look at
    if (options.outcomes !== 'notable' || outcome.status === 'failed' || outcome.status === 'partial') kept[index] = outcome;
    else if (notable && notableKept++ < NOTABLE_OUTCOMES) kept[index] = outcome;
  };
  const inThisRun = new Map<string, string>();
  const maxBytes = options.maxBytes ?? MAX_FILE_BYTES;
  const ingestOne = async (path: string, bytes: Uint8Array): Promise<FileOutcome> => {
    const docId = sha256(bytes);
    const left = (status: 'unchanged' | 'elsewhere', duplicateOf?: string): FileOutcome =>
      ({ path, docId, status, error: '', duplicateOf, tables: 0, lineItems: 0, warnings: 0 });
    if (options.shard && !inShard(docId, options.shard)) return left('elsewhere');
    const twin = inThisRun.get(docId);
    // the same bytes under another name: one document, stored once
    if (twin !== undefined) return left('unchanged', twin);
    inThisRun.set(docId, path);
    const stored = options.force ? undefined : store.stored(docId);
    // a document read (in full or in part) by this pipeline version would be read the same again; a failed one is tried again
    if (stored && isRead(stored.status) && stored.pipelineVersion === PIPELINE_VERSION) return left('unchanged');
    const source = manifest?.get(resolve(path)) ?? manifest?.get(basename(path));
    let rows: DocumentRows;
    if (bytes.length > maxBytes) {
      const mb = maxBytes / 1024 / 1024;
      const limit = mb >= 1 ? mb.toFixed(0) : mb.toFixed(2);
      const reason = `the file is larger than ${limit} MB, more than a budget disclosure plausibly is; it was not read`;
      rows = documentRows({ ...failedDocument(path, bytes, reason, 'file-too-large', 'extract', docId), source });
    } else {
      rows = await run(bytes, path, docId, source);
    }
    return outcomeOf(path, docId, storeRows(store, rows));
  };
  let done = 0;
  let failure: { error: unknown } | undefined;
  // the bytes of the files read and not yet stored: the main thread's share of the run's memory
  let bytesInFlight = 0;
  try {
    for (const [index, path] of files.entries()) {
      // back-pressure: a queue as long as the documents in flight, not a task per file of the corpus
      await queue.onSizeLessThan(queue.concurrency);
      // and no more file bytes held than IN_FLIGHT_BYTES (past it, the next file waits for one to finish)
      while (bytesInFlight >= IN_FLIGHT_BYTES && queue.pending > 0) await new Promise((next) => queue.once('next', next));
      if (failure) break;
      const task = async () => {
        // tasks start in list order and read at once (synchronously): of two files with
        // the same bytes, the first listed is the one stored
        // refused before reading when it is not a regular file or is too large (see read-file.ts)
        const bytes = readSource(path, maxBytes);
        const held = bytes instanceof Uint8Array ? bytes.length : 0;
        bytesInFlight += held;
        const shown = shownPath(path);
        let outcome: FileOutcome;
        try {
          outcome = bytes instanceof Uint8Array ? await ingestOne(shown, bytes) : outcomeOf(shown, bytes.docId, documentRows(bytes).outcome);
        } catch (e) {
          // a bug of yusuan's, not the file's: that file fails with it, the run goes on and ends with its summary
          const reason = `yusuan could not read this file (internal error: ${(e as Error)?.message ?? String(e)}); please report it with the file`;
          outcome = outcomeOf(shown, '', documentRows(failedDocument(shown, undefined, reason, 'internal-error')).outcome);
        }
        bytesInFlight -= held;
        tally(index, outcome);
        done++;
        options.onProgress?.({ done, total: files.length, elapsedMs: performance.now() - started });
      };
      queue.add(task).catch((error: unknown) => (failure ??= { error }));
    }
    await queue.onIdle();
    if (failure) throw failure.error;
  } finally {
    store.close();
    await pool?.close();
  }
  summary.outcomes = kept.filter((o) => o !== undefined);
  summary.elapsedMs = performance.now() - started;
  return summary;
}
