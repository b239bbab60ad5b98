import { createTableSql, datasetViewSql, RECORD_TABLES } from './records.js';

/**
 * The SQLite schema. Base tables hold what the pipeline found; the views
 * expose the datasets of the contract (SCHEMA.md), so that SQL users and
 * the CSV export read the same thing.
 */

/**
 * Bumped with any change of the stored tables: a store of another version is
 * not reused. The views hold no data and are made again at every writable
 * open, so a change of views alone (contract v3) keeps the version.
 */
export const SCHEMA_VERSION = 8;

/** amount_fen (integer 分) → exact 元 text with two decimals, in SQL: what the exports write (CSV, xlsx, Parquet's DECIMAL). */
export const yuanSql = (fen: string) =>
  `(CASE WHEN ${fen} IS NULL THEN NULL ELSE (CASE WHEN ${fen} < 0 THEN '-' ELSE '' END) || (abs(${fen}) / 100) || '.' || printf('%02d', abs(${fen}) % 100) END)`;

/**
 * amount_fen (integer 分) → 元 as an SQL number, for the views' `*_yuan` columns.
 *
 * Why a number and not the exact text: a TEXT amount compares, sorts and sums
 * as text in SQL (`amount_yuan > 1000000000` held for every row, `max()` was
 * the longest string, `sum()` went through floats anyway). SQLite has no
 * decimal type, so the view gives fen / 100.0, the double nearest the exact
 * amount: it compares and sorts exactly like the integer 分 and reads back to
 * the same cent for every amount below 2^53 分 (9 × 10^13 元, more than any
 * budget). Storage stays integer 分, every view carries the exact `*_fen`
 * beside each `*_yuan` (exact sums: `sum(amount_fen)`), and the exports write
 * the exact text from `*_fen` (yuanSql), never from this number.
 */
export const yuanNumberSql = (fen: string) => `(${fen} / 100.0)`;

/** The statuses of a document whose tables (some or all) were read: its rows are in the datasets. */
export const READ_STATUSES = "('ok', 'partial')";

/** The headline figures of a document (documents.*_fen), each exported as *_yuan: see docs/SCHEMA.md. */
export const HEADLINE_COLUMNS = [
  'revenue_total_fen', 'expenditure_total_fen', 'basic_fen', 'project_fen', 'general_budget_fen', 'personnel_fen', 'public_fen', 'three_public_fen',
] as const;

const headlineYuan = (alias: string) => HEADLINE_COLUMNS.map((c) => `${yuanNumberSql(`${alias}.${c}`)} AS ${c.replace(/_fen$/, '_yuan')}`).join(',\n       ');
const headlineFen = (alias: string) => HEADLINE_COLUMNS.map((c) => `${alias}.${c}`).join(', ');

const RECORDS_TABLES_DDL = RECORD_TABLES.map((t) => createTableSql(t)).join('\n\n');
const RECORDS_VIEWS_DDL = RECORD_TABLES.map((t) => datasetViewSql(t, yuanNumberSql)).join('\n\n');

/** A function code's prefix at a level of the classification (类 3, 款 5, 项 7 digits), for codes of that scheme and deep enough. */
const codeAtLevel = (scheme: string, digits: number) =>
  `CASE WHEN i.code_scheme = '${scheme}' AND length(i.code) >= ${digits} THEN substr(i.code, 1, ${digits}) ELSE '' END`;

