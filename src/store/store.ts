import Database from 'better-sqlite3';
import { formatRef } from '../ir.js';
import type { DocumentResult } from '../pipeline.js';
import { departmentKey, parseRegion } from '../normalize/department.js';
import { insertColumns, RECORD_TABLES, recordValues } from './records.js';
import { DDL, SCHEMA_VERSION } from './schema.js';

/**
 * Rows of one table inserted many at a time: a statement of ROWS rows is
 * several times faster than as many one-row statements (a document brings
 * hundreds of line items and checks).
 */
class BatchInsert {
  private static readonly ROWS = 64;
  private readonly full: Database.Statement;
  private readonly partial = new Map<number, Database.Statement>();
  private buffer: unknown[] = [];
  private rows = 0;

  constructor(
    private readonly db: Database.Database,
    private readonly table: string,
    private readonly columns: string[],
  ) {
    this.full = this.statement(BatchInsert.ROWS);
  }

  private statement(rows: number): Database.Statement {
    const row = `(${this.columns.map(() => '?').join(', ')})`;
    return this.db.prepare(`INSERT INTO ${this.table} (${this.columns.join(', ')}) VALUES ${Array(rows).fill(row).join(', ')}`);
  }

  add(...values: unknown[]): void {
    for (const v of values) this.buffer.push(v);
    if (++this.rows === BatchInsert.ROWS) this.flush();
  }

  flush(): void {
    if (this.rows === 0) return;
    const statement = this.rows === BatchInsert.ROWS ? this.full : this.partialStatement(this.rows);
    statement.run(this.buffer);
    this.buffer = [];
    this.rows = 0;
  }

  /** Drops what was buffered (a transaction that failed). */
  clear(): void {
    this.buffer = [];
    this.rows = 0;
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
 * messages) or not at all.
 */
export class Store {
  readonly db: Database.Database;
  private readonly statements;
  private readonly records;
  private readonly batches;

