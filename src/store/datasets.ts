import type Database from 'better-sqlite3';
import { csvLine, csvRow } from './csv.js';
import { exportedName, RECORD_TABLES } from './records.js';
import { yuanSql } from './schema.js';

/**
 * The datasets of the contract (SCHEMA.md), each a query over the store
 * with its columns in contract order, typed and described: the same
 * description serves the CSV header, the Frictionless datapackage.json and
 * the Parquet schema.
 */

export type FieldType = 'string' | 'integer' | 'number' | 'date' | 'datetime';

export interface Field {
  name: string;
  type: FieldType;
  description: string;
  /** For amounts: the currency unit of the values (元). */
  unit?: string;
  required?: boolean;
  /** For a `*_yuan` amount: the view's column of the same amount in exact integer 分, which the exports format it from. */
  fen?: string;
  /** A closed vocabulary: the only values the field takes (besides empty). */
  enum?: (string | number)[];
}

export interface Dataset {
  name: string;
  description: string;
  fields: Field[];
  /** The column names, in order (from fields). */
  columns: string[];
  /** FROM … ORDER BY … clause yielding the columns. */
  from: string;
  primaryKey?: string[];
  foreignKeys?: { fields: string[]; resource: string; reference: string[] }[];
}

const field = (name: string, type: FieldType, description: string, extra: Partial<Field> = {}): Field => ({ name, type, description, ...extra });
const yuan = (name: string, description: string) =>
  field(name, 'number', `${description}, exact 元 with two decimals`, { unit: 'CNY', fen: name.replace(/_yuan$/, '_fen') });
/** (v3) The exact 分 of each amount field, appended after the dataset's own columns. */
const fenFields = (fields: Field[]): Field[] =>
  fields
    .filter((f) => f.fen)
    .map((f) => field(f.fen!, 'integer', `${f.name} in exact integer 分 (1 元 = 100 分): sum this for exact totals`, f.required ? { required: true } : {}));

/** The closed vocabularies of the datasets (SCHEMA.md). */
export const TABLE_KINDS = [
  'revenue_expenditure_summary', 'revenue', 'expenditure', 'fiscal_summary', 'general_budget_expenditure',
  'general_budget_basic_expenditure', 'gov_fund_expenditure', 'soe_capital_expenditure', 'three_public',
];
export const SOURCE_FORMATS = ['txt-cells', 'txt-tabs', 'pdf', 'docx', 'html'];
const SIDES = ['revenue', 'expenditure'];
const CODE_SCHEMES = ['function', 'economic'];
const CODE_SOURCES = ['published', 'label', 'list'];
const DOCUMENT_STATUSES = ['ok', 'partial', 'failed'];
const TABLE_STATUSES = ['read', 'published_empty', 'unreadable'];
const SEVERITIES = ['ok', 'rounding', 'error'];
const SOURCE_UNITS = ['元', '千元', '万元'];

/** Columns every dataset carries (SCHEMA.md "Other datasets"). */
const DOC_ID = field('doc_id', 'string', 'sha256 (hex) of the source file\'s bytes', { required: true });
const SOURCE_FILE = field('source_file', 'string', 'the source file\'s base name', { required: true });
const DEPARTMENT_CODE = field('department_code', 'string', 'the numeric prefix of the department line (435 in 435某局); empty when absent');
const DEPARTMENT_NAME = field('department_name', 'string', 'the department line without its code');
const FISCAL_YEAR = field('fiscal_year', 'integer', 'the budget year (预算年度)');
const SOURCE_REF = field('source_ref', 'string', 'where the row stands in the source: L123 (text line), p4 (PDF page), t5r7 (DOCX/HTML table 5 row 7)');
const OF_DOCUMENT = [{ fields: ['doc_id'], resource: 'documents', reference: ['doc_id'] }];
const TABLE_KIND = (required: boolean) => field('table_kind', 'string', 'which of the nine standard tables (SCHEMA.md)', { required, enum: TABLE_KINDS });

