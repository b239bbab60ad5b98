import { existsSync, realpathSync } from 'node:fs';
import Database from 'better-sqlite3';
import { SCHEMA_VERSION } from './schema.js';
import { Store } from './store.js';

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
  /** Already in the target, read (ok or partial) by the same pipeline version: left as they were. */
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

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

interface TableInfo {
  name: string;
  sql: string;
  columns: string[];
}

/** The tables of a schema ('main' or an attached one) with their columns. */
function tablesOf(db: Database.Database, schema: string): TableInfo[] {
  const tables = db
    .prepare(`SELECT name, sql FROM ${quote(schema)}.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
    .all() as { name: string; sql: string }[];
  return tables.map((t) => ({
    ...t,
    columns: (db.prepare(`SELECT name FROM pragma_table_info(?, ?)`).all(t.name, schema) as { name: string }[]).map((c) => c.name),
  }));
}

/** The tables holding rows per document: those with a doc_key column, besides documents itself. */
const childTables = (tables: TableInfo[]) => tables.filter((t) => t.name !== 'documents' && t.columns.includes('doc_key'));

const samePath = (a: string, b: string) => {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
};

/**
 * Copies every document of each source store into the target (created when
 * missing), with all its rows in every table keyed by doc_key — tables the
 * target lacks are created as the source has them. A copied document gets a
 * doc_key of the target. Each document is written in one transaction. A
 * document already in the target, read (ok or partial) by the same pipeline
 * version, is left as it is; otherwise it is replaced. Merging again is a no-op.
 */
export function mergeStores(sources: string[], target: string): MergeSummary {
  const started = performance.now();
  for (const source of sources) {
    if (!existsSync(source)) throw new Error(`merge: the store ${source} does not exist`);
    if (existsSync(target) && samePath(source, target)) throw new Error(`merge: ${source} is the target itself`);
  }
  const store = Store.open(target, { backgroundCheckpoints: true });
  const db = store.db;
  const summary: MergeSummary = { target, sources: [], documents: 0, copied: 0, replaced: 0, skipped: 0, rows: {}, elapsedMs: 0 };
  try {
    for (const source of sources) {
      db.prepare(`ATTACH DATABASE ? AS src`).run(source);
      try {
        summary.sources.push(mergeOne(db, source, summary.rows, () => store.committed()));
      } finally {
        db.prepare('DETACH DATABASE src').run();
      }
    }
  } finally {
    store.close();
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

function mergeOne(db: Database.Database, source: string, rows: Record<string, number>, committed: () => void): MergeSourceSummary {
  const sourceTables = tablesOf(db, 'src');
  const sourceDocuments = sourceTables.find((t) => t.name === 'documents');
  if (!sourceDocuments) throw new Error(`merge: ${source} is not a yusuan store (it has no documents table)`);
  const version = (db.prepare(`SELECT value FROM src.meta WHERE key = 'schema_version'`).get() as { value: string } | undefined)?.value;
  if (version !== String(SCHEMA_VERSION)) {
    throw new Error(`merge: ${source} was made by another version of yusuan (schema ${version ?? 'unknown'}, this one writes ${SCHEMA_VERSION}); ingest it again with this version`);
  }

  // tables a newer source has and the target lacks come along, as the source defines them
  const targetNames = new Set(tablesOf(db, 'main').map((t) => t.name));
  for (const t of childTables(sourceTables)) if (!targetNames.has(t.name)) db.exec(t.sql);
  const targetTables = new Map(tablesOf(db, 'main').map((t) => [t.name, t]));
  /** The columns both have, but doc_key: the target gives its own. */
  const shared = (t: TableInfo) => {
    const target = new Set(targetTables.get(t.name)!.columns);
    return t.columns.filter((c) => c !== 'doc_key' && target.has(c)).map(quote).join(', ');
  };

  const deletes = childTables([...targetTables.values()]).map((t) => db.prepare(`DELETE FROM main.${quote(t.name)} WHERE doc_key = ?`));
  const deleteDocument = db.prepare('DELETE FROM main.documents WHERE doc_key = ?');
  const documentColumns = shared(sourceDocuments);
  const copyDocumentRow = db.prepare(`INSERT INTO main.documents (${documentColumns}) SELECT ${documentColumns} FROM src.documents WHERE doc_key = ?`);
  const copies = childTables(sourceTables).map((t) => {
    const cols = shared(t);
    return {
      name: t.name,
      statement: db.prepare(`INSERT INTO main.${quote(t.name)} (doc_key, ${cols}) SELECT ?, ${cols} FROM src.${quote(t.name)} WHERE doc_key = ?`),
    };
  });
  const existing = db.prepare('SELECT doc_key AS docKey, status, pipeline_version AS pipelineVersion FROM main.documents WHERE doc_id = ?');
  const copyDocument = db.transaction((sourceKey: number, oldKey: number | undefined) => {
    if (oldKey !== undefined) {
      for (const d of deletes) d.run(oldKey);
      deleteDocument.run(oldKey);
    }
    const docKey = copyDocumentRow.run(sourceKey).lastInsertRowid;
    rows.documents = (rows.documents ?? 0) + 1;
    for (const c of copies) rows[c.name] = (rows[c.name] ?? 0) + c.statement.run(docKey, sourceKey).changes;
  });

  const summary: MergeSourceSummary = { path: source, documents: 0, copied: 0, replaced: 0, skipped: 0 };
  const documents = db.prepare('SELECT doc_key AS docKey, doc_id AS docId, pipeline_version AS pipelineVersion FROM src.documents ORDER BY doc_id').all() as {
    docKey: number;
    docId: string;
    pipelineVersion: string;
  }[];
  for (const doc of documents) {
    summary.documents++;
    const there = existing.get(doc.docId) as { docKey: number; status: string; pipelineVersion: string } | undefined;
    if ((there?.status === 'ok' || there?.status === 'partial') && there.pipelineVersion === doc.pipelineVersion) {
      summary.skipped++;
      continue;
    }
    copyDocument(doc.docKey, there?.docKey);
    committed();
    summary.copied++;
    if (there) summary.replaced++;
  }
  return summary;
}
