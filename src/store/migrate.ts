import type Database from 'better-sqlite3';
import { SCHEMA_VERSION } from './schema.js';

/**
 * Upgrading a store of an older schema in place, from the rows it holds:
 * the sources are not read again.
 *
 * A step takes the stored tables from schema `from` to `from + 1`. The
 * writer runs the steps from the store's version to SCHEMA_VERSION in the
 * transaction that opens it (store.ts), all or nothing: first every view is
 * dropped (a view naming a column a step removes would stop the step), then
 * the steps run in order, then the schema's DDL creates the tables that are
 * new and every view of the current schema.
 *
 * Adding a step, when SCHEMA_VERSION goes from N to N+1:
 * - views only changed: `{ from: N, changes: 'views only', run: () => {} }`
 *   (the views are made anew anyway);
 * - a table is new: nothing to run either, the DDL creates it;
 * - a column is added with a default: `ALTER TABLE t ADD COLUMN …`;
 * - a column's type or constraint changes, or a NOT NULL column without a
 *   default is added: rebuild the table (`rebuildTable`) with the step's own
 *   copy of the new CREATE TABLE, never schema.ts's (which moves on with
 *   later versions), and say how the new columns get their values.
 * and a test of the step over a store of version N (tests/migrate.test.ts).
 */

export interface MigrationStep {
  /** The schema version the step starts from; it ends at from + 1. */
  from: number;
  /** What changes, in a line. */
  changes: string;
  run(db: Database.Database): void;
}

/**
 * Replaces a table by one of a new definition (SQLite cannot change a
 * column's constraints in place): creates it under a temporary name,
 * copies the rows (`select` gives the new table's columns in order, from
 * the old table, named `old`), drops the old one and renames the new one.
 */
function rebuildTable(db: Database.Database, table: string, createSql: (name: string) => string, columns: string[], select: string): void {
  const next = `${table}_next`;
  db.exec(createSql(next));
  db.exec(`INSERT INTO ${next} (${columns.join(', ')}) SELECT ${select} FROM ${table} AS old`);
  db.exec(`DROP TABLE ${table}`);
  db.exec(`ALTER TABLE ${next} RENAME TO ${table}`);
}

// ------------------------------------------------------------------ 6 → 7

const DOCUMENTS_V7 = (name: string) => `CREATE TABLE ${name} (
  doc_key INTEGER PRIMARY KEY,
  doc_id TEXT NOT NULL UNIQUE,
  source_file TEXT NOT NULL,
  source_path TEXT NOT NULL,
  source_format TEXT NOT NULL DEFAULT '',
  size_bytes INTEGER NOT NULL,
  pages INTEGER,
  department_code TEXT NOT NULL DEFAULT '',
  department_name TEXT NOT NULL DEFAULT '',
  department_key TEXT NOT NULL DEFAULT '',
  region TEXT NOT NULL DEFAULT '',
  source_url TEXT NOT NULL DEFAULT '',
  published_date TEXT NOT NULL DEFAULT '',
  fiscal_year INTEGER,
  budget_scope TEXT NOT NULL DEFAULT '',
  phase TEXT NOT NULL DEFAULT 'budget',
  status TEXT NOT NULL CHECK (status IN ('ok', 'partial', 'failed')),
  error TEXT NOT NULL DEFAULT '',
  pipeline_version TEXT NOT NULL,
  revenue_total_fen INTEGER,
  expenditure_total_fen INTEGER,
  basic_fen INTEGER,
  project_fen INTEGER,
  general_budget_fen INTEGER,
  personnel_fen INTEGER,
  public_fen INTEGER,
  three_public_fen INTEGER,
  ingested_at TEXT NOT NULL
)`;

const DOCUMENTS_V6_COLUMNS = [
  'doc_key', 'doc_id', 'source_file', 'source_path', 'source_format', 'size_bytes', 'pages', 'department_code', 'department_name', 'department_key',
  'region', 'source_url', 'published_date', 'fiscal_year', 'budget_scope', 'phase', 'status', 'error', 'pipeline_version', 'ingested_at',
];

/**
 * The headline figures of schema 7, from a schema 6 document's line items,
 * as schema 6's department_years view computed them (a document read by
 * pipeline 0.1 has no others): the 合计 row of each table, 收入总计 of
 * table 1. NULL where the document has no such row, as in schema 7.
 */
const total = (kind: string, measure: string, order = '') =>
  `(SELECT amount_fen FROM items i WHERE i.doc_key = old.doc_key AND i.code = '' AND i.label IN ('合计', '收入总计', '“三公”经费小计')
     AND i.table_kind = '${kind}' AND i.measure = '${measure}'${order})`;
