import { existsSync, realpathSync, rmSync, statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { CHILD_TABLES, DOCUMENT_COLUMNS, STATUS_COLUMN, type DocumentRows } from './rows.js';
import { Store, StoreError } from './store.js';

/**
 * Sharding a corpus over several machines (or processes) and merging their
 * stores into one.
 *
 * A document belongs to shard i of n by its doc_id (the sha256 of its
 * bytes), so every file lands in exactly one shard whatever its name or
 * folder, and the same file always in the same one.
 */

export interface Shard {
  /** 1-based: 1 ≤ index ≤ count. */
  index: number;
  count: number;
}

/** Parses `i/n` (1-based, as in `--shard 2/4`). */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const usage = `a shard is written i/n with 1 ≤ i ≤ n, e.g. 2/4 for the second of four; got "${text}"`;
  if (!m) throw new Error(usage);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(count) || count < 1 || index < 1 || index > count) throw new Error(usage);
  return { index, count };
}

/** Whether the document (its doc_id: sha256 hex) belongs to the shard. Deterministic. */
export function inShard(docId: string, shard: Shard): boolean {
  if (!Number.isInteger(shard.count) || !Number.isInteger(shard.index) || shard.count < 1 || shard.index < 1 || shard.index > shard.count) {
    throw new Error(`bad shard ${shard.index}/${shard.count}: 1 ≤ index ≤ count`);
  }
  if (!/^[0-9a-f]{12}/i.test(docId)) throw new Error(`"${docId}" is not a doc_id (sha256 hex)`);
  // the first 48 bits of the hash, exact in a double; uniform, so shards are even
  return parseInt(docId.slice(0, 12), 16) % shard.count === shard.index - 1;
}

export interface MergeSourceSummary {
  path: string;
  /** Documents in the source. */
  documents: number;
  /** Written into the target: new there, or replacing what was there. */
  copied: number;
  /** Of the copied, those that replaced a document already in the target. */
  replaced: number;
  /** Already in the target as of a newer pipeline version, or of the same with as good a status: left as they were. */
  skipped: number;
}

export interface MergeSummary {
  target: string;
  sources: MergeSourceSummary[];
  documents: number;
  copied: number;
  replaced: number;
  skipped: number;
  /** Rows copied per table. */
  rows: Record<string, number>;
  elapsedMs: number;
}

/** A merge that cannot be done; nothing was written. */
export class MergeError extends Error {}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** The tables a merge copies, with the columns it copies: those this version of yusuan writes, and no others. */
const KNOWN_TABLES: { name: string; columns: string[] }[] = [
  { name: 'documents', columns: [...DOCUMENT_COLUMNS, 'ingested_at'] },
  ...CHILD_TABLES.map((t) => ({ name: t.name, columns: ['doc_key', ...t.columns] })),
];

/**
 * A pipeline version as numbers ('0.10.2' → [0, 10, 2]), to compare; a
 * part that is no number (a pre-release, '0.0.0-old') counts as below any.
 */
function versionParts(version: string): number[] {
  return version.split(/[.+-]/).map((part) => (/^\d+$/.test(part) ? Number(part) : -1));
}

