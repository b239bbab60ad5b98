import Database from 'better-sqlite3';
import { BackgroundCheckpoints, RESTART_FRAMES, type CheckpointOptions } from './checkpoints.js';
import { CHILD_TABLES, DOCUMENT_COLUMNS, type DocumentRows } from './rows.js';
import { DDL, SCHEMA_VERSION } from './schema.js';

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
  private readonly statements;
  private readonly children;
  private checkpoints?: BackgroundCheckpoints;

  private constructor(db: Database.Database) {
    this.db = db;
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
   * Opens (or creates) a store. `backgroundCheckpoints`: the log is copied
   * into the database by a thread of its own (checkpoints.ts), for a long run
   * of writes.
   */
  static open(path: string, options: { readonly?: boolean; backgroundCheckpoints?: boolean | CheckpointOptions } = {}): Store {
    const db = new Database(path, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
    const version = Store.schemaVersion(db);
    if (version !== undefined && version !== SCHEMA_VERSION) {
      db.close();
      throw new Error(
        `${path} was made by another version of yusuan (schema ${version}, this one writes ${SCHEMA_VERSION}); ingest into a new database file`,
      );
    }
    if (!options.readonly) {
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
      db.exec(DDL);
      db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run('schema_version', String(SCHEMA_VERSION));
    }
    const store = new Store(db);
    const checkpoints = options.backgroundCheckpoints;
    if (!options.readonly && checkpoints && !db.memory) store.checkpoints = new BackgroundCheckpoints(db, path, checkpoints === true ? {} : checkpoints);
    return store;
  }

  private static schemaVersion(db: Database.Database): number | undefined {
    const hasMeta = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get();
    if (!hasMeta) return undefined;
    const row = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string } | undefined;
    return row ? Number(row.value) : undefined;
  }

  /** What is stored for this content, if anything. */
  stored(docId: string): { status: string; pipelineVersion: string } | undefined {
    return this.statements.stored.get(docId) as { status: string; pipelineVersion: string } | undefined;
  }

  /** Replaces whatever was stored for the document, in one transaction. */
  write(rows: DocumentRows): void {
    const s = this.statements;
    this.db.transaction(() => {
      const old = s.key.get(rows.docId) as number | undefined;
      if (old !== undefined) {
        for (const child of this.children) child.remove.run(old);
        s.deleteDoc.run(old);
      }
      // the document's key is new on every write: its rows go to the end of each table
      const docKey = s.insertDoc.run(...rows.document, new Date().toISOString()).lastInsertRowid;
      for (const child of this.children) child.insert.insert(rows.children[child.table.name], docKey);
    })();
    this.committed();
  }

  /** After each transaction that wrote to the store, the writer's own (`write`) or a caller's (merge). */
  committed(): void {
    this.checkpoints?.afterCommit();
  }

  close(): void {
    this.checkpoints?.close();
    this.db.close();
  }
}
