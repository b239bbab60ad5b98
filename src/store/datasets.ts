import type Database from 'better-sqlite3';
import { csvLine } from './csv.js';

/**
 * The datasets of the contract (SCHEMA.md), each a query over the store
 * with its CSV columns in contract order.
 */
export interface Dataset {
  name: string;
  description: string;
  columns: string[];
  /** FROM … ORDER BY … clause yielding the columns. */
  from: string;
}

export const LINE_ITEM_COLUMNS = [
  'doc_id', 'source_file', 'source_format', 'department_code', 'department_name', 'fiscal_year', 'table_kind', 'side',
  'row_no', 'code', 'code_scheme', 'code_level', 'parent_code', 'label', 'measure', 'amount_yuan', 'source_unit', 'source_ref',
];

export const DATASETS: Record<string, Dataset> = {
  line_items: {
    name: 'line_items',
    description: 'one row per non-empty amount cell of the nine standard budget tables',
    columns: LINE_ITEM_COLUMNS,
    from: 'FROM line_items ORDER BY source_file, doc_id, seq',
  },
  documents: {
    name: 'documents',
    description: 'one row per source file read, with its status and the reason when it failed',
    columns: [
      'doc_id', 'source_file', 'source_format', 'department_code', 'department_name', 'fiscal_year', 'budget_scope', 'phase',
      'status', 'error', 'tables', 'line_items', 'region', 'department_key', 'source_url', 'published_date', 'size_bytes', 'pages',
      'source_path', 'ingested_at', 'pipeline_version',
    ],
    from: 'FROM documents_dataset ORDER BY source_file, doc_id',
  },
  checks: {
    name: 'checks',
    description: 'every identity of the tables checked per document: ok, rounding or error',
    columns: [
      'doc_id', 'source_file', 'department_code', 'fiscal_year', 'source_ref', 'rule', 'severity', 'table_kind', 'code', 'label',
      'measure', 'expected_yuan', 'actual_yuan', 'difference_yuan', 'message', 'involves',
    ],
    from: 'FROM checks_dataset ORDER BY source_file, doc_id, seq',
  },
  facts: {
    name: 'facts',
    description: 'named figures stated in the narrative, each with the sentence it came from',
    columns: ['doc_id', 'source_file', 'department_code', 'fiscal_year', 'source_ref', 'name', 'value_yuan', 'published', 'sentence'],
    from: 'FROM facts_dataset ORDER BY source_file, doc_id, seq',
  },
};

export function datasetNames(): string[] {
  return Object.keys(DATASETS);
}

/** Streams a dataset as CSV lines (header first). */
export function* datasetCsv(db: Database.Database, dataset: Dataset, options: { bom?: boolean } = {}): Generator<string> {
  yield `${options.bom ? '\ufeff' : ''}${csvLine(dataset.columns)}`;
  const statement = db.prepare(`SELECT ${dataset.columns.map((c) => `"${c}"`).join(', ')} ${dataset.from}`).raw(true);
  for (const row of statement.iterate() as Iterable<unknown[]>) yield csvLine(row);
}