const HEADLINES_V6 = {
  revenue_total_fen: `(SELECT amount_fen FROM items i WHERE i.doc_key = old.doc_key AND i.table_kind = 'revenue_expenditure_summary' AND i.side = 'revenue' AND i.label = '收入总计')`,
  expenditure_total_fen: total('expenditure', 'total'),
  basic_fen: total('expenditure', 'basic'),
  project_fen: total('expenditure', 'project'),
  general_budget_fen: total('general_budget_expenditure', 'total'),
  personnel_fen: total('general_budget_basic_expenditure', 'personnel'),
  public_fen: total('general_budget_basic_expenditure', 'public'),
  three_public_fen: total('three_public', 'total', ' ORDER BY i.amount_fen DESC LIMIT 1'),
};

const BUDGET_TABLES_V7 = (name: string) => `CREATE TABLE ${name} (
  doc_key INTEGER NOT NULL REFERENCES documents(doc_key) ON DELETE CASCADE,
  table_kind TEXT NOT NULL,
  table_no INTEGER NOT NULL,
  title TEXT NOT NULL,
  unit TEXT NOT NULL,
  published_empty INTEGER NOT NULL,
  empty_note TEXT,
  line_items INTEGER NOT NULL,
  source_ref TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('read', 'published_empty', 'unreadable')),
  reason TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (doc_key, table_kind)
) WITHOUT ROWID`;
const BUDGET_TABLES_V6_COLUMNS = ['doc_key', 'table_kind', 'table_no', 'title', 'unit', 'published_empty', 'empty_note', 'line_items', 'source_ref'];

function schema6to7(db: Database.Database): void {
  const headlines = Object.keys(HEADLINES_V6);
  const read = (expression: string) => `CASE WHEN old.status = 'ok' THEN ${expression} END`;
  rebuildTable(
    db,
    'documents',
    DOCUMENTS_V7,
    [...DOCUMENTS_V6_COLUMNS, ...headlines],
    [...DOCUMENTS_V6_COLUMNS.map((c) => `old.${c}`), ...Object.values(HEADLINES_V6).map(read)].join(', '),
  );
  // schema 6 stored only the tables read (or published empty): none was unreadable
  rebuildTable(
    db,
    'budget_tables',
    BUDGET_TABLES_V7,
    [...BUDGET_TABLES_V6_COLUMNS, 'status', 'reason'],
    [...BUDGET_TABLES_V6_COLUMNS.map((c) => `old.${c}`), "CASE WHEN old.published_empty = 1 THEN 'published_empty' ELSE 'read' END", "''"].join(', '),
  );
  // not known without reading the sources again: '' (as for a row of no unit block, or without a code)
  db.exec("ALTER TABLE items ADD COLUMN unit_name TEXT NOT NULL DEFAULT ''");
  db.exec("ALTER TABLE items ADD COLUMN code_source TEXT NOT NULL DEFAULT ''");
}

// ------------------------------------------------------------------ the steps

export const MIGRATIONS: MigrationStep[] = [
  {
    from: 6,
    changes:
      "documents may be partial and hold their headline figures (from their line items); budget_tables say whether each table was read; line items' unit_name and code_source ('' for what was stored)",
    run: schema6to7,
  },
  {
    from: 7,
    changes: "line items' box: a PDF cell's box on its page ('' for what was stored: an ingest with --force reads it)",
    // not known without reading the sources again
    run: (db) => db.exec("ALTER TABLE items ADD COLUMN box TEXT NOT NULL DEFAULT ''"),
  },
];

/** The oldest schema a store can be upgraded from. */
export const OLDEST_MIGRATABLE = MIGRATIONS[0].from;

/** The steps from a version to SCHEMA_VERSION; throws when one is missing (a bump of SCHEMA_VERSION without its step). */
export function stepsFrom(version: number, steps: MigrationStep[] = MIGRATIONS): MigrationStep[] {
  const path: MigrationStep[] = [];
  for (let v = version; v < SCHEMA_VERSION; v++) {
    const step = steps.find((s) => s.from === v);
    if (!step) throw new Error(`no migration step from schema ${v} to ${v + 1} (src/store/migrate.ts)`);
    path.push(step);
  }
  return path;
}

/**
 * Runs the steps from `version` to SCHEMA_VERSION. To be called in a write
 * transaction, followed by the DDL (which makes the views): store.ts does.
 */
export function migrateSchema(db: Database.Database, version: number): MigrationStep[] {
  if (!db.inTransaction) throw new Error('migrateSchema runs in the transaction that opens the store');
  const steps = stepsFrom(version);
  const views = db.prepare("SELECT name FROM sqlite_master WHERE type = 'view'").pluck().all() as string[];
  for (const view of views) db.exec(`DROP VIEW "${view.replace(/"/g, '""')}"`);
  for (const step of steps) step.run(db);
  return steps;
}
