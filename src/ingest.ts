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

/**
 * A user-facing failure of a run as a whole (a manifest with problems, a
 * database that cannot be used): `plain` says the message is for people,
 * not a bug; each line is one problem.
 */
export class IngestError extends Error {
  readonly plain = true;
}

/** Why files of other kinds found in a walked folder are not read. */
const NOT_READ: [string[], string][] = [
  [['.xlsx', '.xls', '.xlsm', '.et'], 'Excel workbooks are not read yet'],
  [['.jpg', '.jpeg', '.png', '.tif', '.tiff', '.bmp', '.gif', '.webp'], 'images are not read (yusuan does no OCR)'],
  [['.zip', '.rar', '.7z', '.tar', '.gz', '.tgz'], 'archives are not opened: unpack them and ingest the folder'],
  [['.wps'], 'WPS documents are not read: save them as .docx'],
  [['.ofd'], 'OFD documents are not read yet'],
  [['.pptx', '.ppt'], 'presentations are not read'],
  [['.csv'], 'CSV files are not read as disclosures (a manifest is given with --manifest)'],
];
const NOT_READ_BY_EXTENSION = new Map(NOT_READ.flatMap(([extensions, reason]) => extensions.map((e) => [e, reason] as const)));

/** Why a file found in a folder is not read, or undefined when it is. */
export function notReadReason(name: string): string | undefined {
  const ext = extname(name).toLowerCase();
  if (DOCUMENT_EXTENSIONS.has(ext)) return undefined;
  if (ext === '') return 'no extension: add one (.txt, .pdf …), or give the file by name, to have it read';
  return NOT_READ_BY_EXTENSION.get(ext) ?? `${ext} files are not a format yusuan reads (it reads ${[...DOCUMENT_EXTENSIONS].join(' ')})`;
}

/** A file of a walked folder that is not read, and why. */
export interface SkippedFile {
  path: string;
  reason: string;
}

/** What the paths given to ingest hold. */
export interface Discovery {
  /** The files to read, in a stable order. */
  files: string[];
  /** Files of walked folders left out, with the reason. */
  skipped: SkippedFile[];
  /** Paths given that do not exist. */
  missing: string[];
  /** Names starting with "." in walked folders (.git, .DS_Store): not looked at. */
  hidden: number;
}

/** Files under the given paths, folders walked recursively, in a stable order, with what was left out and why. */
export async function discoverFiles(paths: string[]): Promise<Discovery> {
  const found: Discovery = { files: [], skipped: [], missing: [], hidden: 0 };
  const walk = async (dir: string) => {
    // names as bytes: one that is not UTF-8 keeps them (see file-names.ts)
    const entries = (await readdir(fsPath(dir), { withFileTypes: true, encoding: 'buffer' }))
      .map((entry) => ({ entry, name: nameFromBytes(entry.name) }))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const { entry, name } of entries) {
      if (name.startsWith('.')) {
        found.hidden++;
        continue;
      }
      const path = join(dir, name);
      let isFile = entry.isFile();
      if (entry.isDirectory()) await walk(path);
      else if (entry.isSymbolicLink()) {
        const target = await stat(fsPath(path)).catch(() => undefined);
        if (target?.isDirectory()) found.skipped.push({ path, reason: 'a link to a folder: not followed (give the folder itself)' });
        else if (!target) found.skipped.push({ path, reason: 'a link to nothing (its target does not exist)' });
        isFile = target?.isFile() ?? false;
      }
      if (!isFile) continue;
      const reason = notReadReason(name);
      if (reason === undefined) found.files.push(path);
      else found.skipped.push({ path, reason });
    }
  };
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (info === undefined) found.missing.push(path);
    else if (info.isDirectory()) await walk(path);
    else found.files.push(path);
  }
  return found;
}

/** Files under the given paths, folders walked recursively, in a stable order; a missing path is listed in its place (the ingest reports it). */
export async function listFiles(paths: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    const found = await discoverFiles([path]);
    files.push(...found.missing, ...found.files);
  }
  return files;
}

/** The columns a manifest may have. */
export const MANIFEST_COLUMNS = ['file', 'region', 'source_url', 'published_date'];

/** YYYY-MM-DD and a day of the calendar (not 2025-02-30). */
export function isIsoDate(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return false;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return date.getUTCFullYear() === Number(m[1]) && date.getUTCMonth() === Number(m[2]) - 1 && date.getUTCDate() === Number(m[3]);
}