export const TABLES_DDL = `
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- one row per source file content (sha256), whether it was read or not
CREATE TABLE IF NOT EXISTS documents (
  -- the key the other tables use: a small integer, given in the order documents are
  -- written, so that their rows are appended rather than scattered by a random sha256
  doc_key INTEGER PRIMARY KEY,
  doc_id TEXT NOT NULL UNIQUE,          -- sha256 (hex) of the file's bytes
  source_file TEXT NOT NULL,            -- base name
  source_path TEXT NOT NULL,            -- path as given to ingest
  source_format TEXT NOT NULL DEFAULT '',
  size_bytes INTEGER NOT NULL,
  pages INTEGER,
  department_code TEXT NOT NULL DEFAULT '',
  department_name TEXT NOT NULL DEFAULT '',
  department_key TEXT NOT NULL DEFAULT '', -- region|code|name without region: one department across years
  region TEXT NOT NULL DEFAULT '',        -- from the name (秦皇岛市海港区) or the manifest
  source_url TEXT NOT NULL DEFAULT '',    -- from the manifest
  published_date TEXT NOT NULL DEFAULT '', -- from the manifest (YYYY-MM-DD)
  fiscal_year INTEGER,
  budget_scope TEXT NOT NULL DEFAULT '', -- department (部门预算) | unit (单位预算)
  phase TEXT NOT NULL DEFAULT 'budget',  -- budget (预算) | final (决算)
  -- ok: every standard table published was read; partial: some were not (error names them); failed: none was
  status TEXT NOT NULL CHECK (status IN ('ok', 'partial', 'failed')),
  error TEXT NOT NULL DEFAULT '',
  pipeline_version TEXT NOT NULL,
  -- the headline figures in 分, read from the document's own tables (docs/SCHEMA.md); NULL where it has no such cell
  revenue_total_fen INTEGER,            -- table 1: the revenue side's grand total (收入总计)
  expenditure_total_fen INTEGER,        -- table 3, 合计 row: total
  basic_fen INTEGER,                    -- table 3, 合计 row: 基本支出 (人员 + 公用 where only the parts are printed)
  project_fen INTEGER,                  -- table 3, 合计 row: 项目支出
  general_budget_fen INTEGER,           -- table 5, 合计 row: total
  personnel_fen INTEGER,                -- table 6, 合计 row: 人员经费
  public_fen INTEGER,                   -- table 6, 合计 row: 公用经费
  three_public_fen INTEGER,             -- table 9: 因公出国(境) + 公务用车购置及运行 + 公务接待
  ingested_at TEXT NOT NULL
);

-- the standard tables found in a document read (ok or partial): read, published empty, or not readable
CREATE TABLE IF NOT EXISTS budget_tables (
  doc_key INTEGER NOT NULL REFERENCES documents(doc_key) ON DELETE CASCADE,
  table_kind TEXT NOT NULL,
  table_no INTEGER NOT NULL,            -- 1..9 in the standard set
  title TEXT NOT NULL,                  -- as printed
  unit TEXT NOT NULL,                   -- as declared: 元, 千元, 万元; '' when not known
  published_empty INTEGER NOT NULL,     -- 1 when published as 空表 and holding no amounts
  empty_note TEXT,
  line_items INTEGER NOT NULL,          -- 0 for a table not read
  source_ref TEXT NOT NULL,             -- where the title stands
  status TEXT NOT NULL CHECK (status IN ('read', 'published_empty', 'unreadable')),
  reason TEXT NOT NULL DEFAULT '',      -- why it could not be read; '' otherwise
  PRIMARY KEY (doc_key, table_kind)
) WITHOUT ROWID;

-- one row per non-empty amount cell of a standard table
CREATE TABLE IF NOT EXISTS items (
  doc_key INTEGER NOT NULL REFERENCES documents(doc_key) ON DELETE CASCADE,
  seq INTEGER NOT NULL,                 -- order within the document
  table_kind TEXT NOT NULL,
  side TEXT NOT NULL,
  row_no TEXT NOT NULL,
  code TEXT NOT NULL,
  code_scheme TEXT NOT NULL,
  code_level INTEGER,
  parent_code TEXT NOT NULL,
  label TEXT NOT NULL,
  measure TEXT NOT NULL,
  amount_fen INTEGER NOT NULL,          -- exact amount in 分, never a float
  source_ref TEXT NOT NULL,             -- L123 | p4 | t5r7
  column_no INTEGER,                    -- 栏次 number of the column, where numbered
  unit_name TEXT NOT NULL DEFAULT '',   -- the 预算单位 whose block of rows it stands in, for tables printed per unit
  code_source TEXT NOT NULL DEFAULT '', -- published | label | list | '' (no code)
  box TEXT NOT NULL DEFAULT '',         -- (8) a PDF cell's box on its page: x0 y0 x1 y1 in points from the top left; '' otherwise
  PRIMARY KEY (doc_key, seq)
) WITHOUT ROWID;

-- what the pipeline said about a document: errors, warnings, notes
CREATE TABLE IF NOT EXISTS messages (
  doc_key INTEGER NOT NULL REFERENCES documents(doc_key) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  stage TEXT NOT NULL,
  severity TEXT NOT NULL,
  rule TEXT NOT NULL,
  message TEXT NOT NULL,
  source_ref TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (doc_key, seq)
) WITHOUT ROWID;

-- the identities of the tables that did not hold (validation): view checks has them all
CREATE TABLE IF NOT EXISTS check_problems (
  doc_key INTEGER NOT NULL REFERENCES documents(doc_key) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  rule TEXT NOT NULL,
  severity TEXT NOT NULL CHECK (severity IN ('rounding', 'error')),
  table_kind TEXT NOT NULL,
  code TEXT NOT NULL,
  label TEXT NOT NULL,
  measure TEXT NOT NULL,
  expected_fen INTEGER NOT NULL,
  actual_fen INTEGER NOT NULL,
  message TEXT NOT NULL,
  source_ref TEXT NOT NULL DEFAULT '',
  involves TEXT NOT NULL DEFAULT '',     -- source refs of every cell the check involves
  PRIMARY KEY (doc_key, seq)
) WITHOUT ROWID;

-- named figures stated in the narrative, with their sentence
CREATE TABLE IF NOT EXISTS facts (
  doc_key INTEGER NOT NULL REFERENCES documents(doc_key) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  name TEXT NOT NULL,
  value_fen INTEGER NOT NULL,
  unit TEXT NOT NULL,
  published TEXT NOT NULL,
  sentence TEXT NOT NULL,
  source_ref TEXT NOT NULL,
  PRIMARY KEY (doc_key, seq)
) WITHOUT ROWID;

-- the identities that held, one row per document, so that the writer does not pay a row for each:
-- checks is a JSON array with an array per check of
-- [seq, rule#, table_kind#, code, label#, measure#, expected_fen, actual_fen, message#, source_ref, involves]
-- where # marks the number of a text in strings (a JSON array of the document's distinct texts),
-- amounts are decimal strings, and actual_fen is null when it equals expected_fen
CREATE TABLE IF NOT EXISTS check_passes (
  doc_key INTEGER PRIMARY KEY REFERENCES documents(doc_key) ON DELETE CASCADE,
  strings TEXT NOT NULL,
  checks TEXT NOT NULL
);

${RECORDS_TABLES_DDL}
`;