/** The documents' headline figures (documents.*_fen in the store), as SCHEMA.md defines each. */
const HEADLINES: [name: string, description: string][] = [
  ['revenue_total_yuan', 'table 1 (收支总表): the grand total of the revenue side (收入总计)'],
  ['expenditure_total_yuan', 'table 3 (支出总表), 合计 row: total'],
  ['basic_yuan', 'table 3, 合计 row: 基本支出 (人员 + 公用 where only the parts are printed)'],
  ['project_yuan', 'table 3, 合计 row: 项目支出'],
  ['general_budget_yuan', 'table 5 (一般公共预算财政拨款支出表), 合计 row: total'],
  ['personnel_yuan', 'table 6 (一般公共预算财政拨款基本支出表), 合计 row: 人员经费'],
  ['public_yuan', 'table 6, 合计 row: 公用经费'],
  ['three_public_yuan', 'table 9: "三公"经费 = 因公出国(境) + 公务用车购置及运行 + 公务接待 (not 会议费, 培训费, 机关运行经费); 0.00 when published empty'],
];

/** A dataset of its own fields, then (v3) the exact 分 of each amount, appended so that no column moves. */
function dataset(spec: Omit<Dataset, 'columns'>, appended: Field[] = []): Dataset {
  const fields = [...spec.fields, ...fenFields(spec.fields), ...appended];
  return { ...spec, fields, columns: fields.map((f) => f.name) };
}

const DEPARTMENT_KEY = field('department_key', 'string', 'region|code|name: links the documents of one department across years', { required: true });
const HEADLINE_FIELDS = (empty: string) => HEADLINES.map(([name, description]) => yuan(name, `${description}; ${empty}`));

