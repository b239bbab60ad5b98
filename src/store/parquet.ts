import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DuckDBDecimalValue, DuckDBInstance, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api';
import type Database from 'better-sqlite3';
import { DATASETS, datasetSelect, type Dataset } from './datasets.js';

/**
 * Parquet export of the datasets, through DuckDB (its parquet writer is
 * built into the npm package; no extension is downloaded).
 *
 * Layout: `outDir/<dataset>/fiscal_year=2025/region=秦皇岛市海港区/data_0.parquet`,
 * Hive-style: partitioned by fiscal year, then by the document's region
 * where known. A document without a year or a region is under
 * `__HIVE_DEFAULT_PARTITION__` (what Hive, Spark and Trino write and read as
 * NULL). The partition columns are in the path only, as those engines
 * expect; a dataset without a region column of its own (all but documents)
 * gains one when read with Hive partitioning. Folder names are escaped as
 * Hive escapes them, Chinese left as it is: DuckDB percent-encodes every
 * byte that is not ASCII, which Spark and Trino would read back byte by byte
 * as Latin-1, so its folders are renamed.
 *
 * Types: amount columns (`*_yuan`, fields in CNY) are DECIMAL(18,2), exact —
 * never a float, made from the integer 分 (datasetSelect), not from the SQLite
 * views' numeric 元; their `*_fen` beside them BIGINT; integers BIGINT, dates DATE, times TIMESTAMP WITH TIME ZONE
 * (UTC), text VARCHAR (UTF-8 string); as the dataset's fields say, or SQLite's
 * declared types for a dataset without typed fields.
 *
 * A dataset's folder is written beside it and then put in place, so a failed
 * export leaves the previous one, not half of a new one.
 */

export type ParquetType = 'VARCHAR' | 'BIGINT' | 'DOUBLE' | 'BOOLEAN' | 'DATE' | 'TIMESTAMPTZ' | 'DECIMAL(18,2)';

export interface ParquetExport {
  dataset: string;
  /** The files written (absolute paths, under outDir/<dataset>/). */
  files: string[];
  rows: number;
}

/** The columns Hive-style partitions are made of, outermost first. */
export const PARTITION_COLUMNS = ['fiscal_year', 'region'] as const;

/** A partition of no value (NULL), as Hive names it. */
const DEFAULT_PARTITION = '__HIVE_DEFAULT_PARTITION__';

/**
 * A partition value in a folder name, escaped as Hive escapes it (its
 * FileUtils.escapePathName): control characters, the slash and
 * " # % ' * : = ? \ { [ ] ^ as %XX, everything else as it is.
 */