/**
 * The views: the datasets of the contract. Dropped and made again at every
 * writable open (they hold no data), so a store of this SCHEMA_VERSION gets
 * the views of the running yusuan without a new version; a read-only
 * connection can have them as TEMP views (useCurrentViews).
 */
export const VIEWS_DDL = `
-- every identity of the tables checked, passing ones as 'ok'
DROP VIEW IF EXISTS checks;
CREATE VIEW checks AS
SELECT doc_key, seq, rule, severity, table_kind, code, label, measure, expected_fen, actual_fen, message, source_ref, involves
FROM check_problems
UNION ALL
SELECT p.doc_key, c.value ->> 0, p.strings ->> (c.value ->> 1), 'ok', p.strings ->> (c.value ->> 2), c.value ->> 3,
       p.strings ->> (c.value ->> 4), p.strings ->> (c.value ->> 5), CAST(c.value ->> 6 AS INTEGER),
       CAST(coalesce(c.value ->> 7, c.value ->> 6) AS INTEGER), p.strings ->> (c.value ->> 8), c.value ->> 9, c.value ->> 10
FROM check_passes p, json_each(p.checks) c;

DROP VIEW IF EXISTS checks_dataset;
CREATE VIEW checks_dataset AS
SELECT d.doc_id, d.source_file, d.department_code, d.fiscal_year, c.source_ref, c.rule, c.severity, c.table_kind, c.code,
       c.label, c.measure, ${yuanNumberSql('c.expected_fen')} AS expected_yuan, ${yuanNumberSql('c.actual_fen')} AS actual_yuan,
       ${yuanNumberSql('(c.actual_fen - c.expected_fen)')} AS difference_yuan, c.message, c.involves, c.seq AS check_no,
       c.expected_fen, c.actual_fen, c.actual_fen - c.expected_fen AS difference_fen
FROM checks c JOIN documents d ON d.doc_key = c.doc_key;

DROP VIEW IF EXISTS facts_dataset;
CREATE VIEW facts_dataset AS
SELECT d.doc_id, d.source_file, d.department_code, d.fiscal_year, f.source_ref, f.name, ${yuanNumberSql('f.value_fen')} AS value_yuan,
       f.published, f.sentence, f.seq, f.value_fen, f.seq AS fact_no
FROM facts f JOIN documents d ON d.doc_key = f.doc_key;

DROP VIEW IF EXISTS line_items;
CREATE VIEW line_items AS
SELECT d.doc_id, d.source_file, d.source_format, d.department_code, d.department_name, d.fiscal_year,
       i.table_kind, i.side, i.row_no, i.code, i.code_scheme, i.code_level, i.parent_code, i.label, i.measure,
       ${yuanNumberSql('i.amount_fen')} AS amount_yuan, t.unit AS source_unit, i.source_ref, i.unit_name, i.code_source,
       i.amount_fen, i.seq,
       -- (v3) the item's number within its document (seq): with doc_id, the key of a line item
       i.seq AS item_no,
       -- (v3) the classification levels of the code: 类 / 款 / 项 of a function code, 类 / 款 of an economic one
       ${codeAtLevel('function', 3)} AS function_class, ${codeAtLevel('function', 5)} AS function_kuan,
       ${codeAtLevel('function', 7)} AS function_xiang,
       ${codeAtLevel('economic', 3)} AS economic_class, ${codeAtLevel('economic', 5)} AS economic_kuan,
       -- (v3) a PDF cell's box on its page, beside source_ref's page
       i.box
FROM items i
JOIN documents d ON d.doc_key = i.doc_key
JOIN budget_tables t ON t.doc_key = i.doc_key AND t.table_kind = i.table_kind
WHERE d.status IN ${READ_STATUSES};

DROP VIEW IF EXISTS document_messages;
CREATE VIEW document_messages AS
SELECT d.source_file, m.severity, m.stage, m.rule, m.message, m.source_ref, d.doc_id, m.seq
FROM messages m JOIN documents d ON d.doc_key = m.doc_key;

DROP VIEW IF EXISTS departments;
CREATE VIEW departments AS
SELECT department_key, max(region) AS region, department_code, max(department_name) AS department_name,
       count(*) AS documents, count(DISTINCT fiscal_year) AS years, min(fiscal_year) AS first_year, max(fiscal_year) AS last_year
FROM documents WHERE status IN ${READ_STATUSES}
GROUP BY department_key;

-- one row per department and year, with its headline totals, from one chosen document
DROP VIEW IF EXISTS department_years;
CREATE VIEW department_years AS
WITH candidates AS (
  SELECT d.*,
         (SELECT count(*) FROM checks c WHERE c.doc_key = d.doc_key AND c.severity = 'error') AS check_errors,
         (SELECT count(*) FROM budget_tables t WHERE t.doc_key = d.doc_key AND t.status = 'unreadable') AS tables_unreadable,
         (SELECT count(*) FROM items i WHERE i.doc_key = d.doc_key) AS line_items
  -- the budget's figures: a final account (决算) of the same year says what was spent, not what was planned
  FROM documents d WHERE d.status IN ${READ_STATUSES} AND d.fiscal_year IS NOT NULL AND d.phase = 'budget'
), ranked AS (
  SELECT candidates.*,
         row_number() OVER (PARTITION BY department_key, fiscal_year
                            ORDER BY check_errors, tables_unreadable, line_items DESC, published_date DESC, ingested_at DESC, doc_id) AS rank,
         count(*) OVER (PARTITION BY department_key, fiscal_year) AS documents
  FROM candidates
)
SELECT r.department_key, r.region, r.department_code, r.department_name, r.fiscal_year, r.doc_id, r.source_file, r.documents,
       CASE WHEN r.documents = 1 THEN 'the only document for this department and year'
            ELSE 'chosen among ' || r.documents || ' documents: fewest validation errors, then fewest tables not read, then most line items, then the latest publication date, then the latest ingest' END AS chosen_because,
       r.check_errors,
       ${headlineYuan('r')},
       ${headlineFen('r')}
FROM ranked r WHERE r.rank = 1;

DROP VIEW IF EXISTS documents_dataset;
CREATE VIEW documents_dataset AS
SELECT d.doc_id, d.source_file, d.source_format, d.department_code, d.department_name, d.fiscal_year,
       d.budget_scope, d.phase, d.status, d.error, d.region, d.department_key, d.source_url, d.published_date,
       (SELECT count(*) FROM budget_tables t WHERE t.doc_key = d.doc_key) AS tables,
       (SELECT count(*) FROM items i WHERE i.doc_key = d.doc_key) AS line_items,
       -- to the second, as Table Schema's datetime is written (the stored value keeps its milliseconds)
       d.size_bytes, d.pages, d.source_path, strftime('%Y-%m-%dT%H:%M:%SZ', d.ingested_at) AS ingested_at, d.pipeline_version,
       (SELECT count(*) FROM budget_tables t WHERE t.doc_key = d.doc_key AND t.status <> 'unreadable') AS tables_read,
       (SELECT count(*) FROM budget_tables t WHERE t.doc_key = d.doc_key AND t.status = 'unreadable') AS tables_unreadable,
       ${headlineYuan('d')},
       ${headlineFen('d')}
FROM documents d;

-- one row per standard table found in a document read (ok or partial), read or not
DROP VIEW IF EXISTS tables_dataset;
CREATE VIEW tables_dataset AS
SELECT d.doc_id, d.source_file, d.department_code, d.department_name, d.fiscal_year, t.table_kind, t.table_no, t.title,
       t.status, t.reason, t.unit, t.line_items, t.source_ref, t.empty_note
FROM budget_tables t JOIN documents d ON d.doc_key = t.doc_key;

${RECORDS_VIEWS_DDL}
`;

export const DDL = `${TABLES_DDL}\n${VIEWS_DDL}`;

/** The views as TEMP views: on a connection that cannot write, they stand before the file's own (SQLite looks in temp first). */
export const TEMP_VIEWS_DDL = VIEWS_DDL.replace(/DROP VIEW IF EXISTS (\w+);/g, 'DROP VIEW IF EXISTS temp.$1;').replace(/CREATE VIEW /g, 'CREATE TEMP VIEW ');

/**
 * Gives a connection the views of this yusuan. A writable open makes them in
 * the file (Store.open); a read-only one sees the views of whichever yusuan
 * last wrote the file, which may be older: this puts the current ones before
 * them, for this connection only.
 */
export function useCurrentViews(db: { exec(sql: string): unknown }): void {
  db.exec(TEMP_VIEWS_DDL);
}