export const DATASETS: Record<string, Dataset> = {
  line_items: dataset({
    name: 'line_items',
    description: 'one row per non-empty amount cell of the nine standard budget tables',
    fields: [
      DOC_ID,
      SOURCE_FILE,
      field('source_format', 'string', 'txt-cells, txt-tabs, pdf, docx or html', { required: true, enum: SOURCE_FORMATS }),
      DEPARTMENT_CODE,
      DEPARTMENT_NAME,
      FISCAL_YEAR,
      TABLE_KIND(true),
      field('side', 'string', 'revenue or expenditure', { required: true, enum: SIDES }),
      field('row_no', 'string', 'the table\'s own 序号 of the row; empty when none'),
      field('code', 'string', 'classification code (201, 20103, 2010301, 301, 30101); empty for totals and label-only rows'),
      field('code_scheme', 'string', 'function (功能分类) or economic (部门经济分类); empty when code is empty', { enum: CODE_SCHEMES }),
      field('code_level', 'integer', '1, 2, 3 for 3-, 5-, 7-digit codes', { enum: [1, 2, 3] }),
      field('parent_code', 'string', 'the code without its last two digits, for levels 2 and 3'),
      field('label', 'string', 'the row label, normalized (NFKC, no whitespace, no leading enumerator)', { required: true }),
      field('measure', 'string', 'the canonical column key (SCHEMA.md)', { required: true }),
      { ...yuan('amount_yuan', 'the amount'), required: true },
      field('source_unit', 'string', 'the unit the table declared: 元, 千元, 万元', { required: true, enum: SOURCE_UNITS }),
      { ...SOURCE_REF, required: true },
      field('unit_name', 'string', 'the 预算单位 whose block of rows the item stands in, for tables printed per unit; empty otherwise'),
      field('code_source', 'string', 'where the code comes from: published (a code cell), label (read from the label), list (the official classification, by the label\'s name); empty when code is empty', { enum: CODE_SOURCES }),
    ],
    from: 'FROM line_items ORDER BY source_file, doc_id, seq',
    // every field of a key has a value (row_no and code are empty on many rows): the item's number within its document
    primaryKey: ['doc_id', 'item_no'],
    foreignKeys: OF_DOCUMENT,
  }, [
    field('item_no', 'integer', '(v3) the item\'s number within its document, in the order of the source: with doc_id, the key of a line item', { required: true }),
    field('function_class', 'string', '(v3) 类 of a function code: its first 3 digits; empty for economic codes and rows without a code'),
    field('function_kuan', 'string', '(v3) 款 of a function code of level 2 or 3: its first 5 digits; empty otherwise'),
    field('function_xiang', 'string', '(v3) 项 of a function code of level 3: the code; empty otherwise'),
    field('economic_class', 'string', '(v3) 类 of an economic code: its first 3 digits; empty otherwise'),
    field('economic_kuan', 'string', '(v3) 款 of an economic code of level 2: the code; empty otherwise'),
    field('box', 'string', '(v3) PDF: the cell\'s box on the page of source_ref, `x0 y0 x1 y1` in points from the top left of the page as displayed; empty for other formats'),
  ]),
  documents: dataset({
    name: 'documents',
    description: 'one row per source file read, with its status, the reason when it failed or was read in part, and its headline figures',
    fields: [
      DOC_ID,
      SOURCE_FILE,
      field('source_format', 'string', 'txt-cells, txt-tabs, pdf, docx or html; empty when the file could not be read', { enum: SOURCE_FORMATS }),
      DEPARTMENT_CODE,
      DEPARTMENT_NAME,
      FISCAL_YEAR,
      field('budget_scope', 'string', 'department (部门预算) or unit (单位预算)', { enum: ['department', 'unit'] }),
      field('phase', 'string', 'budget (预算) or final (决算)', { required: true, enum: ['budget', 'final'] }),
      field('status', 'string', 'ok (every standard table it publishes was read), partial (some could not be read: error names them; the others are in the datasets) or failed (nothing of the document is in the other datasets)', { required: true, enum: DOCUMENT_STATUSES }),
      field('error', 'string', 'why the document failed, or which tables of a partial one could not be read, for a person'),
      field('tables', 'integer', 'standard tables found (read, published empty or not readable)', { required: true }),
      field('line_items', 'integer', 'line items stored', { required: true }),
      field('region', 'string', 'the region the department belongs to (from its name or the manifest)'),
      { ...DEPARTMENT_KEY, required: false },
      field('source_url', 'string', 'where the document was published (manifest)'),
      field('published_date', 'date', 'when it was published (manifest)'),
      field('size_bytes', 'integer', 'the file\'s size', { required: true }),
      field('pages', 'integer', 'pages of a PDF'),
      field('source_path', 'string', 'the path the file was ingested from', { required: true }),
      field('ingested_at', 'datetime', 'when it was ingested (UTC, to the second: 2025-03-01T08:15:00Z)', { required: true }),
      field('pipeline_version', 'string', 'the yusuan pipeline version that read it', { required: true }),
      field('tables_read', 'integer', 'standard tables read, published empty ones included', { required: true }),
      field('tables_unreadable', 'integer', 'standard tables found but not read (the tables dataset says why)', { required: true }),
      ...HEADLINE_FIELDS('empty where the document has no such table or cell'),
    ],
    from: 'FROM documents_dataset ORDER BY source_file, doc_id',
    primaryKey: ['doc_id'],
  }),
  tables: dataset({
    name: 'tables',
    description: 'one row per standard table found in a document read (ok or partial): read, published empty, or not readable and why',
    fields: [
      DOC_ID,
      SOURCE_FILE,
      DEPARTMENT_CODE,
      DEPARTMENT_NAME,
      FISCAL_YEAR,
      TABLE_KIND(true),
      field('table_no', 'integer', 'its number in the standard set, 1-9', { required: true, enum: [1, 2, 3, 4, 5, 6, 7, 8, 9] }),
      field('title', 'string', 'the title as printed', { required: true }),
      field('status', 'string', 'read, published_empty (空表列示: no line items) or unreadable (none of its line items are stored)', { required: true, enum: TABLE_STATUSES }),
      field('reason', 'string', 'why it could not be read, for a person; empty otherwise'),
      field('unit', 'string', 'the unit it declared: 元, 千元, 万元; empty when not known', { enum: SOURCE_UNITS }),
      field('line_items', 'integer', 'line items stored from it (0 unless read)', { required: true }),
      { ...SOURCE_REF, description: 'where the table\'s title stands in the source: L123, p4, t5r7', required: true },
      field('empty_note', 'string', 'the note of a table published empty (注：…空表列示)'),
    ],
    from: 'FROM tables_dataset ORDER BY source_file, doc_id, table_no',
    primaryKey: ['doc_id', 'table_kind'],
    foreignKeys: OF_DOCUMENT,
  }),
  checks: dataset({
    name: 'checks',
    description: 'every identity of the tables checked per document: ok, rounding or error',
    fields: [
      DOC_ID,
      SOURCE_FILE,
      DEPARTMENT_CODE,
      FISCAL_YEAR,
      SOURCE_REF,
      field('rule', 'string', 'row-identity, hierarchy, total-of-classes, summary-*, cross-table, three-public-sum, narrative, likely-wrong-cell, empty-note', { required: true }),
      field('severity', 'string', 'ok, rounding (within half a unit of the last published digit per number) or error', { required: true, enum: SEVERITIES }),
      { ...TABLE_KIND(false), description: 'the table of the value checked' },
      field('code', 'string', 'its row\'s code'),
      field('label', 'string', 'its row\'s label'),
      field('measure', 'string', 'its column'),
      yuan('expected_yuan', 'what the other numbers say it should be'),
      yuan('actual_yuan', 'the value as published'),
      yuan('difference_yuan', 'actual minus expected'),
      field('message', 'string', 'the check in words', { required: true }),
      field('involves', 'string', 'source positions of every number the check involves'),
      field('check_no', 'integer', 'the check\'s number within the document', { required: true }),
    ],
    from: 'FROM checks_dataset ORDER BY source_file, doc_id, check_no',
    primaryKey: ['doc_id', 'check_no'],
    foreignKeys: OF_DOCUMENT,
  }),
  facts: dataset({
    name: 'facts',
    description: 'named figures stated in the narrative, each with the sentence it came from',
    fields: [
      DOC_ID,
      SOURCE_FILE,
      DEPARTMENT_CODE,
      FISCAL_YEAR,
      SOURCE_REF,
      field('name', 'string', 'revenue_total, expenditure_total, basic_total, personnel_total, public_total, project_total, admin_cost (机关运行经费), three_public_total and its parts, change_vs_previous_year, previous_year_total', { required: true }),
      { ...yuan('value_yuan', 'the figure'), required: true },
      field('published', 'string', 'the figure as written (2085.50万元)'),
      field('sentence', 'string', 'the sentence it was read from', { required: true }),
    ],
    from: 'FROM facts_dataset ORDER BY source_file, doc_id, seq',
    primaryKey: ['doc_id', 'fact_no'],
    foreignKeys: OF_DOCUMENT,
  }, [field('fact_no', 'integer', '(v3) the figure\'s number within its document: with doc_id, the key of a fact', { required: true })]),
  departments: dataset({
    name: 'departments',
    description: '(v3) one row per department, its documents across the years linked by department_key (region|code|name)',
    fields: [
      DEPARTMENT_KEY,
      field('region', 'string', 'the region the department belongs to (from its name or the manifest)'),
      DEPARTMENT_CODE,
      DEPARTMENT_NAME,
      field('documents', 'integer', 'documents read (ok or partial) of the department', { required: true }),
      field('years', 'integer', 'fiscal years they cover', { required: true }),
      field('first_year', 'integer', 'the first of them'),
      field('last_year', 'integer', 'the last of them'),
    ],
    from: 'FROM departments ORDER BY department_key',
    primaryKey: ['department_key'],
  }),
  department_years: dataset({
    name: 'department_years',
    description: '(v3) one row per department and fiscal year with the headline figures of one document, chosen when several cover it (chosen_because says how): sum over this, not over documents, to count each department and year once',
    fields: [
      DEPARTMENT_KEY,
      field('region', 'string', 'the region the department belongs to'),
      DEPARTMENT_CODE,
      DEPARTMENT_NAME,
      { ...FISCAL_YEAR, required: true },
      { ...DOC_ID, description: 'the document whose figures the row shows (sha256 of its bytes)' },
      SOURCE_FILE,
      field('documents', 'integer', 'documents read for this department and year', { required: true }),
      field('chosen_because', 'string', 'why this document: the only one, or chosen by fewest validation errors, then fewest tables not read, then most line items, then the latest publication date, then the latest ingest', { required: true }),
      field('check_errors', 'integer', 'validation errors of the chosen document', { required: true }),
      ...HEADLINE_FIELDS('empty where the chosen document has no such table or cell'),
    ],
    from: 'FROM department_years ORDER BY department_key, fiscal_year',
    primaryKey: ['department_key', 'fiscal_year'],
    foreignKeys: [...OF_DOCUMENT, { fields: ['department_key'], resource: 'departments', reference: ['department_key'] }],
  }),
};