export function hivePathValue(value: string): string {
  return value.replace(/[\x00-\x1f\x7f"#%'*/:=?\\{[\]^]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/** Renames the partition folders DuckDB wrote (every byte not ASCII alphanumeric percent-encoded) to Hive's escaping. */
function renameToHiveEscaping(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    let path = join(dir, entry.name);
    const m = /^([^=]+)=(.*)$/.exec(entry.name);
    if (m && m[2] !== DEFAULT_PARTITION) {
      let value: string | undefined;
      try {
        value = decodeURIComponent(m[2]);
      } catch {
        value = undefined; // not DuckDB's encoding: left as it is
      }
      const name = value === undefined ? entry.name : `${m[1]}=${hivePathValue(value)}`;
      if (name !== entry.name) {
        renameSync(path, join(dir, name));
        path = join(dir, name);
      }
    }
    renameToHiveEscaping(path);
  }
}

/** A dataset's typed description of a column, where the dataset has one (`fields`). */
interface FieldLike {
  name: string;
  type: string;
  unit?: string;
}

/** Computed columns of the views whose type SQLite does not declare, for datasets without typed fields. */
const INTEGER_COLUMNS = new Set(['tables', 'line_items', 'size_bytes', 'pages', 'fiscal_year', 'code_level', 'seq', 'check_no']);

/**
 * The Parquet type of a dataset column: amounts (`*_yuan`, or a field in
 * CNY) exact DECIMAL(18,2); otherwise the field's type where the dataset
 * types its fields, else SQLite's declared type.
 */
export function parquetType(column: string, declared: string | null, field?: FieldLike): ParquetType {
  if (column.endsWith('_yuan') || field?.unit === 'CNY') return 'DECIMAL(18,2)';
  switch (field?.type) {
    case 'integer':
      return 'BIGINT';
    case 'number':
      return 'DOUBLE';
    case 'boolean':
      return 'BOOLEAN';
    case 'date':
      return 'DATE';
    case 'datetime':
      return 'TIMESTAMPTZ';
    case 'string':
      return 'VARCHAR';
  }
  if (declared && /INT/i.test(declared)) return 'BIGINT';
  if (!declared && INTEGER_COLUMNS.has(column)) return 'BIGINT';
  return 'VARCHAR';
}

/** Types held as text while rows are appended, cast when written (an empty text is NULL). */
const CAST_ON_WRITE = new Set<ParquetType>(['DATE', 'TIMESTAMPTZ']);

const YUAN = /^(-?)(\d+)(?:\.(\d{1,2}))?$/;

/** Exact 元 text ('-12.50'; at most two decimals) or a whole number → DECIMAL(18,2). Never through a float. */
function decimalOf(value: unknown, column: string): DuckDBDecimalValue {
  if (typeof value === 'bigint') value = value.toString();
  const m = typeof value === 'string' ? YUAN.exec(value) : null;
  if (!m) throw new Error(`parquet export: ${column} holds ${JSON.stringify(value)}, not an exact amount with at most two decimals`);
  const scaled = BigInt(m[2] + (m[3] ?? '').padEnd(2, '0'));
  if (m[2].length + 2 > 18) throw new Error(`parquet export: ${column} = ${value} does not fit DECIMAL(18,2)`);
  return new DuckDBDecimalValue(m[1] ? -scaled : scaled, 18, 2);
}

function appendValue(appender: DuckDBAppender, type: ParquetType, value: unknown, column: string): void {
  if (value === null || value === undefined) return appender.appendNull();
  // an empty text in a number column is no value
  if (value === '' && type !== 'VARCHAR') return appender.appendNull();
  switch (type) {
    case 'DECIMAL(18,2)':
      return appender.appendDecimal(decimalOf(value, column));
    case 'BIGINT':
      if (typeof value === 'bigint') return appender.appendBigInt(value);
      if (typeof value === 'number' && Number.isInteger(value)) return appender.appendBigInt(BigInt(value));
      if (typeof value === 'string' && /^-?\d+$/.test(value)) return appender.appendBigInt(BigInt(value));
      throw new Error(`parquet export: ${column} holds ${JSON.stringify(value)}, not an integer`);
    case 'DOUBLE': {
      const number = Number(value);
      if (typeof value === 'boolean' || Number.isNaN(number)) throw new Error(`parquet export: ${column} holds ${JSON.stringify(value)}, not a number`);
      return appender.appendDouble(number);
    }
    case 'BOOLEAN':
      return appender.appendBoolean(value === true || value === 1 || value === 1n || value === '1' || value === 'true');
    default:
      if (value instanceof Uint8Array) return appender.appendVarchar(Buffer.from(value).toString('utf8'));
      return appender.appendVarchar(String(value));
  }
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;
const quoteString = (text: string) => `'${text.replace(/'/g, "''")}'`;

function filesUnder(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.parquet')) found.push(path);
    }
  };
  walk(dir);
  return found;
}

async function exportDataset(db: Database.Database, connection: DuckDBConnection, dataset: Dataset, outDir: string): Promise<ParquetExport> {
  const partitioned = dataset.columns.includes('fiscal_year');
  // the region of a dataset without one of its own is its document's
  const regionOfDocument = partitioned && !dataset.columns.includes('region') && dataset.columns.includes('doc_id');
  const columns = regionOfDocument ? [...dataset.columns, 'region'] : dataset.columns;
  // amounts come as exact 元 text made from their integer 分 (datasetSelect), and become DECIMAL(18,2) without a float
  const rowsSql = datasetSelect(dataset);
  const sql = regionOfDocument ? `SELECT x.*, d.region FROM (${rowsSql}) x LEFT JOIN documents d ON d.doc_id = x.doc_id` : rowsSql;
  const statement = db.prepare(sql).raw(true).safeIntegers(true);
  const declared = new Map(statement.columns().map((c) => [c.name, c.type]));
  const fields = new Map(((dataset as { fields?: FieldLike[] }).fields ?? []).map((f) => [f.name, f]));
  const types = columns.map((c) => parquetType(c, declared.get(c) ?? null, fields.get(c)));
  const staged = types.map((t) => (CAST_ON_WRITE.has(t) ? 'VARCHAR' : t));
  const table = quoteIdent(`export_${dataset.name}`);
  await connection.run(`DROP TABLE IF EXISTS ${table}`);
  await connection.run(`CREATE TABLE ${table} (${columns.map((c, i) => `${quoteIdent(c)} ${staged[i]}`).join(', ')})`);
  const appender = await connection.createAppender(`export_${dataset.name}`);
  let rows = 0;
  try {
    for (const row of statement.iterate() as Iterable<unknown[]>) {
      for (let i = 0; i < staged.length; i++) appendValue(appender, staged[i], row[i], columns[i]);
      appender.endRow();
      rows++;
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }

  const dir = join(outDir, dataset.name);
  const staging = join(outDir, `.${dataset.name}.partial-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  const select = (selected: readonly string[]) =>
    `SELECT ${selected
      .map((c) => {
        const type = types[columns.indexOf(c)];
        if (CAST_ON_WRITE.has(type)) return `CAST(NULLIF(${quoteIdent(c)}, '') AS ${type}) AS ${quoteIdent(c)}`;
        // a region not known is no partition of its own, '' or not
        if (partitioned && c === 'region') return `NULLIF(${quoteIdent(c)}, '') AS ${quoteIdent(c)}`;
        return quoteIdent(c);
      })
      .join(', ')} FROM ${table}`;
  try {
    if (!partitioned) {
      mkdirSync(staging, { recursive: true });
      await connection.run(`COPY (${select(columns)}) TO ${quoteString(join(staging, 'data_0.parquet'))} (FORMAT parquet)`);
    } else if (rows === 0) {
      // no partition to write: one empty file keeps the schema readable, in the layout of the others
      const empty = join(staging, ...PARTITION_COLUMNS.map((c) => `${c}=${DEFAULT_PARTITION}`));
      mkdirSync(empty, { recursive: true });
      const others = columns.filter((c) => !(PARTITION_COLUMNS as readonly string[]).includes(c));
      await connection.run(`COPY (${select(others)}) TO ${quoteString(join(empty, 'data_0.parquet'))} (FORMAT parquet)`);
    } else {
      const by = PARTITION_COLUMNS.map(quoteIdent).join(', ');
      await connection.run(`COPY (${select(columns)}) TO ${quoteString(staging)} (FORMAT parquet, PARTITION_BY (${by}))`);
      renameToHiveEscaping(staging);
    }
    rmSync(dir, { recursive: true, force: true });
    renameSync(staging, dir);
  } finally {
    rmSync(staging, { recursive: true, force: true });
    await connection.run(`DROP TABLE IF EXISTS ${table}`);
  }
  return { dataset: dataset.name, files: filesUnder(dir), rows };
}

/**
 * Writes each dataset as Parquet under `outDir/<dataset>/`, partitioned by
 * fiscal year and region. A dataset's folder is replaced as a whole. Resolves to what
 * was written, per dataset.
 */
export async function exportParquet(
  db: Database.Database,
  outDir: string,
  datasets: Record<string, Dataset> | Dataset[] = DATASETS,
): Promise<ParquetExport[]> {
  const list = Array.isArray(datasets) ? datasets : Object.values(datasets);
  const out = resolve(outDir);
  mkdirSync(out, { recursive: true });
  // DuckDB spills to disk past its memory limit; keep that in a folder of our own
  const spill = mkdtempSync(join(tmpdir(), 'yusuan-parquet-'));
  const instance = await DuckDBInstance.create(':memory:', {
    temp_directory: spill,
    autoinstall_known_extensions: 'false',
    threads: '2',
  });
  const connection = await instance.connect();
  try {
    const results: ParquetExport[] = [];
    for (const dataset of list) results.push(await exportDataset(db, connection, dataset, out));
    return results;
  } finally {
    connection.closeSync();
    instance.closeSync();
    rmSync(spill, { recursive: true, force: true });
  }
}