  private constructor(db: Database.Database) {
    this.db = db;
    this.records = RECORD_TABLES.map((table) => ({
      table,
      insert: new BatchInsert(db, table.name, insertColumns(table)),
      remove: db.prepare(`DELETE FROM ${table.name} WHERE doc_id = ?`),
    }));
    this.batches = {
      items: new BatchInsert(db, 'items', [
        'doc_id', 'seq', 'table_kind', 'side', 'row_no', 'code', 'code_scheme', 'code_level', 'parent_code', 'label', 'measure', 'amount_fen', 'source_ref', 'column_no',
      ]),
      checks: new BatchInsert(db, 'checks', [
        'doc_id', 'seq', 'rule', 'severity', 'table_kind', 'code', 'label', 'measure', 'expected_fen', 'actual_fen', 'message', 'source_ref', 'involves',
      ]),
      messages: new BatchInsert(db, 'messages', ['doc_id', 'seq', 'stage', 'severity', 'rule', 'message', 'source_ref']),
      facts: new BatchInsert(db, 'facts', ['doc_id', 'seq', 'name', 'value_fen', 'unit', 'published', 'sentence', 'source_ref']),
    };
    this.statements = {
      stored: db.prepare('SELECT status, pipeline_version AS pipelineVersion FROM documents WHERE doc_id = ?'),
      deleteDoc: db.prepare('DELETE FROM documents WHERE doc_id = ?'),
      deleteItems: db.prepare('DELETE FROM items WHERE doc_id = ?'),
      deleteTables: db.prepare('DELETE FROM budget_tables WHERE doc_id = ?'),
      deleteMessages: db.prepare('DELETE FROM messages WHERE doc_id = ?'),
      deleteChecks: db.prepare('DELETE FROM checks WHERE doc_id = ?'),
      deleteFacts: db.prepare('DELETE FROM facts WHERE doc_id = ?'),
      insertDoc: db.prepare(`INSERT INTO documents (doc_id, source_file, source_path, source_format, size_bytes, pages,
        department_code, department_name, department_key, region, source_url, published_date, fiscal_year, budget_scope, phase, status, error,
        pipeline_version, ingested_at)
        VALUES (@docId, @sourceFile, @sourcePath, @format, @sizeBytes, @pages, @departmentCode, @departmentName, @departmentKey,
        @region, @sourceUrl, @publishedDate, @fiscalYear, @budgetScope, @phase, @status, @error, @pipelineVersion, @ingestedAt)`),
      insertTable: db.prepare(`INSERT INTO budget_tables (doc_id, table_kind, table_no, title, unit, published_empty, empty_note, line_items, source_ref)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    };
  }

  static open(path: string, options: { readonly?: boolean } = {}): Store {
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
      db.pragma('foreign_keys = ON');
      db.exec(DDL);
      db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run('schema_version', String(SCHEMA_VERSION));
    }
    return new Store(db);
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
  write(result: DocumentResult): void {
    const s = this.statements;
    const doc = result.normalized;
    const write = this.db.transaction(() => {
      s.deleteItems.run(result.docId);
      s.deleteTables.run(result.docId);
      s.deleteMessages.run(result.docId);
      s.deleteChecks.run(result.docId);
      s.deleteFacts.run(result.docId);
      for (const r of this.records) r.remove.run(result.docId);
      s.deleteDoc.run(result.docId);
      s.insertDoc.run({
        docId: result.docId,
        sourceFile: result.sourceFile,
        sourcePath: result.sourcePath,
        format: result.format ?? '',
        sizeBytes: result.sizeBytes,
        pages: result.pages ?? null,
        departmentCode: doc?.departmentCode ?? '',
        departmentName: doc?.departmentName ?? '',
        departmentKey: doc ? departmentKey(doc.departmentCode, doc.departmentName, result.source?.region) : '',
        region: result.source?.region || parseRegion(doc?.departmentName ?? '').region,
        sourceUrl: result.source?.sourceUrl ?? '',
        publishedDate: result.source?.publishedDate ?? '',
        fiscalYear: doc?.fiscalYear ?? null,
        budgetScope: doc?.budgetScope ?? '',
        phase: doc?.phase ?? 'budget',
        status: result.status,
        error: result.error,
        pipelineVersion: result.pipelineVersion,
        ingestedAt: new Date().toISOString(),
      });
      const b = this.batches;
      result.messages.forEach((m, seq) => b.messages.add(result.docId, seq, m.stage, m.severity, m.rule, m.text, formatRef(m.ref)));
      b.messages.flush();
      if (result.status !== 'ok' || !doc) return;
      result.checks.forEach((c, seq) =>
        b.checks.add(
          result.docId, seq, c.rule, c.severity, c.tableKind, c.code, c.label, c.measure, c.expectedFen, c.actualFen, c.message,
          formatRef(c.ref), c.involves.map((cell) => formatRef(cell.ref)).join(' '),
        ),
      );
      b.checks.flush();
      if (result.disclosure) {
        for (const { table, insert } of this.records) {
          table.records(result.disclosure).forEach((record, seq) => insert.add(result.docId, seq, ...recordValues(table, record)));
          insert.flush();
        }
      }
      result.facts.forEach((f, seq) => b.facts.add(result.docId, seq, f.name, f.fen, f.unit, f.published, f.sentence, formatRef(f.ref)));
      b.facts.flush();
      let seq = 0;
      for (const table of doc.tables) {
        s.insertTable.run(
          result.docId,
          table.kind,
          table.number,
          table.title,
          table.unit,
          table.publishedEmpty ? 1 : 0,
          table.emptyNote ?? null,
          table.items.length,
          formatRef(table.ref),
        );
        for (const item of table.items) {
          b.items.add(
            result.docId,
            seq++,
            table.kind,
            item.side,
            item.rowNo,
            item.code,
            item.codeScheme,
            item.codeLevel ?? null,
            item.parentCode,
            item.label,
            item.measure,
            item.amountFen,
            formatRef(item.ref),
            item.column ?? null,
          );
        }
      }
      b.items.flush();
    });
    try {
      write();
    } catch (e) {
      // the transaction rolled back: nothing buffered may leak into the next document
      for (const batch of [...Object.values(this.batches), ...this.records.map((r) => r.insert)]) batch.clear();
      throw e;
    }
  }

  close(): void {
    this.db.close();
  }
}