/** Closed vocabularies of the record tables' own columns. */
const RECORD_ENUMS: Record<string, (string | number)[]> = { 'procurement.row_kind': ['item', 'total', 'subtotal'] };

// the disclosure's other tables, from their declarations (records.ts)
for (const table of RECORD_TABLES) {
  DATASETS[table.name] = dataset({
    name: table.name,
    description: table.description,
    fields: [
      DOC_ID,
      SOURCE_FILE,
      DEPARTMENT_CODE,
      FISCAL_YEAR,
      SOURCE_REF,
      ...table.columns.map((c) =>
        c.kind === 'fen'
          ? yuan(exportedName(c), c.description)
          : field(c.name, c.kind === 'integer' ? 'integer' : 'string', c.description, {
              ...(c.required ? { required: true } : {}),
              ...(RECORD_ENUMS[`${table.name}.${c.name}`] ? { enum: RECORD_ENUMS[`${table.name}.${c.name}`] } : {}),
            }),
      ),
      field('row_no', 'integer', 'the row\'s number within the document', { required: true }),
    ],
    from: `FROM ${table.name}_dataset ORDER BY source_file, doc_id, row_no`,
    primaryKey: ['doc_id', 'row_no'],
    foreignKeys: OF_DOCUMENT,
  });
}

