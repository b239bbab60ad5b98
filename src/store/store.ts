import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { BackgroundCheckpoints, RESTART_FRAMES, type CheckpointOptions } from './checkpoints.js';
import { migrateSchema, OLDEST_MIGRATABLE } from './migrate.js';
import { CHILD_TABLES, DOCUMENT_COLUMNS, type DocumentRows } from './rows.js';
import { DDL, SCHEMA_VERSION, useCurrentViews } from './schema.js';

// SQLite takes URI filenames (`file:…?immutable=1`, for readers below) only when told so before its
// first database is opened; better-sqlite3 tells it from the environment, when it loads
process.env.SQLITE_USE_URI ??= '1';

/** A store that cannot be opened, and why, in words for the user. */
export class StoreError extends Error {}

/** How long a writer waits for another writer's transaction (a merge's may be long) before giving up. */
export const WRITE_WAIT_MS = 10 * 60_000;

/** Whether SQLite could make its -wal and -shm files beside the database. */
function writableFolder(path: string): boolean {
  try {
    accessSync(dirname(resolve(path)), constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** What to give instead: a reader needs a store; a writer can also make one in a new file. */
const instead = (writing: boolean) => (writing ? 'give --db a new file, or a database yusuan made' : 'give --db a database yusuan made');
const notSqlite = (path: string, writing: boolean) => new StoreError(`${path} is not a SQLite database: ${instead(writing)}`);
const notAStore = (path: string, writing: boolean) =>
  new StoreError(`${path} is a SQLite database of another program, not a yusuan store (it has no yusuan schema version); it was left as it is: ${instead(writing)}`);
const newerStore = (path: string, version: number) =>
  new StoreError(`${path} was made by a newer yusuan (schema ${version}; this one knows schema ${SCHEMA_VERSION} and older): use that version of yusuan`);
const tooOld = (path: string, version: number) =>
  new StoreError(`${path} is a store of schema ${version}, older than any this yusuan can upgrade (${OLDEST_MIGRATABLE}): ingest its sources again into a new file`);

/** What a database is: a store of this schema version, 'empty' (a new file), or 'foreign' (another program's). */
export type StoreVersion = number | 'empty' | 'foreign';

/** Throws a StoreError for a file that is not SQLite at all. */
export function storeVersion(db: Database.Database, path: string, writing = false): StoreVersion {
  let objects: number;
  try {
    objects = db.prepare("SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").pluck().get() as number;
  } catch (e) {
    if ((e as { code?: string }).code === 'SQLITE_NOTADB') throw notSqlite(path, writing);
    throw e;
  }
  if (objects === 0) return 'empty';
  const hasMeta = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get();
  const value = hasMeta ? (db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get() as string | undefined) : undefined;
  const version = Number(value);
  return value !== undefined && Number.isInteger(version) && version > 0 ? version : 'foreign';
}

/** Refuses what cannot be read as it is, saying what to do. */
export function checkReadable(path: string, version: StoreVersion): void {
  if (version === 'empty' || version === 'foreign') throw notAStore(path, false);
  if (version > SCHEMA_VERSION) throw newerStore(path, version);
  if (version < OLDEST_MIGRATABLE) throw tooOld(path, version);
  if (version < SCHEMA_VERSION) {
    throw new StoreError(
      `${path} is a store of schema ${version}, and this yusuan reads schema ${SCHEMA_VERSION}: upgrade it with \`yusuan migrate --db ${path}\` (the sources are not read again; an ingest into it upgrades it too)`,
    );
  }
}

function openReader(path: string): Database.Database {
  if (!existsSync(path)) throw new StoreError(`${path} does not exist`);
  // a log beside it holds commits not yet in the database file (a writer is running, or stopped
  // without closing): it must be read, so the file is not immutable then
  const hasLog = existsSync(`${path}-wal`);
  const immutable = !hasLog && !writableFolder(path);
  let db: Database.Database;
  try {
    db = new Database(immutable ? `${pathToFileURL(resolve(path)).href}?immutable=1` : path, { readonly: true, fileMustExist: true });
  } catch (e) {
    throw new StoreError(`${path} cannot be opened: ${(e as Error).message}`);
  }
  try {
    checkReadable(path, storeVersion(db, path));
  } catch (e) {
    db.close();
    if (e instanceof StoreError) throw e;
    if (hasLog && !writableFolder(path)) {
      throw new StoreError(
        `${path} has a write-ahead log (${path}-wal) from a writer that is running or stopped without closing, and its folder is read-only, so it cannot be read safely: wait for the writer, or copy the files to a writable folder`,
      );
    }
    throw new StoreError(`${path} cannot be read: ${(e as Error).message}`);
  }
  // the views of whichever yusuan last wrote the file may be older than this one's (views change without a schema version)
  useCurrentViews(db);
  return db;
}

/** Opens (creating or upgrading it) a store to write; returns the version it was upgraded from, if it was. */
function openWriter(path: string, migrate: boolean): { db: Database.Database; migratedFrom?: number } {
  const existed = path !== ':memory:' && existsSync(path) && statSync(path).size > 0;
  const db = new Database(path, { timeout: WRITE_WAIT_MS });
  try {
    // before anything is written to it: another program's database is left alone
    if (existed) {
      const version = storeVersion(db, path, true);
      if (version === 'foreign') throw notAStore(path, true);
      if (typeof version === 'number' && (version > SCHEMA_VERSION || version < OLDEST_MIGRATABLE || !migrate)) checkReadable(path, version);
    }
    db.pragma('journal_mode = WAL');
    // WAL + NORMAL: a crash may lose the last commits but never corrupts or half-writes one
    db.pragma('synchronous = NORMAL');
    db.pragma('cache_size = -65536'); // 64 MB: the indexes of a large store stay in memory
    // the WAL is copied into the database (and both fsynced) every 64 MB rather than every 4 MB:
    // at a document a few milliseconds, those syncs were half of the writer's time
    db.pragma(`wal_autocheckpoint = ${RESTART_FRAMES}`);
    // the REFERENCES clauses say what refers to what; the writer keeps them true by
    // construction (a document's rows are deleted before it, written after it, in one
    // transaction), and enforcing them cost a lookup per row: a tenth of the writer's time
    db.pragma('foreign_keys = OFF');
    const migratedFrom = db
      .transaction((): number | undefined => {
        // read again under the write lock: another process may have created or upgraded it meanwhile
        const version = storeVersion(db, path, true);
        if (version === 'foreign') throw notAStore(path, true);
        let from: number | undefined;
        if (typeof version === 'number' && version !== SCHEMA_VERSION) {
          if (!migrate || version > SCHEMA_VERSION) checkReadable(path, version);
          migrateSchema(db, version);
          from = version;
        }
        // creates what is missing, and every view anew: a change of views needs no step of migration
        db.exec(DDL);
        db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run('schema_version', String(SCHEMA_VERSION));
        return from;
      })
      .immediate();
    return { db, migratedFrom };
  } catch (e) {
    // a store that could not be opened (an upgrade failed, rolled back) is left as it was, in its journal mode too
    if (db.open && !db.memory) leaveWal(db);
    db.close();
    if ((e as { code?: string }).code === 'SQLITE_NOTADB') throw notSqlite(path, true);
    throw e;
  }
}

/**
 * Leaves the store in rollback-journal mode when this is its last
 * connection, so that the -wal and -shm files go and a reader opening it
 * read-only makes none. While another connection is open (another writer, a
 * reader) it stays in WAL mode: the last writer to close tries again.
 */
function leaveWal(db: Database.Database): void {
  try {
    db.pragma('busy_timeout = 0');
    db.pragma('journal_mode = DELETE');
  } catch {
    // busy: not the last connection
  }
}

/**
 * The rows of one table, inserted many at a time: a statement of ROWS rows
 * is several times faster than as many one-row statements (a document
 * brings hundreds of line items and checks). What is left over is inserted
 * by statements of 32, 16, … 1 rows, 7 statements per table in all. A
 * statement per possible remainder, 63 per table, takes some 37 MB once a
 * varied corpus has brought every count.
 */
class BatchInsert {
  private static readonly ROWS = 64;
  private readonly width: number;
  private readonly full: Database.Statement;
  private readonly partial = new Map<number, Database.Statement>();

  constructor(
    private readonly db: Database.Database,
    private readonly table: string,
    /** All its columns, doc_key first. */
    private readonly columns: string[],
  ) {
    this.width = columns.length;
    this.full = this.statement(BatchInsert.ROWS);
  }

  private statement(rows: number): Database.Statement {
    const row = `(${this.columns.map(() => '?').join(', ')})`;
    return this.db.prepare(`INSERT INTO ${this.table} (${this.columns.join(', ')}) VALUES ${Array(rows).fill(row).join(', ')}`);
  }

  /** Inserts rows given as their values one after another, each starting with a doc_key placeholder (set to docKey here). */
  insert(values: unknown[], docKey: number | bigint): number {
    const width = this.width;
    if (values.length % width !== 0) throw new Error(`${this.table}: ${values.length} values are not whole rows of ${width}`);
    for (let at = 0; at < values.length; at += width) values[at] = docKey;
    const step = BatchInsert.ROWS * width;
    let at = 0;
    for (; at + step <= values.length; at += step) this.full.run(values.slice(at, at + step));
    for (let rows = BatchInsert.ROWS / 2; rows >= 1; rows /= 2) {
      if (at + rows * width > values.length) continue;
      this.partialStatement(rows).run(values.slice(at, at + rows * width));
      at += rows * width;
    }
    return values.length / width;
  }

  private partialStatement(rows: number): Database.Statement {
    let statement = this.partial.get(rows);
    if (!statement) {
      statement = this.statement(rows);
      this.partial.set(rows, statement);
    }
    return statement;
  }
}

/**
 * The canonical SQLite store. Each document is written in one transaction:
 * a document is either wholly there (with its tables, line items and
 * messages) or not at all. The writer only binds values: what a row holds
 * was decided where the document was processed (see rows.ts).
 */
export class Store {
  readonly db: Database.Database;
  /** The schema version a writer upgraded the store from, when it did. */
  readonly migratedFrom?: number;
  private readonly statements;
  private readonly children;
  private checkpoints?: BackgroundCheckpoints;

  private constructor(
    db: Database.Database,
    private readonly writer: boolean,
    migratedFrom?: number,
  ) {
    this.db = db;
    this.migratedFrom = migratedFrom;
    this.children = CHILD_TABLES.map((table) => ({
      table,
      insert: new BatchInsert(db, table.name, ['doc_key', ...table.columns]),
      remove: db.prepare(`DELETE FROM ${table.name} WHERE doc_key = ?`),
    }));
    const documentColumns = [...DOCUMENT_COLUMNS, 'ingested_at'];
    this.statements = {
      stored: db.prepare('SELECT status, pipeline_version AS pipelineVersion FROM documents WHERE doc_id = ?'),
      key: db.prepare('SELECT doc_key FROM documents WHERE doc_id = ?').pluck(),
      deleteDoc: db.prepare('DELETE FROM documents WHERE doc_key = ?'),
      insertDoc: db.prepare(`INSERT INTO documents (${documentColumns.join(', ')}) VALUES (${documentColumns.map(() => '?').join(', ')})`),
    };
  }

  /**
   * Opens a store to read it, or opens (or creates) one to write it.
   *
   * A reader never writes: it opens the file read-only, and where the folder
   * is not writable (SQLite could not make its -wal and -shm files there) as
   * immutable, which needs none. It refuses a store of an older schema with
   * the command that upgrades it, and a file that is no yusuan store.
   *
   * A writer waits for another writer of the same file (another ingest, a
   * merge) rather than failing: its transactions begin IMMEDIATE, taking the
   * write lock before they read, and wait up to WRITE_WAIT_MS for it. It
   * creates the schema, or upgrades an older one (migrate.ts; unless
   * `migrate: false`), in one such transaction, so that two processes
   * opening one new store at once cannot both create it; and makes every
   * view anew. It refuses another program's SQLite file before writing to it.
   *
   * `backgroundCheckpoints`: the log is copied into the database by a thread
   * of its own (checkpoints.ts), for a long run of writes.
   */
  static open(path: string, options: { readonly?: boolean; backgroundCheckpoints?: boolean | CheckpointOptions; migrate?: boolean } = {}): Store {
    if (options.readonly) return new Store(openReader(path), false);
    const { db, migratedFrom } = openWriter(path, options.migrate ?? true);
    const store = new Store(db, true, migratedFrom);
    const checkpoints = options.backgroundCheckpoints;
    if (checkpoints && !db.memory) store.checkpoints = new BackgroundCheckpoints(db, path, checkpoints === true ? {} : checkpoints);
    return store;
  }

  /** What is stored for this content, if anything. */
  stored(docId: string): { status: string; pipelineVersion: string } | undefined {
    return this.statements.stored.get(docId) as { status: string; pipelineVersion: string } | undefined;
  }

  /** Replaces whatever was stored for the document, in one transaction. `ingestedAt`: now, but for a document copied from another store (merge). */
  write(rows: DocumentRows, ingestedAt = new Date().toISOString()): void {
    const s = this.statements;
    // IMMEDIATE: it reads before it writes, and a deferred transaction that has read cannot wait for another writer
    this.db
      .transaction(() => {
        const old = s.key.get(rows.docId) as number | undefined;
        if (old !== undefined) {
          for (const child of this.children) child.remove.run(old);
          s.deleteDoc.run(old);
        }
        // the document's key is new on every write: its rows go to the end of each table
        const docKey = s.insertDoc.run(...rows.document, ingestedAt).lastInsertRowid;
        for (const child of this.children) child.insert.insert(rows.children[child.table.name], docKey);
      })
      .immediate();
    this.committed();
  }

  /** After each transaction that wrote to the store, the writer's own (`write`) or a caller's (merge). */
  committed(): void {
    this.checkpoints?.afterCommit();
  }

  close(): void {
    this.checkpoints?.close();
    if (this.writer && this.db.open && !this.db.memory) leaveWal(this.db);
    this.db.close();
  }
}