/** A manifest read: what it says of each file, by resolved path or base name, and every problem it has, one line each. */
export interface Manifest {
  entries: Map<string, SourceInfo>;
  /** Per entry key, the row it came from (the header is row 1, as a spreadsheet numbers it). */
  rows: Map<string, number>;
  problems: string[];
}

/** Checks a manifest's text: its header, and in every row a file named once, a date YYYY-MM-DD, a web address. */
export function parseManifest(text: string, path: string): Manifest {
  const entries = new Map<string, SourceInfo>();
  const rows = new Map<string, number>();
  const problems: string[] = [];
  const header = (text.replace(/^\ufeff/, '').split(/\r?\n/, 1)[0] ?? '').split(',').map((h) => h.trim().replace(/^"(.*)"$/, '$1'));
  if (!header.includes('file')) {
    problems.push(`the manifest ${path} has no "file" column: its first line is "${header.join(',')}"; it should be ${MANIFEST_COLUMNS.join(',')}`);
    return { entries, rows, problems };
  }
  for (const h of header) {
    if (!MANIFEST_COLUMNS.includes(h)) problems.push(`${path}: unknown column "${h}"${didYouMeanColumn(h)} (the columns are ${MANIFEST_COLUMNS.join(', ')})`);
  }
  const base = dirname(resolve(path));
  const where = new Map<string, number>();
  parseCsv(text).forEach((row, i) => {
    const rowNo = i + 2;
    const at = `${path} row ${rowNo}`;
    if (Object.values(row).every((v) => v.trim() === '')) return;
    const file = (row.file ?? '').trim();
    if (file === '') {
      problems.push(`${at}: no file named (the "file" column is empty)`);
      return;
    }
    const date = (row.published_date ?? '').trim();
    if (date !== '' && !isIsoDate(date)) {
      problems.push(/^\d{4}-\d{2}-\d{2}$/.test(date)
        ? `${at}: published_date "${date}" is not a day of the calendar`
        : `${at}: published_date "${date}" is not a date written YYYY-MM-DD (such as 2025-02-10)`);
    }
    const url = (row.source_url ?? '').trim();
    if (url !== '' && !/^https?:\/\/\S+$/i.test(url)) problems.push(`${at}: source_url "${url}" is not a web address (http:// or https://)`);
    const key = file.includes('/') ? resolve(base, file) : file;
    const earlier = where.get(key);
    if (earlier !== undefined) problems.push(`${at}: ${file} is given already in row ${earlier}`);
    where.set(key, rowNo);
    rows.set(key, rowNo);
    entries.set(key, { region: row.region?.trim() || undefined, sourceUrl: url || undefined, publishedDate: date || undefined });
  });
  return { entries, rows, problems };
}

function didYouMeanColumn(column: string): string {
  const known: Record<string, string> = { url: 'source_url', date: 'published_date', path: 'file', filename: 'file', name: 'file' };
  const guess = known[column.toLowerCase()] ?? MANIFEST_COLUMNS.find((c) => c.includes(column.toLowerCase()) && column.length >= 3);
  return guess ? `; did you mean "${guess}"?` : '';
}

/**
 * The manifest: a CSV naming files (by path or base name) with what is known
 * of them beyond their content — region, source URL, publication date.
 * Every problem is an IngestError line: a manifest is fixed before the run,
 * never half applied.
 */
export async function readManifest(path: string): Promise<Manifest> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a folder, not a CSV file' : `cannot be read (${(e as Error).message})`;
    throw new IngestError(`the manifest ${path} ${why}`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new IngestError(`the manifest ${path} is not UTF-8 text: save it as "CSV UTF-8" and run again`);
  }
  const manifest = parseManifest(text, path);
  if (manifest.problems.length > 0) {
    throw new IngestError([...manifest.problems, `the manifest ${path} has ${manifest.problems.length} problem(s): nothing was ingested; correct it and run again`].join('\n'));
  }
  return manifest;
}