export const LINE_ITEM_COLUMNS = DATASETS.line_items.columns;

export function datasetNames(): string[] {
  return Object.keys(DATASETS);
}

/**
 * The SELECT of a dataset's columns (dataset.columns, in order) for the
 * exports: an amount (`*_yuan`) as the exact 元 text made from its integer
 * 分 (`*_fen`), never from the views' numeric 元; the other columns as the
 * views give them.
 */
export function datasetSelect(dataset: Dataset): string {
  const fields = new Map(dataset.fields.map((f) => [f.name, f]));
  const list = dataset.columns.map((c) => {
    const fen = fields.get(c)?.fen;
    return fen ? `${yuanSql(`"${fen}"`)} AS "${c}"` : `"${c}"`;
  });
  return `SELECT ${list.join(', ')} ${dataset.from}`;
}

/**
 * The rows of a dataset, each an array in column order, from a Store's
 * connection (which has this yusuan's views: Store.open makes them).
 */
export function datasetRows(db: Database.Database, dataset: Dataset, options: { safeIntegers?: boolean } = {}): Iterable<unknown[]> {
  const statement = db.prepare(datasetSelect(dataset)).raw(true);
  if (options.safeIntegers) statement.safeIntegers(true);
  return statement.iterate() as Iterable<unknown[]>;
}

/** Which columns of a dataset hold text (their cells are neutralized in a CSV: csv.ts). */
export function textColumns(dataset: Dataset): boolean[] {
  const fields = new Map(dataset.fields.map((f) => [f.name, f]));
  return dataset.columns.map((c) => (fields.get(c)?.type ?? 'string') === 'string');
}

/** Streams a dataset as CSV lines (header first). */
export function* datasetCsv(db: Database.Database, dataset: Dataset, options: { bom?: boolean } = {}): Generator<string> {
  yield `${options.bom ? '\ufeff' : ''}${csvLine(dataset.columns)}`;
  const text = textColumns(dataset);
  // integers as bigint: an amount's 分 beyond 2^53 stays exact
  for (const row of datasetRows(db, dataset, { safeIntegers: true })) yield csvRow(row, text);
}