export function compareVersions(a: string, b: string): number {
  const x = versionParts(a);
  const y = versionParts(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

const STATUS_RANK: Record<string, number> = { failed: 0, partial: 1, ok: 2 };

/**
 * Whether a document's record from a source should replace the target's:
 * the newer pipeline version wins; at the same version, ok over partial
 * over failed; otherwise the target's stays (so merging again is a no-op).
 */
export function replaces(source: { status: string; pipelineVersion: string }, target: { status: string; pipelineVersion: string } | undefined): boolean {
  if (!target) return true;
  const byVersion = compareVersions(source.pipelineVersion, target.pipelineVersion);
  if (byVersion !== 0) return byVersion > 0;
  return (STATUS_RANK[source.status] ?? -1) > (STATUS_RANK[target.status] ?? -1);
}

const samePath = (a: string, b: string) => {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
};

/**
 * A source store opened to read its rows: read-only, checked to be a store
 * of this schema version, whose known tables are tables (not views) with
 * every column the merge copies. Nothing of its schema's text is run.
 */
function openSource(path: string): Store {
  let store: Store;
  try {
    store = Store.open(path, { readonly: true });
  } catch (e) {
    throw new MergeError(`merge: ${e instanceof StoreError ? e.message : `${path} cannot be read: ${(e as Error).message}`}`);
  }
  try {
    for (const table of KNOWN_TABLES) {
      const entry = store.db.prepare('SELECT type, sql FROM sqlite_master WHERE name = ?').get(table.name) as { type: string; sql: string | null } | undefined;
      if (!entry || entry.type !== 'table' || /^\s*CREATE\s+VIRTUAL/i.test(entry.sql ?? '')) {
        throw new MergeError(`merge: ${path} is not a sound yusuan store: its ${table.name} is ${entry ? `a ${entry.type}` : 'missing'}, not a table`);
      }
      const columns = new Set((store.db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all(table.name) as string[]));
      const missing = table.columns.filter((c) => !columns.has(c));
      if (missing.length > 0) throw new MergeError(`merge: ${path} is not a sound yusuan store: its table ${table.name} lacks ${missing.join(', ')}`);
    }
  } catch (e) {
    store.close();
    throw e;
  }
  return store;
}

/** Reads a source's documents as the rows the store writes (rows.ts), amounts as exact integers. */
class SourceRows {
  private readonly document: Database.Statement;
  private readonly children: { name: string; width: number; statement: Database.Statement }[];

  constructor(readonly db: Database.Database) {
    const [documents, ...children] = KNOWN_TABLES;
    this.document = db.prepare(`SELECT ${documents.columns.map(quote).join(', ')} FROM documents WHERE doc_key = ?`).raw(true).safeIntegers(true);
    this.children = children.map((t) => ({
      name: t.name,
      width: t.columns.length,
      statement: db.prepare(`SELECT ${t.columns.map(quote).join(', ')} FROM ${quote(t.name)} WHERE doc_key = ?`).raw(true).safeIntegers(true),
    }));
  }

  list(): { docKey: bigint; docId: string; status: string; pipelineVersion: string }[] {
    return this.db
      .prepare('SELECT doc_key AS docKey, doc_id AS docId, status, pipeline_version AS pipelineVersion FROM documents ORDER BY doc_id')
      .safeIntegers(true)
      .all() as { docKey: bigint; docId: string; status: string; pipelineVersion: string }[];
  }

  /** The document's rows, and when it was ingested; with the number of rows per table. */
  read(docKey: bigint): { rows: DocumentRows; ingestedAt: string; counts: Record<string, number> } {
    const values = this.document.get(docKey) as unknown[];
    const ingestedAt = String(values.pop());
    const children: Record<string, unknown[]> = {};
    const counts: Record<string, number> = { documents: 1 };
    for (const child of this.children) {
      const rows = child.statement.all(docKey) as unknown[][];
      children[child.name] = rows.flat();
      counts[child.name] = rows.length;
    }
    const status = String(values[STATUS_COLUMN]) as DocumentRows['outcome']['status'];
    return {
      rows: { docId: String(values[0]), document: values, children, outcome: { status, error: '', tables: 0, lineItems: 0, warnings: 0 } },
      ingestedAt,
      counts,
    };
  }
}

/**
 * Copies the documents of each source store into the target (created when
 * missing), all or nothing: in one transaction, so that a merge that fails
 * leaves the target as it was (and no target, if there was none). It reads
 * data, never SQL: only the tables and columns this version writes, from
 * sources of this schema version; another table of a source is left out. A
 * copied document gets a doc_key of the target and keeps its ingested_at.
 * For each document the record of the newest pipeline version is kept, and
 * at the same version ok over partial over failed (see `replaces`); merging
 * again is a no-op.
 */
export function mergeStores(sources: string[], target: string): MergeSummary {
  const started = performance.now();
  for (const source of sources) {
    if (!existsSync(source)) throw new MergeError(`merge: the store ${source} does not exist`);
    if (existsSync(target) && samePath(source, target)) throw new MergeError(`merge: ${source} is the target itself`);
  }
  // every source is checked before anything is written
  const opened: Store[] = [];
  try {
    for (const source of sources) opened.push(openSource(source));
  } catch (e) {
    for (const s of opened) s.close();
    throw e;
  }
  const created = !existsSync(target) || statSync(target).size === 0;
  const summary: MergeSummary = { target, sources: [], documents: 0, copied: 0, replaced: 0, skipped: 0, rows: {}, elapsedMs: 0 };
  let store: Store | undefined;
  try {
    store = Store.open(target);
    const into = store;
    const existing = into.db.prepare('SELECT status, pipeline_version AS pipelineVersion FROM documents WHERE doc_id = ?');
    into.db
      .transaction(() => {
        for (const [i, source] of opened.entries()) {
          const reader = new SourceRows(source.db);
          const one: MergeSourceSummary = { path: sources[i], documents: 0, copied: 0, replaced: 0, skipped: 0 };
          for (const doc of reader.list()) {
            one.documents++;
            const there = existing.get(doc.docId) as { status: string; pipelineVersion: string } | undefined;
            if (!replaces(doc, there)) {
              one.skipped++;
              continue;
            }
            const { rows, ingestedAt, counts } = reader.read(doc.docKey);
            try {
              into.write(rows, ingestedAt);
            } catch (e) {
              throw new MergeError(`merge: ${sources[i]}: the document ${doc.docId} could not be copied (${(e as Error).message})`);
            }
            for (const [table, n] of Object.entries(counts)) summary.rows[table] = (summary.rows[table] ?? 0) + n;
            one.copied++;
            if (there) one.replaced++;
          }
          summary.sources.push(one);
        }
      })
      .immediate();
  } catch (e) {
    store?.close();
    store = undefined;
    if (created) for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${target}${suffix}`, { force: true });
    throw e instanceof StoreError ? new MergeError(`merge: ${e.message}`) : e;
  } finally {
    store?.close();
    for (const s of opened) s.close();
  }
  for (const s of summary.sources) {
    summary.documents += s.documents;
    summary.copied += s.copied;
    summary.replaced += s.replaced;
    summary.skipped += s.skipped;
  }
  summary.elapsedMs = performance.now() - started;
  return summary;
}