/** The rows of a manifest naming no file of the run (a misspelt name, a file not given). */
export function unmatchedManifestRows(manifest: Manifest, files: string[]): number[] {
  const names = new Set(files.flatMap((f) => [resolve(f), basename(f)]));
  return [...manifest.rows].filter(([key]) => !names.has(key)).map(([, row]) => row).sort((a, b) => a - b);
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
  /** Files of walked folders not read, with the reason. */
  skipped: SkippedFile[];
  /** Hidden names (starting with ".") in walked folders, not looked at. */
  hidden: number;
  /** Rows of the manifest (numbered as a spreadsheet does, header 1) naming no file of the run. */
  unmatchedManifestRows: number[];
  /** The run was stopped (Ctrl-C) before every file was read: `done` of `files` were. */
  interrupted: boolean;
  /** Files dealt with (read and stored, or left). */
  done: number;
  /** What the database holds after the run, every run's documents together, counted there. */
  stored: { documents: number; ok: number; partial: number; failed: number };
  /** The schema the store was upgraded from when this run opened it (made by an older yusuan), else undefined. */
  upgradedFrom?: number;
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
  /** When aborted, no further file is started; those being read are finished and stored, and the summary says `interrupted`. */
  signal?: AbortSignal;
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

/** Opens the store to write, or says in plain words why it cannot be. */
function openForWriting(db: string): Store {
  try {
    return Store.open(db, { backgroundCheckpoints: true });
  } catch (e) {
    const error = e as { code?: string; message: string };
    if (error.code === 'SQLITE_NOTADB') throw new IngestError(`${db} is not a SQLite database: give --db a new file, or a database yusuan made`);
    if (/directory does not exist/.test(error.message)) throw new IngestError(`the folder of the database ${db} does not exist: create it, or give --db a path in a folder that exists`);
    if (/another version of yusuan/.test(error.message)) throw new IngestError(error.message);
    throw e;
  }
}

/** What the database holds, by document status. */
function storedCounts(store: Store): IngestSummary['stored'] {
  const counts = { documents: 0, ok: 0, partial: 0, failed: 0 };
  for (const { status, n } of store.db.prepare('SELECT status, count(*) AS n FROM documents GROUP BY status').all() as { status: 'ok' | 'partial' | 'failed'; n: number }[]) {
    counts[status] = n;
    counts.documents += n;
  }
  return counts;
}

/**
 * Ingests files into the store. One bad document never stops the others:
 * each is processed and written on its own, in its own transaction. A file
 * whose content is already stored by this pipeline version is left as is.
 * A path that does not exist is a failed file of the run.
 */
export async function ingest(paths: string[], options: IngestOptions): Promise<IngestSummary> {
  const found = await discoverFiles(paths);
  return ingestFiles({ ...found, files: [...found.files, ...found.missing], missing: [] }, options);
}

/** Ingests the files found (discoverFiles), with what was left out of them in the summary. */
export async function ingestFiles(found: Discovery, options: IngestOptions): Promise<IngestSummary> {
  const started = performance.now();
  const { files } = found;
  const manifest = options.manifest ? await readManifest(options.manifest) : undefined;
  const store = openForWriting(options.db);
  const workers = options.workers ?? 0;
  const pool = options.workers !== undefined ? new WorkerPool(Math.max(1, workers), { timeLimitMs: options.timeLimitMs ?? 120_000 }) : undefined;
  const run = pool ? pool.run.bind(pool) : processToRows;
  // enough documents in flight that every worker has the next one in hand (see WorkerPool)
  const queue = new PQueue({ concurrency: Math.max(options.concurrency ?? 4, workers * 3 + 1) });
  const summary: IngestSummary = {
    outcomes: [], files: files.length, ok: 0, partial: 0, failed: 0, unchanged: 0, duplicates: 0, elsewhere: 0, tables: 0, unreadableTables: 0, lineItems: 0,
    partialTables: { read: 0, lineItems: 0 }, pages: 0, checks: { ok: 0, rounding: 0, error: 0 }, warned: 0,
    skipped: found.skipped, hidden: found.hidden, unmatchedManifestRows: manifest ? unmatchedManifestRows(manifest, files) : [],
    interrupted: false, done: 0, stored: { documents: 0, ok: 0, partial: 0, failed: 0 }, upgradedFrom: store.migratedFrom, elapsedMs: 0,
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
    // a rounding difference is the document's own (its 万元 rounded), not a thing to look at
    const notable = warned || outcome.duplicateOf !== undefined || (outcome.checks?.error ?? 0) > 0;
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
    const source = manifest?.entries.get(resolve(path)) ?? manifest?.entries.get(basename(path));
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
      if (options.signal?.aborted) {
        summary.interrupted = true;
        break;
      }
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
    summary.stored = storedCounts(store);
  } finally {
    store.close();
    await pool?.close();
  }
  summary.outcomes = kept.filter((o) => o !== undefined);
  summary.done = done;
  summary.elapsedMs = performance.now() - started;
  return summary;
}
